import Foundation

/// A data-quality problem found in one session. The raw value is what the `flags` column shows.
enum DataQualityFlag: String, CaseIterable, Sendable, Hashable, Comparable {
    /// The energy register is 1000x off relative to meterStart/meterStop: kWh values labelled Wh, or the reverse.
    case unitError = "unit-error"
    /// The energy register fell during the session (a meter reset), or meterStop is below meterStart.
    case registerReset = "register-reset"
    /// Meter values stopped for longer than three sample intervals during the session.
    case meterGap = "meter-gap"
    /// The charger's clock differs from the server's by more than the allowed skew (default 300 s).
    case clockSkew = "clock-skew"
    /// The transaction was never stopped: the charger went on (rebooted, freed the connector, started another
    /// session) without a StopTransaction.
    case stale = "stale"
    /// A stopped session that delivered no energy (under 1 Wh).
    case zeroEnergy = "zero-energy"
    /// meterStart or meterStop disagrees with the charger's own register samples by more than the energy the
    /// session could have delivered between the two readings, plus 100 Wh (`SessionAnalysis.meterMismatch`).
    /// Last in the list so the summary's older columns keep their places.
    case meterMismatch = "meter-mismatch"

    /// The summary column counting sessions with this flag.
    var summaryField: String { "flag_" + rawValue.replacingOccurrences(of: "-", with: "_") }

    static func < (lhs: DataQualityFlag, rhs: DataQualityFlag) -> Bool {
        (allCases.firstIndex(of: lhs) ?? 0) < (allCases.firstIndex(of: rhs) ?? 0)
    }
}
