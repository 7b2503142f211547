import Foundation
import Shared

/// A command for a charger held by another node: the request the asking node writes to `remote_commands`, and the
/// outcome the holding node writes back (the same `CommandResult` or `ControlError` a local command gives, so the
/// caller sees the same output and exit code). The SQL of the table, portable, beside it.
enum RemoteCommand {
    struct Request: Codable, Sendable, Equatable {
        var action: String
        var payload: JSONValue
        var timeout: Double
        var validate: Bool
        var origin: String
    }

    struct Outcome: Codable, Sendable, Equatable {
        var result: CommandResult?
        var error: ControlError?

        func get() throws(ControlError) -> CommandResult {
            if let result { return result }
            throw error ?? ControlError(.internalError, "empty answer from the remote node")
        }
    }

    static func encode<T: Encodable>(_ value: T) -> String {
        String(decoding: (try? JSONEncoder().encode(value)) ?? Data("{}".utf8), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String) -> T? {
        try? JSONDecoder().decode(type, from: Data(text.utf8))
    }

    /// Queues a request for `target`; returns its id.
    static func insert(_ request: Request, charger: String, origin: String, target: String, nowMs: Int64, in db: any SQLConnection) throws -> Int64 {
        let deadline = nowMs + Int64((request.timeout + 5) * 1000)
        guard
            let id = try db.fetchValue(
                Int64.self,
                sql: """
                    INSERT INTO remote_commands(charger_id, origin_node, target_node, request, created_ms, deadline_ms)
                    VALUES (?, ?, ?, ?, ?, ?) RETURNING id
                    """,
                arguments: [charger, origin, target, encode(request), nowMs, deadline]
            )
        else { throw SQLStoreError.unexpected("remote command not inserted") }
        return id
    }

    struct Claimed: Sendable, Equatable {
        var id: Int64
        var charger: String
        var origin: String
        var request: Request
    }

    /// Claims requests for `node` not yet claimed and still within their deadline (`ids`: only those; nil: all, the
    /// safety poll). Each is claimed once, by one node, whatever the notifications did.
    static func claim(for node: String, ids: [Int64]?, nowMs: Int64, in db: any SQLConnection) throws -> [Claimed] {
        var arguments: SQLArguments = [nowMs, node, nowMs]
        var filter = ""
        if let ids {
            guard !ids.isEmpty else { return [] }
            filter = " AND id IN (\(Array(repeating: "?", count: ids.count).joined(separator: ", ")))"
            for id in ids { arguments.append(id) }
        }
        let rows = try db.fetchAll(
            sql: """
                UPDATE remote_commands SET claimed_ms = ?
                WHERE target_node = ? AND claimed_ms IS NULL AND deadline_ms > ?\(filter)
                RETURNING id, charger_id, origin_node, request
                """,
            arguments: arguments
        )
        return rows.compactMap { row in
            guard let request = decode(Request.self, row["request"]) else { return nil }
            return Claimed(id: row["id"], charger: row["charger_id"], origin: row["origin_node"], request: request)
        }.sorted { $0.id < $1.id }
    }

    static func answer(_ id: Int64, _ outcome: Outcome, nowMs: Int64, in db: any SQLConnection) throws {
        try db.execute(sql: "UPDATE remote_commands SET answered_ms = ?, response = ? WHERE id = ?", arguments: [nowMs, encode(outcome), id])
    }

    /// The answers among `ids` (asked by this node); their rows are deleted once read.
    static func collect(_ ids: [Int64], in db: any SQLConnection) throws -> [Int64: Outcome] {
        guard !ids.isEmpty else { return [:] }
        let list = Array(repeating: "?", count: ids.count).joined(separator: ", ")
        let rows = try db.fetchAll(
            sql: "DELETE FROM remote_commands WHERE answered_ms IS NOT NULL AND id IN (\(list)) RETURNING id, response",
            arguments: SQLArguments(ids.map { .integer($0) })
        )
        var outcomes: [Int64: Outcome] = [:]
        for row in rows {
            let id: Int64 = row["id"]
            let text: String? = row["response"]
            outcomes[id] = text.flatMap { decode(Outcome.self, $0) } ?? Outcome(error: ControlError(.internalError, "unreadable answer from the remote node"))
        }
        return outcomes
    }

    /// The asker takes back a request no node has claimed (its charger moved); true if it was still unclaimed.
    static func withdraw(_ id: Int64, in db: any SQLConnection) throws -> Bool {
        try db.execute(sql: "DELETE FROM remote_commands WHERE id = ? AND claimed_ms IS NULL", arguments: [id]) > 0
    }

    /// The asker gave up on `id` (its timeout): the row goes, answered or not.
    static func abandon(_ id: Int64, in db: any SQLConnection) throws {
        try db.execute(sql: "DELETE FROM remote_commands WHERE id = ?", arguments: [id])
    }

    /// The leader's housekeeping: rows left by nodes that died while asking or answering.
    static func purge(beforeMs: Int64, in db: any SQLConnection) throws -> Int {
        try db.execute(sql: "DELETE FROM remote_commands WHERE deadline_ms < ?", arguments: [beforeMs])
    }
}
