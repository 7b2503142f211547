import Foundation
import Testing

@testable import Shared

@Suite struct ProfilePlannerTests {
    static func ms(_ text: String) -> Int64 { Timestamp(parsing: text)!.milliseconds }
    static func time(_ text: String) -> Timestamp { Timestamp(parsing: text)! }

    static let now = ms("2026-06-10T09:30:12Z")

    static func daily(_ window: String, _ zone: String? = nil) -> LimitRecurrence { try! LimitRecurrence.daily(window, timeZone: zone) }

    static func state(
        _ rules: [LimitRule], unit: LimitUnit = .a, phases: Int = 3, shares: [Int: (transactionId: Int, value: Decimal)] = [:]
    ) -> ProfilePlanner.ChargerState {
        ProfilePlanner.ChargerState(
            chargerID: "CP01", unit: unit, phases: phases, rules: rules, priorities: ["operator": 10, "site": 50, "emergency": 100], shares: shares
        )
    }

    static func rule(
        _ id: Int64, _ agent: String = "site", value: Decimal, _ unit: LimitUnit = .a, hard: Bool = true, target: LimitTarget = .charger("CP01"),
        from: Int64? = nil, until: Int64? = nil, recurrence: LimitRecurrence? = nil
    ) -> LimitRule {
        LimitRule(id: id, agent: agent, target: target, value: value, unit: unit, hard: hard, fromMs: from, untilMs: until, recurrence: recurrence)
    }

    /// The limit the profiles put on a connector at `t`, by the composite schedule a charger would compute.
    static func limit(_ profiles: [ChargingProfile], at t: String, from: Int64 = now, unit: ChargingRateUnitType = .a) -> Decimal? {
        let composite = CompositeSchedule(
            profiles: profiles, start: Timestamp(milliseconds: from), duration: 3 * 86_400, chargingRateUnit: unit, transactionStart: Timestamp(milliseconds: from)
        )
        return composite.limit(at: time(t))?.value
    }

    // MARK: - Whole-charger limits

    /// A purely daily hard 32 A limit 18:00-20:00: one Recurring Daily ChargePointMaxProfile on connector 0.
    @Test func dailyHardLimitBecomesRecurringChargePointMaxProfile() throws {
        let plan = ProfilePlanner.plan(Self.state([Self.rule(1, value: 32, recurrence: Self.daily("18:00-20:00"))]), now: Self.now)
        #expect(plan.count == 1)
        let managed = try #require(plan.first)
        #expect(managed.role == .chargerMax)
        #expect(managed.role.connectorId == 0)
        #expect(managed.request.connectorId == 0)
        let profile = managed.profile
        #expect(profile.chargingProfileId == ProfilePlanner.profileIDBase)
        #expect(profile.stackLevel == ProfilePlanner.stackLevel)
        #expect(profile.chargingProfilePurpose == .chargePointMaxProfile)
        #expect(profile.chargingProfileKind == .recurring)
        #expect(profile.recurrencyKind == .daily)
        #expect(profile.transactionId == nil)
        #expect(profile.chargingSchedule.startSchedule == Self.time("2026-06-10T18:00:00Z"))
        #expect(profile.chargingSchedule.duration == 7200)
        #expect(profile.chargingSchedule.chargingRateUnit == .a)
        #expect(profile.chargingSchedule.chargingSchedulePeriod == [ChargingSchedulePeriod(startPeriod: 0, limit: 32, numberPhases: 3)])

        #expect(Self.limit([profile], at: "2026-06-10T17:59:59Z") == nil)
        #expect(Self.limit([profile], at: "2026-06-10T18:00:00Z") == 32)
        #expect(Self.limit([profile], at: "2026-06-10T19:59:59Z") == 32)
        #expect(Self.limit([profile], at: "2026-06-10T20:00:00Z") == nil)
        #expect(Self.limit([profile], at: "2026-06-11T18:30:00Z") == 32)
        #expect(Self.limit([profile], at: "2026-06-12T12:00:00Z") == nil)
        #expect(Self.limit([profile], at: "2026-06-12T19:00:00Z") == 32)
    }

