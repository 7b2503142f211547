/// One row of `ocpp-report sessions`: a transaction with its energy, power, SoC and data-quality flags.
struct SessionReport: Sendable, Hashable {
    var transactionID: Int64
    var chargerID: String
    var connectorID: Int?
    var idTag: String?
    var startMs: Int64
    /// Nil while the transaction is open (in progress or stale).
    var stopMs: Int64?
    /// Start to stop; for an open transaction, start to its last meter value.
    var durationSeconds: Double
    var meterStartWh: Int64?
    var meterStopWh: Int64?
    /// The first and last Energy.Active.Import.Register sample as the charger sent it (Wh after the unit label's
    /// conversion, before any unit-error correction); nil without register samples.
    var registerFirstWh: Double?
    var registerLastWh: Double?
    /// Delivered energy (Wh): meterStop - meterStart, re-counted from the register samples when the register reset
    /// or went backwards; up to the last register sample for an open transaction. Nil when nothing tells.
    var energyWh: Double?
    /// `meter` (meterStart/meterStop), `register` (register samples involved) or empty.
    var energySource: String
    var maxPowerW: Double?
    var socStart: Double?
    var socEnd: Double?
    var stopReason: String?
    var flags: [DataQualityFlag]
    /// The unit correction applied to the register samples (1000: kWh labelled Wh; 0.001: Wh labelled kWh).
    var registerFactor: Double
    /// Charger clock minus server clock (s), where measured.
    var clockOffsetSeconds: Double?
}
