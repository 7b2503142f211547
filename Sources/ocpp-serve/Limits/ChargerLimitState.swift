import Shared

/// What the limit manager keeps per charger: the unit it takes, its open sessions, the profiles it holds on our
/// behalf (as sent, with its answer) and whether its meter values show it obeying them.
struct ChargerLimitState: Sendable {
    enum UnitSource: String, Sendable {
        /// Not asked yet.
        case unknown
        /// `ChargingScheduleAllowedChargingRateUnit` from its configuration.
        case configuration
        /// It rejected a profile in the other unit.
        case answer
        /// It does not report the key: A, which every smart-charging charger takes.
        case fallback
    }

    struct SentProfile: Sendable {
        var profile: ChargingProfile
        /// `Accepted`, `Rejected`, `NotSupported`, `Pending`, or a failure (`Timeout`, `Disconnected`).
        var status: String
        var sentMs: Int64
    }

    var unit: LimitUnit = .a
    var unitSource: UnitSource = .unknown
    var allowedUnits: Set<LimitUnit> = []
    /// Connector → open transaction id.
    var sessions: [Int: Int] = [:]
    var sent: [ManagedProfile.Role: SentProfile] = [:]
    /// Connector → what GetCompositeSchedule said after the last change: `matches`, `differs`, `unsupported`.
    var composite: [Int: String] = [:]
    /// Connector → whether its meter values keep to its limit.
    var compliance: [Int: LimitCompliance] = [:]
    /// Set while profiles are being sent; `dirty` asks for one more pass when it ends.
    var applying = false
    var dirty = false
    /// The charger lost what it held (a reboot): send everything again, whatever was sent before.
    var resendAll = true

    /// Accepted managed profiles that govern `connector` (the whole-charger one included).
    func acceptedProfiles(connector: Int) -> [ChargingProfile] {
        sent.filter { role, profile in profile.status == "Accepted" && (role.connectorId == 0 || role.connectorId == connector) }.map(\.value.profile)
    }
}