    @Test func dailyLimitInBerlinStartsAtLocalTime() throws {
        let rules = [Self.rule(1, value: 32, recurrence: Self.daily("18:00-20:00", "Europe/Berlin"))]
        // 23:30 UTC is already the next local day in Berlin.
        let profile = try #require(ProfilePlanner.plan(Self.state(rules), now: Self.ms("2026-06-10T23:30:00Z")).first?.profile)
        #expect(profile.chargingSchedule.startSchedule == Self.time("2026-06-11T16:00:00Z"))
        #expect(profile.chargingSchedule.duration == 7200)
        #expect(Self.limit([profile], at: "2026-06-11T17:00:00Z", from: Self.ms("2026-06-10T23:30:00Z")) == 32)
        #expect(Self.limit([profile], at: "2026-06-11T18:00:00Z", from: Self.ms("2026-06-10T23:30:00Z")) == nil)
    }

    @Test func wattProfileConvertsAndOmitsPhases() throws {
        let plan = ProfilePlanner.plan(Self.state([Self.rule(1, value: 32, recurrence: Self.daily("18:00-20:00"))], unit: .w), now: Self.now)
        let profile = try #require(plan.first?.profile)
        #expect(profile.chargingSchedule.chargingRateUnit == .w)
        #expect(profile.chargingSchedule.chargingSchedulePeriod == [ChargingSchedulePeriod(startPeriod: 0, limit: 22080, numberPhases: nil)])
    }

