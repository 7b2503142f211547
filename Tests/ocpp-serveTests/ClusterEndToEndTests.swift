import TestSupport
import Foundation
import Shared
import Testing

/// Several ocpp-serve nodes on one PostgreSQL (issue 18), with the real binaries: commands routed between nodes,
/// a reconnect to another node replacing the old connection, events of every node in each node's stream, and
/// `ocpp-ctl chargers` counting a charger connected to any node.
@Suite(.serialized) struct ClusterEndToEndTests {
    static func ctl(_ server: ServerProcess, _ arguments: [String], timeout: Double = 40) async throws -> ToolRun {
        try await ToolRun.run("ocpp-ctl", ["--socket", server.socketPath] + arguments, timeout: timeout)
    }

    /// Polls `check` (every 200 ms, up to `seconds`) until it holds; an error counts as not yet.
    static func eventually(seconds: Double = 30, _ check: () async throws -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            if (try? await check()) == true { return true }
            try? await Task.sleep(for: .milliseconds(200))
        }
        return (try? await check()) == true
    }

    static func connectedNodes(_ server: ServerProcess) async throws -> [String: String] {
        let run = try await ctl(server, ["chargers", "--connected", "--json"])
        let rows = try JSONDecoder().decode([ChargerSummary].self, from: Data(run.stdout.utf8))
        return Dictionary(uniqueKeysWithValues: rows.map { ($0.id, $0.node ?? "?") })
    }

    /// Node flags make no sense on SQLite (one file, one node): a usage error, exit 2, naming the fix.
    @Test func nodeFlagsOnSQLiteAreAUsageError() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ocpp-node-flags-\(UUID().uuidString)")
        for flags in [["--node-id", "A"], ["--lease-seconds", "10"]] {
            let run = try await ToolRun.run("ocpp-serve", ["--db", directory.appendingPathComponent("x.sqlite").path, "--socket", "none"] + flags)
            #expect(run.status == 2)
            #expect(run.stderr.contains("postgres://"), "\(run.stderr)")
        }
        let bad = try await ToolRun.run("ocpp-serve", ["--db", "postgres://u@127.0.0.1:1/x", "--node-id", "has space"])
        #expect(bad.status == 2 && bad.stderr.contains("--node-id"))
    }

    /// `node-id` and `lease-seconds` in the config file, like every other flag: taken on PostgreSQL, checked alike, and
    /// a usage error on SQLite.
    @Test func nodeSettingsComeFromTheConfigFileToo() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ocpp-node-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        func config(_ yaml: String) throws -> String {
            let file = directory.appendingPathComponent("\(UUID().uuidString).yaml")
            try yaml.write(to: file, atomically: true, encoding: .utf8)
            return file.path
        }
        let url = try TestPostgres.newDatabaseURL()
        let server = try await ServerProcess(arguments: ["--config", try config("node-id: FILENODE\nlease-seconds: 7\n")], db: url)
        #expect(await Self.eventually { (try? TestPostgres.query(url: url, "SELECT id FROM nodes")) == "FILENODE" })
        #expect(await server.stop() == 0)
        let short = try await ToolRun.run("ocpp-serve", ["--db", url, "--socket", "none", "--config", try config("lease-seconds: 1\n")])
        #expect(short.status == 2 && short.stderr.contains("--lease-seconds"), "\(short.stderr)")
        let sqlite = try await ToolRun.run(
            "ocpp-serve", ["--db", directory.appendingPathComponent("x.sqlite").path, "--socket", "none", "--config", try config("node-id: A\n")]
        )
        #expect(sqlite.status == 2 && sqlite.stderr.contains("postgres://"), "\(sqlite.stderr)")
    }

    /// PostgreSQL stopped under two nodes: both keep their chargers, their own sessions (LISTEN, leadership) notice
    /// the loss and come back, a command through node A then reaches a charger on node B again, and both stop
    /// cleanly. (A query postgres-nio left suspended by the outage once held a node's shutdown for ever.)
    @Test func twoNodesComeBackAfterADatabaseOutage() async throws {
        let cluster = try TestPostgres.privateCluster()
        let url = try TestPostgres.newDatabaseURL(in: cluster)
        let a = try await ServerProcess(arguments: ["--node-id", "A", "--log-level", "info"], db: url)
        let b = try await ServerProcess(arguments: ["--node-id", "B", "--log-level", "info"], db: url)
        let charger = try await RespondingCharger.start(b.url, id: "CL-OUT") { _, _ in .result(["status": "Accepted"]) }
        #expect(try await Self.ctl(a, ["reset", "CL-OUT"]).status == 0, "reaches B before the outage")

        try TestPostgres.stop(cluster)
        try await Task.sleep(for: .seconds(8))
        try TestPostgres.restart(cluster)
        for node in [a, b] {
            let back = await Self.eventually(seconds: 30) { node.stderr.contains { $0.contains("cluster connection restored") } }
            #expect(back, "\(node.stderr.filter { $0.contains("cluster") }.suffix(5))")
        }
        var reset = try await Self.ctl(a, ["reset", "CL-OUT"])
        for _ in 0..<20 where reset.status != 0 {
            try await Task.sleep(for: .milliseconds(500))
            reset = try await Self.ctl(a, ["reset", "CL-OUT"])
        }
        #expect(reset.status == 0, "reaches B after the outage: \(reset.stdout)\(reset.stderr)")
        #expect(charger.calls.filter { $0.action == "Reset" }.count >= 2)
        await charger.stop()
        for node in [a, b] {
            let status = await node.stop()
            #expect(status == 0, "\(node.stderr.filter { $0.contains("cluster") || $0.contains("database") }.suffix(10))")
        }
    }

    /// Must show 4: `ocpp-ctl reset CP` sent to node A reaches CP connected to node B (exit 0, the charger saw the
    /// Reset); a charger connected nowhere gives exit 3 from either node, unknown or known.
    @Test func aCommandThroughOneNodeReachesAChargerOnTheOther() async throws {
        let url = try TestPostgres.newDatabaseURL()
        let a = try await ServerProcess(arguments: ["--node-id", "A", "--lease-seconds", "6", "--http", "127.0.0.1:0"], db: url)
        let b = try await ServerProcess(arguments: ["--node-id", "B", "--lease-seconds", "6"], db: url)
        let charger = try await RespondingCharger.start(b.url, id: "CL-1") { action, _ in
            action == "ClearCache" ? .result(["status": "Rejected"]) : .result(["status": "Accepted"])
        }
        let bye = try await RespondingCharger.start(b.url, id: "CL-GONE") { _, _ in .result(["status": "Accepted"]) }
        await bye.stop()

        let started = ContinuousClock.now
        let reset = try await Self.ctl(a, ["reset", "CL-1"])
        let elapsed = ContinuousClock.now - started
        #expect(reset.status == 0, "\(reset.stdout)\(reset.stderr)")
        #expect(charger.calls.map(\.action) == ["Reset"])
        #expect(charger.calls.first?.payload == ["type": "Soft"])
        print("remote reset through node A to node B, ocpp-ctl wall time: \(elapsed)")

        // The same output and exit code as a local command: JSON document and a refusal (exit 1).
        let json = try await Self.ctl(a, ["reset", "CL-1", "--hard", "--json"])
        let local = try await Self.ctl(b, ["reset", "CL-1", "--hard", "--json"])
        #expect(json.status == 0 && local.status == 0)
        let remoteDoc = try JSONParser.parse(json.stdout), localDoc = try JSONParser.parse(local.stdout)
        #expect(remoteDoc["status"] == "Accepted" && remoteDoc["action"] == "Reset" && remoteDoc["charger"] == "CL-1")
        #expect(remoteDoc["response"] == localDoc["response"])
        let refused = try await Self.ctl(a, ["clear-cache", "CL-1"])
        #expect(refused.status == 1, "\(refused.stdout)\(refused.stderr)")
        #expect(charger.calls.map(\.action) == ["Reset", "Reset", "Reset", "ClearCache"])

        // The same through node A's HTTP API.
        let created = try await Self.ctl(a, ["token", "create", "cluster-op", "--json"])
        let token = try #require(try JSONParser.parse(created.stdout)["token"]?.stringValue)
        let http = try await ToolRun.run("ocpp-ctl", ["--url", "http://127.0.0.1:\(try #require(a.httpPort))", "--token", token, "reset", "CL-1"])
        #expect(http.status == 0, "\(http.stdout)\(http.stderr)")
        let httpNowhere = try await ToolRun.run("ocpp-ctl", ["--url", "http://127.0.0.1:\(try #require(a.httpPort))", "--token", token, "reset", "CL-GONE"])
        #expect(httpNowhere.status == 3, "\(httpNowhere.stdout)\(httpNowhere.stderr)")
        #expect(charger.calls.map(\.action) == ["Reset", "Reset", "Reset", "ClearCache", "Reset"])

        // Connected nowhere: unknown, and known but gone, from either node.
        for server in [a, b] {
            for id in ["NO-SUCH-CHARGER", "CL-GONE"] {
                let run = try await Self.ctl(server, ["reset", id])
                #expect(run.status == 3, "\(id) via \(server.port): \(run.stdout)\(run.stderr)")
            }
        }
        #expect(bye.calls.isEmpty)

        // `chargers` on either node: CL-1 connected, on node B; CL-GONE not connected.
        for server in [a, b] {
            let nodes = try await Self.connectedNodes(server)
            #expect(nodes == ["CL-1": "B"])
            let table = try await Self.ctl(server, ["chargers"])
            #expect(table.stdout.contains("yes (B)"), "\(table.stdout)")
        }

        // The command log is on the node that holds the charger, in the shared database.
        let logged = try TestPostgres.query(url: url, "SELECT count(*) FROM commands WHERE charger_id = 'CL-1'")
        #expect(logged == "5")
        await charger.stop()
        #expect(await a.stop() == 0)
        #expect(await b.stop() == 0)
    }

    /// One leader (advisory lock) plans limits for the whole fleet: a limit set through the other node reaches it (a
    /// NOTIFY), and its profile reaches a charger connected to that other node through the command routing, once.
    @Test func theLeaderSendsLimitsToChargersOnOtherNodes() async throws {
        let url = try TestPostgres.newDatabaseURL()
        let a = try await ServerProcess(arguments: ["--node-id", "A"], db: url)
        #expect(await Self.eventually { (try? TestPostgres.query(url: url, "SELECT id FROM nodes WHERE leader = 1")) == "A" })
        let b = try await ServerProcess(arguments: ["--node-id", "B"], db: url)
        let charger = try await RespondingCharger.start(b.url, id: "CL-LIM") { action, _ in
            switch action {
            case "GetConfiguration":
                .result(["configurationKey": [["key": "ChargingScheduleAllowedChargingRateUnit", "readonly": true, "value": "Current"]]])
            case "GetCompositeSchedule": .result(["status": "Rejected"])
            default: .result(["status": "Accepted"])
            }
        }
        for arguments in [["agent", "add", "operator", "--priority", "10"], ["limit", "set", "CL-LIM", "--agent", "operator", "--max", "16", "--unit", "A"]] {
            let run = try await Self.ctl(b, arguments)
            #expect(run.status == 0, "\(arguments): \(run.stdout)\(run.stderr)")
        }
        #expect(await Self.eventually { charger.calls.contains { $0.action == "SetChargingProfile" } })
        try await Task.sleep(for: .seconds(2))
        let profiles = charger.calls.filter { $0.action == "SetChargingProfile" }
        #expect(profiles.count == 1, "\(charger.calls.map(\.action))")
        #expect(profiles.first?.payload["csChargingProfiles"]?["chargingSchedule"]?["chargingSchedulePeriod"]?.arrayValue?.first?["limit"]?.numberValue?.double == 16)
        let origins = try TestPostgres.query(url: url, "SELECT DISTINCT origin FROM commands WHERE action = 'SetChargingProfile'")
        #expect(origins == "limits")
        await charger.stop()
        #expect(await a.stop() == 0)
        #expect(await b.stop() == 0)
    }

    /// A node whose LISTEN connection dies (here: terminated by the database) loses its leadership with it, connects
    /// again by itself, and keeps routing commands; there is one leader at a time.
    @Test func aLostListenConnectionComesBackAndLeadershipMoves() async throws {
        let url = try TestPostgres.newDatabaseURL()
        let a = try await ServerProcess(arguments: ["--node-id", "A"], db: url)
        #expect(await Self.eventually { (try? TestPostgres.query(url: url, "SELECT id FROM nodes WHERE leader = 1")) == "A" })
        let b = try await ServerProcess(arguments: ["--node-id", "B"], db: url)
        let charger = try await RespondingCharger.start(b.url, id: "CL-LISTEN") { _, _ in .result(["status": "Accepted"]) }
        let terminated = try TestPostgres.query(
            url: url, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'ocpp-serve node A' AND datname = current_database()"
        )
        #expect(terminated == "1")
        #expect(await Self.eventually { a.stderr.contains { $0.contains("cluster connection lost") } })
        // Exactly one leader again (B took the lock, or A got it back after reconnecting).
        #expect(await Self.eventually {
            (try? TestPostgres.query(url: url, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 1819 AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")) == "1"
        })
        #expect(await Self.eventually {
            (try? TestPostgres.query(url: url, "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'ocpp-serve node A' AND datname = current_database()")) == "1"
        })
        let reset = try await Self.ctl(a, ["reset", "CL-LISTEN"])
        #expect(reset.status == 0, "\(reset.stdout)\(reset.stderr)")
        #expect(charger.calls.map(\.action) == ["Reset"])
        await charger.stop()
        #expect(await a.stop() == 0)
        #expect(await b.stop() == 0)
    }

    /// A charger that reconnects to another node: the new node takes it, the old one closes its socket and neither
    /// marks it offline nor keeps a lease; commands then go to the new node. Events of both nodes show on each.
    @Test func aReconnectToAnotherNodeReplacesTheOldConnection() async throws {
        let url = try TestPostgres.newDatabaseURL()
        let a = try await ServerProcess(arguments: ["--node-id", "A", "--lease-seconds", "6"], db: url)
        let b = try await ServerProcess(arguments: ["--node-id", "B", "--lease-seconds", "6"], db: url)
        let follow = Task { try await Self.ctl(b, ["events", "--follow", "--json", "--charger", "CL-MOVE"], timeout: 12) }
        try await Task.sleep(for: .milliseconds(500))

        let first = try await RespondingCharger.start(a.url, id: "CL-MOVE") { _, _ in .result(["status": "Accepted"]) }
        #expect(await Self.eventually { try await Self.connectedNodes(b)["CL-MOVE"] == "A" })
        let second = try await RespondingCharger.start(b.url, id: "CL-MOVE") { _, _ in .result(["status": "Accepted"]) }
        // A closed the old socket: the first charger's task ends.
        #expect(await Self.eventually { first.isClosed })
        #expect(await Self.eventually { try await Self.connectedNodes(a)["CL-MOVE"] == "B" })

        let reset = try await Self.ctl(a, ["reset", "CL-MOVE"])
        #expect(reset.status == 0, "\(reset.stdout)\(reset.stderr)")
        #expect(first.calls.isEmpty)
        #expect(second.calls.map(\.action) == ["Reset"])
        let online = try TestPostgres.query(url: url, "SELECT online FROM chargers WHERE id = 'CL-MOVE'")
        #expect(online == "1")
        let leases = try TestPostgres.query(url: url, "SELECT node_id FROM charger_leases WHERE charger_id = 'CL-MOVE'")
        #expect(leases == "B")
        // Past a lease period nothing changes: A does not take it back, B renews it.
        try await Task.sleep(for: .seconds(7))
        let settled = try await Self.connectedNodes(a)
        #expect(settled["CL-MOVE"] == "B")

        // B's stream showed A's events (connect on A, with the node) and its own.
        let events = try await follow.value.stdout.split(separator: "\n").compactMap { try? JSONParser.parse(String($0)) }
        let seen = events.map { "\($0["event"]?.stringValue ?? "?")@\($0["node"]?.stringValue ?? "B")" }
        #expect(seen.contains("connect@A"), "\(seen)")
        #expect(seen.contains("connect@B"), "\(seen)")
        #expect(seen.contains("replaced@A"), "\(seen)")
        #expect(seen.contains("commandAnswered@B"), "\(seen)")

        await first.stop()
        await second.stop()
        #expect(await a.stop() == 0)
        #expect(await b.stop() == 0)
    }
    /// Must show 3: two nodes, 200 simulated chargers spread over both (ocpp-sim with both URLs, one session each);
    /// kill -9 of one node under load: its chargers reconnect to the other, every message the simulator got answered
    /// is in the database, a command to a moved charger reaches it within one lease period of the kill, and
    /// `ocpp-ctl chargers` on the surviving node shows every charger connected there.
    @Test func killingOneNodeMovesItsChargersToTheOtherAndLosesNothing() async throws {
        let url = try TestPostgres.newDatabaseURL()
        let lease = 10
        let common = ["--lease-seconds", "\(lease)", "--unknown-tags", "accept"]
        let a = try await ServerProcess(arguments: ["--node-id", "A"] + common, db: url)
        let b = try await ServerProcess(arguments: ["--node-id", "B"] + common, db: url)
        // Short sessions (60-61 % to 65-68 %, a few meter values each) starting over the first seconds, so that the
        // kill falls in the middle of them and the run ends with every session stopped, on two busy cores.
        let scenario = FileManager.default.temporaryDirectory.appendingPathComponent("ocpp-sim-cluster-\(UUID().uuidString).yaml")
        try """
            name: short
            sessionsPerCharger: 1
            arrivalGap: [120, 600]
            startSoC: [60, 61]
            targetSoC: [65, 68]
            vehicles: [leaf, etron]
            dwell: [0, 30]
            earlyLeaveChance: 0
            idTags: []
            """.write(to: scenario, atomically: true, encoding: .utf8)
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("ocpp-sim-cluster-\(UUID().uuidString).json")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        let sim = Process()
        sim.executableURL = ServerProcess.binary("ocpp-sim")
        sim.arguments = [
            "--url", a.url, "--url", b.url, "--chargers", "200", "--prefix", "NODE", "--scenario", scenario.path, "--speed", "120",
            "--duration", "200", "--json", "--seed", "18",
        ]
        sim.standardOutput = try FileHandle(forWritingTo: output)
        sim.standardError = FileHandle.nullDevice
        try sim.run()

        // Spread: charger n starts on URL n mod 2, so NODE0001 (index 0) on A, NODE0002 on B.
        #expect(await Self.eventually(seconds: 60) { (try? await Self.connectedNodes(b).count) == 200 })
        let before = try await Self.connectedNodes(b)
        let onA = before.filter { $0.value == "A" }.keys.sorted()
        #expect(onA.count == 100 && before["NODE0001"] == "A" && before["NODE0002"] == "B")
        // Let sessions start on both nodes, then kill A under load.
        try await Task.sleep(for: .seconds(3))
        let openOnA = try TestPostgres.query(
            url: url,
            "SELECT count(*) FROM transactions t JOIN charger_leases l ON l.charger_id = t.charger_id WHERE l.node_id = 'A' AND t.stop_ms IS NULL"
        )
        await a.kill()
        let killed = ContinuousClock.now

        // A command to a moved charger reaches it within one lease period of the kill: sent at once, while the
        // lease still names the dead node, it follows the charger when it reconnects to B.
        let trigger = try await Self.ctl(b, ["trigger", "NODE0001", "Heartbeat", "--timeout", "\(lease)"])
        let moved = ContinuousClock.now - killed
        #expect(trigger.status == 0, "\(trigger.stdout)\(trigger.stderr)")
        print("kill -9 of node A: a command reached a moved charger after \(moved) (lease \(lease) s); sessions open on A at the kill: \(openOnA)")
        #expect((Int(openOnA) ?? 0) > 0, "the kill fell under load")
        #expect(moved < .seconds(lease))

        // Every charger of A reconnected to B; `chargers` on B is right (and no charger is left on the dead node).
        #expect(await Self.eventually(seconds: 3 * Double(lease)) {
            let nodes = (try? await Self.connectedNodes(b)) ?? [:]
            return nodes.count == 200 && nodes.values.allSatisfy { $0 == "B" }
        })

        // The simulator runs its sessions to the end (those of A's chargers re-sent to B); it exits 0 only when every
        // CALL got a valid answer.
        for _ in 0..<2300 where sim.isRunning { try await Task.sleep(for: .milliseconds(100)) }
        if sim.isRunning { sim.terminate() }
        sim.waitUntilExit()
        let report = try JSONParser.parse(String(decoding: try Data(contentsOf: output), as: UTF8.self))
        #expect(sim.terminationStatus == 0, "\(report["problems"] ?? .null)")
        let sessions = report["sessions"]?.arrayValue ?? []
        #expect(sessions.count == 200)
        // Every answered StartTransaction (it has the server's id) and every answered StopTransaction is stored.
        let stopsAnswered = sessions.filter { $0["stopAnswered"] == .bool(true) }.count
        #expect(stopsAnswered == 200, "\(stopsAnswered) sessions ended in time")
        // The sessions open on A at the kill were stopped through B (A never came back).
        print("sessions stopped: \(stopsAnswered) of 200")
        let stored = try TestPostgres.query(url: url, "SELECT id, charger_id, meter_start, coalesce(meter_stop, -1) FROM transactions")
        var rows: [Int: [String]] = [:]
        for line in stored.split(separator: "\n") {
            let fields = line.split(separator: "|").map(String.init)
            if let id = Int(fields[0]) { rows[id] = Array(fields.dropFirst()) }
        }
        var lost: [String] = []
        for session in sessions {
            guard let id = session["transactionId"]?.numberValue?.int else {
                lost.append("\(session["charger"]?.stringValue ?? "?"): no transaction id")
                continue
            }
            let stop = session["stopAnswered"] == .bool(true) ? "\(session["meterStop"]?.numberValue?.int ?? -2)" : (rows[id]?.last ?? "")
            let expected = [session["charger"]?.stringValue ?? "", "\(session["meterStart"]?.numberValue?.int ?? -2)", stop]
            if rows[id] != expected { lost.append("\(id): stored \(rows[id] ?? []) answered \(expected)") }
        }
        #expect(lost.isEmpty, "\(lost.prefix(10))")
        #expect(await b.stop() == 0)
    }
}
