import Foundation

/// Turns a charger's arbitrated limits into the fewest charging profiles that make it obey them:
///
/// - limits on the whole charger → one ChargePointMaxProfile (connector 0); limits on a connector → one
///   TxDefaultProfile on it; a session's share of its group → one TxProfile (Relative, so the charger's clock does
///   not matter) for its transaction;
/// - when every limit of a profile recurs (daily or weekly windows with no end), the profile is Recurring over one
///   cycle, so the charger keeps obeying it with no further message; otherwise it is Absolute over the next
///   `horizonMs`, and the server plans again before that runs out;
/// - stretches without a limit inside a profile carry `unlimitedAmps` (per phase; chargers cap that at their rating);
///   a profile starts at its first limited stretch and ends after its last.
public enum ProfilePlanner {
    /// Managed profile ids start here (`ManagedProfile.Role.profileID`), clear of what operators pick by hand.
    public static let profileIDBase = 90_000
    /// The stack level of managed profiles: high, so they rule over a charger's own defaults; 8 is the usual
    /// `ChargeProfileMaxStackLevel`.
    public static let stackLevel = 8
    public static let horizonMs: Int64 = 86_400_000
    public static let unlimitedAmps: Decimal = 1000

    /// What the planner needs to know of one charger.
    public struct ChargerState: Sendable {
        public var chargerID: String
        /// The unit profiles are written in (what the charger accepts, W preferred).
        public var unit: LimitUnit
        public var phases: Int
        /// The limits that target this charger or one of its connectors.
        public var rules: [LimitRule]
        public var priorities: [String: Int]
        /// Connector → the running transaction and its share of the group (in `unit`).
        public var shares: [Int: (transactionId: Int, value: Decimal)]

        public init(
            chargerID: String, unit: LimitUnit, phases: Int, rules: [LimitRule], priorities: [String: Int],
            shares: [Int: (transactionId: Int, value: Decimal)] = [:]
        ) {
            self.chargerID = chargerID
            self.unit = unit
            self.phases = phases
            self.rules = rules
            self.priorities = priorities
            self.shares = shares
        }
    }

    /// The profiles the charger should hold at `now`, ordered by role.
    public static func plan(_ state: ChargerState, now: Int64) -> [ManagedProfile] {
        var result: [ManagedProfile] = []
        let current = state.rules.filter { $0.isCurrentOrFuture(at: now) }
        let whole = current.filter { if case .charger = $0.target { true } else { false } }
        if let profile = profile(.chargerMax, whole, state, now: now) { result.append(profile) }
        var byConnector: [Int: [LimitRule]] = [:]
        for rule in current { if case .connector(_, let n) = rule.target { byConnector[n, default: []].append(rule) } }
        for (connector, rules) in byConnector.sorted(by: { $0.key < $1.key }) {
            if let profile = profile(.connectorDefault(connector), rules, state, now: now) { result.append(profile) }
        }
        for (connector, share) in state.shares.sorted(by: { $0.key < $1.key }) {
            let schedule = ChargingSchedule(
                chargingRateUnit: state.unit.ocpp,
                chargingSchedulePeriod: [ChargingSchedulePeriod(startPeriod: 0, limit: share.value, numberPhases: state.unit == .a ? state.phases : nil)]
            )
            let profile = ChargingProfile(
                chargingProfileId: ManagedProfile.Role.share(connector).profileID, transactionId: share.transactionId, stackLevel: stackLevel,
                chargingProfilePurpose: .txProfile, chargingProfileKind: .relative, chargingSchedule: schedule
            )
            result.append(ManagedProfile(role: .share(connector), profile: profile))
        }
        return result
    }

    /// The earliest instant after `now` where a plan of these rules must be made again: an Absolute profile's
    /// horizon half spent, a limit's end, or (Recurring profiles repeat every 24 h or 7 days of real time) the next
    /// daylight-saving change in a window's time zone. nil: the plan holds until something changes.
    public static func replanAt(_ rules: [LimitRule], now: Int64) -> Int64? {
        let current = rules.filter { $0.isCurrentOrFuture(at: now) }
        guard !current.isEmpty else { return nil }
        if current.allSatisfy(isPurelyRecurring) { return current.compactMap { $0.recurrence?.nextOffsetChange(after: now) }.min() }
        let ends = current.compactMap(\.untilMs).filter { $0 > now }
        return min(now + horizonMs / 2, ends.min() ?? Int64.max)
    }

    static func isPurelyRecurring(_ rule: LimitRule) -> Bool { rule.recurrence != nil && rule.fromMs == nil && rule.untilMs == nil }

