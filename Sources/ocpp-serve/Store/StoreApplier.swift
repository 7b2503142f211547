import Foundation
import Shared

/// The SQL behind each `StoreOperation`; runs inside the writer's transaction (cached statements on SQLite), on
/// either engine: one SQL text in the shared dialect (`SQLConnection`).
enum StoreApplier {
    static func apply(_ operation: StoreOperation, in db: any SQLConnection) throws -> StoreResult {
        switch operation {
        case .frame(let frame):
            let repairs = frame.repairs.isEmpty ? nil : JSONValue.array(frame.repairs.map(\.json)).serialized()
            try db.appendRow(
                sql: "INSERT INTO frames(charger_id, direction, at_ms, message_type, action, message_id, text, repairs) VALUES (?,?,?,?,?,?,?,?)"
            ) { row in
                row.bind(frame.chargerID)
                row.bind(frame.direction.rawValue)
                row.bind(frame.atMs)
                row.bind(frame.messageType)
                row.bind(frame.action)
                row.bind(frame.messageID)
                row.bind(frame.text)
                row.bind(repairs)
            }
            return .done

        case .seen(let chargerID, let atMs, let online, let registration):
            try db.execute(sql: db.dialect == .sqlite ? seenSQLite : seenPostgres, arguments: [chargerID, registration, atMs, atMs, online])
            return .done

        case .lastSeen(let rows):
            var start = rows.startIndex
            while start < rows.endIndex {
                let part = rows[start..<min(start + Self.lastSeenRowsPerStatement, rows.endIndex)]
                try db.executeRow(sql: Self.lastSeenUpsert(rows: part.count, dialect: db.dialect)) { row in
                    for seen in part {
                        row.bind(seen.chargerID)
                        row.bind(seen.registrationIfNew)
                        row.bind(seen.atMs)
                        row.bind(seen.atMs)
                    }
                }
                start = part.endIndex
            }
            return .done

        case .boot(let chargerID, let boot, let registration, let interval, let atMs):
            try db.execute(
                sql: """
                    INSERT INTO chargers(id, registration, vendor, model, serial_number, charge_box_serial_number, firmware_version,
                        iccid, imsi, meter_type, meter_serial_number, heartbeat_interval, first_seen_ms, last_boot_ms, last_seen_ms, online)
                    VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,1)
                    ON CONFLICT(id) DO UPDATE SET registration = excluded.registration, vendor = excluded.vendor, model = excluded.model,
                        serial_number = excluded.serial_number, charge_box_serial_number = excluded.charge_box_serial_number,
                        firmware_version = excluded.firmware_version, iccid = excluded.iccid, imsi = excluded.imsi,
                        meter_type = excluded.meter_type, meter_serial_number = excluded.meter_serial_number,
                        heartbeat_interval = excluded.heartbeat_interval, last_boot_ms = excluded.last_boot_ms,
                        last_seen_ms = excluded.last_seen_ms, online = 1
                    """,
                arguments: [
                chargerID, registration, boot.chargePointVendor, boot.chargePointModel, boot.chargePointSerialNumber,
                boot.chargeBoxSerialNumber, boot.firmwareVersion, boot.iccid, boot.imsi, boot.meterType, boot.meterSerialNumber,
                interval, atMs, atMs, atMs,
                ])
            // A transaction still open when its charger boots again may never see its StopTransaction: flag it.
            let stale = try db.execute(
                sql: "UPDATE transactions SET stale = 1, updated_ms = ? WHERE charger_id = ? AND stop_ms IS NULL AND stale = 0", arguments: [atMs, chargerID]
            )
            return .booted(staleTransactions: stale)

        case .status(let chargerID, let status, let receivedMs):
            let atMs = status.timestamp?.milliseconds ?? receivedMs
            let arguments: SQLArguments = [
                chargerID, status.connectorId, status.status.rawValue, status.errorCode.rawValue, status.info, status.vendorId,
                status.vendorErrorCode, atMs,
            ]
            try db.execute(
                sql: """
                    INSERT INTO status_history(charger_id, connector_id, status, error_code, info, vendor_id, vendor_error_code, at_ms, received_ms)
                    VALUES (?,?,?,?,?,?,?,?,?)
                    """,
                arguments: arguments + [receivedMs])
            // After an offline period notifications come in event order; an older one never overwrites a newer state.
            try db.execute(
                sql: """
                    INSERT INTO connectors(charger_id, connector_id, status, error_code, info, vendor_id, vendor_error_code, status_ms)
                    VALUES (?,?,?,?,?,?,?,?)
                    ON CONFLICT(charger_id, connector_id) DO UPDATE SET status = excluded.status, error_code = excluded.error_code,
                        info = excluded.info, vendor_id = excluded.vendor_id, vendor_error_code = excluded.vendor_error_code,
                        status_ms = excluded.status_ms
                    WHERE excluded.status_ms >= connectors.status_ms
                    """,
                arguments: arguments)
            return .done

        case .startTransaction(let chargerID, let start, let idTagStatus, let receivedMs):
            let startMs = start.timestamp.milliseconds
            let inserted = try db.insert(
                sql: """
                    INSERT INTO transactions(charger_id, connector_id, id_tag, start_id_tag_status, start_ms, meter_start, reservation_id,
                        created_ms, updated_ms)
                    VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING
                    """,
                arguments: [chargerID, start.connectorId, start.idTag, idTagStatus, startMs, start.meterStart, start.reservationId, receivedMs, receivedMs])
            guard let inserted else {
                let id = try db.fetchValue(
                    Int.self,
                    sql: """
                        SELECT id FROM transactions WHERE charger_id = ? AND connector_id = ? AND id_tag = ? AND start_ms = ?
                            AND meter_start = ? AND orphan = 0
                        """,
                    arguments: [chargerID, start.connectorId, start.idTag, startMs, start.meterStart]
                )
                guard let id else { throw StoreApplierError.inconsistent("retried start not found") }
                return .started(transactionID: id, retried: true)
            }
            let id = Int(inserted)
            // A new session on a connector ends any earlier one that never saw its StopTransaction: flag it.
            try db.execute(
                sql: "UPDATE transactions SET stale = 1, updated_ms = ? WHERE charger_id = ? AND connector_id = ? AND stop_ms IS NULL AND id != ?",
                arguments: [receivedMs, chargerID, start.connectorId, id])
            return .started(transactionID: id, retried: false)

        case .stopTransaction(let chargerID, let stop, let receivedMs):
            return try applyStop(chargerID: chargerID, stop, receivedMs: receivedMs, in: db)

        case .meterValues(let chargerID, let request, _):
            let transactionID = try resolveTransaction(
                chargerID: chargerID,
                connectorID: request.connectorId,
                claimed: request.transactionId,
                in: db
            )
            try insertSamples(chargerID: chargerID, connectorID: request.connectorId, transactionID: transactionID, request.meterValue, in: db)
            return .done

        case .dataTransfer(let chargerID, let direction, let request, let status, let atMs):
            try db.execute(
                sql: "INSERT INTO data_transfers(charger_id, direction, vendor_id, message_id, data, status, at_ms) VALUES (?,?,?,?,?,?,?)",
                arguments: [chargerID, direction, request.vendorId, request.messageId, request.data, status, atMs])
            return .done

        case .firmwareStatus(let chargerID, let status, let atMs):
            try db.execute(sql: "UPDATE chargers SET firmware_status = ?, firmware_status_ms = ? WHERE id = ?",
                arguments: [status, atMs, chargerID])
            return .done

        case .securityEvent(let chargerID, let type, let atMs, let receivedMs, let techInfo):
            try db.execute(sql: "INSERT INTO security_events(charger_id, type, at_ms, received_ms, tech_info) VALUES (?,?,?,?,?)",
                arguments: [chargerID, type, atMs, receivedMs, techInfo])
            return .done

        case .logStatus(let chargerID, let status, let atMs):
            try db.execute(sql: "UPDATE chargers SET log_status = ?, log_status_ms = ? WHERE id = ?",
                arguments: [status, atMs, chargerID])
            return .done

        case .diagnosticsStatus(let chargerID, let status, let atMs):
            try db.execute(sql: "UPDATE chargers SET diagnostics_status = ?, diagnostics_status_ms = ? WHERE id = ?",
                arguments: [status, atMs, chargerID])
            return .done

        case .event(let event):
            var detail = event.detail.objectValue ?? JSONObject()
            detail["event"] = nil
            try db.appendRow(sql: "INSERT INTO events(at_ms, charger_id, kind, detail) VALUES (?,?,?,?)") { row in
                row.bind(event.atMs)
                row.bind(event.chargerID)
                row.bind(event.kind.rawValue)
                row.bind(JSONValue.object(detail).serialized())
            }
            return .done

        case .purgeFrames(let beforeMs):
            try db.execute(sql: "DELETE FROM frames WHERE at_ms < ?", arguments: [beforeMs])
            return .done

        case .commandSent(let chargerID, let action, let payload, let origin, let messageID, let atMs):
            let id = try db.insert(
                sql: "INSERT INTO commands(charger_id, action, payload, origin, message_id, sent_ms) VALUES (?,?,?,?,?,?)",
                arguments: [chargerID, action, payload, origin, messageID, atMs])
            guard let id else { throw StoreApplierError.inconsistent("command not inserted") }
            return .inserted(rowID: id)

        case .commandAnswered(let commandID, let outcome, let response, let atMs):
            let rows = try db.execute(
                sql: "UPDATE commands SET answered_ms = ?, outcome = ?, response = ? WHERE id = ?", arguments: [atMs, outcome, response, commandID])
            return .changed(rows: rows)

        case .configuration(let chargerID, let keys, let replaceAll, let atMs):
            if replaceAll {
                try db.execute(sql: "DELETE FROM charger_configuration WHERE charger_id = ?", arguments: [chargerID])
            }
            for key in keys {
                try db.execute(
                    sql: """
                        INSERT INTO charger_configuration(charger_id, key, value, readonly, read_ms) VALUES (?,?,?,?,?)
                        ON CONFLICT(charger_id, key) DO UPDATE SET value = excluded.value, readonly = excluded.readonly, read_ms = excluded.read_ms
                        """,
                    arguments: [chargerID, key.key, key.value, key.readonly, atMs])
            }
            return .done

        case .tagUpsert(let tag, let expiryMs, let parent, let atMs):
            try db.execute(
                sql: """
                    INSERT INTO id_tags(id_tag, status, expiry_ms, parent_id_tag, created_ms) VALUES (?, 'Accepted', ?, ?, ?)
                    ON CONFLICT(id_tag) DO UPDATE SET status = 'Accepted', expiry_ms = excluded.expiry_ms, parent_id_tag = excluded.parent_id_tag
                    """,
                arguments: [tag, expiryMs, parent, atMs]
            )
            return .done

        case .tagStatus(let tag, let status):
            return .changed(rows: try db.execute(sql: "UPDATE id_tags SET status = ? WHERE id_tag = ?", arguments: [status, tag]))

        case .tagRemove(let tag):
            return .changed(rows: try db.execute(sql: "DELETE FROM id_tags WHERE id_tag = ?", arguments: [tag]))

        case .tokenCreate(let name, let sha256, let rights, let atMs):
            try db.execute(
                sql: "INSERT INTO api_tokens(name, sha256, agent, read_only, chargers, created_ms) VALUES (?,?,?,?,?,?)",
                arguments: [name, sha256, rights.agent, rights.readOnly, rights.chargersText, atMs]
            )
            return .done

        case .limits(let write):
            return try LimitStore.apply(write, in: db)
        case .tokenRevoke(let name):
            return .changed(rows: try db.execute(sql: "DELETE FROM api_tokens WHERE name = ?", arguments: [name]))

        case .tokenUsed(let name, let atMs):
            try db.execute(sql: "UPDATE api_tokens SET last_used_ms = ? WHERE name = ?", arguments: [atMs, name])
            return .done

        case .chargerKey(let chargerID, let entry, let atMs):
            guard let entry else {
                return .changed(rows: try db.execute(sql: "DELETE FROM charger_security WHERE charger_id = ?", arguments: [chargerID]))
            }
            let previous = entry.previous
            try db.execute(
                sql: """
                    INSERT INTO charger_security(charger_id, profile, key_hash, key_salt, key_rounds, key_length,
                        previous_hash, previous_salt, previous_rounds, previous_length, updated_ms) VALUES (?,?,?,?,?,?,?,?,?,?,?)
                    ON CONFLICT(charger_id) DO UPDATE SET profile = excluded.profile, key_hash = excluded.key_hash,
                        key_salt = excluded.key_salt, key_rounds = excluded.key_rounds, key_length = excluded.key_length,
                        previous_hash = excluded.previous_hash, previous_salt = excluded.previous_salt,
                        previous_rounds = excluded.previous_rounds, previous_length = excluded.previous_length, updated_ms = excluded.updated_ms
                    """,
                arguments: [
                    chargerID, entry.profile, entry.current.map { Data($0.hash) }, entry.current.map { Data($0.salt) }, entry.current?.rounds,
                    entry.current?.length,
                    previous.map { Data($0.hash) }, previous.map { Data($0.salt) }, previous?.rounds, previous?.length, atMs,
                ]
            )
            return .done
        }
    }

