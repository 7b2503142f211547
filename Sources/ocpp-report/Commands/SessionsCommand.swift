import ArgumentParser

/// `ocpp-report sessions`: one row per transaction.
struct SessionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sessions",
        abstract: "One row per transaction started in the window: energy, power, SoC and data-quality flags.",
        discussion: """
            Fields (CSV header and JSON keys, in this order):
              transaction_id   the server's transaction id
              charger          charge point id
              connector        connector id
              id_tag           the id tag that started the session
              start            StartTransaction timestamp, RFC 3339 UTC (the charger's clock)
              stop             StopTransaction timestamp, RFC 3339 UTC; empty while open or stale
              duration_s       seconds from start to stop; for an open transaction, to its last meter value
              meter_start_wh   meterStart, Wh
              meter_stop_wh    meterStop, Wh; empty while open
              energy_kwh       energy delivered, kWh (3 decimals): meterStop - meterStart, re-counted from the
                               Energy.Active.Import.Register samples when the register reset or ran backwards
                               (counting from zero after each fall), up to the last register sample when open
              energy_source    meter (meterStart/meterStop) or register (register samples involved)
              max_power_kw     largest Power.Active.Import sample (sum of phases if no total), kW; derived from
                               register deltas when the charger sends no power
              soc_start_pct    first SoC sample, percent; empty when the charger reports no SoC
              soc_end_pct      last SoC sample, percent
              stop_reason      StopTransaction reason (Local when the charger gave none)
              clock_offset_s   charger clock minus server clock, seconds, from status notifications
              flags            data-quality flags, ';'-separated in CSV, an array in JSON:
                unit-error       register samples 1000x off meterStart/meterStop (kWh labelled Wh or the reverse);
                                 energy and power are corrected
                register-reset   the register fell during the session or meterStop < meterStart
                meter-gap        no meter value for more than three sample intervals (the interval: the charger's
                                 MeterValueSampleInterval as read by the server, else the session's typical one)
                clock-skew       |clock_offset_s| above --max-clock-skew
                stale            never stopped: the charger rebooted, freed the connector or started another
                                 session without StopTransaction
                zero-energy      stopped with less than 1 Wh delivered

            Without --month, --since or --until: every transaction. Orphan StopTransactions (no start) are left out.
            """
    )

    @OptionGroup(visibility: .hidden) var database: DatabaseOptions
    @OptionGroup var window: WindowOptions

    @Option(help: "csv or json.")
    var format: ReportFormat = .csv

    @Option(help: ArgumentHelp("Write to this file instead of stdout (replaced whole).", valueName: "file"))
    var output: String?

    @Option(help: ArgumentHelp("Flag clock skew above this many seconds.", valueName: "seconds"))
    var maxClockSkew: Double = 300

    func validate() throws {
        if format == .svg { throw ValidationError("--format svg is for curve; sessions takes csv or json") }
        if maxClockSkew <= 0 { throw ValidationError("--max-clock-skew must be positive") }
    }

    func run() throws {
        let builder = ReportBuilder(store: try ReportStore.open(path: database.path), analysis: SessionAnalysis(maxClockSkewSeconds: maxClockSkew))
        let rows = try builder.sessions(try window.window(required: false), charger: window.charger)
        let table = ReportTable(sessions: rows)
        try OutputTarget.write(format == .json ? table.json : table.csv, to: output)
    }
}
