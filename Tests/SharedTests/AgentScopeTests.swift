import Foundation
import Testing

@testable import Shared

@Suite struct AgentScopeTests {
    static func error(_ text: String) -> String? {
        do {
            _ = try AgentScope.parse(text)
            return nil
        } catch {
            return error.description
        }
    }

    @Test func parsesAll() throws {
        #expect(try AgentScope.parse("all") == .everything)
        #expect(try AgentScope.parse(" * ") == .everything)
        #expect(AgentScope.everything.all)
        #expect(AgentScope.everything.description == "all")
    }

    @Test func parsesChargersAndGroups() throws {
        let scope = try AgentScope.parse("CP01, group:site ,CP02,,group:depot")
        #expect(scope == AgentScope(all: false, chargers: ["CP01", "CP02"], groups: ["site", "depot"]))
        #expect(scope.description == "CP01,CP02,group:site,group:depot")
        #expect(try AgentScope.parse(scope.description) == scope)
    }

    @Test func rejectsEmptyScopeAndNamelessGroup() {
        #expect(Self.error("") != nil)
        #expect(Self.error(" , ,") != nil)
        #expect(Self.error("CP01,group:")?.contains("group:NAME") == true)
    }

    @Test func coversChargersByIdOrGroup() throws {
        let scope = try AgentScope.parse("CP01,group:site")
        #expect(scope.covers(charger: "CP01", group: nil))
        #expect(scope.covers(charger: "CP01", group: "depot"))
        #expect(scope.covers(charger: "CP09", group: "site"))
        #expect(!scope.covers(charger: "CP09", group: "depot"))
        #expect(!scope.covers(charger: "CP09", group: nil))
        #expect(scope.covers(group: "site"))
        #expect(!scope.covers(group: "depot"))
        // Covering a member is not covering its group.
        let member = try AgentScope.parse("CP01")
        #expect(!member.covers(group: "site"))
        #expect(AgentScope.everything.covers(charger: "anything", group: nil))
        #expect(AgentScope.everything.covers(group: "anything"))
    }

    @Test func agentNames() {
        #expect(Agent.isValidName("site-owner_1.x@home"))
        #expect(!Agent.isValidName(""))
        #expect(!Agent.isValidName("two words"))
        #expect(!Agent.isValidName("a/b"))
        #expect(!Agent.isValidName(String(repeating: "a", count: 65)))
        #expect(Agent.isValidName(String(repeating: "a", count: 64)))
        #expect(Agent(name: "x", priority: 1).scope == .everything)
    }
}
