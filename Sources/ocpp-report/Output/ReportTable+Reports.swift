import Foundation

/// The field names and units of each report (the man page lists them from the commands' help).
extension ReportTable {
    static let sessionColumns = [
        "transaction_id", "charger", "connector", "id_tag", "start", "stop", "duration_s", "meter_start_wh", "meter_stop_wh", "register_first_wh",
        "register_last_wh", "energy_kwh", "energy_source", "max_power_kw", "soc_start_pct", "soc_end_pct", "stop_reason", "clock_offset_s", "flags",
    ]

    init(sessions: [SessionReport]) {
        self.init(
            columns: Self.sessionColumns,
            rows: sessions.map { s in
                [
                    .integer(s.transactionID), .text(s.chargerID), .optional(s.connectorID.map(Int64.init)), .optional(s.idTag), .time(s.startMs),
                    .time(s.stopMs), .number(s.durationSeconds, places: 0), .optional(s.meterStartWh), .optional(s.meterStopWh),
                    .optional(s.registerFirstWh, trimmedTo: 3), .optional(s.registerLastWh, trimmedTo: 3),
                    .optional(s.energyWh.map { $0 / 1000 }, places: 3), s.energySource.isEmpty ? .null : .text(s.energySource),
                    .optional(s.maxPowerW.map { $0 / 1000 }, places: 2), .optional(s.socStart, places: 0), .optional(s.socEnd, places: 0),
                    .optional(s.stopReason), .optional(s.clockOffsetSeconds, places: 0), .list(s.flags.map(\.rawValue)),
                ]
            }
        )
    }

    static let summaryColumns =
        ["charger", "connectors", "sessions", "energy_kwh", "hours_charging", "utilisation_pct", "availability_pct", "faults"]
        + DataQualityFlag.allCases.map(\.summaryField)

    init(summary: [ChargerReport]) {
        self.init(
            columns: Self.summaryColumns,
            rows: summary.map { c in
                [
                    .text(c.chargerID), .integer(Int64(c.connectors)), .integer(Int64(c.sessions)), .number(c.energyWh / 1000, places: 3),
                    .number(c.chargingSeconds / 3600, places: 2), .optional(c.utilisationPercent, places: 1),
                    .optional(c.availabilityPercent, places: 1), .counts(c.faults.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }),
                ] + DataQualityFlag.allCases.map { .integer(Int64(c.flagCounts[$0] ?? 0)) }
            }
        )
    }
}
