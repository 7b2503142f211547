import Foundation
import GRDB
import Shared

/// Read-only SQL over ocpp-serve's store. Aggregation happens in SQLite (one covering-index range per transaction
/// and measurand, `meter_values_report`); Swift sees one row per transaction, not one per meter value.
struct ReportStore: Sendable {
    let reader: any DatabaseReader

    /// Opens the database read-only; safe while ocpp-serve writes (WAL: readers never block the writer).
    static func open(path: String) throws -> ReportStore {
        guard FileManager.default.fileExists(atPath: path) else { throw ReportError.noDatabase(path) }
        return ReportStore(reader: try StoreDatabase.openForReading(path: path))
    }

    /// The filter selecting a window's transactions, with its arguments.
    private func transactionFilter(_ window: ReportWindow, charger: String?) -> (sql: String, arguments: StatementArguments) {
        var sql = "orphan = 0 AND start_ms >= ? AND start_ms < ?"
        var arguments: StatementArguments = [window.sinceMs, window.untilMs]
        if let charger {
            sql += " AND charger_id = ?"
            arguments += [charger]
        }
        return (sql, arguments)
    }

    /// Transactions started in the window with their meter aggregates. `detail` adds power and SoC (sessions);
    /// the summary does without.
    func transactions(_ window: ReportWindow, charger: String?, detail: Bool) throws -> [TransactionFacts] {
        let filter = transactionFilter(window, charger: charger)
        return try reader.read { db in
            var facts: [TransactionFacts] = []
            var index: [Int64: Int] = [:]
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT id, charger_id, connector_id, id_tag, start_ms, meter_start, stop_ms, meter_stop, stop_reason, stale, created_ms
                    FROM transactions WHERE \(filter.sql) ORDER BY start_ms, id
                    """,
                arguments: filter.arguments
            )
            while let row = try rows.next() {
                let id: Int64 = row[0]
                index[id] = facts.count
                facts.append(
                    TransactionFacts(
                        id: id, chargerID: row[1], connectorID: row[2], idTag: row[3], startMs: row[4], meterStart: row[5], stopMs: row[6],
                        meterStop: row[7], stopReason: row[8], storedStale: row[9], receivedMs: row[10]
                    )
                )
            }
            guard !facts.isEmpty else { return facts }
            try registerStats(db, filter: filter) { id, stats in
                if let i = index[id] { facts[i].register = stats }
            }
            if detail {
                try powerAndSoC(db, filter: filter) { id, power, socStart, socEnd in
                    guard let i = index[id] else { return }
                    facts[i].measuredMaxPowerW = power
                    facts[i].socStart = socStart
                    facts[i].socEnd = socEnd
                }
            }
            for i in facts.indices where facts[i].stopMs == nil {
                let after = max(facts[i].startMs, facts[i].register?.lastAtMs ?? facts[i].startMs)
                facts[i].connectorFreedLater =
                    try Bool.fetchOne(
                        db,
                        sql: """
                            SELECT EXISTS(SELECT 1 FROM status_history WHERE charger_id = ? AND connector_id = ? AND at_ms > ?
                                AND status IN ('Available','Preparing','Finishing','Reserved','Unavailable'))
                            """,
                        arguments: [facts[i].chargerID, facts[i].connectorID ?? 0, after]
                    ) ?? false
            }
            return facts
        }
    }

    /// The register aggregates, in one pass over the covering index with window functions.
    private func registerStats(_ db: Database, filter: (sql: String, arguments: StatementArguments), _ body: (Int64, RegisterStats) -> Void) throws {
        let rows = try Row.fetchCursor(
            db,
            sql: """
                WITH tx AS (SELECT id FROM transactions WHERE \(filter.sql) ORDER BY id),
                reg AS (
                    SELECT mv.transaction_id AS t, mv.at_ms AS at, mv.value AS v,
                        mv.at_ms - lag(mv.at_ms) OVER w AS dt, mv.value - lag(mv.value) OVER w AS dv
                    FROM tx CROSS JOIN meter_values AS mv
                    WHERE mv.measurand = 'Energy.Active.Import.Register' AND mv.transaction_id = tx.id AND mv.phase = ''
                        AND mv.transaction_id IS NOT NULL AND mv.value IS NOT NULL AND mv.location NOT IN ('Inlet', 'EV')
                    WINDOW w AS (PARTITION BY mv.transaction_id ORDER BY mv.at_ms, mv.value)
                )
                SELECT t, count(*), min(at), max(at), min(CASE WHEN dt IS NULL THEN v END),
                    total(CASE WHEN dv > 0 THEN dv ELSE 0 END), total(dv < 0), total(CASE WHEN dv < 0 THEN v ELSE 0 END),
                    total(CASE WHEN dv < 0 THEN -dv ELSE 0 END), max(dt), total(dt), count(dt),
                    max(CASE WHEN dt > 0 AND dv >= 0 THEN dv * 3600000.0 / dt END)
                FROM reg GROUP BY t
                """,
            arguments: filter.arguments
        )
        while let row = try rows.next() {
            let stats = RegisterStats(
                count: row[1], firstAtMs: row[2], lastAtMs: row[3], first: row[4] ?? 0, rise: row[5], drops: Int((row[6] as Double).rounded()),
                afterDrops: row[7], dropDepth: row[8], maxIntervalMs: row[9] ?? 0, sumIntervalMs: Int64((row[10] as Double).rounded()),
                intervals: row[11], maxDerivedPowerW: row[12]
            )
            body(row[0], stats)
        }
    }

    private func powerAndSoC(
        _ db: Database,
        filter: (sql: String, arguments: StatementArguments),
        _ body: (Int64, Double?, Double?, Double?) -> Void
    ) throws {
        var power: [Int64: Double] = [:]
        let powerRows = try Row.fetchCursor(
            db,
            sql: """
                WITH tx AS (SELECT id FROM transactions WHERE \(filter.sql))
                SELECT t, coalesce(max(CASE WHEN total THEN p END), max(CASE WHEN NOT total THEN p END)) FROM (
                    SELECT mv.transaction_id AS t, mv.phase = '' AS total, sum(mv.value) AS p
                    FROM tx CROSS JOIN meter_values AS mv
                    WHERE mv.measurand = 'Power.Active.Import' AND mv.transaction_id = tx.id AND mv.transaction_id IS NOT NULL
                        AND mv.phase IN ('', 'L1', 'L2', 'L3', 'L1-N', 'L2-N', 'L3-N') AND mv.value IS NOT NULL
                    GROUP BY mv.transaction_id, mv.at_ms, mv.phase = ''
                ) GROUP BY t
                """,
            arguments: filter.arguments
        )
        while let row = try powerRows.next() {
            if let p = row[1] as Double? { power[row[0]] = p }
        }
        var soc: [Int64: (Double?, Double?)] = [:]
        for (aggregate, first) in [("min", true), ("max", false)] {
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    WITH tx AS (SELECT id FROM transactions WHERE \(filter.sql))
                    SELECT mv.transaction_id, \(aggregate)(mv.at_ms), mv.value
                    FROM tx CROSS JOIN meter_values AS mv
                    WHERE mv.measurand = 'SoC' AND mv.transaction_id = tx.id AND mv.transaction_id IS NOT NULL AND mv.value IS NOT NULL
                    GROUP BY mv.transaction_id
                    """,
                arguments: filter.arguments
            )
            while let row = try rows.next() {
                let id: Int64 = row[0]
                var entry = soc[id] ?? (nil, nil)
                if first { entry.0 = row[2] } else { entry.1 = row[2] }
                soc[id] = entry
            }
        }
        for id in Set(power.keys).union(soc.keys) {
            body(id, power[id], soc[id]?.0, soc[id]?.1)
        }
    }

    /// `MeterValueSampleInterval` per charger, where ocpp-serve has read the charger's configuration (seconds).
    func sampleIntervals() throws -> [String: Double] {
        try reader.read { db in
            var result: [String: Double] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT charger_id, value FROM charger_configuration WHERE key = 'MeterValueSampleInterval'") {
                if let text = row[1] as String?, let seconds = Double(text.trimmingCharacters(in: .whitespaces)), seconds > 0 {
                    result[row[0]] = seconds
                }
            }
            return result
        }
    }

    /// Connection events (server time) per charger, oldest first.
    func connectionEvents(chargers: Set<String>?) throws -> [String: [ConnectionEvent]] {
        try reader.read { db in
            var result: [String: [ConnectionEvent]] = [:]
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT charger_id, at_ms, kind FROM events
                    WHERE kind IN ('connect', 'disconnect', 'replaced', 'offline', 'online') AND charger_id IS NOT NULL
                    ORDER BY at_ms, id
                    """
            )
            while let row = try rows.next() {
                let charger: String = row[0]
                if let chargers, !chargers.contains(charger) { continue }
                let kind: String = row[2]
                result[charger, default: []].append(ConnectionEvent(atMs: row[1], up: ["connect", "replaced", "online"].contains(kind), connect: kind == "connect"))
            }
            return result
        }
    }

    /// Status notifications with the charger's timestamp and the server's receipt time, per charger, in receipt order.
    func clockSamples(chargers: Set<String>) throws -> [String: [ClockSample]] {
        try reader.read { db in
            var result: [String: [ClockSample]] = [:]
            for charger in chargers {
                result[charger] = try Row.fetchAll(
                    db,
                    sql: "SELECT at_ms, received_ms FROM status_history WHERE charger_id = ? ORDER BY received_ms, id LIMIT 5000",
                    arguments: [charger]
                ).map { ClockSample(chargerMs: $0[0], serverMs: $0[1]) }
            }
            return result
        }
    }

    /// Known chargers (all, or the one asked for) with their connector count and first sighting (server time).
    func chargers(_ charger: String?) throws -> [(id: String, connectors: [Int], firstSeenMs: Int64)] {
        try reader.read { db in
            var sql = "SELECT id, first_seen_ms FROM chargers"
            var arguments: StatementArguments = []
            if let charger {
                sql += " WHERE id = ?"
                arguments = [charger]
            }
            sql += " ORDER BY id"
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                let id: String = row[0]
                let connectors = try Int.fetchAll(
                    db,
                    sql: """
                        SELECT connector_id FROM connectors WHERE charger_id = ? AND connector_id > 0
                        UNION SELECT DISTINCT connector_id FROM transactions WHERE charger_id = ? AND connector_id > 0
                        ORDER BY 1
                        """,
                    arguments: [id, id]
                )
                return (id, connectors, row[1])
            }
        }
    }

    /// Status history of the window per charger, preceded by each connector's last status before it.
    func statusHistory(_ window: ReportWindow, charger: String?) throws -> [String: [StatusChange]] {
        try reader.read { db in
            var result: [String: [StatusChange]] = [:]
            var chargerFilter = ""
            var arguments: StatementArguments = [window.sinceMs]
            if let charger {
                chargerFilter = " AND charger_id = ?"
                arguments += [charger]
            }
            let before = try Row.fetchCursor(
                db,
                sql: """
                    SELECT charger_id, connector_id, status, error_code, max(at_ms) FROM status_history
                    WHERE at_ms < ?\(chargerFilter) GROUP BY charger_id, connector_id
                    """,
                arguments: arguments
            )
            while let row = try before.next() {
                result[row[0], default: []].append(StatusChange(connectorID: row[1], status: row[2], errorCode: row[3], atMs: row[4], inWindow: false))
            }
            var windowArguments: StatementArguments = [window.sinceMs, window.untilMs]
            if let charger { windowArguments += [charger] }
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT charger_id, connector_id, status, error_code, at_ms FROM status_history
                    WHERE at_ms >= ? AND at_ms < ?\(chargerFilter) ORDER BY at_ms, id
                    """,
                arguments: windowArguments
            )
            while let row = try rows.next() {
                result[row[0], default: []].append(StatusChange(connectorID: row[1], status: row[2], errorCode: row[3], atMs: row[4], inWindow: true))
            }
            return result
        }
    }

    /// The latest time in the data (charger clock): a window reaching into the future ends here or now, whichever is later.
    func latestDataMs() throws -> Int64? {
        try reader.read { db in
            let meter = try Int64.fetchOne(db, sql: "SELECT max(at_ms) FROM meter_values")
            let start = try Int64.fetchOne(db, sql: "SELECT max(start_ms) FROM transactions")
            let stop = try Int64.fetchOne(db, sql: "SELECT max(stop_ms) FROM transactions")
            return [meter, start, stop].compactMap { $0 }.max()
        }
    }

    /// The transactions row and every meter value of one transaction, in time order (for `curve`).
    func curveSamples(transaction id: Int64) throws -> (TransactionFacts, [MeterSample])? {
        try reader.read { db in
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT id, charger_id, connector_id, id_tag, start_ms, meter_start, stop_ms, meter_stop, stop_reason, stale, created_ms
                        FROM transactions WHERE id = ?
                        """,
                    arguments: [id]
                )
            else { return nil }
            let facts = TransactionFacts(
                id: row[0], chargerID: row[1], connectorID: row[2], idTag: row[3], startMs: row[4] ?? 0, meterStart: row[5], stopMs: row[6],
                meterStop: row[7], stopReason: row[8], storedStale: row[9], receivedMs: row[10]
            )
            let samples = try Row.fetchAll(
                db,
                sql: """
                    SELECT at_ms, measurand, phase, location, value FROM meter_values
                    WHERE transaction_id = ? AND value IS NOT NULL ORDER BY at_ms, id
                    """,
                arguments: [id]
            ).map { MeterSample(atMs: $0[0], measurand: $0[1], phase: $0[2], location: $0[3], value: $0[4]) }
            return (facts, samples)
        }
    }
}

/// One stored meter value (base units).
struct MeterSample: Sendable, Hashable {
    var atMs: Int64
    var measurand: String
    var phase: String
    var location: String
    var value: Double
}

/// A charger's connection going up (connect, replaced, online) or down (disconnect, offline), server time.
struct ConnectionEvent: Sendable, Hashable {
    var atMs: Int64
    var up: Bool
    var connect: Bool
}

/// A status notification (charger time).
struct StatusChange: Sendable, Hashable {
    var connectorID: Int
    var status: String
    var errorCode: String
    var atMs: Int64
    /// False for the last status before the window, which only sets the initial state.
    var inWindow: Bool
}

/// Why a report could not be made.
enum ReportError: Error, CustomStringConvertible {
    case noDatabase(String)
    case noTransaction(Int64)
    case output(String)

    var description: String {
        switch self {
        case .noDatabase(let path): "no database at \(path) (give --db PATH or set OCPP_DB)"
        case .noTransaction(let id): "no transaction \(id) in the database"
        case .output(let message): message
        }
    }
}
