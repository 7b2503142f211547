import Shared

extension ControlQueries {
    /// SecurityEventNotifications received (newest `limit`, oldest first), of one charger and/or since a time.
    func securityEvents(charger: String?, sinceMs: Int64?, limit: Int) async throws -> [SecurityEventRecord] {
        try await database.read { db in
            try Self.latest("security_events", timeColumn: "received_ms", charger: charger, sinceMs: sinceMs, limit: limit, in: db).map { row in
                SecurityEventRecord(
                    id: row["id"],
                    charger: row["charger_id"],
                    type: row["type"],
                    at: Self.time(row["at_ms"]) ?? "",
                    received: Self.time(row["received_ms"]) ?? "",
                    techInfo: row["tech_info"]
                )
            }
        }
    }
}
