import Foundation

/// Everything the limit model knows at one moment: agents, groups with their members, and limits. Pure data; the
/// server loads it from the store and swaps in a new one after each change.
public struct LimitModel: Sendable, Hashable {
    public var agents: [String: Agent]
    public var groups: [String: ChargerGroup]
    public var rules: [LimitRule] {
        didSet { rulesByCharger = Self.index(rules) }
    }
    /// Charger id → the limits on it or its connectors, in `rules` order: a re-balance asks for every session's.
    private var rulesByCharger: [String: [LimitRule]]
    /// Charger id → its group's name.
    public private(set) var groupOf: [String: String]

    public init(agents: [Agent] = [], groups: [ChargerGroup] = [], rules: [LimitRule] = []) {
        self.agents = Dictionary(agents.map { ($0.name, $0) }, uniquingKeysWith: { $1 })
        self.groups = Dictionary(groups.map { ($0.name, $0) }, uniquingKeysWith: { $1 })
        self.rules = rules
        self.rulesByCharger = Self.index(rules)
        var groupOf: [String: String] = [:]
        for group in groups { for member in group.members { groupOf[member] = group.name } }
        self.groupOf = groupOf
    }

    public var priorities: [String: Int] { agents.mapValues(\.priority) }

    /// Limits on the charger and its connectors (not its group's total).
    public func chargerRules(_ chargerID: String) -> [LimitRule] {
        rulesByCharger[chargerID] ?? []
    }

    private static func index(_ rules: [LimitRule]) -> [String: [LimitRule]] {
        var index: [String: [LimitRule]] = [:]
        for rule in rules { if let id = rule.target.chargerID { index[id, default: []].append(rule) } }
        return index
    }

    /// Limits that apply to one connector: those on the whole charger and those on that connector (connector 0:
    /// the whole charger only).
    public func connectorRules(_ chargerID: String, connector: Int) -> [LimitRule] {
        chargerRules(chargerID).filter {
            switch $0.target {
            case .charger(let id): id == chargerID
            case .connector(let id, let n): id == chargerID && n == connector
            case .group: false
            }
        }
    }

    public func groupRules(_ name: String) -> [LimitRule] {
        rules.filter { $0.target == .group(name) }
    }

    /// The capacity a group may use at `t`: its own capacity as a hard cap, under the limits agents put on its total.
    public func groupCapacity(_ name: String, at t: Int64) -> LimitDecision? {
        guard let group = groups[name] else { return nil }
        let cap = LimitCap(label: "group \(name) capacity \(group.capacity) \(group.unit.rawValue)", value: group.capacity, unit: group.unit)
        return LimitArbiter.decide(rules: groupRules(name), priorities: priorities, caps: [cap], at: t, unit: group.unit, phases: group.phases)
    }

    /// A group's capacity at `t` shared between its sessions (`sessions`: charger → connector → transaction id):
    /// equal shares, each capped by the limits on its own charger and connector, what a capped session leaves going
    /// to the others. Shares are in the group's unit; nil when the group does not exist.
    public func shares(group name: String, sessions: [String: [Int: Int]], at t: Int64) -> [String: [Int: (transactionId: Int, value: Decimal)]]? {
        guard let group = groups[name], let capacity = groupCapacity(name, at: t)?.value else { return nil }
        var demands: [CapacityBalancer.Demand] = []
        var keys: [String: (charger: String, connector: Int, transactionId: Int)] = [:]
        let priorities = priorities
        for charger in group.members {
            for (connector, transactionId) in sessions[charger] ?? [:] {
                let own = LimitArbiter.decide(rules: connectorRules(charger, connector: connector), priorities: priorities, at: t, unit: group.unit, phases: group.phases)
                let key = "\(charger)\u{0}\(connector)"
                keys[key] = (charger, connector, transactionId)
                demands.append(CapacityBalancer.Demand(key: key, cap: own.value))
            }
        }
        var result: [String: [Int: (transactionId: Int, value: Decimal)]] = [:]
        for (key, value) in CapacityBalancer.share(capacity, among: demands) {
            guard let session = keys[key] else { continue }
            result[session.charger, default: [:]][session.connector] = (session.transactionId, value)
        }
        return result
    }
}
