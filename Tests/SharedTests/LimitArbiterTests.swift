import Foundation
import Testing

@testable import Shared

@Suite struct LimitArbiterTests {
    static func ms(_ text: String) -> Int64 { Timestamp(parsing: text)!.milliseconds }
    static func d(_ text: String) -> Decimal { Decimal(string: text)! }

    static let priorities = ["operator": 10, "site": 50, "emergency": 100]
    static let noon = ms("2026-06-10T12:00:00Z")

    static func rule(
        _ id: Int64, _ agent: String, _ value: Decimal, _ unit: LimitUnit = .a, hard: Bool = false, target: LimitTarget = .charger("CP01"),
        from: Int64? = nil, until: Int64? = nil, recurrence: LimitRecurrence? = nil
    ) -> LimitRule {
        LimitRule(id: id, agent: agent, target: target, value: value, unit: unit, hard: hard, fromMs: from, untilMs: until, recurrence: recurrence)
    }

    static func verdict(_ decision: LimitDecision, _ id: Int64) -> LimitVerdict? {
        decision.verdicts.first { $0.limit == id }
    }

    // MARK: - Hard and policy limits

    /// The emergency agent's 125 A policy lifts the operator's 16 A policy, but not the site's 32 A hard limit.
    @Test func emergencyPolicyLiftsOperatorButNotHardLimit() throws {
        let rules = [Self.rule(1, "operator", 16), Self.rule(2, "emergency", 125), Self.rule(3, "site", 32, hard: true)]
        let decision = LimitArbiter.decide(rules: rules, priorities: Self.priorities, at: Self.noon, unit: .a, phases: 3)
        #expect(decision.value == 32)
        #expect(decision.unit == .a)
        #expect(decision.decidedBy == 3)
        #expect(decision.decider == rules[2].label)
        #expect(decision.atMs == Self.noon)
        #expect(decision.verdicts.count == 3)

        let site = try #require(Self.verdict(decision, 3))
        #expect(site.outcome == .decides)
        #expect(site.kind == "hard")
        #expect(site.agent == "site")
        #expect(site.priority == 50)
        #expect(site.reason.contains("never lifted"))

        let emergency = try #require(Self.verdict(decision, 2))
        #expect(emergency.outcome == .higher)
        #expect(emergency.value == 125)
        #expect(emergency.reason.contains("hard limit is lower"))
        #expect(emergency.reason.contains(rules[2].label))

        let operatorVerdict = try #require(Self.verdict(decision, 1))
        #expect(operatorVerdict.outcome == .overridden)
        #expect(operatorVerdict.kind == "policy")
        #expect(operatorVerdict.reason.contains("emergency"))
        #expect(operatorVerdict.reason.contains("100 > 10"))

        // Verdicts are ordered: the decider first, then higher, then overridden.
        #expect(decision.verdicts.map(\.limit) == [3, 2, 1])
    }

    @Test func emergencyPolicyLiftsOperatorPolicyWithoutHardLimit() throws {
        let rules = [Self.rule(1, "operator", 16), Self.rule(2, "emergency", 125)]
        let decision = LimitArbiter.decide(rules: rules, priorities: Self.priorities, at: Self.noon, unit: .a, phases: 3)
        #expect(decision.value == 125)
        #expect(decision.decidedBy == 2)
        let emergency = try #require(Self.verdict(decision, 2))
        #expect(emergency.outcome == .decides)
        #expect(emergency.reason.contains("highest-priority"))
        #expect(emergency.reason.contains("priority 100"))
        #expect(Self.verdict(decision, 1)?.outcome == .overridden)
    }

    @Test func lowerPolicyUnderHardLimitDecides() throws {
        let rules = [Self.rule(1, "operator", 16), Self.rule(3, "site", 32, hard: true)]
        let decision = LimitArbiter.decide(rules: rules, priorities: Self.priorities, at: Self.noon, unit: .a, phases: 3)
        #expect(decision.value == 16)
        #expect(decision.decidedBy == 1)
        let operatorVerdict = try #require(Self.verdict(decision, 1))
        #expect(operatorVerdict.outcome == .decides)
        #expect(operatorVerdict.reason.contains("hard limits are higher"))
        let site = try #require(Self.verdict(decision, 3))
        #expect(site.outcome == .higher)
        #expect(site.reason.contains(rules[0].label))
    }

    @Test func lowestHardLimitHoldsWhoeverSetIt() {
        // A low-priority agent's hard limit still holds against a high-priority agent's hard and policy limits.
        let rules = [Self.rule(1, "operator", 20, hard: true), Self.rule(2, "emergency", 63, hard: true), Self.rule(3, "emergency", 100)]
        let decision = LimitArbiter.decide(rules: rules, priorities: Self.priorities, at: Self.noon, unit: .a, phases: 3)
        #expect(decision.value == 20)
        #expect(decision.decidedBy == 1)
        #expect(Self.verdict(decision, 2)?.outcome == .higher)
        #expect(Self.verdict(decision, 3)?.outcome == .higher)
    }

