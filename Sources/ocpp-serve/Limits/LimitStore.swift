import Foundation
import Shared

/// Writes to the limit model's tables (through the store writer, like every write) and reads the whole model back.
enum LimitWrite: Sendable {
    case agentAdd(Agent, atMs: Int64)
    /// Removes the agent with its limits and tokens.
    case agentRemove(name: String)
    case groupAdd(name: String, capacity: Decimal, unit: LimitUnit, phases: Int, atMs: Int64)
    case groupRemove(name: String)
    /// Moves chargers into a group (a charger is in one group at most).
    case groupAssign(name: String, chargers: [String])
    case groupUnassign(chargers: [String])
    /// Answers `.inserted` with the limit's id.
    case limitAdd(LimitRule)
    case limitRemove(id: Int64)
}

enum LimitStore {
    static func apply(_ write: LimitWrite, in db: any SQLConnection) throws -> StoreResult {
        switch write {
        case .agentAdd(let agent, let atMs):
            try db.execute(
                sql: "INSERT INTO agents(name, priority, scope, created_ms) VALUES (?,?,?,?)",
                arguments: [agent.name, agent.priority, agent.scope.description, atMs]
            )
            return .done
        case .agentRemove(let name):
            return .changed(rows: try db.execute(sql: "DELETE FROM agents WHERE name = ?", arguments: [name]))
        case .groupAdd(let name, let capacity, let unit, let phases, let atMs):
            try db.execute(
                sql: "INSERT INTO charger_groups(name, capacity, unit, phases, created_ms) VALUES (?,?,?,?,?)",
                arguments: [name, "\(capacity)", unit.rawValue, phases, atMs]
            )
            return .done
        case .groupRemove(let name):
            return .changed(rows: try db.execute(sql: "DELETE FROM charger_groups WHERE name = ?", arguments: [name]))
        case .groupAssign(let name, let chargers):
            for charger in chargers {
                try db.execute(sql: """
                        INSERT INTO group_members(charger_id, group_name) VALUES (?,?)
                        ON CONFLICT(charger_id) DO UPDATE SET group_name = excluded.group_name
                        """, arguments: [charger, name])
            }
            return .changed(rows: chargers.count)
        case .groupUnassign(let chargers):
            var rows = 0
            for charger in chargers {
                rows += try db.execute(sql: "DELETE FROM group_members WHERE charger_id = ?", arguments: [charger])
            }
            return .changed(rows: rows)
        case .limitAdd(let rule):
            var charger: String?
            var connector = 0
            var group: String?
            switch rule.target {
            case .charger(let id): charger = id
            case .connector(let id, let n): (charger, connector) = (id, n)
            case .group(let name): group = name
            }
            let recurrence = try rule.recurrence.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }
            let id = try db.insert(
                sql: """
                    INSERT INTO limits(agent, target_charger, target_connector, target_group, value, unit, hard, from_ms, until_ms, recurrence, created_ms)
                    VALUES (?,?,?,?,?,?,?,?,?,?,?)
                    """,
                arguments: [rule.agent, charger, connector, group, "\(rule.value)", rule.unit.rawValue, rule.hard, rule.fromMs, rule.untilMs, recurrence, rule.createdMs]
            )
            guard let id else { throw StoreApplierError.inconsistent("limit not inserted") }
            return .inserted(rowID: id)
        case .limitRemove(let id):
            return .changed(rows: try db.execute(sql: "DELETE FROM limits WHERE id = ?", arguments: [id]))
        }
    }

    /// The whole model as stored.
    static func load(_ db: any SQLConnection) throws -> LimitModel {
        let agents = try db.fetchAll(sql: "SELECT * FROM agents ORDER BY name").map { row -> Agent in
            let scopeText: String = row["scope"]
            return Agent(name: row["name"], priority: row["priority"], scope: (try? AgentScope.parse(scopeText)) ?? AgentScope())
        }
        var members: [String: [String]] = [:]
        for row in try db.fetchAll(sql: "SELECT charger_id, group_name FROM group_members ORDER BY charger_id") {
            members[row["group_name"], default: []].append(row["charger_id"])
        }
        let groups = try db.fetchAll(sql: "SELECT * FROM charger_groups ORDER BY name").map { row -> ChargerGroup in
            let name: String = row["name"]
            let capacityText: String = row["capacity"]
            let unitText: String = row["unit"]
            return ChargerGroup(
                name: name, capacity: Decimal(string: capacityText) ?? 0, unit: LimitUnit(rawValue: unitText) ?? .w, phases: row["phases"],
                members: members[name] ?? []
            )
        }
        let rules = try db.fetchAll(sql: "SELECT * FROM limits ORDER BY id").compactMap { row -> LimitRule? in
            let target: LimitTarget
            if let group: String = row["target_group"] {
                target = .group(group)
            } else if let charger: String = row["target_charger"] {
                let connector: Int = row["target_connector"]
                target = connector > 0 ? .connector(charger, connector) : .charger(charger)
            } else {
                return nil
            }
            let valueText: String = row["value"]
            let unitText: String = row["unit"]
            let recurrenceText: String? = row["recurrence"]
            return LimitRule(
                id: row["id"], agent: row["agent"], target: target, value: Decimal(string: valueText) ?? 0, unit: LimitUnit(rawValue: unitText) ?? .a,
                hard: row["hard"], fromMs: row["from_ms"], untilMs: row["until_ms"],
                recurrence: recurrenceText.flatMap { try? JSONDecoder().decode(LimitRecurrence.self, from: Data($0.utf8)) }, createdMs: row["created_ms"]
            )
        }
        return LimitModel(agents: agents, groups: groups, rules: rules)
    }
}
