import GRDB
import Shared
import Testing

@testable import ocpp_report

/// The SQL aggregates against the same computation in Swift, on a database built by the store's own migrator.
@Suite struct ReportStoreTests {
    static func database() throws -> DatabaseQueue {
        let queue = try DatabaseQueue()
        try StoreSchema.migrator.migrate(queue)
        try queue.write { db in
            try db.execute(sql: "INSERT INTO chargers(id, first_seen_ms) VALUES ('CP1', 0), ('CP2', 0)")
            try db.execute(
                sql: """
                    INSERT INTO transactions(id, charger_id, connector_id, id_tag, start_ms, meter_start, stop_ms, meter_stop, stop_reason,
                        created_ms, updated_ms)
                    VALUES (1, 'CP1', 1, 'A', 1000, 5000, 601000, 7500, 'Local', 1000, 601000),
                           (2, 'CP2', 2, 'B', 2000, 100, 602000, 60, 'EVDisconnected', 2000, 602000)
                    """
            )
            let insert = try db.makeStatement(
                sql: """
                    INSERT INTO meter_values(charger_id, connector_id, transaction_id, at_ms, measurand, phase, location, context, format, value,
                        unit, raw_value) VALUES (?, ?, ?, ?, ?, ?, 'Outlet', 'Sample.Periodic', 'Raw', ?, ?, '')
                    """
            )
            for i in 0...10 {
                let at = Int64(1000 + i * 60_000)
                try insert.execute(arguments: ["CP1", 1, 1, at, "Energy.Active.Import.Register", "", 5000 + Double(i) * 250, "Wh"])
                try insert.execute(arguments: ["CP1", 1, 1, at, "Power.Active.Import", "", 15_000 - Double(i), "W"])
                try insert.execute(arguments: ["CP1", 1, 1, at, "SoC", "", 20 + Double(i), "Percent"])
                try insert.execute(arguments: ["CP1", 1, 1, at, "Current.Import", "L1", 16, "A"])
                // CP2: the register resets at minute 5; power per phase only.
                let register = i < 5 ? 100 + Double(i) * 10 : Double(i - 5) * 12
                try insert.execute(arguments: ["CP2", 2, 2, at + 1000, "Energy.Active.Import.Register", "", register, "Wh"])
                for phase in ["L1", "L2", "L3"] {
                    try insert.execute(arguments: ["CP2", 2, 2, at + 1000, "Power.Active.Import", phase, 1000 + Double(i), "W"])
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
        return queue
    }

    @Test func sqlAggregatesEqualTheSwiftOnes() throws {
        let queue = try Self.database()
        let store = ReportStore(reader: queue)
        let facts = try store.transactions(.all, charger: nil, detail: true)
        #expect(facts.map(\.id) == [1, 2])
        let samples = try #require(try store.curveSamples(transaction: 2)).1
        let series = samples.filter(CurveBuilder.isRegister).map { ($0.atMs, $0.value) }
        #expect(facts[1].register == RegisterStats(series: series))
        #expect(facts[1].register?.drops == 1)
        #expect(facts[0].measuredMaxPowerW == 15_000)
        #expect(abs((facts[1].measuredMaxPowerW ?? 0) - 3030) < 0.001, "the phases summed")
        #expect(facts[0].socStart == 20 && facts[0].socEnd == 30)

        let sessions = try ReportBuilder(store: store).sessions(.all, charger: nil)
        #expect(sessions[0].energyWh == 2500 && sessions[0].flags.isEmpty)
        #expect(sessions[1].flags == [.registerReset])
        #expect(abs((sessions[1].energyWh ?? 0) - 100) < 0.001, "100 -> 140 before the reset, 0 -> 60 after")
        let cp2 = try ReportBuilder(store: store).sessions(.all, charger: "CP2")
        #expect(cp2.map(\.transactionID) == [2])
    }

    @Test func theSummaryAddsUpSessionsAndStatuses() throws {
        let store = ReportStore(reader: try Self.database())
        let window = ReportWindow(sinceMs: 0, untilMs: 1_000_000)
        let rows = try ReportBuilder(store: store, nowMs: 2_000_000).summary(window, charger: nil)
        #expect(rows.map(\.chargerID) == ["CP1", "CP2"])
        let cp1 = rows[0]
        #expect(cp1.sessions == 1 && cp1.energyWh == 2500 && cp1.chargingSeconds == 600 && cp1.connectors == 1)
        #expect(abs((cp1.utilisationPercent ?? 0) - 100 * 600.0 / 1000) < 0.001)
        #expect(cp1.faults == ["GroundFailure": 1])
        #expect(abs((cp1.availabilityPercent ?? 0) - 100 * (1 - 60.0 / 1000)) < 0.001)
        #expect(rows[1].flagCounts == [.registerReset: 1])
    }

    /// The summary's one pass over the register samples reads the covering index in its order: no table, no sort.
    @Test func theRegisterScanReadsTheReportIndexInOrder() throws {
        let queue = try Self.database()
        let rows = try queue.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + ReportStore.registerScanSQL, arguments: [1, 2]).map { $0["detail"] as String? ?? "" }
        }
        #expect(rows.contains { $0.contains("COVERING INDEX meter_values_report") }, "\(rows)")
        #expect(!rows.contains { $0.contains("TEMP B-TREE") }, "\(rows)")
    }
}
