import Foundation
import Testing

@testable import Shared

@Suite struct LimitModelTests {
    static func ms(_ text: String) -> Int64 { Timestamp(parsing: text)!.milliseconds }
    static let noon = ms("2026-06-10T12:00:00Z")

    static func rule(_ id: Int64, _ agent: String, _ target: LimitTarget, _ value: Decimal, _ unit: LimitUnit = .a, hard: Bool = false) -> LimitRule {
        LimitRule(id: id, agent: agent, target: target, value: value, unit: unit, hard: hard)
    }

    static let model = LimitModel(
        agents: [Agent(name: "operator", priority: 10), Agent(name: "grid", priority: 80, scope: try! AgentScope.parse("group:site"))],
        groups: [ChargerGroup(name: "site", capacity: 63, unit: .a, phases: 3, members: ["CP01", "CP02"])],
        rules: [
            rule(1, "operator", .charger("CP01"), 32),
            rule(2, "operator", .connector("CP01", 1), 16),
            rule(3, "operator", .connector("CP01", 2), 20),
            rule(4, "operator", .connector("CP02", 1), 10),
            rule(5, "grid", .group("site"), 22080, .w, hard: true),
            rule(6, "operator", .group("depot"), 50),
        ]
    )

    @Test func indexesAgentsAndGroups() {
        #expect(Self.model.priorities == ["operator": 10, "grid": 80])
        #expect(Self.model.groupOf == ["CP01": "site", "CP02": "site"])
        #expect(Self.model.groups["site"]?.capacity == 63)
    }

    @Test func rulesByTarget() {
        #expect(Self.model.chargerRules("CP01").map(\.id) == [1, 2, 3])
        #expect(Self.model.connectorRules("CP01", connector: 1).map(\.id) == [1, 2])
        #expect(Self.model.connectorRules("CP01", connector: 2).map(\.id) == [1, 3])
        #expect(Self.model.connectorRules("CP01", connector: 0).map(\.id) == [1])
        #expect(Self.model.connectorRules("CP02", connector: 1).map(\.id) == [4])
        #expect(Self.model.connectorRules("CP03", connector: 1).isEmpty)
        #expect(Self.model.groupRules("site").map(\.id) == [5])
    }

    @Test func groupCapacityIsCappedByItsOwnCapacity() throws {
        // The grid's 22080 W on a 3-phase group is 32 A, under the 63 A capacity.
        let decision = try #require(Self.model.groupCapacity("site", at: Self.noon))
        #expect(decision.value == 32)
        #expect(decision.unit == .a)
        #expect(decision.decidedBy == 5)
        let cap = try #require(decision.verdicts.first { $0.kind == "capacity" })
        #expect(cap.value == 63)
        #expect(cap.outcome == .higher)
        #expect(cap.label.contains("63"))

        // Without limits on it, the capacity decides.
        let bare = LimitModel(groups: [ChargerGroup(name: "depot", capacity: 40000, unit: .w, members: ["CP07"])])
        let own = try #require(bare.groupCapacity("depot", at: Self.noon))
        #expect(own.value == 40000)
        #expect(own.unit == .w)
        #expect(own.decidedBy == nil)
        #expect(own.decider.contains("depot"))
        #expect(Self.model.groupCapacity("nowhere", at: Self.noon) == nil)
    }

    @Test func laterGroupDefinitionWinsForAMember() {
        let model = LimitModel(groups: [
            ChargerGroup(name: "a", capacity: 10, unit: .a, members: ["CP01"]),
            ChargerGroup(name: "b", capacity: 10, unit: .a, members: ["CP01"]),
        ])
        #expect(model.groupOf["CP01"] == "b")
    }

    @Test func ruleValidation() {
        let base = Self.rule(1, "operator", .charger("CP01"), 16)
        #expect(throws: Never.self) { try base.validate() }
        var negative = base
        negative.value = -1
        #expect(throws: LimitInputError.self) { try negative.validate() }
        var fine = base
        fine.value = Decimal(string: "16.25")!
        #expect(throws: LimitInputError.self) { try fine.validate() }
        var backwards = base
        backwards.fromMs = Self.noon
        backwards.untilMs = Self.noon
        #expect(throws: LimitInputError.self) { try backwards.validate() }
    }

    @Test func ruleShapeAndCodable() throws {
        var rule = Self.rule(7, "site", .charger("CP01"), 32, hard: true)
        #expect(rule.shapeDescription == "always")
        rule.recurrence = LimitRecurrence(kind: .daily, startMinute: 1080, endMinute: 1200)
        #expect(rule.label == "limit 7 (site, hard, 32 A daily 18:00-20:00 UTC)")
        rule.untilMs = Self.ms("2026-07-01T00:00:00Z")
        #expect(rule.shapeDescription.hasPrefix("until 2026-07-01T00:00:00"))
        #expect(rule.boundaries(from: Self.noon, to: Self.noon + 86_400_000).sorted() == [Self.ms("2026-06-10T18:00:00Z"), Self.ms("2026-06-10T20:00:00Z")])
        #expect(rule.isCurrentOrFuture(at: Self.noon))
        #expect(!rule.isCurrentOrFuture(at: Self.ms("2026-07-01T00:00:00Z")))
        let data = try JSONEncoder().encode(rule)
        #expect(try JSONDecoder().decode(LimitRule.self, from: data) == rule)
    }
}
