import GRDB
import Shared

extension ControlQueries {
    /// SecurityEventNotifications received (newest `limit`, oldest first), of one charger and/or since a time.
    func securityEvents(charger: String?, sinceMs: Int64?, limit: Int) async throws -> [SecurityEventRecord] {
        try await database.read { db in
            var conditions: [String] = []
            var arguments: StatementArguments = []
            if let charger {
                conditions.append("charger_id = ?")
                _ = arguments.append(contentsOf: [charger])
            }
            if let sinceMs {
                conditions.append("received_ms >= ?")
                _ = arguments.append(contentsOf: [sinceMs])
            }
            let filter = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
            return try Row.fetchAll(
                db,
                sql: "SELECT * FROM (SELECT * FROM security_events\(filter) ORDER BY id DESC LIMIT \(max(0, limit))) ORDER BY id",
                arguments: arguments
            ).map { row in
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
