import Foundation

/// The charging profiles installed on one charger, per connector, with the OCPP 1.6 rules for installing and
/// clearing them (S§3.13, S§5.16, S§6.13; essentials §6). A value type: the simulator keeps one per charger, the
/// server may keep a mirror to predict composite schedules.
///
/// What it enforces on `SetChargingProfile`:
/// - `ChargePointMaxProfile` only on connector 0; `TxProfile` only on a connector > 0 with a running transaction,
///   and, when the profile names a `transactionId`, only for that transaction.
/// - A profile with the same `chargingProfileId` (on any connector) is replaced; so is one with the same
///   `stackLevel` and purpose on the same connector (S§5.16.3).
/// - A `TxProfile` is bound to the running transaction and dropped when it ends (`transactionEnded`).
public struct ChargingProfileStore: Sendable, Hashable {
    /// One installed profile and where it sits.
    public struct Installed: Sendable, Hashable {
        /// The connector the profile was set on (0 = the whole charger).
        public var connectorId: Int
        public var profile: ChargingProfile
        /// For a `TxProfile`: the transaction it belongs to (the profile's own id, else the one running when it was
        /// installed). Nil for the other purposes.
        public var transactionId: Int?

        public init(connectorId: Int, profile: ChargingProfile, transactionId: Int? = nil) {
            self.connectorId = connectorId
            self.profile = profile
            self.transactionId = transactionId
        }
    }

    /// What the charger accepts: its configuration keys (S§9.4) and connector count.
    public struct Configuration: Sendable, Hashable {
        /// False: every SetChargingProfile is answered `NotSupported` (no SmartCharging feature profile).
        public var smartChargingSupported: Bool
        /// Connectors 1…n exist; nil = do not check.
        public var connectorCount: Int?
        /// `ChargeProfileMaxStackLevel`; nil = no limit.
        public var maxStackLevel: Int?
        /// `ChargingScheduleMaxPeriods`; nil = no limit.
        public var maxPeriods: Int?
        /// `MaxChargingProfilesInstalled`; nil = no limit.
        public var maxInstalled: Int?
        /// `ChargingScheduleAllowedChargingRateUnit` (`Current` → A, `Power` → W).
        public var allowedUnits: Set<ChargingRateUnitType>

        public init(
            smartChargingSupported: Bool = true,
            connectorCount: Int? = nil,
            maxStackLevel: Int? = nil,
            maxPeriods: Int? = nil,
            maxInstalled: Int? = nil,
            allowedUnits: Set<ChargingRateUnitType> = [.a, .w]
        ) {
            self.smartChargingSupported = smartChargingSupported
            self.connectorCount = connectorCount
            self.maxStackLevel = maxStackLevel
            self.maxPeriods = maxPeriods
            self.maxInstalled = maxInstalled
            self.allowedUnits = allowedUnits
        }
    }

    public var configuration: Configuration
    /// Every installed profile, in installation order.
    public private(set) var installed: [Installed]

    public init(configuration: Configuration = Configuration(), installed: [Installed] = []) {
        self.configuration = configuration
        self.installed = installed
    }

    // MARK: - SetChargingProfile

    /// Installs `request.csChargingProfiles` on `request.connectorId`, replacing what the OCPP rules say it replaces.
    /// `runningTransactionId` is the transaction running on that connector, nil when it is idle.
    public mutating func set(_ request: SetChargingProfileRequest, runningTransactionId: Int?) -> ChargingProfileStatus {
        set(request.csChargingProfiles, connectorId: request.connectorId, runningTransactionId: runningTransactionId)
    }

    /// Installs `profile` on `connectorId` and answers as a charger would: `Accepted` (stored), `Rejected` (against
    /// the rules or the configuration, nothing changed) or `NotSupported` (smart charging disabled).
    public mutating func set(_ profile: ChargingProfile, connectorId: Int, runningTransactionId: Int?) -> ChargingProfileStatus {
        guard configuration.smartChargingSupported else { return .notSupported }
        guard Self.isWellFormed(profile), fitsConfiguration(profile), connectorId >= 0 else { return .rejected }
        if let count = configuration.connectorCount, connectorId > count { return .rejected }

        var boundTransaction: Int?
        switch profile.chargingProfilePurpose {
        case .chargePointMaxProfile:
            // Whole-charger cap; Relative has no anchor without a transaction (EVerest rejects it too).
            guard connectorId == 0, profile.chargingProfileKind != .relative else { return .rejected }
        case .txDefaultProfile:
            break
        case .txProfile:
            guard connectorId > 0, let running = runningTransactionId else { return .rejected }
            if let wanted = profile.transactionId, wanted != running { return .rejected }
            boundTransaction = running
        default:
            return .rejected
        }

        var next = installed.filter { !Self.isReplaced($0, by: profile, on: connectorId) }
        next.append(Installed(connectorId: connectorId, profile: profile, transactionId: boundTransaction))
        if let limit = configuration.maxInstalled, next.count > limit { return .rejected }
        installed = next
        return .accepted
    }

    /// Same `chargingProfileId` anywhere, or same stack level and purpose on the same connector (S§5.16.3).
    private static func isReplaced(_ old: Installed, by new: ChargingProfile, on connectorId: Int) -> Bool {
        if old.profile.chargingProfileId == new.chargingProfileId { return true }
        return old.connectorId == connectorId && old.profile.stackLevel == new.stackLevel
            && old.profile.chargingProfilePurpose == new.chargingProfilePurpose
    }

