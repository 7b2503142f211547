import Shared

/// The control plane's read side: chargers, sessions, events, tags and tokens, read from the store while the
/// writer keeps committing (WAL readers never block it).
struct ControlQueries: Sendable {
    let database: any SQLStore
    let registry: ChargerRegistry
    /// Several nodes: connected means connected to any node (a live lease), shown with the node.
    var cluster: ClusterNode? = nil

    static func time(_ ms: Int64?) -> String? { ms.map { Timestamp(milliseconds: $0).description } }

    /// Charger id → the node it is connected to (this node's own id on a single node).
    func connectedNodes() async throws -> [String: String] {
        var nodes = try await cluster?.liveLeases() ?? [:]
        let here = cluster?.nodeID ?? ""
        for id in await registry.connectedIDs { nodes[id] = here }
        return nodes
    }

    func chargers(connectedOnly: Bool) async throws -> [ChargerSummary] {
        let connected = try await connectedNodes()
        let rows = try await database.read { db in try Self.summaries(db, where: nil, arguments: []) }
        return rows.map { summary in
            var summary = summary
            summary.connected = connected[summary.id] != nil
            if cluster != nil { summary.node = connected[summary.id] }
            return summary
        }.filter { !connectedOnly || $0.connected }
    }

    func charger(_ id: String) async throws -> ChargerDetail? {
        var node: String? = await registry.isConnected(id) ? (cluster?.nodeID ?? "") : nil
        if node == nil, let cluster { node = await cluster.holder(of: id) }
        let connected = node != nil
        let shownNode = cluster == nil ? nil : node
        return try await database.read { db -> ChargerDetail? in
            guard var summary = try Self.summaries(db, where: "id = ?", arguments: [id]).first,
                let row = try db.fetchOne(sql: "SELECT * FROM chargers WHERE id = ?", arguments: [id])
            else { return nil }
            summary.connected = connected
            summary.node = shownNode
            let configuration = try db.fetchAll(sql: "SELECT key, value, readonly, read_ms FROM charger_configuration WHERE charger_id = ? ORDER BY key", arguments: [id]
            ).map { ConfigurationEntry(key: $0["key"], value: $0["value"], readonly: $0["readonly"], readAt: Self.time($0["read_ms"]) ?? "") }
            let commands = try db.fetchAll(sql: "SELECT * FROM commands WHERE charger_id = ? ORDER BY id DESC LIMIT 10", arguments: [id]
            ).map {
                CommandRecord(
                    id: $0["id"], charger: $0["charger_id"], action: $0["action"], origin: $0["origin"], sentAt: Self.time($0["sent_ms"]) ?? "",
                    answeredAt: Self.time($0["answered_ms"]), outcome: $0["outcome"]
                )
            }
            return ChargerDetail(
                summary: summary, serialNumber: row["serial_number"], chargeBoxSerialNumber: row["charge_box_serial_number"], iccid: row["iccid"],
                imsi: row["imsi"], meterType: row["meter_type"], meterSerialNumber: row["meter_serial_number"],
                heartbeatInterval: row["heartbeat_interval"], firstSeen: Self.time(row["first_seen_ms"]), lastBoot: Self.time(row["last_boot_ms"]),
                firmwareStatus: row["firmware_status"], diagnosticsStatus: row["diagnostics_status"],
                activeTransactions: try Self.sessions(db, active: true, charger: id, sinceMs: nil, untilMs: nil),
                configuration: configuration, recentCommands: commands, logStatus: row["log_status"],
                securityProfile: try db.fetchValue(Int.self, sql: "SELECT profile FROM charger_security WHERE charger_id = ?", arguments: [id])
            )
        }
    }

    private static func summaries(_ db: any SQLConnection, where condition: String?, arguments: SQLArguments) throws -> [ChargerSummary] {
        let chargers = try db.fetchAll(sql: "SELECT id, registration, vendor, model, firmware_version, last_seen_ms FROM chargers"
                + (condition.map { " WHERE \($0)" } ?? "") + " ORDER BY id",
            arguments: arguments
        )
        var connectors: [String: [ConnectorState]] = [:]
        let connectorRows = try db.fetchAll(sql: "SELECT * FROM connectors" + (condition == nil ? "" : " WHERE charger_id = ?") + " ORDER BY charger_id, connector_id",
            arguments: arguments
        )
        for row in connectorRows {
            connectors[row["charger_id"], default: []].append(
                ConnectorState(
                    connector: row["connector_id"], status: row["status"], errorCode: row["error_code"], info: row["info"],
                    vendorErrorCode: row["vendor_error_code"], since: time(row["status_ms"]) ?? ""
                )
            )
        }
        return chargers.map { row in
            let id: String = row["id"]
            return ChargerSummary(
                id: id, connected: false, registration: row["registration"], vendor: row["vendor"], model: row["model"],
                firmware: row["firmware_version"], lastSeen: time(row["last_seen_ms"]), connectors: connectors[id] ?? []
            )
        }
    }

