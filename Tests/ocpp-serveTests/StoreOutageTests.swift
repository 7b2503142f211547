import TestSupport
import Foundation
import Shared
import Synchronization
import Testing

/// Issue 18, must show 5: PostgreSQL stopped for 30 s under load. The server keeps running and answering what needs
/// no commit, holds transaction messages unanswered until they are committed, says so (log line, events), and
/// recovers by itself when the database returns; nothing a charger was answered is missing afterwards.
@Suite struct StoreOutageTests {
    @Test func postgresStoppedForThirtySecondsUnderLoadLosesNothingAndRecovers() async throws {
        let cluster = try TestPostgres.privateCluster()
        let url = try TestPostgres.newDatabaseURL(in: cluster)
        let server = try await ServerProcess(arguments: ["--unknown-tags", "accept", "--log-level", "info"], db: url)

        // Load: 20 simulated chargers, one session each over about a minute; a long call timeout, because held
        // transaction messages are answered only after the outage.
        let (sim, report) = try SimulatorEndToEndTests.background(
            server, ["--chargers", "20", "--prefix", "OUT", "--profile", "ac22", "--scenario", "once", "--speed", "300", "--call-timeout", "120"]
        )
        defer { if sim.isRunning { sim.terminate() } }

        // A scripted charger of our own, booted while the database is up.
        let stopped = Locked<ContinuousClock.Instant?>(nil)
        let restarted = Locked<ContinuousClock.Instant?>(nil)
        let observed = Locked<(heartbeatSeconds: Double?, startAnswered: ContinuousClock.Instant?, transactionID: Int?)>((nil, nil, nil))
        let scripted = Task {
            try await TestCharger.connect(server.url, id: "OUTSCRIPT") { charger in
                _ = try await charger.call("BootNotification", ["chargePointVendor": "V", "chargePointModel": "M"])
                while stopped.withLock({ $0 }) == nil { try await Task.sleep(for: .milliseconds(100)) }
                try await Task.sleep(for: .seconds(3))
                // Heartbeats need no commit: answered during the outage.
                let before = ContinuousClock.now
                _ = try await charger.call("Heartbeat", [:])
                let heartbeat = ContinuousClock.now - before
                // StartTransaction needs one: held until the database is back.
                let start = try await charger.call(
                    "StartTransaction", ["connectorId": 1, "idTag": "OUTAGE", "meterStart": 100, "timestamp": .string(Timestamp(Date()).description)]
                )
                let answered = ContinuousClock.now
                observed.withLock {
                    $0 = (Double(heartbeat.components.seconds) + Double(heartbeat.components.attoseconds) / 1e18, answered, start["transactionId"]?.numberValue?.int)
                }
            }
        }

        try await Task.sleep(for: .seconds(6))
        try TestPostgres.stop(cluster)
        stopped.withLock { $0 = ContinuousClock.now }
        let reported = try await Self.waitUntil(seconds: 20) { server.stderr.contains { $0.contains("database unavailable") } }
        #expect(reported, "an outage log line: \(server.stderr.suffix(5))")
        try await Task.sleep(for: .seconds(24))
        #expect(server.process.isRunning, "the server is still running after 30 s without its database")
        try TestPostgres.restart(cluster)
        restarted.withLock { $0 = ContinuousClock.now }
        let recovered = try await Self.waitUntil(seconds: 90) { server.stderr.contains { $0.contains("database available again") } }
        #expect(recovered, "recovered by itself: \(server.stderr.suffix(10))")
        // The node's own session (LISTEN, leadership) noticed the outage and came back too: a wait on it left
        // suspended by postgres-nio once held the server's shutdown for ever.
        let relistening = try await Self.waitUntil(seconds: 30) { server.stderr.contains { $0.contains("cluster connection restored") } }
        #expect(relistening, "\(server.stderr.filter { $0.contains("cluster") }.suffix(5))")

        let scriptedOutcome = await scripted.result
        if case .failure(let error) = scriptedOutcome { Issue.record("scripted charger: \(error); server: \(server.stderr.suffix(10))") }
        let o = observed.withLock { $0 }
        #expect((o.heartbeatSeconds ?? 99) < 5, "a Heartbeat is answered during the outage")
        let restartedAt = try #require(restarted.withLock { $0 })
        let answeredAt = try #require(o.startAnswered)
        #expect(answeredAt > restartedAt, "StartTransaction was answered only after the database returned")

        // The fleet: every CALL answered (exit 0, possibly late), and every session it was answered for is stored.
        let deadline = ContinuousClock.now + .seconds(150)
        while sim.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(500)) }
        #expect(!sim.isRunning, "the simulated fleet finished")
        #expect(sim.terminationStatus == 0, "every CALL of the fleet got a valid answer")
        let summary = try JSONParser.parse(String(decoding: try Data(contentsOf: report), as: UTF8.self))
        let sessions = summary["sessions"]?.arrayValue ?? []
        #expect(sessions.count == 20)
        let db = try await server.openDatabase()
        for session in sessions {
            let id = try #require(session["transactionId"]?.numberValue?.int)
            let stored = try await db.read { db in
                try db.fetchValue(Int.self, sql: "SELECT meter_stop - meter_start FROM transactions WHERE id = ?", arguments: [id])
            }
            #expect(stored == (session["meterStop"]?.numberValue?.int ?? 0) - (session["meterStart"]?.numberValue?.int ?? 0), "session \(id)")
        }
        let scriptedID = try #require(o.transactionID)
        let scriptedStored = try await db.read { db in
            try db.fetchValue(String.self, sql: "SELECT id_tag FROM transactions WHERE id = ?", arguments: [scriptedID])
        }
        #expect(scriptedStored == "OUTAGE")
        let kinds = try await db.read { db in
            try db.fetchValues(String.self, sql: "SELECT kind FROM events WHERE kind LIKE 'store-%' ORDER BY id")
        }
        #expect(kinds == ["store-unavailable", "store-available"])
        let stopping = ContinuousClock.now
        let status = await server.stop()
        print("outage: the server stopped in \(ContinuousClock.now - stopping) with status \(status)")
        let telling = server.stderr.filter { $0.contains("cluster") || $0.contains("database") || $0.contains("error") }
        #expect(status == 0, "a clean stop after the outage: \(telling.suffix(20)) … \(server.stderr.suffix(10))")
    }

    static func waitUntil(seconds: Double, _ condition: () throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            if try condition() { return true }
            try await Task.sleep(for: .milliseconds(200))
        }
        return try condition()
    }
}