    /// The structural rules a charger checks beyond the JSON schema (essentials §6).
    static func isWellFormed(_ profile: ChargingProfile) -> Bool {
        guard profile.stackLevel >= 0, profile.chargingProfilePurpose.isKnown else { return false }
        let schedule = profile.chargingSchedule
        switch profile.chargingProfileKind {
        case .absolute:
            // Time zero is startSchedule: always required here (EVerest rejects Absolute without it).
            guard schedule.startSchedule != nil else { return false }
        case .recurring:
            guard schedule.startSchedule != nil, let kind = profile.recurrencyKind, kind.isKnown else { return false }
        case .relative:
            break
        default:
            return false
        }
        if let from = profile.validFrom, let to = profile.validTo, to <= from { return false }
        if let duration = schedule.duration, duration <= 0 { return false }
        if let minimum = schedule.minChargingRate, minimum < 0 { return false }
        let periods = schedule.chargingSchedulePeriod
        guard let first = periods.first, first.startPeriod == 0 else { return false }
        var previous = -1
        for period in periods {
            guard period.startPeriod > previous, period.limit >= 0 else { return false }
            if let phases = period.numberPhases, !(1...3).contains(phases) { return false }
            previous = period.startPeriod
        }
        return true
    }

    private func fitsConfiguration(_ profile: ChargingProfile) -> Bool {
        if let level = configuration.maxStackLevel, profile.stackLevel > level { return false }
        if let periods = configuration.maxPeriods, profile.chargingSchedule.chargingSchedulePeriod.count > periods { return false }
        return configuration.allowedUnits.contains(profile.chargingSchedule.chargingRateUnit)
    }

    // MARK: - ClearChargingProfile

    /// Clears as S§6.13 says: `id` given ⇒ only that profile (the other fields are ignored); otherwise every profile
    /// matching all the given fields (`connectorId` 0 means profiles installed on 0); no fields ⇒ all of them.
    /// `Accepted` when something was removed, else `Unknown`.
    public mutating func clear(_ request: ClearChargingProfileRequest) -> ClearChargingProfileStatus {
        let before = installed.count
        if let id = request.id {
            installed.removeAll { $0.profile.chargingProfileId == id }
        } else {
            installed.removeAll { entry in
                if let connector = request.connectorId, entry.connectorId != connector { return false }
                if let purpose = request.chargingProfilePurpose, entry.profile.chargingProfilePurpose != purpose { return false }
                if let level = request.stackLevel, entry.profile.stackLevel != level { return false }
                return true
            }
        }
        return installed.count < before ? .accepted : .unknown
    }

    // MARK: - Transactions

    /// Drops the `TxProfile`s of the transaction that ended on `connectorId` (S§3.13.4: a TxProfile lives as long as
    /// its transaction). Returns how many were removed.
    @discardableResult
    public mutating func transactionEnded(connectorId: Int) -> Int {
        let before = installed.count
        installed.removeAll { $0.connectorId == connectorId && $0.profile.chargingProfilePurpose == .txProfile }
        return before - installed.count
    }

    /// Drops the `TxProfile`s bound to `transactionId`, wherever they sit. Returns how many were removed.
    @discardableResult
    public mutating func transactionEnded(transactionId: Int) -> Int {
        let before = installed.count
        installed.removeAll { $0.profile.chargingProfilePurpose == .txProfile && $0.transactionId == transactionId }
        return before - installed.count
    }

    // MARK: - Queries

    /// The profiles installed exactly on `connectorId`.
    public func profiles(onConnector connectorId: Int) -> [ChargingProfile] {
        installed.filter { $0.connectorId == connectorId }.map(\.profile)
    }

    /// The profiles that govern `connectorId`, for a composite schedule:
    /// - connector 0: the `ChargePointMaxProfile`s only (the whole charger's cap);
    /// - connector > 0: the `ChargePointMaxProfile`s, its own `TxDefaultProfile`s plus those of connector 0 whose
    ///   stack level it does not itself use (a connector-specific TxDefault replaces the connector-0 one for that
    ///   connector only, per stack level: S§3.13.2, essentials §6), and its `TxProfile`s.
    public func applicableProfiles(connectorId: Int) -> [ChargingProfile] {
        let maximum = installed.filter { $0.profile.chargingProfilePurpose == .chargePointMaxProfile }.map(\.profile)
        guard connectorId > 0 else { return maximum }
        let own = installed.filter { $0.connectorId == connectorId }.map(\.profile)
        let ownDefaultLevels = Set(own.filter { $0.chargingProfilePurpose == .txDefaultProfile }.map(\.stackLevel))
        let inherited = installed.filter {
            $0.connectorId == 0 && $0.profile.chargingProfilePurpose == .txDefaultProfile && !ownDefaultLevels.contains($0.profile.stackLevel)
        }.map(\.profile)
        let ownGoverning = own.filter { $0.chargingProfilePurpose == .txDefaultProfile || $0.chargingProfilePurpose == .txProfile }
        return maximum + inherited + ownGoverning
    }
}