    @Test func lowestPolicyOfTopAgentCounts() {
        let rules = [Self.rule(1, "emergency", 40), Self.rule(2, "emergency", 25), Self.rule(3, "operator", 6)]
        let decision = LimitArbiter.decide(rules: rules, priorities: Self.priorities, at: Self.noon, unit: .a, phases: 3)
        #expect(decision.value == 25)
        #expect(decision.decidedBy == 2)
        #expect(Self.verdict(decision, 1)?.outcome == .higher)
        #expect(Self.verdict(decision, 3)?.outcome == .overridden)
    }

    @Test func tieBetweenHardAndPolicyNamesTheHardLimit() {
        let rules = [Self.rule(1, "emergency", 32), Self.rule(2, "operator", 32, hard: true)]
        let decision = LimitArbiter.decide(rules: rules, priorities: Self.priorities, at: Self.noon, unit: .a, phases: 3)
        #expect(decision.value == 32)
        #expect(decision.decidedBy == 2)
        #expect(Self.verdict(decision, 1)?.outcome == .higher)
    }

    @Test func agentWithoutPriorityCountsAsZero() {
        let rules = [Self.rule(1, "stranger", 10), Self.rule(2, "operator", 20)]
        let decision = LimitArbiter.decide(rules: rules, priorities: Self.priorities, at: Self.noon, unit: .a, phases: 3)
        #expect(decision.value == 20)
        #expect(decision.decidedBy == 2)
        #expect(Self.verdict(decision, 1)?.outcome == .overridden)
        #expect(Self.verdict(decision, 1)?.priority == 0)
    }

    @Test func noRulesMeansNoLimit() {
        let decision = LimitArbiter.decide(rules: [], priorities: [:], at: Self.noon, unit: .w, phases: 3)
        #expect(decision.value == nil)
        #expect(decision.decidedBy == nil)
        #expect(decision.decider == "no limit")
        #expect(decision.verdicts.isEmpty)
    }

    @Test func inactiveRulesDoNotCount() throws {
        let rules = [
            Self.rule(1, "site", 10, hard: true, until: Self.noon),  // ended exactly now: [from, until)
            Self.rule(2, "site", 12, hard: true, from: Self.noon + 1),
            Self.rule(3, "operator", 16, recurrence: LimitRecurrence(kind: .daily, startMinute: 18 * 60, endMinute: 20 * 60)),
            Self.rule(4, "operator", 20, hard: true, from: Self.noon, until: Self.noon + 1),
        ]
        let decision = LimitArbiter.decide(rules: rules, priorities: Self.priorities, at: Self.noon, unit: .a, phases: 3)
        #expect(decision.value == 20)
        #expect(decision.decidedBy == 4)
        for id: Int64 in [1, 2, 3] {
            let verdict = try #require(Self.verdict(decision, id))
            #expect(verdict.outcome == .inactive)
            #expect(verdict.reason.contains("not in force"))
        }
        #expect(decision.verdicts.first?.limit == 4)
        // The daily rule counts inside its window.
        let evening = LimitArbiter.decide(rules: rules, priorities: Self.priorities, at: Self.ms("2026-06-10T18:30:00Z"), unit: .a, phases: 3)
        #expect(evening.value == 12)
        #expect(evening.decidedBy == 2)
        #expect(Self.verdict(evening, 3)?.outcome == .higher)
    }

    // MARK: - Units

    @Test func amperesConvertToWattsWithPhases() {
        let rules = [Self.rule(1, "site", 16, hard: true)]
        #expect(LimitArbiter.decide(rules: rules, priorities: [:], at: Self.noon, unit: .w, phases: 3).value == 11040)
        #expect(LimitArbiter.decide(rules: rules, priorities: [:], at: Self.noon, unit: .w, phases: 1).value == 3680)
        let fraction = [Self.rule(1, "site", Self.d("6.333"), hard: true)]
        // 6.333 × 230 × 3 = 4369.77 → 4369.7
        #expect(LimitArbiter.decide(rules: fraction, priorities: [:], at: Self.noon, unit: .w, phases: 3).value == Self.d("4369.7"))
    }

