import Foundation

/// Which chargers an agent may limit and command: all of them, or those listed by id or by group.
public struct AgentScope: Codable, Sendable, Hashable {
    public var all: Bool
    public var chargers: [String]
    public var groups: [String]

    public init(all: Bool = false, chargers: [String] = [], groups: [String] = []) {
        self.all = all
        self.chargers = chargers
        self.groups = groups
    }

    public static let everything = AgentScope(all: true)

    /// Reads the CLI form: `all`, or a comma-separated list of charger ids and `group:NAME` entries.
    public static func parse(_ text: String) throws(LimitInputError) -> AgentScope {
        let items = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !items.isEmpty else { throw LimitInputError("empty scope: use all, or charger ids and group:NAME, comma-separated") }
        if items == ["all"] || items == ["*"] { return .everything }
        var scope = AgentScope()
        for item in items {
            if item.hasPrefix(LimitTarget.groupPrefix) {
                let name = String(item.dropFirst(LimitTarget.groupPrefix.count))
                guard !name.isEmpty else { throw LimitInputError("'\(item)' names no group: use group:NAME") }
                scope.groups.append(name)
            } else {
                scope.chargers.append(item)
            }
        }
        return scope
    }

    /// True when the charger is in scope; `group` is the group it belongs to, if any.
    public func covers(charger: String, group: String?) -> Bool {
        all || chargers.contains(charger) || (group.map { groups.contains($0) } ?? false)
    }

    /// True when a whole group is in scope (a limit on a group's capacity needs the group itself, not some members).
    public func covers(group: String) -> Bool { all || groups.contains(group) }

    public var description: String {
        all ? "all" : (chargers + groups.map { LimitTarget.groupPrefix + $0 }).joined(separator: ",")
    }
}