    func sessions(active: Bool, charger: String?, sinceMs: Int64?, untilMs: Int64?) async throws -> [SessionRecord] {
        try await database.read { db in try Self.sessions(db, active: active, charger: charger, sinceMs: sinceMs, untilMs: untilMs) }
    }

    private static func sessions(_ db: any SQLConnection, active: Bool, charger: String?, sinceMs: Int64?, untilMs: Int64?) throws -> [SessionRecord] {
        var conditions = ["orphan = 0"]
        var arguments: SQLArguments = []
        if active { conditions.append("stop_ms IS NULL") }
        if let charger {
            conditions.append("charger_id = ?")
            _ = arguments.append(contentsOf: [charger])
        }
        if let sinceMs {
            conditions.append("start_ms >= ?")
            _ = arguments.append(contentsOf: [sinceMs])
        }
        if let untilMs {
            conditions.append("start_ms < ?")
            _ = arguments.append(contentsOf: [untilMs])
        }
        let sql = "SELECT * FROM transactions WHERE \(conditions.joined(separator: " AND ")) ORDER BY start_ms, id"
        return try db.fetchAll(sql: sql, arguments: arguments).map { row in
            let start: Int64? = row["meter_start"]
            let stop: Int64? = row["meter_stop"]
            let energy = start.flatMap { s in stop.map { Double($0 - s) / 1000 } }
            return SessionRecord(
                id: row["id"], charger: row["charger_id"], connector: row["connector_id"], idTag: row["id_tag"], start: time(row["start_ms"]),
                stop: time(row["stop_ms"]), meterStartWh: start, meterStopWh: stop, energyKWh: energy, stopReason: row["stop_reason"],
                stale: row["stale"]
            )
        }
    }

    /// The latest `limit` rows of an append-only log table (`events`, `security_events`), oldest first, of one
    /// charger and/or from a time on.
    static func latest(_ table: String, timeColumn: String, charger: String?, sinceMs: Int64?, limit: Int, in db: any SQLConnection) throws -> [SQLRow] {
        var conditions: [String] = []
        var arguments: SQLArguments = []
        if let charger {
            conditions.append("charger_id = ?")
            _ = arguments.append(contentsOf: [charger])
        }
        if let sinceMs {
            conditions.append("\(timeColumn) >= ?")
            _ = arguments.append(contentsOf: [sinceMs])
        }
        let filter = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        return try db.fetchAll(
            sql: "SELECT * FROM (SELECT * FROM \(table)\(filter) ORDER BY id DESC LIMIT \(max(0, limit))) AS recent ORDER BY id", arguments: arguments
        )
    }

    /// Stored events, oldest first: the latest `limit` matching ones.
    func events(charger: String?, sinceMs: Int64?, limit: Int) async throws -> [JSONValue] {
        try await database.read { db in
            try Self.latest("events", timeColumn: "at_ms", charger: charger, sinceMs: sinceMs, limit: limit, in: db).map { row in
                let detail: String? = row["detail"]
                let parsed = detail.flatMap { try? JSONParser.parse($0) } ?? .object(JSONObject())
                return ServerEvent(atMs: row["at_ms"], chargerID: row["charger_id"], kind: .init(rawValue: row["kind"]) ?? .notification, detail: parsed)
                    .json(kindName: row["kind"])
            }
        }
    }

    func tags() async throws -> [TagRecord] {
        try await database.read { db in
            try db.fetchAll(sql: "SELECT * FROM id_tags ORDER BY id_tag").map {
                TagRecord(tag: $0["id_tag"], status: $0["status"], expires: Self.time($0["expiry_ms"]), parent: $0["parent_id_tag"])
            }
        }
    }

    func tokens() async throws -> [TokenRecord] {
        try await database.read { db in
            try db.fetchAll(sql: "SELECT * FROM api_tokens ORDER BY name").map {
                let rights = TokenRights(agent: $0["agent"], readOnly: $0["read_only"], chargersText: $0["chargers"])
                return TokenRecord(
                    name: $0["name"], created: Self.time($0["created_ms"]) ?? "", lastUsed: Self.time($0["last_used_ms"]),
                    agent: rights.agent, readOnly: rights.readOnly, chargers: rights.chargers.map { $0.sorted() }
                )
            }
        }
    }

    /// The token's name and rights when `sha256` belongs to a live token.
    func token(sha256: String) async throws -> (name: String, rights: TokenRights)? {
        try await database.read { db in
            try db.fetchOne(sql: "SELECT name, agent, read_only, chargers FROM api_tokens WHERE sha256 = ?", arguments: [sha256]).map {
                ($0["name"], TokenRights(agent: $0["agent"], readOnly: $0["read_only"], chargersText: $0["chargers"]))
            }
        }
    }

    func chargerExists(_ id: String) async throws -> Bool {
        try await database.read { db in try db.fetchValue(Bool.self, sql: "SELECT 1 FROM chargers WHERE id = ?", arguments: [id]) ?? false }
    }
}