    @Test func wattsConvertToAmperesRoundedDown() throws {
        let rules = [Self.rule(1, "site", 11000, .w, hard: true)]
        // 11000 / 690 = 15.942… → 15.9; 11000 / 230 = 47.826… → 47.8
        #expect(LimitArbiter.decide(rules: rules, priorities: [:], at: Self.noon, unit: .a, phases: 3).value == Self.d("15.9"))
        #expect(LimitArbiter.decide(rules: rules, priorities: [:], at: Self.noon, unit: .a, phases: 1).value == Self.d("47.8"))
        let mixed = [Self.rule(1, "site", 11000, .w, hard: true), Self.rule(2, "site", 16, .a, hard: true)]
        let decision = LimitArbiter.decide(rules: mixed, priorities: [:], at: Self.noon, unit: .a, phases: 3)
        #expect(decision.value == Self.d("15.9"))
        #expect(decision.decidedBy == 1)
        #expect(try #require(Self.verdict(decision, 2)).value == 16)
    }

    // MARK: - Caps

    @Test func capActsAsHardLimit() throws {
        let cap = LimitCap(label: "group site share 20 A", value: 20, unit: .a)
        let rules = [Self.rule(1, "emergency", 63)]
        let decision = LimitArbiter.decide(rules: rules, priorities: Self.priorities, caps: [cap], at: Self.noon, unit: .a, phases: 3)
        #expect(decision.value == 20)
        #expect(decision.decidedBy == nil)
        #expect(decision.decider == cap.label)
        let capVerdict = try #require(decision.verdicts.first { $0.limit == nil })
        #expect(capVerdict.kind == "capacity")
        #expect(capVerdict.outcome == .decides)
        #expect(capVerdict.agent == nil)
        #expect(capVerdict.priority == nil)
        #expect(Self.verdict(decision, 1)?.outcome == .higher)

        // A cap in W converts; a lower policy still decides under it.
        let wattCap = LimitCap(label: "cap", value: 22080, unit: .w)
        let lower = LimitArbiter.decide(rules: [Self.rule(1, "operator", 16)], priorities: Self.priorities, caps: [wattCap], at: Self.noon, unit: .a, phases: 3)
        #expect(lower.value == 16)
        #expect(lower.decidedBy == 1)
        #expect(lower.verdicts.first { $0.limit == nil }?.value == 32)
        #expect(lower.verdicts.first { $0.limit == nil }?.outcome == .higher)
    }

    // MARK: - Schedule

    /// Two days with a daily 18:00-20:00 hard limit: unlimited, 32, unlimited, 32, unlimited.
    @Test func scheduleAlternatesWithDailyWindow() {
        let daily = LimitRecurrence(kind: .daily, startMinute: 18 * 60, endMinute: 20 * 60)
        let rules = [Self.rule(7, "site", 32, hard: true, recurrence: daily)]
        let from = Self.ms("2026-06-10T00:00:00Z")
        let to = Self.ms("2026-06-12T00:00:00Z")
        let segments = LimitArbiter.schedule(rules: rules, priorities: Self.priorities, from: from, to: to, unit: .a, phases: 3)
        let expected: [(String, String, Decimal?)] = [
            ("2026-06-10T00:00:00Z", "2026-06-10T18:00:00Z", nil),
            ("2026-06-10T18:00:00Z", "2026-06-10T20:00:00Z", 32),
            ("2026-06-10T20:00:00Z", "2026-06-11T18:00:00Z", nil),
            ("2026-06-11T18:00:00Z", "2026-06-11T20:00:00Z", 32),
            ("2026-06-11T20:00:00Z", "2026-06-12T00:00:00Z", nil),
        ]
        #expect(segments.count == expected.count)
        for (segment, want) in zip(segments, expected) {
            #expect(segment.startMs == Self.ms(want.0))
            #expect(segment.endMs == Self.ms(want.1))
            #expect(segment.value == want.2)
            #expect(segment.decidedBy == (want.2 == nil ? nil : 7))
            #expect(segment.decider == (want.2 == nil ? "no limit" : rules[0].label))
        }
    }

    @Test func scheduleMergesEqualNeighbours() {
        let daily = LimitRecurrence(kind: .daily, startMinute: 18 * 60, endMinute: 20 * 60)
        // The policy's end at 19:00 changes nothing (the hard limit decides on both sides): one segment.
        let rules = [
            Self.rule(7, "site", 32, hard: true, recurrence: daily),
            Self.rule(8, "operator", 40, until: Self.ms("2026-06-10T19:00:00Z")),
        ]
        let segments = LimitArbiter.schedule(
            rules: rules, priorities: Self.priorities, from: Self.ms("2026-06-10T18:00:00Z"), to: Self.ms("2026-06-10T20:00:00Z"), unit: .a, phases: 3
        )
        #expect(segments == [LimitSegment(startMs: Self.ms("2026-06-10T18:00:00Z"), endMs: Self.ms("2026-06-10T20:00:00Z"), value: 32, decidedBy: 7, decider: rules[0].label)])

        // An all-day window ends at one midnight and starts again at the same instant: no break.
        let allDay = [Self.rule(9, "site", 16, hard: true, recurrence: LimitRecurrence(kind: .daily, startMinute: 0, endMinute: 1440))]
        let days = LimitArbiter.schedule(
            rules: allDay, priorities: [:], from: Self.ms("2026-06-10T06:00:00Z"), to: Self.ms("2026-06-13T06:00:00Z"), unit: .a, phases: 3
        )
        #expect(days.count == 1)
        #expect(days.first?.startMs == Self.ms("2026-06-10T06:00:00Z"))
        #expect(days.first?.endMs == Self.ms("2026-06-13T06:00:00Z"))
        #expect(days.first?.value == 16)
    }

