import Shared

/// A deviation from the OCPP 1.6 schemas or from good practice that real chargers show (../shared/ocpp/vendor-quirks.md).
/// Payload quirks rewrite what a charger sends (`QuirkMode.apply`); behaviour quirks change what it does and are read
/// by the session logic.
enum QuirkMode: String, Codable, Sendable, Hashable, CaseIterable {
    /// BootNotification property names with wrong case (`ChargeBoxSerialNumber`, ABB Terra AC).
    case wrongCase = "wrong-case"
    /// `"info": "null"` and `"vendorErrorCode": "0x00"` in StatusNotification (ABB Terra AC).
    case nullStrings = "null-strings"
    /// `""` for optional strings: `iccid`, `imsi`, `meterSerialNumber` (Etrel, Teison).
    case emptyStrings = "empty-strings"
    /// Integers sent as strings (`"connectorId": "1"`, `"meterStart": "1200"`).
    case numbersAsStrings = "numbers-as-strings"
    /// Timestamps without a zone (`2026-12-05T10:00:00`, local time taken as UTC; Growatt THOR).
    case noZone = "no-zone"
    /// Strings over the schema's maxLength (model 23 chars, serial 33 chars, info 60 chars; Schneider, HICI).
    case longStrings = "long-strings"
    /// Sampled values with measurands and contexts outside the enumeration (`CurrentMax`, Alfen).
    case unknownMeasurands = "unknown-measurands"
    /// The energy register in kWh but labelled `Wh` (a unit error reports must catch).
    case kWhAsWh = "kwh-as-wh"
    /// The Transaction.End meter value arrives in a MeterValues after StopTransaction.
    case lateFinalMeter = "late-final-meter"
    /// The energy register falls back to 0 in the middle of a session (meter reboot).
    case registerReset = "register-reset"
    /// Four consecutive periodic samples are not sent, once per session.
    case meterGaps = "meter-gaps"
    /// The charger's clock runs 10 minutes ahead of real time.
    case clockSkew = "clock-skew"
    /// Sessions end locally but StopTransaction is never sent (a stale transaction).
    case neverStop = "never-stop"
    /// Vehicles arrive full: sessions deliver no energy.
    case zeroEnergy = "zero-energy"
    /// Charging profiles are accepted (and reported by GetCompositeSchedule) but the drawn power ignores them, as
    /// some firmware does: what a central system's verification must catch.
    case ignoreProfiles = "ignore-profiles"

    var summary: String {
        switch self {
        case .wrongCase: "BootNotification property names with wrong case (ChargeBoxSerialNumber)"
        case .nullStrings: "\"null\" strings in StatusNotification info, vendorErrorCode \"0x00\""
        case .emptyStrings: "empty strings for optional fields (iccid, imsi, meterSerialNumber)"
        case .numbersAsStrings: "integers as strings (connectorId, meterStart, meterStop)"
        case .noZone: "timestamps without a zone"
        case .longStrings: "strings longer than the schema allows"
        case .unknownMeasurands: "sampled values with unknown measurands and contexts"
        case .kWhAsWh: "energy register in kWh labelled Wh"
        case .lateFinalMeter: "final meter value sent after StopTransaction"
        case .registerReset: "energy register resets to 0 during a session"
        case .meterGaps: "four periodic samples missing once per session"
        case .clockSkew: "charger clock 10 minutes fast"
        case .neverStop: "StopTransaction never sent (stale transaction)"
        case .zeroEnergy: "vehicles arrive full: zero-energy sessions"
        case .ignoreProfiles: "charging profiles accepted but not obeyed: draws full power"
        }
    }

    /// Quirks that rewrite payloads rather than behaviour.
    static let payloadQuirks: Set<QuirkMode> = [.wrongCase, .nullStrings, .emptyStrings, .numbersAsStrings, .noZone, .longStrings, .unknownMeasurands, .kWhAsWh]

    /// The clock offset this set of quirks puts on the charger's timestamps, in seconds.
    static func clockOffset(_ quirks: Set<QuirkMode>) -> Double {
        quirks.contains(.clockSkew) ? 600 : 0
    }
}
