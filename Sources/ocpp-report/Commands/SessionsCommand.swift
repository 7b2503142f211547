import ArgumentParser

/// `ocpp-report sessions`: one row per transaction.
struct SessionsCommand: AsyncParsableCommand {
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
              meter_start_wh   meterStart, Wh: the register reading StartTransaction carried
              meter_stop_wh    meterStop, Wh: the register reading StopTransaction carried; empty while open
              register_first_wh, register_last_wh
                               the first and last Energy.Active.Import.Register sample of the session as the
                               charger sent it, Wh (a kWh reading x 1000; up to 3 decimals; no unit-error
                               correction). Always set when the session has register samples, whether or not they
                               equal meter_start_wh/meter_stop_wh (see meter-mismatch); empty when it has none
              energy_kwh       energy delivered (relative, not a register reading), kWh (3 decimals):
                               meterStop - meterStart, re-counted from the Energy.Active.Import.Register samples
                               when the register reset or ran backwards (counting from zero after each fall), up
                               to the last register sample when open
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
                meter-mismatch   meterStart or meterStop disagrees with the charger's own register samples (unit
                                 corrected): the first sample is below meterStart, or meterStop below the last
                                 sample, by more than 100 Wh; or either leads the other by more than 100 Wh plus
                                 what the session could deliver between the two readings (1.5 x its fastest
                                 register rise, or 350 kW without two samples, over the time between them)

            Without --month, --since or --until: every transaction. Orphan StopTransactions (no start) are left out.
            """
    )

    @OptionGroup(visibility: .hidden) var database: DatabaseOptions
    @OptionGroup var window: WindowOptions

    @OptionGroup var table: TableOptions

    func validate() throws {
        try table.validate(command: "sessions")
    }

    func run() async throws {
        let (window, charger, analysis) = (try window.window(required: false), window.charger, table.analysis)
        let rows = try await database.read { store in try ReportBuilder(store: store, analysis: analysis).sessions(window, charger: charger) }
        try table.write(ReportTable(sessions: rows))
    }
}
