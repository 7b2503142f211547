import ArgumentParser

/// `ocpp-report curve ID`: the time series of one session.
struct CurveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "curve",
        abstract: "The power curve of one session: CSV or JSON rows, or an SVG chart.",
        discussion: """
            One row per meter-value timestamp of the transaction (the charger's clock). Fields:
              timestamp          RFC 3339 UTC
              power_w            Power.Active.Import (W; the sum of phases when no total), else derived from the
                                 energy delivered since the previous row
              power_source       measured or derived
              current_l1_a, current_l2_a, current_l3_a   Current.Import per phase, A
              current_a          Current.Import without a phase (DC), A
              voltage_v          Voltage: the mean of the phases, or the value without a phase, V
              energy_wh          RELATIVE: energy delivered since the session started, Wh: the register (unit-error
                                 corrected) minus meterStart, each fall counted as a reset to zero
              register_wh        REGISTER: the Energy.Active.Import.Register reading as the charger sent it, Wh (a kWh
                                 reading x 1000; up to 3 decimals, trailing zeros dropped), with no unit-error or
                                 reset correction: what an auditor reconciles against the meter. With the unit-error
                                 flag (see `sessions --help`) it stays as sent while energy_wh is corrected; empty
                                 on rows without a register sample
              soc_pct            SoC, percent (where the charger reports it)
              offered_current_a  Current.Offered, A: the current limit in force
              offered_power_w    Power.Offered, W: the power limit in force
              limit_w            the limit as power: offered_power_w, else offered_current_a x voltage_v x phases
                                 drawing current, W

            --format svg draws power (kW, left axis) over time, SoC (%, right axis) and the limit as a dashed line:
            a self-contained file (no scripts, no external fonts) for a browser.
            """
    )

    @OptionGroup(visibility: .hidden) var database: DatabaseOptions

    @Argument(help: ArgumentHelp("The server's transaction id (as in `sessions`).", valueName: "transaction-id"))
    var transactionID: Int64

    @Option(help: "csv, json or svg.")
    var format: ReportFormat = .csv

    @Option(help: ArgumentHelp("Write to this file instead of stdout (replaced whole).", valueName: "file"))
    var output: String?

    func run() async throws {
        let (id, svg) = (transactionID, format == .svg)
        let (points, session) = try await database.read { store in
            guard let (facts, samples) = try store.curveSamples(transaction: id) else { throw ReportError.noTransaction(id) }
            // The session's row, for the SVG's title: a window around its start.
            let window = ReportWindow(sinceMs: facts.startMs, untilMs: facts.startMs + 1)
            let session = svg ? try ReportBuilder(store: store).sessions(window, charger: facts.chargerID).first { $0.transactionID == id } : nil
            return (CurveBuilder.points(facts, samples: samples), session)
        }
        switch format {
        case .svg:
            guard let session else { throw ReportError.noTransaction(transactionID) }
            try OutputTarget.write(CurveChart().svg(session: session, points: points), to: output)
        case .csv, .json:
            let table = ReportTable(curve: points)
            try OutputTarget.write(format == .json ? table.json : table.csv, to: output)
        }
    }
}
