import Foundation
import GRDB
import Logging
import Shared
import Synchronization
import TestSupport
import Testing

@testable import ocpp_serve

/// The store's rules, through the group-commit writer on a real database: a WAL SQLite file in a temp directory, or
/// a new database in the tests' PostgreSQL cluster.
@Suite struct StoreWriterTests {
    /// A migrated store on `store` and a running writer on it.
    func open(_ store: TestStore) async throws -> (pool: any SQLStore, writer: StoreWriter, runner: Task<Void, any Error>) {
        let location: StoreLocation
        switch store {
        case .sqlite: location = .sqlite(path: FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString).sqlite").path)
        case .postgres: location = try StoreLocation(parsing: TestPostgres.newDatabaseURL())
        }
        let pool = try await StoreOpener.openForWriting(location, fullSync: true, logger: Logger(label: "test"))
        let writer = StoreWriter(database: pool, logger: Logger(label: "test"))
        return (pool, writer, Task { try await writer.run() })
    }

    func json(_ text: String) throws -> JSONValue { try JSONParser.parse(text) }

    func start(_ connector: Int, tag: String, meter: Int, at: String) throws -> StoreOperation {
        .startTransaction(
            chargerID: "CP1",
            try StartTransactionRequest(json: json(#"{"connectorId":\#(connector),"idTag":"\#(tag)","meterStart":\#(meter),"timestamp":"\#(at)"}"#)),
            idTagStatus: "Accepted",
            receivedMs: 0
        )
    }

    func stop(_ id: Int, meter: Int) throws -> StoreOperation {
        .stopTransaction(
            chargerID: "CP1",
            try StopTransactionRequest(json: json(#"{"transactionId":\#(id),"meterStop":\#(meter),"timestamp":"2026-11-25T11:00:00Z"}"#)),
            receivedMs: 0
        )
    }

    /// `--commit-interval`: the next commit starts no sooner than the interval after the previous one started, and what
    /// arrives meanwhile shares it.
    @Test func commitSpacingHoldsTheNextCommitBack() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("spacing-\(UUID().uuidString).sqlite").path
        let spaced = StoreWriter(database: SQLiteSQLStore(pool: try StoreDatabase.openForWriting(path: path, fullSync: true)), logger: Logger(label: "test"), commitSpacing: .milliseconds(300))
        let running = Task { try await spaced.run() }
        defer { running.cancel() }
        let clock = ContinuousClock()
        let start = clock.now
        _ = try await spaced.submit(.seen(chargerID: "CP0", atMs: 0, online: true, registrationIfNew: "Accepted"))
        try await withThrowingTaskGroup(of: StoreResult.self) { group in
            for n in 1...10 {
                group.addTask { try await spaced.submit(.seen(chargerID: "CP\(n)", atMs: 0, online: true, registrationIfNew: "Accepted")) }
            }
            try await group.waitForAll()
        }
        #expect(clock.now - start >= .milliseconds(300))
        let figures = spaced.statistics.withLock { $0 }
        #expect(figures.batches == 2 && figures.operations == 11, "\(figures)")
    }

    /// The server's checkpoints run from their own connection while the writer's automatic checkpoint is off.
    @Test func checkpointerCopiesTheWholeWALBesideTheWriter() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("wal-\(UUID().uuidString).sqlite").path
        let database = try StoreDatabase.openForWriting(path: path, fullSync: true, checkpointsAutomatically: false)
        let writer = StoreWriter(database: SQLiteSQLStore(pool: database), logger: Logger(label: "test"))
        let running = Task { try await writer.run() }
        defer { running.cancel() }
        for n in 0..<200 {
            _ = try await writer.submit(.seen(chargerID: "CP\(n)", atMs: Int64(n), online: true, registrationIfNew: "Accepted"))
        }
        let checkpointer = try WALCheckpointer(path: path, logger: Logger(label: "test"))
        let result = try await checkpointer.checkpoint()
        #expect(result.walFrames > 0 && result.checkpointed == result.walFrames, "\(result)")
        #expect(try await database.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM chargers") } == 200)
    }

    /// Detached operations wait for an awaited one rather than costing a commit of their own (issue 19): once an
    /// awaited operation queued after them returns, they are committed too.
    @Test(.serialized, arguments: TestStore.allCases) func detachedOperationsCommitWithTheNextAwaitedOne(store: TestStore) async throws {
        let (pool, writer, runner) = try await open(store)
        defer { runner.cancel() }
        for n in 0..<5 { writer.submitDetached(.seen(chargerID: "D\(n)", atMs: 0, online: true, registrationIfNew: "Accepted")) }
        _ = try await writer.submit(.seen(chargerID: "A", atMs: 0, online: true, registrationIfNew: "Accepted"))
        #expect(try await pool.read { db in try db.fetchValue(Int.self, sql: "SELECT count(*) FROM chargers") } == 6)
    }

    /// With nothing awaited, detached operations are still committed (after at most the detached delay), and a
    /// shutdown commits what is queued before the writer ends.
    @Test(.serialized, arguments: TestStore.allCases) func detachedOperationsAreCommittedWithoutAwaitedOnes(store: TestStore) async throws {
        let (pool, writer, runner) = try await open(store)
        writer.submitDetached(.seen(chargerID: "D0", atMs: 0, online: true, registrationIfNew: "Accepted"))
        func count() async throws -> Int? { try await pool.read { db in try db.fetchValue(Int.self, sql: "SELECT count(*) FROM chargers") } }
        for _ in 0..<500 where try await count() != 1 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(try await count() == 1)
        writer.submitDetached(.seen(chargerID: "D1", atMs: 0, online: true, registrationIfNew: "Accepted"))
        runner.cancel()
        try await runner.value
        #expect(try await count() == 2)
    }

    /// Housekeeping's last-seen flush: every charger in one operation (three statements for 1,203), new ones created
    /// online with their registration, and a last-seen time never moved back.
    @Test(.serialized, arguments: TestStore.allCases) func manyLastSeenTimesInOneOperation(store: TestStore) async throws {
        let (pool, writer, runner) = try await open(store)
        defer { runner.cancel() }
        _ = try await writer.submit(.seen(chargerID: "C0", atMs: 5_000, online: false, registrationIfNew: "Accepted"))
        let rows = (0..<1_203).map { StoreOperation.LastSeen(chargerID: "C\($0)", atMs: 1_000 + Int64($0), registrationIfNew: "Pending") }
        #expect(try await writer.submit(.lastSeen(rows)) == .done)
        let stored = try await pool.read { db in
            try db.fetchAll(sql: "SELECT id, registration, last_seen_ms, online FROM chargers ORDER BY id")
        }
        #expect(stored.count == 1_203)
        let byID = Dictionary(uniqueKeysWithValues: stored.map { (row: SQLRow) -> (String, SQLRow) in (row["id"], row) })
        func described(_ id: String) -> String? {
            byID[id].map { "\($0["registration"] as String) \($0["last_seen_ms"] as Int64) \($0["online"] as Int)" }
        }
        #expect(described("C0") == "Accepted 5000 1")
        #expect(described("C1202") == "Pending 2202 1")
    }

    @Test func synchronousIsFull() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sync-\(UUID().uuidString).sqlite").path
        #expect(try StoreDatabase.synchronousLevel(StoreDatabase.openForWriting(path: path, fullSync: true)) == 2)
    }

    @Test(.serialized, arguments: TestStore.allCases) func identicalStartGetsTheSameID(store: TestStore) async throws {
        let (pool, writer, runner) = try await open(store)
        defer { runner.cancel() }
        _ = try await writer.submit(.seen(chargerID: "CP1", atMs: 0, online: true, registrationIfNew: "Accepted"))
        let first = try await writer.submit(try start(1, tag: "T", meter: 5, at: "2026-11-25T10:00:00Z"))
        let again = try await writer.submit(try start(1, tag: "T", meter: 5, at: "2026-11-25T10:00:00Z"))
        let other = try await writer.submit(try start(1, tag: "T", meter: 6, at: "2026-11-25T10:05:00Z"))
        guard case .started(let a, false) = first, case .started(let b, true) = again, case .started(let c, false) = other else {
            Issue.record("\(first) \(again) \(other)")
            return
        }
        #expect(a == b && c != a)
        // The second start on connector 1 leaves the first one stale.
        #expect(try await pool.read { db in try db.fetchValue(Int.self, sql: "SELECT stale FROM transactions WHERE id = ?", arguments: [a]) } == 1)
    }

    @Test(.serialized, arguments: TestStore.allCases) func stopWithALostIDClosesTheOnlyOpenTransaction(store: TestStore) async throws {
        let (pool, writer, runner) = try await open(store)
        defer { runner.cancel() }
        let started = try await writer.submit(try start(1, tag: "T", meter: 0, at: "2026-11-25T10:00:00Z"))
        guard case .started(let id, _) = started else { return }
        let stopped = try await writer.submit(try stop(9_223_372_036_854_775_807, meter: 700))
        #expect(stopped == .stopped(transactionID: id, wasStale: false, resolvedFrom: 9_223_372_036_854_775_807))
        // A second stop for an unknown id with nothing open is an orphan, and its retry is not counted twice.
        #expect(try await writer.submit(try stop(-1, meter: 10)) == .stopped(transactionID: nil, wasStale: false, resolvedFrom: nil))
        _ = try await writer.submit(try stop(-1, meter: 10))
        #expect(try await pool.read { db in try db.fetchValue(Int.self, sql: "SELECT count(*) FROM transactions WHERE orphan = 1") } == 1)
    }

    @Test(.serialized, arguments: TestStore.allCases) func meterValuesAreNormalisedAndDeduplicated(store: TestStore) async throws {
        let (pool, writer, runner) = try await open(store)
        defer { runner.cancel() }
        let request = try MeterValuesRequest(
            json: json(
                #"{"connectorId":1,"meterValue":[{"timestamp":"2022-10-06T14:35:55Z","sampledValue":[{"value":"6089","measurand":"Energy.Active.Import.Register","unit":"kWh"},{"value":"59.95","measurand":"Frequency"},{"value":"7.856","measurand":"Current.Import","phase":"L1","unit":"A"}]}]}"#
            )
        )
        _ = try await writer.submit(.meterValues(chargerID: "CP1", request, receivedMs: 0))
        _ = try await writer.submit(.meterValues(chargerID: "CP1", request, receivedMs: 0))
        let rows = try await pool.read { db in try db.fetchAll(sql: "SELECT measurand, phase, value, unit, raw_value, raw_unit FROM meter_values ORDER BY id") }
        #expect(rows.count == 3)
        let energy: Double? = rows[0]["value"]
        let unit: String? = rows[0]["unit"]
        let rawUnit: String? = rows[0]["raw_unit"]
        let rawValue: String? = rows[0]["raw_value"]
        #expect(energy == 6_089_000)
        #expect(unit == "Wh" && rawUnit == "kWh" && rawValue == "6089")
        #expect(rows[1]["unit"] == "Hertz")
        #expect(rows[2]["phase"] == "L1")
    }

    @Test(.serialized, arguments: TestStore.allCases) func olderStatusDoesNotOverwriteNewer(store: TestStore) async throws {
        let (pool, writer, runner) = try await open(store)
        defer { runner.cancel() }
        _ = try await writer.submit(.seen(chargerID: "CP1", atMs: 0, online: true, registrationIfNew: "Accepted"))
        for (status, at) in [("Charging", "2026-11-25T10:05:00Z"), ("Preparing", "2026-11-25T10:00:00Z")] {
            let request = try StatusNotificationRequest(json: json(#"{"connectorId":1,"errorCode":"NoError","status":"\#(status)","timestamp":"\#(at)"}"#))
            _ = try await writer.submit(.status(chargerID: "CP1", request, receivedMs: 0))
        }
        let (current, history) = try await pool.read { db in
            (try db.fetchValue(String.self, sql: "SELECT status FROM connectors WHERE charger_id = 'CP1'"),
             try db.fetchValue(Int.self, sql: "SELECT count(*) FROM status_history") ?? 0)
        }
        #expect(current == "Charging")
        #expect(history == 2)
    }
}
