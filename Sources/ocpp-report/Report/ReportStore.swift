import Foundation
import Shared

/// Read-only SQL over ocpp-serve's store, on either engine (SQLite or PostgreSQL) through one connection of the store
/// interface: a report runs in one read (`ReportDatabase.read`), so it sees one snapshot. Meter values are filtered
/// and ordered by the database from the covering index `meter_values_report` and folded in Swift as they stream by;
/// Swift keeps one aggregate per transaction, not one row per meter value. The SQL is the same on both engines except
/// where SQLite and PostgreSQL differ (index hints, first/last row per group).
struct ReportStore {
    let db: any SQLConnection

    init(_ db: any SQLConnection) {
        self.db = db
    }

    private var dialect: SQLDialect { db.dialect }

    /// SQLite's hint for the report's covering index: its planner needs it (BENCHMARKS.md, issue 8); PostgreSQL has
    /// no hints and picks the index by cost (`EXPLAIN` in the tests).
    private var reportIndex: String { Self.reportIndexHint(dialect) }

    static func reportIndexHint(_ dialect: SQLDialect) -> String {
        dialect == .sqlite ? " INDEXED BY meter_values_report" : ""
    }

    /// The filter selecting a window's transactions, with its arguments.
    private func transactionFilter(_ window: ReportWindow, charger: String?) -> (sql: String, arguments: SQLArguments) {
        var sql = "orphan = 0 AND start_ms >= ? AND start_ms < ?"
        var arguments: SQLArguments = [window.sinceMs, window.untilMs]
        if let charger {
            sql += " AND charger_id = ?"
            arguments.append(charger)
        }
        return (sql, arguments)
    }

    /// The transactions columns `facts(_:)` reads, in its order.
    static let transactionColumns =
        "id, charger_id, connector_id, id_tag, start_ms, meter_start, stop_ms, meter_stop, stop_reason, stale, created_ms"

