/// One instant of a session's curve: every meter value the charger sent with that timestamp, in base units.
struct CurvePoint: Sendable, Hashable {
    var atMs: Int64
    /// Active power (W): Power.Active.Import where sent, else derived from the energy delivered since the previous point.
    var powerW: Double?
    /// `measured` or `derived`.
    var powerSource: String?
    var currentL1: Double?
    var currentL2: Double?
    var currentL3: Double?
    /// Current without a phase (DC, or a total).
    var current: Double?
    /// Mean of the phase voltages, or the voltage without a phase (V).
    var voltage: Double?
    /// Energy delivered since the session started (Wh), unit and reset corrected.
    var energyWh: Double?
    /// The Energy.Active.Import.Register reading as the charger sent it (Wh after the unit label's conversion; no
    /// unit-error or reset correction), so the row can be audited against the meter.
    var registerWh: Double?
    var soc: Double?
    var offeredCurrent: Double?
    var offeredPower: Double?
    /// The limit in force as power (W): Power.Offered, else Current.Offered x voltage x phases in use.
    var limitW: Double?
}
