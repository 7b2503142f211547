/// One row of `ocpp-report summary`: a charger's sessions, energy, time charging, utilisation, availability, faults
/// and data-quality flags over the window.
struct ChargerReport: Sendable, Hashable {
    var chargerID: String
    var connectors: Int
    var sessions: Int
    var energyWh: Double
    /// Sum of the session durations (`sessions`' duration_s).
    var chargingSeconds: Double
    /// Charging time over connector time in the window, percent.
    var utilisationPercent: Double?
    /// Connector time online and neither Faulted nor Unavailable over connector time in the window, percent.
    var availabilityPercent: Double?
    /// Entries into Faulted per error code.
    var faults: [String: Int]
    var flagCounts: [DataQualityFlag: Int]
}
