import Foundation
import Logging
import Shared
import TestSupport
import Testing

@testable import ocpp_report

/// The SQL aggregates against the same computation in Swift, on a database built by the store's own migrations, on
/// each engine; and the two engines' reports compared text for text.
@Suite struct ReportStoreTests {
    /// A new store on `engine` (an SQLite file in a temp directory, or a new database in the tests' PostgreSQL
    /// cluster), migrated and filled with two sessions.
    static func database(_ engine: TestStore) async throws -> any SQLStore {
        let location: StoreLocation
        switch engine {
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ocpp-report-test-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            location = .sqlite(path: directory.appendingPathComponent("ocpp.sqlite").path)
        case .postgres:
            location = try StoreLocation(parsing: TestPostgres.newDatabaseURL())
        }
        let store = try await StoreOpener.openForWriting(location, fullSync: false, logger: Logger(label: "test"))
        try await store.write { db in try fill(db) }
        return store
    }

    /// Runs `body` on a new filled store and closes the store after.
    static func withDatabase<T>(_ engine: TestStore, _ body: (any SQLStore) async throws -> T) async throws -> T {
        let store = try await database(engine)
        do {
            let result = try await body(store)
            await store.close()
            return result
        } catch {
            await store.close()
            throw error
        }
    }

    static func fill(_ db: any SQLConnection) throws {
        try db.execute(sql: "INSERT INTO chargers(id, first_seen_ms) VALUES ('CP1', 0), ('CP2', 0)")
        try db.execute(
            sql: """
                INSERT INTO transactions(id, charger_id, connector_id, id_tag, start_ms, meter_start, stop_ms, meter_stop, stop_reason,
                    created_ms, updated_ms)
                VALUES (1, 'CP1', 1, 'A', 1000, 5000, 601000, 7500, 'Local', 1000, 601000),
                       (2, 'CP2', 2, 'B', 2000, 100, 602000, 60, 'EVDisconnected', 2000, 602000)
                """
        )
        let insert = """
            INSERT INTO meter_values(charger_id, connector_id, transaction_id, at_ms, measurand, phase, location, context, format, value,
                unit, raw_value) VALUES (?, ?, ?, ?, ?, ?, 'Outlet', 'Sample.Periodic', 'Raw', ?, ?, '')
            """
        for i in 0...10 {
            let at = Int64(1000 + i * 60_000)
            try db.execute(sql: insert, arguments: ["CP1", 1, 1, at, "Energy.Active.Import.Register", "", 5000 + Double(i) * 250, "Wh"])
            try db.execute(sql: insert, arguments: ["CP1", 1, 1, at, "Power.Active.Import", "", 15_000 - Double(i), "W"])
            try db.execute(sql: insert, arguments: ["CP1", 1, 1, at, "SoC", "", 20 + Double(i), "Percent"])
            try db.execute(sql: insert, arguments: ["CP1", 1, 1, at, "Current.Import", "L1", 16, "A"])
            // CP2: the register resets at minute 5; power per phase only.
            let register = i < 5 ? 100 + Double(i) * 10 : Double(i - 5) * 12
            try db.execute(sql: insert, arguments: ["CP2", 2, 2, at + 1000, "Energy.Active.Import.Register", "", register, "Wh"])
            for phase in ["L1", "L2", "L3"] {
                try db.execute(sql: insert, arguments: ["CP2", 2, 2, at + 1000, "Power.Active.Import", phase, 1000 + Double(i), "W"])
            }
        }
        try db.execute(
            sql: """
                INSERT INTO status_history(charger_id, connector_id, status, error_code, at_ms, received_ms)
                VALUES ('CP1', 1, 'Charging', 'NoError', 1000, 1000), ('CP1', 1, 'Faulted', 'GroundFailure', 301000, 301000),
                       ('CP1', 1, 'Available', 'NoError', 361000, 361000)
                """
        )
    }

    @Test(arguments: TestStore.allCases)
    func sqlAggregatesEqualTheSwiftOnes(engine: TestStore) async throws {
        let (facts, samples, sessions, cp2) = try await Self.withDatabase(engine) { store in
            try await store.read { db in
                let store = ReportStore(db)
                return (
                    try store.transactions(.all, charger: nil, detail: true), try store.curveSamples(transaction: 2)?.1 ?? [],
                    try ReportBuilder(store: store).sessions(.all, charger: nil), try ReportBuilder(store: store).sessions(.all, charger: "CP2")
                )
            }
        }
        #expect(facts.map(\.id) == [1, 2])
        let series = samples.filter(CurveBuilder.isRegister).map { ($0.atMs, $0.value) }
        #expect(!series.isEmpty)
        #expect(facts[1].register == RegisterStats(series: series))
        #expect(facts[1].register?.drops == 1)
        #expect(facts[0].measuredMaxPowerW == 15_000)
        #expect(abs((facts[1].measuredMaxPowerW ?? 0) - 3030) < 0.001, "the phases summed")
        #expect(facts[0].socStart == 20 && facts[0].socEnd == 30)

        #expect(sessions[0].energyWh == 2500 && sessions[0].flags.isEmpty)
        #expect(sessions[1].flags == [.registerReset])
        #expect(abs((sessions[1].energyWh ?? 0) - 100) < 0.001, "100 -> 140 before the reset, 0 -> 60 after")
        #expect(cp2.map(\.transactionID) == [2])
    }

