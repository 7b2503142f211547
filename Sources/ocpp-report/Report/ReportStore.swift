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
                        id: id,
                        chargerID: row[1],
                        connectorID: row[2],
                        idTag: row[3],
                        startMs: row[4],
                        meterStart: row[5],
                        stopMs: row[6],
                        meterStop: row[7],
                        stopReason: row[8],
                        storedStale: row[9],
                        receivedMs: row[10]
                    )
                )
            }
            guard !facts.isEmpty else { return facts }
            try registerStats(db, ids: facts.map(\.id)) { id, stats in
                if let i = index[id] { facts[i].register = stats }
            }
            if detail {
                try powerAndSoC(db, ids: facts.map(\.id)) { id, power, socStart, socEnd in
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

    /// The register samples of the transactions with ids in `?...?`, in (transaction, time) order from the covering
    /// index `meter_values_report` (the query-plan test reads this text).
    static let registerScanSQL = """
        SELECT transaction_id, at_ms, value FROM meter_values INDEXED BY meter_values_report
        WHERE measurand = 'Energy.Active.Import.Register' AND transaction_id BETWEEN ? AND ? AND phase = ''
            AND transaction_id IS NOT NULL AND \(StoreSchema.reportMeasurands) AND value IS NOT NULL AND location NOT IN ('Inlet', 'EV')
        ORDER BY transaction_id, at_ms, value
        """

    /// The register aggregates, in one ordered pass over the covering index `meter_values_report`: SQLite filters and
    /// orders (no sort: the index is in transaction, time order), and each row is folded into its transaction's
    /// running aggregates as it streams by, nothing kept. Window functions (`lag`) did the same in SQL but took ten
    /// times as long (5 s against 0.5 s for a month of 10 million meter values, BENCHMARKS.md).
    private func registerStats(_ db: Database, ids: [Int64], _ body: (Int64, RegisterStats) -> Void) throws {
        guard let low = ids.min(), let high = ids.max() else { return }
        let wanted = Set(ids)
        let statement = try db.makeStatement(sql: Self.registerScanSQL)
        let rows = try Row.fetchCursor(statement, arguments: [low, high])
        var current: Int64?
        var stats = RegisterStats(atMs: 0, value: 0)
        var previous = 0.0
        while let row = try rows.next() {
            let id: Int64 = row[0]
            guard wanted.contains(id) else { continue }
            let at: Int64 = row[1]
            let value: Double = row[2]
            if id != current {
                if let current { body(current, stats) }
                current = id
                stats = RegisterStats(atMs: at, value: value)
            } else {
                stats.add(atMs: at, value: value, previous: previous)
            }
            previous = value
        }
        if let current { body(current, stats) }
    }

    /// Max power and first/last SoC per transaction: GROUP BY in the covering index's own order (measurand, phase,
    /// transaction, time), so SQLite aggregates without sorting. Transactions outside `ids` in the id range are dropped.
    private func powerAndSoC(_ db: Database, ids: [Int64], _ body: (Int64, Double?, Double?, Double?) -> Void) throws {
        guard let low = ids.min(), let high = ids.max() else { return }
        let wanted = Set(ids)
        var power: [Int64: Double] = [:]
        let totals = try Row.fetchCursor(
            db,
            sql: """
                SELECT transaction_id, max(value) FROM meter_values INDEXED BY meter_values_report
                WHERE measurand = 'Power.Active.Import' AND phase = '' AND transaction_id BETWEEN ? AND ?
                    AND transaction_id IS NOT NULL AND \(StoreSchema.reportMeasurands) AND value IS NOT NULL
                GROUP BY transaction_id
                """,
            arguments: [low, high]
        )
        while let row = try totals.next() {
            let id: Int64 = row[0]
            if wanted.contains(id), let p = row[1] as Double? { power[id] = p }
        }
        // Chargers that send power per phase only: the largest sum over the phases at one instant.
        let phases = try Row.fetchCursor(
            db,
            sql: """
                SELECT t, max(p) FROM (
                    SELECT transaction_id AS t, sum(value) AS p FROM meter_values INDEXED BY meter_values_report
                    WHERE measurand = 'Power.Active.Import' AND phase IN ('L1', 'L2', 'L3', 'L1-N', 'L2-N', 'L3-N')
                        AND transaction_id BETWEEN ? AND ? AND transaction_id IS NOT NULL AND \(StoreSchema.reportMeasurands) AND value IS NOT NULL
                    GROUP BY transaction_id, at_ms
                ) GROUP BY t
                """,
            arguments: [low, high]
        )
        while let row = try phases.next() {
            let id: Int64 = row[0]
            if wanted.contains(id), power[id] == nil, let p = row[1] as Double? { power[id] = p }
        }
        var soc: [Int64: (Double?, Double?)] = [:]
        for (aggregate, first) in [("min", true), ("max", false)] {
            // One min()/max() per query: SQLite takes the bare column `value` from that row.
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT transaction_id, \(aggregate)(at_ms), value FROM meter_values INDEXED BY meter_values_report
                    WHERE measurand = 'SoC' AND phase = '' AND transaction_id BETWEEN ? AND ? AND transaction_id IS NOT NULL AND \(StoreSchema.reportMeasurands)
                        AND value IS NOT NULL
                    GROUP BY transaction_id
                    """,
                arguments: [low, high]
            )
            while let row = try rows.next() {
                let id: Int64 = row[0]
                guard wanted.contains(id) else { continue }
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
                result[charger, default: []].append(
                    ConnectionEvent(atMs: row[1], up: ["connect", "replaced", "online"].contains(kind), connect: kind == "connect")
                )
            }
            return result
        }
    }

    /// Status notifications with the charger's timestamp and the server's receipt time, per charger, in receipt order.
    /// Only notifications received between `fromMs` and `toMs` (server time), at most 20 000 per charger.
    func clockSamples(chargers: Set<String>, fromMs: Int64, toMs: Int64) throws -> [String: [ClockSample]] {
        try reader.read { db in
            var result: [String: [ClockSample]] = [:]
            for charger in chargers {
                result[charger] = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT at_ms, received_ms FROM status_history WHERE charger_id = ? AND received_ms BETWEEN ? AND ?
                        ORDER BY received_ms, id LIMIT 20000
                        """,
                    arguments: [charger, fromMs, toMs]
                ).map { ClockSample(chargerMs: $0[0], serverMs: $0[1]) }
            }
            return result
        }
    }

    /// Known chargers (all, or the one asked for) with their connectors and first sighting (server time).
    func chargers(_ charger: String?) throws -> [(id: String, connectors: [Int], firstSeenMs: Int64)] {
        try reader.read { db in
            var connectors: [String: [Int]] = [:]
            let pairs = try Row.fetchCursor(
                db,
                sql: """
                    SELECT charger_id, connector_id FROM connectors WHERE connector_id > 0
                    UNION SELECT charger_id, connector_id FROM transactions WHERE connector_id > 0 AND orphan = 0
                    ORDER BY 1, 2
                    """
            )
            while let row = try pairs.next() { connectors[row[0], default: []].append(row[1]) }
            var sql = "SELECT id, first_seen_ms FROM chargers"
            var arguments: StatementArguments = []
            if let charger {
                sql += " WHERE id = ?"
                arguments = [charger]
            }
            sql += " ORDER BY id"
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                let id: String = row[0]
                return (id, connectors[id] ?? [], row[1])
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
                result[row[0], default: []].append(
                    StatusChange(connectorID: row[1], status: row[2], errorCode: row[3], atMs: row[4], inWindow: false)
                )
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
            // The newest rows by id: no index by time is kept for this (it cost the server a write per sample).
            let meter = try Int64.fetchOne(db, sql: "SELECT max(at_ms) FROM (SELECT at_ms FROM meter_values ORDER BY id DESC LIMIT 1000)")
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
                id: row[0],
                chargerID: row[1],
                connectorID: row[2],
                idTag: row[3],
                startMs: row[4] ?? 0,
                meterStart: row[5],
                stopMs: row[6],
                meterStop: row[7],
                stopReason: row[8],
                storedStale: row[9],
                receivedMs: row[10]
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