    /// StopTransaction is answered even for a transaction the server does not know (essentials §3): it closes the
    /// claimed transaction, else the charger's only open one (chargers send -1, 0 or 2^63-1), else it is stored as an
    /// orphan. A repeated stop changes nothing.
    private static func applyStop(chargerID: String, _ stop: StopTransactionRequest, receivedMs: Int64, in db: any SQLConnection) throws -> StoreResult {
        let stopMs = stop.timestamp.milliseconds
        let reason = stop.reason?.rawValue ?? "Local"
        var resolvedFrom: Int?
        var row = try db.fetchOne(
            sql: "SELECT id, connector_id, stale, stop_ms FROM transactions WHERE id = ? AND charger_id = ? AND orphan = 0",
            arguments: [stop.transactionId, chargerID]
        )
        if row == nil {
            let open = try db.fetchAll(
                sql: "SELECT id, connector_id, stale, stop_ms FROM transactions WHERE charger_id = ? AND stop_ms IS NULL AND orphan = 0",
                arguments: [chargerID]
            )
            if open.count == 1 {
                row = open[0]
                resolvedFrom = stop.transactionId
            }
        }
        if let row {
            let id: Int = row["id"]
            let connectorID: Int? = row["connector_id"]
            let wasStale: Bool = row["stale"]
            let alreadyStopped = (row["stop_ms"] as Int64?) != nil
            if !alreadyStopped {
                try db.execute(
                    sql: "UPDATE transactions SET stop_ms = ?, meter_stop = ?, stop_reason = ?, stop_id_tag = ?, stale = 0, updated_ms = ? WHERE id = ?",
                    arguments: [stopMs, stop.meterStop, reason, stop.idTag, receivedMs, id])
            }
            if let data = stop.transactionData {
                try insertSamples(chargerID: chargerID, connectorID: connectorID ?? 0, transactionID: id, data, in: db)
            }
            return .stopped(transactionID: id, wasStale: wasStale, resolvedFrom: resolvedFrom)
        }
        let existing = try db.fetchValue(
            Int.self,
            sql: "SELECT id FROM transactions WHERE charger_id = ? AND orphan = 1 AND charger_transaction_id = ? AND stop_ms = ? AND meter_stop = ?",
            arguments: [chargerID, stop.transactionId, stopMs, stop.meterStop]
        )
        let orphanID: Int
        if let existing {
            orphanID = existing
        } else {
            let inserted = try db.insert(
                sql: """
                    INSERT INTO transactions(charger_id, stop_ms, meter_stop, stop_reason, stop_id_tag, orphan, charger_transaction_id,
                        created_ms, updated_ms)
                    VALUES (?,?,?,?,?,1,?,?,?)
                    """,
                arguments: [chargerID, stopMs, stop.meterStop, reason, stop.idTag, stop.transactionId, receivedMs, receivedMs])
            guard let inserted else { throw StoreApplierError.inconsistent("orphan stop not inserted") }
            orphanID = Int(inserted)
            if let data = stop.transactionData {
                try insertSamples(chargerID: chargerID, connectorID: 0, transactionID: orphanID, data, in: db)
            }
        }
        return .stopped(transactionID: nil, wasStale: false, resolvedFrom: nil)
    }