    private static func profile(_ role: ManagedProfile.Role, _ rules: [LimitRule], _ state: ChargerState, now: Int64) -> ManagedProfile? {
        guard !rules.isEmpty else { return nil }
        let from: Int64
        let to: Int64
        var recurrency: RecurrencyKindType?
        if rules.allSatisfy(isPurelyRecurring), let first = rules.first?.recurrence {
            let weekly = rules.contains { $0.recurrence?.kind == .weekly }
            let cycle = weekly ? LimitRecurrence(kind: .weekly, startMinute: 0, endMinute: 1, days: [1], timeZone: first.timeZone) : first
            from = cycle.cycleStart(containing: now)
            // The local day or week: 23 or 25 hours on the days the clocks change.
            to = cycle.nextCycleStart(after: from)
            recurrency = weekly ? .weekly : .daily
        } else {
            from = now / 1000 * 1000
            to = from + horizonMs
        }
        let segments = LimitArbiter.schedule(rules: rules, priorities: state.priorities, from: from, to: to, unit: state.unit, phases: state.phases)
        guard let first = segments.first(where: { $0.value != nil }), let last = segments.last(where: { $0.value != nil }) else { return nil }
        let unlimited = LimitUnit.a.convert(unlimitedAmps, to: state.unit, phases: state.phases)
        let start = first.startMs
        var periods: [ChargingSchedulePeriod] = []
        for segment in segments where segment.startMs >= start && segment.startMs < last.endMs {
            let limit = segment.value ?? unlimited
            if periods.last?.limit == limit { continue }
            periods.append(
                ChargingSchedulePeriod(startPeriod: Int((segment.startMs - start) / 1000), limit: limit, numberPhases: state.unit == .a ? state.phases : nil)
            )
        }
        // Whole seconds, rounded up: a limit that ends within a second still holds until it ends.
        let duration = Int((last.endMs - start + 999) / 1000)
        let schedule = ChargingSchedule(
            duration: recurrency == nil && last.endMs >= to ? nil : duration, startSchedule: Timestamp(milliseconds: start),
            chargingRateUnit: state.unit.ocpp, chargingSchedulePeriod: periods
        )
        let profile = ChargingProfile(
            chargingProfileId: role.profileID, stackLevel: stackLevel, chargingProfilePurpose: role.purpose,
            chargingProfileKind: recurrency == nil ? .absolute : .recurring, recurrencyKind: recurrency, chargingSchedule: schedule
        )
        return ManagedProfile(role: role, profile: profile)
    }

    /// Share increases below this fraction are not sent: a session ending in a group of n frees 1/n of a share for
    /// each of the others, and n CALLs for a few percent more power each is a poor trade. Decreases always go out
    /// (the group's capacity must hold).
    public static let shareHysteresis: Decimal = 0.02

    /// True for a single-period share (TxProfile) of the same transaction that would rise by less than
    /// `shareHysteresis`: not worth a CALL.
    public static func isSmallIncrease(from old: ChargingProfile, to new: ChargingProfile) -> Bool {
        guard old.chargingProfilePurpose == .txProfile, new.chargingProfilePurpose == .txProfile, old.transactionId == new.transactionId,
            old.chargingSchedule.chargingRateUnit == new.chargingSchedule.chargingRateUnit,
            old.chargingSchedule.chargingSchedulePeriod.count == 1, new.chargingSchedule.chargingSchedulePeriod.count == 1,
            let before = old.chargingSchedule.chargingSchedulePeriod.first?.limit, let after = new.chargingSchedule.chargingSchedulePeriod.first?.limit
        else { return false }
        return after >= before && after <= before * (1 + shareHysteresis)
    }

    /// True when two versions of a profile limit the same way from `now` on (over the next horizon), so the newer
    /// need not be sent: plans made at different moments differ in their anchors, not in their effect.
    public static func sameEffect(_ a: ChargingProfile, _ b: ChargingProfile, now: Int64, phases: Int) -> Bool {
        if a == b { return true }
        guard a.chargingProfilePurpose == b.chargingProfilePurpose, a.transactionId == b.transactionId,
            a.chargingSchedule.chargingRateUnit == b.chargingSchedule.chargingRateUnit, a.stackLevel == b.stackLevel
        else { return false }
        let start = Timestamp(milliseconds: now)
        let options = CompositeSchedule.Options(defaultPhases: phases)
        let duration = Int(horizonMs / 1000) * 2
        let left = CompositeSchedule(profiles: [a], start: start, duration: duration, transactionStart: start, options: options)
        let right = CompositeSchedule(profiles: [b], start: start, duration: duration, transactionStart: start, options: options)
        return left.segments == right.segments
    }
}
