import Foundation
import GRDB
import Logging
import Shared

/// `ocpp-bench --report-db PATH`: a store database holding one month of sessions with `meterValues` meter values,
/// generated in bulk by SQLite itself (recursive CTEs), for timing `ocpp-report summary --month` (scripts/bench-report.sh).
///
/// 100 chargers with 2 connectors; sessions of 2 hours with a sample a minute of nine measurands (energy register,
/// power, current and voltage on three phases, Current.Offered), spread evenly over the month per connector; four
/// status notifications per session, a fault on every 50th, and one connection per charger.
enum ReportDatabase {
    static let chargers = 100
    static let samplesPerSession = 120
    static let measurands: [(String, String, String, String)] = [
        ("Energy.Active.Import.Register", "", "Wh", "t.meter_start + 123 * (m.k + 1)"), ("Power.Active.Import", "", "W", "7380"),
        ("Current.Import", "L1", "A", "10.7"), ("Current.Import", "L2", "A", "10.7"), ("Current.Import", "L3", "A", "10.7"),
        ("Voltage", "L1-N", "V", "230.1"), ("Voltage", "L2-N", "V", "229.8"), ("Voltage", "L3-N", "V", "230.4"), ("Current.Offered", "", "A", "16"),
    ]

    /// The month's start (ms), the number of sessions, and the time slot (ms) of a session on its connector.
    static func layout(meterValues: Int, month: String) throws -> (since: Int64, sessions: Int, slot: Int64) {
        guard let since = Timestamp(parsing: month + "-01T00:00:00Z")?.milliseconds else { throw ReportDatabaseError.month(month) }
        let monthMs: Int64 = 30 * 86_400_000
        let sessions = (meterValues + samplesPerSession * measurands.count - 1) / (samplesPerSession * measurands.count)
        let perConnector = max(1, (sessions + 2 * chargers - 1) / (2 * chargers))
        return (since, sessions, monthMs / Int64(perConnector))
    }