    @Test(arguments: TestStore.allCases)
    func theSummaryAddsUpSessionsAndStatuses(engine: TestStore) async throws {
        let window = ReportWindow(sinceMs: 0, untilMs: 1_000_000)
        let rows = try await Self.withDatabase(engine) { store in
            try await store.read { db in try ReportBuilder(store: ReportStore(db), nowMs: 2_000_000).summary(window, charger: nil) }
        }
        #expect(rows.map(\.chargerID) == ["CP1", "CP2"])
        let cp1 = rows[0]
        #expect(cp1.sessions == 1 && cp1.energyWh == 2500 && cp1.chargingSeconds == 600 && cp1.connectors == 1)
        #expect(abs((cp1.utilisationPercent ?? 0) - 100 * 600.0 / 1000) < 0.001)
        #expect(cp1.faults == ["GroundFailure": 1])
        #expect(abs((cp1.availabilityPercent ?? 0) - 100 * (1 - 60.0 / 1000)) < 0.001)
        #expect(rows[1].flagCounts == [.registerReset: 1])
    }

    /// The same rows on SQLite and PostgreSQL give the same report, character for character: sessions (with power and
    /// SoC, whose first/last-row queries differ per engine), summary (status before the window, also per engine) and
    /// a curve. Extra rows make the per-engine queries' ties and orders count: two SoC samples at one instant, a
    /// status before the window on two connectors, chargers whose ids sort differently by collation than by bytes.
    @Test func bothEnginesGiveTheSameReports() async throws {
        var outputs: [String] = []
        for engine in TestStore.allCases {
            let text = try await Self.withDatabase(engine) { store in
                try await store.write { db in
                    try db.execute(sql: "INSERT INTO chargers(id, first_seen_ms) VALUES ('cp-b', 0), ('CP_a', 0), ('Cp1', 0)")
                    try db.execute(
                        sql: """
                            INSERT INTO meter_values(charger_id, connector_id, transaction_id, at_ms, measurand, phase, location, context, format,
                                value, unit, raw_value) VALUES ('CP1', 1, 1, 601000, 'SoC', '', 'EV', 'Sample.Periodic', 'Raw', 29.5, 'Percent', ''),
                                ('CP1', 1, 1, 1000, 'SoC', '', 'EV', 'Sample.Periodic', 'Raw', 21.5, 'Percent', '')
                            """
                    )
                    try db.execute(
                        sql: """
                            INSERT INTO status_history(charger_id, connector_id, status, error_code, at_ms, received_ms)
                            VALUES ('CP2', 2, 'Available', 'NoError', -5000, -5000), ('CP2', 1, 'Unavailable', 'NoError', -4000, -4000),
                                   ('CP2', 0, 'Faulted', 'PowerMeterFailure', -3000, -3000)
                            """
                    )
                    try db.execute(
                        sql: "INSERT INTO events(at_ms, charger_id, kind) VALUES (-10000, 'CP1', 'connect'), (500000, 'CP1', 'disconnect')"
                    )
                }
                let window = ReportWindow(sinceMs: 0, untilMs: 1_000_000)
                return try await store.read { db in
                    let builder = ReportBuilder(store: ReportStore(db), nowMs: 2_000_000)
                    let curve = try #require(try ReportStore(db).curveSamples(transaction: 1))
                    return [
                        ReportTable(sessions: try builder.sessions(.all, charger: nil)).csv,
                        ReportTable(sessions: try builder.sessions(window, charger: nil)).json,
                        ReportTable(summary: try builder.summary(window, charger: nil)).csv,
                        ReportTable(summary: try builder.summary(.all, charger: nil)).json,
                        ReportTable(curve: CurveBuilder.points(curve.0, samples: curve.1)).csv,
                    ].joined(separator: "\n--\n")
                }
            }
            outputs.append(text)
        }
        #expect(outputs.count == 2)
        #expect(outputs.first == outputs.last, "SQLite:\n\(outputs.first ?? "")\nPostgreSQL:\n\(outputs.last ?? "")")
    }

    /// The summary's one pass over the register samples reads the covering index in its order: no table, no sort.
    @Test func theRegisterScanReadsTheReportIndexInOrderOnSQLite() async throws {
        let rows = try await Self.withDatabase(.sqlite) { store in
            try await store.read { db in
                try db.fetchAll(sql: "EXPLAIN QUERY PLAN " + ReportStore.registerScanSQL(.sqlite), arguments: [1, 2]).map {
                    $0["detail"] as String? ?? ""
                }
            }
        }
        #expect(rows.contains { $0.contains("COVERING INDEX meter_values_report") }, "\(rows)")
        #expect(!rows.contains { $0.contains("TEMP B-TREE") }, "\(rows)")
    }

    /// PostgreSQL uses the same partial index for the register and SoC scans (the queries repeat
    /// its predicate, so the planner can prove it), in its order: no Sort node. Sequential scans are disabled for
    /// the check: on a table this small the planner would rightly prefer one.
    @Test func theReportQueriesUseTheReportIndexOnPostgreSQL() async throws {
        let plans = try await Self.withDatabase(.postgres) { store in
            try await store.read { db in
                try db.execute(sql: "SET LOCAL enable_seqscan = off")
                return try [ReportStore.registerScanSQL(.postgres), ReportStore.socScanSQL(.postgres)]
                    .map { sql in
                        try db.fetchAll(sql: "EXPLAIN " + sql, arguments: [1, 2]).map { $0.values.first.flatMap(String.init(sqlValue:)) ?? "" }
                            .joined(separator: "\n")
                    }
            }
        }
        for plan in plans {
            #expect(plan.contains("using meter_values_report"), "\(plan)")
            #expect(!plan.contains("Sort"), "\(plan)")
        }
    }
}