    /// The transaction a MeterValues belongs to: the claimed one when this charger has it, else the connector's open
    /// transaction (chargers send 0, -1 or 2^63-1 for ids they lost), else none.
    private static func resolveTransaction(chargerID: String, connectorID: Int, claimed: Int?, in db: any SQLConnection) throws -> Int? {
        guard let claimed else { return nil }
        if try db.fetchValue(Int.self, sql: "SELECT id FROM transactions WHERE id = ? AND charger_id = ? AND orphan = 0", arguments: [claimed, chargerID])
            != nil
        {
            return claimed
        }
        return try db.fetchValue(
            Int.self,
            sql: "SELECT id FROM transactions WHERE charger_id = ? AND connector_id = ? AND stop_ms IS NULL AND orphan = 0 ORDER BY id DESC LIMIT 1",
            arguments: [chargerID, connectorID]
        )
    }

    private static func insertSamples(chargerID: String, connectorID: Int, transactionID: Int?, _ meterValues: [MeterValue], in db: any SQLConnection) throws {
        var samples: [(atMs: Int64, sample: NormalizedSample)] = []
        samples.reserveCapacity(meterValues.reduce(0) { $0 + $1.sampledValue.count })
        for meterValue in meterValues {
            let atMs = meterValue.timestamp.milliseconds
            for sampled in meterValue.sampledValue {
                samples.append((atMs, NormalizedSample(
                    value: sampled.value,
                    unit: sampled.unit?.rawValue,
                    measurand: sampled.measurand?.rawValue,
                    phase: sampled.phase?.rawValue,
                    location: sampled.location?.rawValue,
                    context: sampled.context?.rawValue,
                    format: sampled.format?.rawValue
                )))
            }
        }
        func bind(_ row: inout SQLRowBinder, _ atMs: Int64, _ sample: NormalizedSample) {
            row.bind(chargerID)
            row.bind(connectorID)
            row.bind(transactionID)
            row.bind(atMs)
            row.bind(sample.measurand)
            row.bind(sample.phase ?? "")
            row.bind(sample.location)
            row.bind(sample.context)
            row.bind(sample.format)
            row.bind(sample.doubleValue)
            row.bind(sample.unit)
            row.bind(sample.rawValue)
            row.bind(sample.rawUnit)
        }
        // SQLite: one cached statement stepped per sample is cheapest. PostgreSQL parses and plans every statement it
        // is sent, so a MeterValues goes as one multi-row INSERT.
        if db.dialect == .postgres, samples.count > 1 {
            try db.appendRow(sql: Self.sampleInsert(rows: samples.count)) { row in
                for (atMs, sample) in samples { bind(&row, atMs, sample) }
            }
        } else {
            for (atMs, sample) in samples {
                try db.appendRow(sql: Self.sampleInsert(rows: 1)) { row in bind(&row, atMs, sample) }
            }
        }
    }