    @Test func twoDailyWindowsShareOneProfileWithUnlimitedBetween() throws {
        let rules = [
            Self.rule(1, value: 32, recurrence: Self.daily("18:00-20:00")),
            Self.rule(2, "operator", value: 16, hard: false, recurrence: Self.daily("06:00-08:00")),
        ]
        let profile = try #require(ProfilePlanner.plan(Self.state(rules), now: Self.now).first?.profile)
        #expect(profile.chargingProfileKind == .recurring)
        #expect(profile.chargingSchedule.startSchedule == Self.time("2026-06-10T06:00:00Z"))
        #expect(profile.chargingSchedule.duration == 14 * 3600)
        #expect(profile.chargingSchedule.chargingSchedulePeriod == [
            ChargingSchedulePeriod(startPeriod: 0, limit: 16, numberPhases: 3),
            ChargingSchedulePeriod(startPeriod: 7200, limit: ProfilePlanner.unlimitedAmps, numberPhases: 3),
            ChargingSchedulePeriod(startPeriod: 12 * 3600, limit: 32, numberPhases: 3),
        ])
        #expect(Self.limit([profile], at: "2026-06-11T07:00:00Z") == 16)
        #expect(Self.limit([profile], at: "2026-06-11T19:00:00Z") == 32)
        #expect(Self.limit([profile], at: "2026-06-11T21:00:00Z") == nil)
    }

    @Test func weeklyLimitBecomesRecurringWeekly() throws {
        let weekdays = try LimitRecurrence.weekly("mon-fri@07:00-09:00", timeZone: nil)
        let profile = try #require(ProfilePlanner.plan(Self.state([Self.rule(1, value: 10, recurrence: weekdays)]), now: Self.now).first?.profile)
        #expect(profile.chargingProfileKind == .recurring)
        #expect(profile.recurrencyKind == .weekly)
        // 2026-06-10 is a Wednesday: the cycle starts on Monday 2026-06-08.
        #expect(profile.chargingSchedule.startSchedule == Self.time("2026-06-08T07:00:00Z"))
        #expect(profile.chargingSchedule.duration == 4 * 86_400 + 7200)
        #expect(Self.limit([profile], at: "2026-06-10T08:00:00Z", from: Self.ms("2026-06-10T00:00:00Z")) == 10)
        #expect(Self.limit([profile], at: "2026-06-12T08:00:00Z") == 10)
        #expect(Self.limit([profile], at: "2026-06-13T08:00:00Z") == nil)
        // Between windows inside the run: the unlimited filler.
        #expect(Self.limit([profile], at: "2026-06-10T12:00:00Z") == ProfilePlanner.unlimitedAmps)
    }

    /// A limit with an end → Absolute over the horizon, ending with the limit.
    @Test func limitWithEndBecomesAbsoluteProfile() throws {
        let until = Self.now + 2 * 3_600_000
        let plan = ProfilePlanner.plan(Self.state([Self.rule(1, value: 16, until: until)]), now: Self.now)
        let profile = try #require(plan.first?.profile)
        #expect(plan.first?.role == .chargerMax)
        #expect(profile.chargingProfileKind == .absolute)
        #expect(profile.recurrencyKind == nil)
        #expect(profile.chargingSchedule.startSchedule == Timestamp(milliseconds: Self.now))
        #expect(profile.chargingSchedule.duration == 7200)
        #expect(profile.chargingSchedule.chargingSchedulePeriod == [ChargingSchedulePeriod(startPeriod: 0, limit: 16, numberPhases: 3)])
        #expect(Self.limit([profile], at: "2026-06-10T10:00:00Z") == 16)
        #expect(Self.limit([profile], at: "2026-06-10T11:30:11Z") == 16)
        #expect(Self.limit([profile], at: "2026-06-10T11:30:12Z") == nil)
    }

    /// A limit that ends on a fraction of a second still holds until it ends: the profile never ends early.
    @Test func absoluteProfileCoversSubSecondEnd() throws {
        let now = Self.now + 345
        let until = now + 2 * 3_600_000
        let profile = try #require(ProfilePlanner.plan(Self.state([Self.rule(1, value: 16, until: until)]), now: now).first?.profile)
        let start = try #require(profile.chargingSchedule.startSchedule).milliseconds
        let duration = try #require(profile.chargingSchedule.duration)
        #expect(start <= now)
        #expect(start + Int64(duration) * 1000 >= until)
        #expect(start + Int64(duration) * 1000 < until + 1000)
    }

    @Test func openEndedAndFutureLimits() throws {
        // No end: Absolute with no duration.
        let always = try #require(ProfilePlanner.plan(Self.state([Self.rule(1, value: 20)]), now: Self.now).first?.profile)
        #expect(always.chargingProfileKind == .absolute)
        #expect(always.chargingSchedule.duration == nil)
        #expect(Self.limit([always], at: "2026-06-12T10:00:00Z") == 20)
        // A start later today: the profile starts then.
        let from = Self.ms("2026-06-10T15:00:00Z")
        let later = try #require(ProfilePlanner.plan(Self.state([Self.rule(1, value: 20, from: from, until: from + 3_600_000)]), now: Self.now).first?.profile)
        #expect(later.chargingSchedule.startSchedule == Self.time("2026-06-10T15:00:00Z"))
        #expect(later.chargingSchedule.duration == 3600)
        #expect(Self.limit([later], at: "2026-06-10T14:59:59Z") == nil)
        #expect(Self.limit([later], at: "2026-06-10T15:30:00Z") == 20)
        // Beyond the horizon, or over: no profile.
        #expect(ProfilePlanner.plan(Self.state([Self.rule(1, value: 20, from: Self.now + 2 * ProfilePlanner.horizonMs)]), now: Self.now).isEmpty)
        #expect(ProfilePlanner.plan(Self.state([Self.rule(1, value: 20, until: Self.now)]), now: Self.now).isEmpty)
        #expect(ProfilePlanner.plan(Self.state([]), now: Self.now).isEmpty)
    }

    @Test func recurringLimitWithEndIsAbsolute() throws {
        let until = Self.ms("2026-06-12T00:00:00Z")
        let rules = [Self.rule(1, value: 32, until: until, recurrence: Self.daily("18:00-20:00"))]
        let profile = try #require(ProfilePlanner.plan(Self.state(rules), now: Self.now).first?.profile)
        #expect(profile.chargingProfileKind == .absolute)
        #expect(profile.chargingSchedule.startSchedule == Self.time("2026-06-10T18:00:00Z"))
        #expect(profile.chargingSchedule.duration == 7200)
        #expect(Self.limit([profile], at: "2026-06-10T19:00:00Z") == 32)
        #expect(Self.limit([profile], at: "2026-06-11T19:00:00Z") == nil)
    }

    // MARK: - Connector limits and shares

    @Test func connectorLimitBecomesTxDefaultProfile() throws {
        let rules = [
            Self.rule(1, "operator", value: 16, hard: false, target: .connector("CP01", 2)),
            Self.rule(2, value: 32, recurrence: Self.daily("18:00-20:00")),
        ]
        let plan = ProfilePlanner.plan(Self.state(rules), now: Self.now)
        #expect(plan.map(\.role) == [.chargerMax, .connectorDefault(2)])
        let managed = try #require(plan.last)
        #expect(managed.request.connectorId == 2)
        #expect(managed.profile.chargingProfileId == ProfilePlanner.profileIDBase + 102)
        #expect(managed.profile.chargingProfilePurpose == .txDefaultProfile)
        #expect(managed.profile.chargingProfileKind == .absolute)
        #expect(managed.profile.stackLevel == ProfilePlanner.stackLevel)
        #expect(managed.profile.chargingSchedule.chargingSchedulePeriod == [ChargingSchedulePeriod(startPeriod: 0, limit: 16, numberPhases: 3)])
        // The connector's limit is the lower of both profiles.
        let profiles = plan.map(\.profile)
        #expect(Self.limit(profiles, at: "2026-06-10T12:00:00Z") == 16)
        #expect(ManagedProfile.Role(profileID: managed.profile.chargingProfileId) == .connectorDefault(2))
    }

    @Test func shareBecomesRelativeTxProfile() throws {
        let plan = ProfilePlanner.plan(Self.state([], shares: [2: (transactionId: 4711, value: 13), 1: (transactionId: 77, value: 19)]), now: Self.now)
        #expect(plan.map(\.role) == [.share(1), .share(2)])
        let share = try #require(plan.last)
        #expect(share.request.connectorId == 2)
        #expect(share.profile.chargingProfileId == ProfilePlanner.profileIDBase + 202)
        #expect(share.profile.transactionId == 4711)
        #expect(share.profile.chargingProfilePurpose == .txProfile)
        #expect(share.profile.chargingProfileKind == .relative)
        #expect(share.profile.stackLevel == ProfilePlanner.stackLevel)
        #expect(share.profile.chargingSchedule.startSchedule == nil)
        #expect(share.profile.chargingSchedule.chargingSchedulePeriod == [ChargingSchedulePeriod(startPeriod: 0, limit: 13, numberPhases: 3)])
        #expect(Self.limit([share.profile], at: "2026-06-10T12:00:00Z") == 13)
        #expect(ManagedProfile.Role(profileID: share.profile.chargingProfileId) == .share(2))
        let watts = ProfilePlanner.plan(Self.state([], unit: .w, shares: [1: (transactionId: 77, value: 7360)]), now: Self.now)
        #expect(watts.first?.profile.chargingSchedule.chargingSchedulePeriod == [ChargingSchedulePeriod(startPeriod: 0, limit: 7360, numberPhases: nil)])
    }

    @Test func managedRolesRoundTripTheirIds() {
        for role: ManagedProfile.Role in [.chargerMax, .connectorDefault(1), .connectorDefault(99), .share(1), .share(99)] {
            #expect(ManagedProfile.Role(profileID: role.profileID) == role)
        }
        #expect(ManagedProfile.Role(profileID: 1) == nil)
        #expect(ManagedProfile.Role(profileID: ProfilePlanner.profileIDBase + 50) == nil)
        #expect(ManagedProfile.Role.chargerMax < .connectorDefault(1))
        #expect(ManagedProfile.Role.connectorDefault(3) < .share(1))
    }

    // MARK: - Same effect, replanning

    @Test func samePlanAMinuteLaterHasSameEffect() throws {
        let until = Self.now + 5 * 3_600_000
        let rules = [Self.rule(1, value: 16, until: until), Self.rule(2, "operator", value: 10, hard: false, target: .connector("CP01", 1))]
        let first = ProfilePlanner.plan(Self.state(rules), now: Self.now)
        let later = ProfilePlanner.plan(Self.state(rules), now: Self.now + 60_000)
        #expect(first.count == 2)
        #expect(later.count == 2)
        for (a, b) in zip(first, later) {
            #expect(a.profile != b.profile)
            #expect(ProfilePlanner.sameEffect(a.profile, b.profile, now: Self.now + 60_000, phases: 3))
        }
        let recurring = [Self.rule(1, value: 32, recurrence: Self.daily("18:00-20:00"))]
        let today = try #require(ProfilePlanner.plan(Self.state(recurring), now: Self.now).first?.profile)
        let tomorrow = try #require(ProfilePlanner.plan(Self.state(recurring), now: Self.now + 86_400_000).first?.profile)
        #expect(today.chargingSchedule.startSchedule != tomorrow.chargingSchedule.startSchedule)
        #expect(ProfilePlanner.sameEffect(today, tomorrow, now: Self.now + 86_400_000, phases: 3))
    }

    @Test func changedValueOrTimeHasDifferentEffect() throws {
        let until = Self.now + 5 * 3_600_000
        let a = try #require(ProfilePlanner.plan(Self.state([Self.rule(1, value: 16, until: until)]), now: Self.now).first?.profile)
        let b = try #require(ProfilePlanner.plan(Self.state([Self.rule(1, value: 15, until: until)]), now: Self.now + 60_000).first?.profile)
        #expect(!ProfilePlanner.sameEffect(a, b, now: Self.now + 60_000, phases: 3))
        let c = try #require(ProfilePlanner.plan(Self.state([Self.rule(1, value: 16, until: until + 60_000)]), now: Self.now).first?.profile)
        #expect(!ProfilePlanner.sameEffect(a, c, now: Self.now, phases: 3))
        let d = try #require(ProfilePlanner.plan(Self.state([Self.rule(1, value: 32, recurrence: Self.daily("18:00-20:00"))]), now: Self.now).first?.profile)
        let e = try #require(ProfilePlanner.plan(Self.state([Self.rule(1, value: 32, recurrence: Self.daily("18:00-21:00"))]), now: Self.now).first?.profile)
        #expect(!ProfilePlanner.sameEffect(d, e, now: Self.now, phases: 3))
        // Another transaction: not the same profile.
        let s1 = ProfilePlanner.plan(Self.state([], shares: [1: (transactionId: 1, value: 10)]), now: Self.now)[0].profile
        let s2 = ProfilePlanner.plan(Self.state([], shares: [1: (transactionId: 2, value: 10)]), now: Self.now)[0].profile
        #expect(!ProfilePlanner.sameEffect(s1, s2, now: Self.now, phases: 3))
    }

    @Test func replanAt() {
        #expect(ProfilePlanner.replanAt([], now: Self.now) == nil)
        #expect(ProfilePlanner.replanAt([Self.rule(1, value: 32, recurrence: Self.daily("18:00-20:00"))], now: Self.now) == nil)
        #expect(ProfilePlanner.replanAt([Self.rule(1, value: 32, until: Self.now + 3_600_000)], now: Self.now) == Self.now + 3_600_000)
        #expect(ProfilePlanner.replanAt([Self.rule(1, value: 32, until: Self.now + 30 * 3_600_000)], now: Self.now) == Self.now + ProfilePlanner.horizonMs / 2)
        #expect(ProfilePlanner.replanAt([Self.rule(1, value: 32)], now: Self.now) == Self.now + ProfilePlanner.horizonMs / 2)
        // Only limits still to come count.
        #expect(ProfilePlanner.replanAt([Self.rule(1, value: 32, until: Self.now - 1)], now: Self.now) == nil)
        let mixed = [Self.rule(1, value: 32, recurrence: Self.daily("18:00-20:00")), Self.rule(2, value: 20, until: Self.now + 600_000)]
        #expect(ProfilePlanner.replanAt(mixed, now: Self.now) == Self.now + 600_000)
    }

    /// A Recurring profile repeats every 24 h in UTC: a window in a zone with daylight saving must be planned again
    /// when the clocks change.
    @Test func replanAtDaylightSavingChange() {
        let rules = [Self.rule(1, value: 32, recurrence: Self.daily("18:00-20:00", "Europe/Berlin"))]
        #expect(ProfilePlanner.replanAt(rules, now: Self.ms("2026-03-20T12:00:00Z")) == Self.ms("2026-03-29T01:00:00Z"))
        #expect(ProfilePlanner.replanAt(rules, now: Self.ms("2026-06-10T12:00:00Z")) == Self.ms("2026-10-25T01:00:00Z"))
    }

    /// On the day the clocks go back, the local day has 25 hours: a window ending at midnight is planned whole.
    @Test func dailyWindowOnLongDayIsWhole() throws {
        let rules = [Self.rule(1, value: 32, recurrence: Self.daily("22:00-24:00", "Europe/Berlin"))]
        let now = Self.ms("2026-10-25T12:00:00Z")
        let profile = try #require(ProfilePlanner.plan(Self.state(rules), now: now).first?.profile)
        #expect(profile.chargingSchedule.startSchedule == Self.time("2026-10-25T21:00:00Z"))
        #expect(profile.chargingSchedule.duration == 7200)
        #expect(Self.limit([profile], at: "2026-10-25T22:30:00Z", from: now) == 32)
        #expect(Self.limit([profile], at: "2026-10-26T22:30:00Z", from: now) == 32)
    }

    /// On the day the clocks go forward, the local day has 23 hours: the next day's early window is not folded in.
    @Test func dailyWindowOnShortDayStaysInItsDay() throws {
        let rules = [Self.rule(1, value: 32, recurrence: Self.daily("00:00-01:00", "Europe/Berlin"))]
        let now = Self.ms("2026-03-29T12:00:00Z")
        let profile = try #require(ProfilePlanner.plan(Self.state(rules), now: now).first?.profile)
        #expect(profile.chargingSchedule.startSchedule == Self.time("2026-03-28T23:00:00Z"))
        #expect(profile.chargingSchedule.duration == 3600)
        #expect(profile.chargingSchedule.chargingSchedulePeriod.count == 1)
    }
}
