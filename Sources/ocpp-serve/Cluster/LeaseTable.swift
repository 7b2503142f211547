import Shared

/// The SQL of charger leases (`charger_leases`, migration v11-nodes): which node holds which charger, until when.
/// Plain statements on one connection, in the dialect both engines share (upserts with `ON CONFLICT`, `RETURNING`),
/// so the rules are tested on an in-memory SQLite database without a network.
///
/// A lease is (charger, node, epoch, expiry). The epoch is the holding node's connection serial for the charger, so
/// a node only ever releases the lease of the connection that is closing, never a newer one's (its own or another
/// node's). A lease is live while `expires_ms > now`; a dead node's leases simply run out.
enum LeaseTable {
    struct Holder: Equatable, Sendable {
        var node: String
        var epoch: Int64
    }

    /// Takes the charger for `node` whatever held it before, in the caller's transaction. Returns the previous live
    /// holder if it was another node, which must be told to close its connection (a replaced connection on this node
    /// is the registry's business).
    static func take(_ chargerID: String, node: String, epoch: Int64, nowMs: Int64, expiresMs: Int64, in db: any SQLConnection) throws -> Holder? {
        let previous = try db.fetchOne(
            sql: "SELECT node_id, epoch FROM charger_leases WHERE charger_id = ? AND expires_ms > ?"
                + (db.dialect == .postgres ? " FOR UPDATE" : ""),
            arguments: [chargerID, nowMs]
        ).map { Holder(node: $0["node_id"], epoch: $0["epoch"]) }
        try db.execute(
            sql: """
                INSERT INTO charger_leases(charger_id, node_id, epoch, acquired_ms, expires_ms) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (charger_id) DO UPDATE SET node_id = excluded.node_id, epoch = excluded.epoch,
                    acquired_ms = excluded.acquired_ms, expires_ms = excluded.expires_ms
                """,
            arguments: [chargerID, node, epoch, nowMs, expiresMs]
        )
        guard let previous, previous.node != node else { return nil }
        return previous
    }

    /// Releases the lease if this node's connection `epoch` still holds it, and only then marks the charger offline
    /// (in the same transaction, so a takeover by another node that commits first is never undone). True if released.
    static func release(_ chargerID: String, node: String, epoch: Int64, nowMs: Int64, in db: any SQLConnection) throws -> Bool {
        let released = try db.execute(
            sql: "DELETE FROM charger_leases WHERE charger_id = ? AND node_id = ? AND epoch = ?", arguments: [chargerID, node, epoch]
        )
        guard released > 0 else { return false }
        try db.execute(sql: "UPDATE chargers SET online = 0, last_seen_ms = ? WHERE id = ?", arguments: [nowMs, chargerID])
        return true
    }

    /// Renews in bulk the leases of the chargers connected to `node` (id → epoch); re-takes those whose lease ran out
    /// or vanished. An epoch never goes back: a connection that replaced the one in the snapshot keeps its own. Returns the ids renewed: a connected charger missing from it is held by another node now (a
    /// takeover whose notification was missed), and its local connection must go.
    static func renew(_ held: [String: Int64], node: String, nowMs: Int64, expiresMs: Int64, in db: any SQLConnection) throws -> Set<String> {
        var renewed: Set<String> = []
        let ids = held.keys.sorted()
        // Bounded statements: PostgreSQL allows 65 535 parameters, SQLite 32 766.
        for start in stride(from: 0, to: ids.count, by: 500) {
            let chunk = ids[start..<min(start + 500, ids.count)]
            var arguments = SQLArguments()
            for id in chunk {
                arguments.append(id)
                arguments.append(node)
                arguments.append(held[id] ?? 0)
                arguments.append(nowMs)
                arguments.append(expiresMs)
            }
            arguments.append(nowMs)
            let rows = Array(repeating: "(?, ?, ?, ?, ?)", count: chunk.count).joined(separator: ", ")
            let returned = try db.fetchValues(
                String.self,
                sql: """
                    INSERT INTO charger_leases(charger_id, node_id, epoch, acquired_ms, expires_ms) VALUES \(rows)
                    ON CONFLICT (charger_id) DO UPDATE SET node_id = excluded.node_id, expires_ms = excluded.expires_ms,
                        epoch = CASE WHEN charger_leases.node_id = excluded.node_id
                            THEN \(db.dialect.greatest)(charger_leases.epoch, excluded.epoch) ELSE excluded.epoch END
                    WHERE charger_leases.node_id = excluded.node_id OR charger_leases.expires_ms <= ?
                    RETURNING charger_id
                    """,
                arguments: arguments
            )
            renewed.formUnion(returned)
        }
        return renewed
    }

    /// The live holder of a charger, if any.
    static func holder(_ chargerID: String, nowMs: Int64, in db: any SQLConnection) throws -> Holder? {
        try db.fetchOne(
            sql: "SELECT node_id, epoch FROM charger_leases WHERE charger_id = ? AND expires_ms > ?", arguments: [chargerID, nowMs]
        ).map { Holder(node: $0["node_id"], epoch: $0["epoch"]) }
    }

    /// Every live lease: charger id → node.
    static func live(nowMs: Int64, in db: any SQLConnection) throws -> [String: String] {
        var result: [String: String] = [:]
        for row in try db.fetchAll(sql: "SELECT charger_id, node_id FROM charger_leases WHERE expires_ms > ?", arguments: [nowMs]) {
            result[row["charger_id"]] = row["node_id"]
        }
        return result
    }

    /// The leader's housekeeping: deletes leases that ran out (their node stopped renewing: it died or lost the
    /// database) and marks those chargers offline; returns their ids.
    static func expire(nowMs: Int64, in db: any SQLConnection) throws -> [String] {
        let expired = try db.fetchValues(
            String.self, sql: "DELETE FROM charger_leases WHERE expires_ms <= ? RETURNING charger_id", arguments: [nowMs]
        ).sorted()
        for id in expired {
            try db.execute(sql: "UPDATE chargers SET online = 0 WHERE id = ?", arguments: [id])
        }
        return expired
    }

    /// At a node's start: leases its previous life (same node id) left behind; their chargers reconnect anew.
    static func dropAll(node: String, in db: any SQLConnection) throws -> Int {
        try db.execute(sql: "DELETE FROM charger_leases WHERE node_id = ?", arguments: [node])
    }
}