    /// A transactions row (`transactionColumns`) before any meter aggregates.
    static func facts(_ row: SQLRow) -> TransactionFacts {
        TransactionFacts(
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
    }

    /// Transactions started in the window with their meter aggregates. `detail` adds power and SoC (sessions);
    /// the summary does without.
    func transactions(_ window: ReportWindow, charger: String?, detail: Bool) throws -> [TransactionFacts] {
        let filter = transactionFilter(window, charger: charger)
        var facts: [TransactionFacts] = []
        var index: [Int64: Int] = [:]
        try db.forEachRow(
            sql: """
                SELECT \(Self.transactionColumns) FROM transactions WHERE \(filter.sql) ORDER BY start_ms, id
                """,
            arguments: filter.arguments
        ) { row in
            index[row[0]] = facts.count
            facts.append(Self.facts(row))
        }
        guard !facts.isEmpty else { return facts }
        try registerStats(ids: facts.map(\.id)) { id, stats in
            if let i = index[id] { facts[i].register = stats }
        }
        if detail {
            try powerAndSoC(ids: facts.map(\.id)) { id, power, socStart, socEnd in
                guard let i = index[id] else { return }
                facts[i].measuredMaxPowerW = power
                facts[i].socStart = socStart
                facts[i].socEnd = socEnd
            }
        }
        for i in facts.indices where facts[i].stopMs == nil {
            let after = max(facts[i].startMs, facts[i].register?.lastAtMs ?? facts[i].startMs)
            facts[i].connectorFreedLater =
                try db.fetchValue(
                    Bool.self,
                    sql: """
                        SELECT EXISTS(SELECT 1 FROM status_history WHERE charger_id = ? AND connector_id = ? AND at_ms > ?
                            AND status IN ('Available','Preparing','Finishing','Reserved','Unavailable'))
                        """,
                    arguments: [facts[i].chargerID, facts[i].connectorID ?? 0, after]
                ) ?? false
        }
        return facts
    }

    /// The register samples of the transactions with ids in `?...?`, in (transaction, time) order from the covering
    /// index `meter_values_report` (the query-plan tests read this text). The WHERE clause repeats the index's own
    /// predicate (`StoreSchema.reportMeasurands`): both engines use a partial index only when the query implies it.
    static func registerScanSQL(_ dialect: SQLDialect) -> String {
        """
        SELECT transaction_id, at_ms, value FROM meter_values\(reportIndexHint(dialect))
        \(registerFilter)
        ORDER BY transaction_id, at_ms, value
        """
    }

    /// The register samples both scans read: the same rows on both engines, so their reports are identical.
    private static let registerFilter = """
        WHERE measurand = 'Energy.Active.Import.Register' AND transaction_id BETWEEN ? AND ? AND phase = ''
            AND transaction_id IS NOT NULL AND \(StoreSchema.reportMeasurands) AND value IS NOT NULL AND location NOT IN ('Inlet', 'EV')
        """

    /// PostgreSQL: the same samples as `registerScanSQL`, one row of arrays per transaction (in the same order),
    /// because postgres-nio's work per row (about 1 µs) was most of the month summary's time with one row per sample.
    static let registerSeriesSQL = """
        SELECT transaction_id, array_agg(at_ms ORDER BY at_ms, value), array_agg(value ORDER BY at_ms, value) FROM meter_values
        \(registerFilter)
        GROUP BY transaction_id ORDER BY transaction_id
        """

    /// The register aggregates, in one ordered pass over the covering index `meter_values_report`: the database
    /// filters and orders (no sort: the index is in transaction, time order), and each row is folded into its
    /// transaction's running aggregates as it streams by, nothing kept. Window functions (`lag`) did the same in SQL
    /// but took ten times as long on SQLite (5 s against 0.5 s for a month of 10 million meter values, BENCHMARKS.md);
    /// the same fold on both engines keeps their reports identical.
    private func registerStats(ids: [Int64], _ body: (Int64, RegisterStats) -> Void) throws {
        guard let low = ids.min(), let high = ids.max() else { return }
        let wanted = Set(ids)
        if dialect == .postgres {
            try db.forEachRow(sql: Self.registerSeriesSQL, arguments: [low, high]) { row in
                let id: Int64 = row[0]
                guard wanted.contains(id), row.values.count == 3, case .integers(let times) = row.values[1], case .reals(let values) = row.values[2],
                    let firstAt = times.first, let firstValue = values.first, times.count == values.count
                else { return }
                var stats = RegisterStats(atMs: firstAt, value: firstValue)
                for i in times.indices.dropFirst() { stats.add(atMs: times[i], value: values[i], previous: values[i - 1]) }
                body(id, stats)
            }
            return
        }
        var current: Int64?
        var stats = RegisterStats(atMs: 0, value: 0)
        var previous = 0.0
        try db.forEachRow(sql: Self.registerScanSQL(dialect), arguments: [low, high]) { row in
            let id: Int64 = row[0]
            guard wanted.contains(id) else { return }
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

    /// The SoC samples of the transactions with ids in `?...?`, in (transaction, time, value) order from the covering
    /// index: one ordered pass gives each transaction's first and last sample on both engines. (SQLite's bare columns
    /// beside min()/max() have no PostgreSQL spelling but DISTINCT ON, whose descending last-sample order needed a
    /// sort there.)
    static func socScanSQL(_ dialect: SQLDialect) -> String {
        """
        SELECT transaction_id, at_ms, value FROM meter_values\(reportIndexHint(dialect))
        WHERE measurand = 'SoC' AND phase = '' AND transaction_id BETWEEN ? AND ? AND transaction_id IS NOT NULL
            AND \(StoreSchema.reportMeasurands) AND value IS NOT NULL
        ORDER BY transaction_id, at_ms, value
        """
    }

    /// Max power and first/last SoC per transaction: GROUP BY in the covering index's own order (measurand, phase,
    /// transaction, time), so the database aggregates without sorting. Transactions outside `ids` in the id range are
    /// dropped.
    private func powerAndSoC(ids: [Int64], _ body: (Int64, Double?, Double?, Double?) -> Void) throws {
        guard let low = ids.min(), let high = ids.max() else { return }
        let wanted = Set(ids)
        var power: [Int64: Double] = [:]
        try db.forEachRow(
            sql: """
                SELECT transaction_id, max(value) FROM meter_values\(reportIndex)
                WHERE measurand = 'Power.Active.Import' AND phase = '' AND transaction_id BETWEEN ? AND ?
                    AND transaction_id IS NOT NULL AND \(StoreSchema.reportMeasurands) AND value IS NOT NULL
                GROUP BY transaction_id
                """,
            arguments: [low, high]
        ) { row in
            let id: Int64 = row[0]
            if wanted.contains(id), let p = row[1] as Double? { power[id] = p }
        }
        // Chargers that send power per phase only: the largest sum over the phases at one instant.
        try db.forEachRow(
            sql: """
                SELECT t, max(p) FROM (
                    SELECT transaction_id AS t, sum(value) AS p FROM meter_values\(reportIndex)
                    WHERE measurand = 'Power.Active.Import' AND phase IN ('L1', 'L2', 'L3', 'L1-N', 'L2-N', 'L3-N')
                        AND transaction_id BETWEEN ? AND ? AND transaction_id IS NOT NULL AND \(StoreSchema.reportMeasurands) AND value IS NOT NULL
                    GROUP BY transaction_id, at_ms
                ) AS per_instant GROUP BY t
                """,
            arguments: [low, high]
        ) { row in
            let id: Int64 = row[0]
            if wanted.contains(id), power[id] == nil, let p = row[1] as Double? { power[id] = p }
        }
        // First and last SoC: the first sample, and the first at the last instant (the lowest value on a tie, as
        // SQLite's min()/max() with a bare column gave before).
        var soc: [Int64: (Double?, Double?)] = [:]
        var current: Int64?
        var first = 0.0
        var last = (atMs: Int64(0), value: 0.0)
        try db.forEachRow(sql: Self.socScanSQL(dialect), arguments: [low, high]) { row in
            let id: Int64 = row[0]
            guard wanted.contains(id) else { return }
            let at: Int64 = row[1]
            let value: Double = row[2]
            if id != current {
                if let current { soc[current] = (first, last.value) }
                current = id
                first = value
                last = (at, value)
            } else if at > last.atMs {
                last = (at, value)
            }
        }
        if let current { soc[current] = (first, last.value) }
        for id in Set(power.keys).union(soc.keys) {
            body(id, power[id], soc[id]?.0, soc[id]?.1)
        }
    }

    /// `MeterValueSampleInterval` per charger, where ocpp-serve has read the charger's configuration (seconds).
    func sampleIntervals() throws -> [String: Double] {
        var result: [String: Double] = [:]
        for row in try db.fetchAll(sql: "SELECT charger_id, value FROM charger_configuration WHERE key = 'MeterValueSampleInterval'") {
            if let text = row[1] as String?, let seconds = Double(text.trimmingCharacters(in: .whitespaces)), seconds > 0 {
                result[row[0]] = seconds
            }
        }
        return result
    }

    /// Connection events (server time) per charger, oldest first.
    func connectionEvents(chargers: Set<String>?) throws -> [String: [ConnectionEvent]] {
        var result: [String: [ConnectionEvent]] = [:]
        try db.forEachRow(
            sql: """
                SELECT charger_id, at_ms, kind FROM events
                WHERE kind IN ('connect', 'disconnect', 'replaced', 'offline', 'online') AND charger_id IS NOT NULL
                ORDER BY at_ms, id
                """,
            arguments: []
        ) { row in
            let charger: String = row[0]
            if let chargers, !chargers.contains(charger) { return }
            let kind: String = row[2]
            result[charger, default: []].append(
                ConnectionEvent(atMs: row[1], up: ["connect", "replaced", "online"].contains(kind), connect: kind == "connect")
            )
        }
        return result
    }

    /// Status notifications with the charger's timestamp and the server's receipt time, per charger, in receipt order.
    /// Only notifications received between `fromMs` and `toMs` (server time), at most 20 000 per charger.
    func clockSamples(chargers: Set<String>, fromMs: Int64, toMs: Int64) throws -> [String: [ClockSample]] {
        var result: [String: [ClockSample]] = [:]
        for charger in chargers {
            result[charger] = try db.fetchAll(
                sql: """
                    SELECT at_ms, received_ms FROM status_history WHERE charger_id = ? AND received_ms BETWEEN ? AND ?
                    ORDER BY received_ms, id LIMIT 20000
                    """,
                arguments: [charger, fromMs, toMs]
            ).map { ClockSample(chargerMs: $0[0], serverMs: $0[1]) }
        }
        return result
    }

    /// Known chargers (all, or the one asked for) with their connectors and first sighting (server time), by id.
    /// Sorted here, not by ORDER BY: PostgreSQL orders text by the database's collation, SQLite by bytes, and the
    /// report must read the same on both.
    func chargers(_ charger: String?) throws -> [(id: String, connectors: [Int], firstSeenMs: Int64)] {
        var connectors: [String: [Int]] = [:]
        try db.forEachRow(
            sql: """
                SELECT charger_id, connector_id FROM connectors WHERE connector_id > 0
                UNION SELECT charger_id, connector_id FROM transactions WHERE connector_id > 0 AND orphan = 0
                """,
            arguments: []
        ) { row in connectors[row[0], default: []].append(row[1]) }
        var sql = "SELECT id, first_seen_ms FROM chargers"
        var arguments: SQLArguments = []
        if let charger {
            sql += " WHERE id = ?"
            arguments = [charger]
        }
        return try db.fetchAll(sql: sql, arguments: arguments)
            .map { row in
                let id: String = row[0]
                return (id, (connectors[id] ?? []).sorted(), row[1])
            }
            .sorted { Array($0.id.utf8).lexicographicallyPrecedes($1.id.utf8) }
    }

    /// Each connector's last status before `sinceMs`: SQLite takes the bare columns from the row holding max(at_ms)
    /// (the first such row it scans on a tie); PostgreSQL says the same with DISTINCT ON, the lowest id on a tie.
    static func statusBeforeSQL(_ dialect: SQLDialect, chargerFilter: String) -> String {
        switch dialect {
        case .sqlite:
            return """
                SELECT charger_id, connector_id, status, error_code, max(at_ms) FROM status_history
                WHERE at_ms < ?\(chargerFilter) GROUP BY charger_id, connector_id
                """
        case .postgres:
            return """
                SELECT DISTINCT ON (charger_id, connector_id) charger_id, connector_id, status, error_code, at_ms FROM status_history
                WHERE at_ms < ?\(chargerFilter) ORDER BY charger_id, connector_id, at_ms DESC, id
                """
        }
    }

    /// Status history of the window per charger, preceded by each connector's last status before it.
    func statusHistory(_ window: ReportWindow, charger: String?) throws -> [String: [StatusChange]] {
        var result: [String: [StatusChange]] = [:]
        var chargerFilter = ""
        var arguments: SQLArguments = [window.sinceMs]
        if let charger {
            chargerFilter = " AND charger_id = ?"
            arguments.append(charger)
        }
        var before: [(String, StatusChange)] = []
        try db.forEachRow(sql: Self.statusBeforeSQL(dialect, chargerFilter: chargerFilter), arguments: arguments) { row in
            before.append((row[0], StatusChange(connectorID: row[1], status: row[2], errorCode: row[3], atMs: row[4], inWindow: false)))
        }
        // Connector order, as SQLite's GROUP BY gives it, on both engines.
        before.sort { ($0.1.connectorID, $0.1.atMs) < ($1.1.connectorID, $1.1.atMs) }
        for (id, change) in before { result[id, default: []].append(change) }
        var windowArguments: SQLArguments = [window.sinceMs, window.untilMs]
        if let charger { windowArguments.append(charger) }
        try db.forEachRow(
            sql: """
                SELECT charger_id, connector_id, status, error_code, at_ms FROM status_history
                WHERE at_ms >= ? AND at_ms < ?\(chargerFilter) ORDER BY at_ms, id
                """,
            arguments: windowArguments
        ) { row in
            result[row[0], default: []].append(StatusChange(connectorID: row[1], status: row[2], errorCode: row[3], atMs: row[4], inWindow: true))
        }
        return result
    }

    /// The latest time in the data (charger clock): a window reaching into the future ends here or now, whichever is later.
    func latestDataMs() throws -> Int64? {
        // The newest rows by id: no index by time is kept for this (it cost the server a write per sample).
        let meter = try db.fetchValue(
            Int64.self,
            sql: "SELECT max(at_ms) FROM (SELECT at_ms FROM meter_values ORDER BY id DESC LIMIT 1000) AS newest"
        )
        let start = try db.fetchValue(Int64.self, sql: "SELECT max(start_ms) FROM transactions")
        let stop = try db.fetchValue(Int64.self, sql: "SELECT max(stop_ms) FROM transactions")
        return [meter, start, stop].compactMap { $0 }.max()
    }

    /// The transactions row and every meter value of one transaction, in time order (for `curve`).
    func curveSamples(transaction id: Int64) throws -> (TransactionFacts, [MeterSample])? {
        guard let row = try db.fetchOne(sql: "SELECT \(Self.transactionColumns) FROM transactions WHERE id = ?", arguments: [id]) else {
            return nil
        }
        let facts = Self.facts(row)
        var samples: [MeterSample] = []
        try db.forEachRow(
            sql: """
                SELECT at_ms, measurand, phase, location, value FROM meter_values
                WHERE transaction_id = ? AND value IS NOT NULL ORDER BY at_ms, id
                """,
            arguments: [id]
        ) { row in
            samples.append(MeterSample(atMs: row[0], measurand: row[1], phase: row[2], location: row[3], value: row[4]))
        }
        return (facts, samples)
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
    case unavailable(String, String)
    case noTransaction(Int64)
    case output(String)

    var description: String {
        switch self {
        case .noDatabase(let path): "no database at \(path) (give --db PATH or set OCPP_DB)"
        case .unavailable(let location, let error): "cannot open database \(location): \(error)"
        case .noTransaction(let id): "no transaction \(id) in the database"
        case .output(let message): message
        }
    }
}