    static func generate(path: String, meterValues: Int, month: String) throws {
        let (since, sessions, slot) = try layout(meterValues: meterValues, month: month)
        let started = Date()
        let pool = try StoreDatabase.openForWriting(path: path, fullSync: false)
        try pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = OFF")
            try db.inTransaction {
                try db.execute(
                    sql: """
                        WITH RECURSIVE c(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM c WHERE n < ? - 1)
                        INSERT INTO chargers(id, vendor, model, first_seen_ms, online) SELECT printf('BENCH%04d', n), 'Bench', 'AC22', ? - 86400000, 1 FROM c;
                        WITH RECURSIVE c(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM c WHERE n < ? - 1)
                        INSERT INTO events(at_ms, charger_id, kind, detail) SELECT ? - 86400000, printf('BENCH%04d', n), 'connect', '{}' FROM c;
                        """,
                    arguments: [chargers, since, chargers, since]
                )
                try db.execute(
                    sql: """
                        WITH RECURSIVE s(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM s WHERE n < ? - 1)
                        INSERT INTO transactions(id, charger_id, connector_id, id_tag, start_ms, meter_start, stop_ms, meter_stop, stop_reason,
                            created_ms, updated_ms)
                        SELECT n + 1, printf('BENCH%04d', n % ?1), 1 + (n / ?1) % 2, printf('TAG%05d', n % 997),
                            ? + (n / (2 * ?1)) * ? + (n % ?1) * 1000, 1000000 + (n / (2 * ?1)) * 20000,
                            ? + (n / (2 * ?1)) * ? + (n % ?1) * 1000 + ? * 60000 + 30000, 1000000 + (n / (2 * ?1)) * 20000 + 123 * ?,
                            'EVDisconnected', ? + (n / (2 * ?1)) * ? + (n % ?1) * 1000 + 200,
                            ? + (n / (2 * ?1)) * ? + (n % ?1) * 1000 + ? * 60000 + 30200
                        FROM s
                        """
                        .replacingOccurrences(of: "?1", with: String(chargers)),
                    arguments: [sessions, since, slot, since, slot, samplesPerSession, samplesPerSession, since, slot, since, slot, samplesPerSession]
                )
                let values = measurands.map { "('\($0.0)', '\($0.1)', '\($0.2)')" }.joined(separator: ", ")
                let value = "CASE x.column1 " + measurands.map { "WHEN '\($0.0)' THEN \($0.3)" }.joined(separator: " ") + " END"
                try db.execute(
                    sql: """
                        WITH RECURSIVE m(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM m WHERE k < ? - 1),
                        x AS (VALUES \(values))
                        INSERT INTO meter_values(charger_id, connector_id, transaction_id, at_ms, measurand, phase, location, context, format, value,
                            unit, raw_value)
                        SELECT t.charger_id, t.connector_id, t.id, t.start_ms + 60000 * (m.k + 1), x.column1, x.column2, 'Outlet', 'Sample.Periodic',
                            'Raw', \(value), x.column3, ''
                        FROM transactions AS t CROSS JOIN m CROSS JOIN x
                        ORDER BY t.id, m.k
                        """,
                    arguments: [samplesPerSession]
                )
                try db.execute(
                    sql: """
                        INSERT INTO status_history(charger_id, connector_id, status, error_code, at_ms, received_ms)
                        SELECT charger_id, connector_id, s.column1, 'NoError', start_ms + s.column2, start_ms + s.column2
                        FROM transactions CROSS JOIN (VALUES ('Preparing', -20000), ('Charging', 1000), ('Finishing', ? * 60000 + 30000),
                            ('Available', ? * 60000 + 60000)) AS s;
                        INSERT INTO status_history(charger_id, connector_id, status, error_code, at_ms, received_ms)
                        SELECT charger_id, connector_id, s.column1, s.column2, stop_ms + s.column3, stop_ms + s.column3
                        FROM transactions CROSS JOIN (VALUES ('Faulted', 'GroundFailure', 120000), ('Available', 'NoError', 1920000)) AS s
                        WHERE id % 50 = 0;
                        INSERT INTO events(at_ms, charger_id, kind, detail) SELECT received_ms, charger_id, 'status', '{}' FROM status_history;
                        """,
                    arguments: [samplesPerSession, samplesPerSession]
                )
                return .commit
            }
        }
        let counts = try pool.read { db in
            (
                try Int.fetchOne(db, sql: "SELECT count(*) FROM meter_values") ?? 0,
                try Int.fetchOne(db, sql: "SELECT count(*) FROM transactions") ?? 0,
                try Int.fetchOne(db, sql: "SELECT count(*) FROM status_history") ?? 0
            )
        }
        try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        print(
            "generated \(path): \(counts.0) meter values, \(counts.1) transactions, \(counts.2) status notifications, month \(month), "
                + String(format: "%.1f s", Date().timeIntervalSince(started))
        )
    }
}

