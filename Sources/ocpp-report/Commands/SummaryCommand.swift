import ArgumentParser

/// `ocpp-report summary`: one row per charger.
struct SummaryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "summary",
        abstract: "One row per charger: sessions, energy, hours charging, utilisation, availability, faults, data-quality flags.",
        discussion: """
            Sessions count in the window their start falls in (as in `sessions`). Fields:
              charger              charge point id (every known charger, also those without sessions)
              connectors           connectors (id > 0) known from status notifications and transactions
              sessions             transactions started in the window
              energy_kwh           sum of the sessions' energy_kwh, kWh
              hours_charging       sum of the sessions' duration_s, hours
              utilisation_pct      hours_charging / (connectors x hours of the window), percent
              availability_pct     share of connector time in the window during which the charger was connected
                                   (connect/disconnect/offline events) and neither it (connector 0) nor the connector
                                   was Faulted or Unavailable (status history), percent; averaged over connectors
              faults               entries into Faulted per error code: ErrorCode=count;... in CSV, an object in JSON
              flag_unit_error, flag_register_reset, flag_meter_gap, flag_clock_skew, flag_stale, flag_zero_energy,
              flag_meter_mismatch
                                   sessions with that data-quality flag (see `ocpp-report sessions --help`)

            The window runs from --since (or the charger's first connection, if later) to --until, but not past the
            later of now and the newest data: a month in progress counts the days so far.
            """
    )

    @OptionGroup(visibility: .hidden) var database: DatabaseOptions
    @OptionGroup var window: WindowOptions

    @OptionGroup var table: TableOptions

    func validate() throws {
        try table.validate(command: "summary")
    }

    func run() async throws {
        let (window, charger, analysis) = (try window.window(required: true), window.charger, table.analysis)
        let rows = try await database.read { store in try ReportBuilder(store: store, analysis: analysis).summary(window, charger: charger) }
        try table.write(ReportTable(summary: rows))
    }
}