    @Test func scheduleFollowsProvenanceChanges() {
        // Same value, different decider: kept apart.
        let rules = [
            Self.rule(1, "site", 32, hard: true, until: Self.ms("2026-06-10T13:00:00Z")),
            Self.rule(2, "operator", 32, from: Self.ms("2026-06-10T12:30:00Z")),
        ]
        let segments = LimitArbiter.schedule(
            rules: rules, priorities: Self.priorities, from: Self.noon, to: Self.ms("2026-06-10T14:00:00Z"), unit: .a, phases: 3
        )
        #expect(segments.map(\.decidedBy) == [1, 2])
        #expect(segments.map(\.startMs) == [Self.noon, Self.ms("2026-06-10T13:00:00Z")])
        #expect(segments.map(\.endMs) == [Self.ms("2026-06-10T13:00:00Z"), Self.ms("2026-06-10T14:00:00Z")])
        #expect(segments.map(\.value) == [32, 32])
        #expect(LimitArbiter.schedule(rules: rules, priorities: [:], from: Self.noon, to: Self.noon, unit: .a, phases: 3).isEmpty)
    }

    /// The schedule and the decision at one instant agree everywhere: random instants inside each segment decide the
    /// segment's value and decider.
    @Test func scheduleAgreesWithDecide() throws {
        let rules = [
            Self.rule(1, "site", 32, hard: true, recurrence: LimitRecurrence(kind: .daily, startMinute: 18 * 60, endMinute: 20 * 60, timeZone: "Europe/Berlin")),
            Self.rule(2, "operator", 16, from: Self.ms("2026-03-28T10:00:00Z"), until: Self.ms("2026-03-30T10:00:00Z")),
            Self.rule(3, "emergency", 40, recurrence: try LimitRecurrence.weekly("sat,sun@00:00-24:00", timeZone: "Europe/Berlin")),
            Self.rule(4, "site", 11000, .w, hard: true, until: Self.ms("2026-03-29T17:30:00Z")),
        ]
        let from = Self.ms("2026-03-27T00:00:00Z")
        let to = Self.ms("2026-03-31T00:00:00Z")
        let segments = LimitArbiter.schedule(rules: rules, priorities: Self.priorities, from: from, to: to, unit: .a, phases: 3)
        #expect(segments.first?.startMs == from)
        #expect(segments.last?.endMs == to)
        for (a, b) in zip(segments, segments.dropFirst()) {
            #expect(a.endMs == b.startMs)
            #expect(a.value != b.value || a.decidedBy != b.decidedBy)
        }
        var rng = CapacityBalancerTests.SplitMix64(state: 42)
        for segment in segments {
            for t in [segment.startMs, segment.endMs - 1, Int64.random(in: segment.startMs..<segment.endMs, using: &rng)] {
                let decision = LimitArbiter.decide(rules: rules, priorities: Self.priorities, at: t, unit: .a, phases: 3)
                #expect(decision.value == segment.value, "at \(Timestamp(milliseconds: t))")
                #expect(decision.decidedBy == segment.decidedBy, "at \(Timestamp(milliseconds: t))")
            }
        }
        // Saturday 2026-03-28 18:30 Berlin (17:30 UTC): the site's 11 kW (15.9 A) holds under the emergency's 40 A.
        let saturday = try #require(segments.first { $0.startMs <= Self.ms("2026-03-28T17:30:00Z") && Self.ms("2026-03-28T17:30:00Z") < $0.endMs })
        #expect(saturday.value == Self.d("15.9"))
        #expect(saturday.decidedBy == 4)
        // Monday 2026-03-30 09:00 UTC: only the operator's policy.
        let monday = try #require(segments.first { $0.startMs <= Self.ms("2026-03-30T09:00:00Z") && Self.ms("2026-03-30T09:00:00Z") < $0.endMs })
        #expect(monday.value == 16)
    }
}
