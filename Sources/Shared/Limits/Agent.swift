/// A party that imposes limits (operator, site owner, grid operator, scheduler, emergency override): its policy
/// limits win over those of agents with a lower priority; nobody lifts a hard limit.
public struct Agent: Codable, Sendable, Hashable {
    public var name: String
    /// Higher wins among policy limits.
    public var priority: Int
    public var scope: AgentScope

    public init(name: String, priority: Int, scope: AgentScope = .everything) {
        self.name = name
        self.priority = priority
        self.scope = scope
    }

    /// Names appear in logs, provenance and URLs: keep them plain.
    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 64 && name.allSatisfy { $0.isLetter || $0.isNumber || "-_.@".contains($0) }
    }
}
