import Shared

/// The alerts table (migration v6-alerts) and the few reads the rules need. Writes go straight to the pool: they
/// are rare (an alert opening or resolving) and serialize with the store writer's commits.
struct AlertStore: Sendable {
    let database: any SQLStore

    func openAlerts() async throws -> [Alert] {
        try await database.read { db in
            try db.fetchAll(sql: "SELECT * FROM alerts WHERE state = 'open'").compactMap(Self.alert)
        }
    }

    /// The id of the new row.
    func insert(_ alert: Alert) async throws -> Int64 {
        try await database.write { db in
            let id = try db.insert(
                sql: """
                    INSERT INTO alerts (rule, charger_id, subject, group_name, state, message, detail, opened_ms, last_seen_ms, repeats)
                    VALUES (?, ?, ?, ?, 'open', ?, ?, ?, ?, 0)
                    """,
                arguments: [
                    alert.key.rule.rawValue, alert.key.chargerID, alert.key.subject, alert.group, alert.message, alert.detail.serialized(),
                    alert.openedMs, alert.lastSeenMs,
                ]
            )
            guard let id else { throw StoreApplierError.inconsistent("alert not inserted") }
            return id
        }
    }

    func resolve(_ alert: Alert) async throws {
        try await database.write { db in
            try db.execute(
                sql: "UPDATE alerts SET state = 'resolved', resolved_ms = ?, last_seen_ms = ?, repeats = ? WHERE id = ?",
                arguments: [alert.resolvedMs, alert.lastSeenMs, alert.repeats, alert.id]
            )
        }
    }

    func records(openOnly: Bool, limit: Int) async throws -> [AlertRecord] {
        try await database.read { db in
            let filter = openOnly ? "WHERE state = 'open'" : ""
            return try db.fetchAll(sql: "SELECT * FROM alerts \(filter) ORDER BY id DESC LIMIT ?", arguments: [limit])
                .compactMap(Self.alert).reversed().map(\.record)
        }
    }

    func group(of chargerID: String) async -> String? {
        (try? await database.read { db in
            try db.fetchValue(String.self, sql: "SELECT group_name FROM group_members WHERE charger_id = ?", arguments: [chargerID])
        })
            ?? nil
    }

    /// Open transactions started before `beforeMs`: (id, charger, connector, start).
    func openTransactions(startedBefore beforeMs: Int64) async throws -> [(id: Int64, charger: String, connector: Int, startMs: Int64)] {
        try await database.read { db in
            try db.fetchAll(sql:
                    "SELECT id, charger_id, connector_id, start_ms FROM transactions WHERE stop_ms IS NULL AND orphan = 0 AND start_ms < ? LIMIT 10000",
                arguments: [beforeMs]
            ).map { row -> (id: Int64, charger: String, connector: Int, startMs: Int64) in
                let id: Int64 = row["id"]
                let charger: String = row["charger_id"]
                let connector: Int? = row["connector_id"]
                let startMs: Int64 = row["start_ms"]
                return (id, charger, connector ?? 0, startMs)
            }
        }
    }

    /// Accepted chargers seen since `sinceMs`: at start each is expected back within the offline threshold.
    func chargersSeen(since sinceMs: Int64) async throws -> [String] {
        try await database.read { db in
            try db.fetchValues(String.self, sql: "SELECT id FROM chargers WHERE registration = 'Accepted' AND last_seen_ms >= ?", arguments: [sinceMs])
        }
    }

    private static func alert(_ row: SQLRow) -> Alert? {
        guard let rule = AlertRule(rawValue: row["rule"]) else { return nil }
        let detailText: String = row["detail"]
        return Alert(
            id: row["id"],
            key: Alert.Key(rule: rule, chargerID: row["charger_id"], subject: row["subject"]),
            group: row["group_name"],
            message: row["message"],
            detail: (try? JSONParser.parse(Array(detailText.utf8))) ?? .object(JSONObject()),
            openedMs: row["opened_ms"],
            lastSeenMs: row["last_seen_ms"],
            resolvedMs: row["resolved_ms"],
            repeats: row["repeats"]
        )
    }
}