    /// The INSERT of `rows` samples; the one-row text is built once.
    private static func sampleInsert(rows: Int) -> String {
        rows == 1 ? oneSampleInsert : sampleInsertPrefix + Array(repeating: sampleRow, count: rows).joined(separator: ",") + " ON CONFLICT DO NOTHING"
    }

    private static let sampleInsertPrefix = """
        INSERT INTO meter_values(charger_id, connector_id, transaction_id, at_ms, measurand, phase, location, context, format, value,
            unit, raw_value, raw_unit)
        VALUES
        """
    private static let sampleRow = "(?,?,?,?,?,?,?,?,?,?,?,?,?)"
    private static let oneSampleInsert = sampleInsertPrefix + " " + sampleRow + " ON CONFLICT DO NOTHING"
}

extension StoreApplier {
    /// The last-seen upsert: never moves `last_seen_ms` back. Two constant texts (cached statements), one per dialect.
    static let seenSQLite = """
        INSERT INTO chargers(id, registration, first_seen_ms, last_seen_ms, online) VALUES (?,?,?,?,?)
        ON CONFLICT(id) DO UPDATE SET last_seen_ms = MAX(IFNULL(last_seen_ms, 0), excluded.last_seen_ms), online = excluded.online
        """
    static let seenPostgres = """
        INSERT INTO chargers(id, registration, first_seen_ms, last_seen_ms, online) VALUES (?,?,?,?,?)
        ON CONFLICT(id) DO UPDATE SET last_seen_ms = GREATEST(COALESCE(chargers.last_seen_ms, 0), excluded.last_seen_ms), online = excluded.online
        """

    /// 2,000 bound values a statement: far under both engines' limits, and 10,000 chargers take five statements.
    static let lastSeenRowsPerStatement = 500

    /// The last-seen upsert of `rows` online chargers (each id at most once: PostgreSQL refuses to update a row twice
    /// in one statement).
    static func lastSeenUpsert(rows: Int, dialect: SQLDialect) -> String {
        let greatest = dialect == .sqlite ? "MAX(IFNULL(last_seen_ms, 0), excluded.last_seen_ms)" : "GREATEST(COALESCE(chargers.last_seen_ms, 0), excluded.last_seen_ms)"
        return "INSERT INTO chargers(id, registration, first_seen_ms, last_seen_ms, online) VALUES "
            + Array(repeating: "(?,?,?,?,1)", count: rows).joined(separator: ",")
            + " ON CONFLICT(id) DO UPDATE SET last_seen_ms = \(greatest), online = 1"
    }
}

enum StoreApplierError: Error {
    case inconsistent(String)
}