extension ReportDatabase {
    /// The same month on PostgreSQL (`--report-db postgres://...`, an empty database): the same rows with the same
    /// ids in the same order as the SQLite generator's, from `generate_series` inside PostgreSQL, so both engines'
    /// reports can be compared byte for byte. The store's own migrations make the schema; VACUUM ANALYZE at the end
    /// sets the visibility map and statistics, as autovacuum does on its own after a bulk of inserts.
    static func generatePostgres(url: String, meterValues: Int, month: String) async throws {
        let (since, sessions, slot) = try layout(meterValues: meterValues, month: month)
        let started = Date()
        let logger = Logger(label: "ocpp-bench")
        let store = try await StoreOpener.openForWriting(try StoreLocation(parsing: url), fullSync: false, logger: logger)
        let (c, s) = (chargers, samplesPerSession)
        // The SQLite generator's expressions, with bigint series (the times overflow 32 bits) and explicit orders
        // where SQLite's nested loops fix the insertion order (and so the ids).
        let start = "\(since) + (n / (2 * \(c))) * \(slot) + (n % \(c)) * 1000"
        let values = measurands.enumerated().map { "('\($1.0)', '\($1.1)', '\($1.2)', \($0))" }.joined(separator: ", ")
        let value = "CASE x.column1 " + measurands.map { "WHEN '\($0.0)' THEN \($0.3)" }.joined(separator: " ") + " END"
        try await store.write { db in
            try db.execute(sql: "SET LOCAL synchronous_commit = off")
            try db.executeScript(
                """
                INSERT INTO chargers(id, vendor, model, first_seen_ms, online)
                    SELECT 'BENCH' || lpad(n::text, 4, '0'), 'Bench', 'AC22', \(since) - 86400000, 1 FROM generate_series(0::bigint, \(c - 1)) AS n;
                INSERT INTO events(at_ms, charger_id, kind, detail)
                    SELECT \(since) - 86400000, 'BENCH' || lpad(n::text, 4, '0'), 'connect', '{}' FROM generate_series(0::bigint, \(c - 1)) AS n ORDER BY n;
                INSERT INTO transactions(id, charger_id, connector_id, id_tag, start_ms, meter_start, stop_ms, meter_stop, stop_reason,
                    created_ms, updated_ms)
                SELECT n + 1, 'BENCH' || lpad((n % \(c))::text, 4, '0'), 1 + (n / \(c)) % 2, 'TAG' || lpad((n % 997)::text, 5, '0'),
                    \(start), 1000000 + (n / (2 * \(c))) * 20000,
                    \(start) + \(s) * 60000 + 30000, 1000000 + (n / (2 * \(c))) * 20000 + 123 * \(s),
                    'EVDisconnected', \(start) + 200, \(start) + \(s) * 60000 + 30200
                FROM generate_series(0::bigint, \(sessions - 1)) AS n ORDER BY n;
                SELECT setval(pg_get_serial_sequence('transactions', 'id'), (SELECT max(id) FROM transactions));
                INSERT INTO meter_values(charger_id, connector_id, transaction_id, at_ms, measurand, phase, location, context, format, value,
                    unit, raw_value)
                SELECT t.charger_id, t.connector_id, t.id, t.start_ms + 60000 * (m.k + 1), x.column1, x.column2, 'Outlet', 'Sample.Periodic',
                    'Raw', \(value), x.column3, ''
                FROM transactions AS t CROSS JOIN generate_series(0::bigint, \(s - 1)) AS m(k) CROSS JOIN (VALUES \(values)) AS x
                ORDER BY t.id, m.k, x.column4;
                INSERT INTO status_history(charger_id, connector_id, status, error_code, at_ms, received_ms)
                SELECT charger_id, connector_id, v.column1, 'NoError', start_ms + v.column2, start_ms + v.column2
                FROM transactions CROSS JOIN (VALUES ('Preparing', -20000, 0), ('Charging', 1000, 1), ('Finishing', \(s) * 60000 + 30000, 2),
                    ('Available', \(s) * 60000 + 60000, 3)) AS v
                ORDER BY transactions.id, v.column3;
                INSERT INTO status_history(charger_id, connector_id, status, error_code, at_ms, received_ms)
                SELECT charger_id, connector_id, v.column1, v.column2, stop_ms + v.column3, stop_ms + v.column3
                FROM transactions CROSS JOIN (VALUES ('Faulted', 'GroundFailure', 120000, 0), ('Available', 'NoError', 1920000, 1)) AS v
                WHERE id % 50 = 0 ORDER BY transactions.id, v.column4;
                INSERT INTO events(at_ms, charger_id, kind, detail) SELECT received_ms, charger_id, 'status', '{}' FROM status_history ORDER BY id;
                """
            )
        }
        try await store.write { db in
            // VACUUM cannot run in a transaction block: end the store's, vacuum, and open one again for its COMMIT.
            try db.executeScript("COMMIT; VACUUM ANALYZE; BEGIN")
        }
        let counts = try await store.read { db in
            try ["meter_values", "transactions", "status_history"].map { try db.fetchValue(Int.self, sql: "SELECT count(*) FROM \($0)") ?? 0 }
        }
        await store.close()
        print(
            "generated \(url): \(counts[0]) meter values, \(counts[1]) transactions, \(counts[2]) status notifications, month \(month), "
                + String(format: "%.1f s", Date().timeIntervalSince(started))
        )
    }
}

enum ReportDatabaseError: Error {
    case month(String)
}
