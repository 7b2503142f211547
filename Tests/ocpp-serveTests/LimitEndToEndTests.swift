import TestSupport
import Foundation
import Shared
import Testing

/// The limit model end to end (issue 14): ocpp-serve, ocpp-ctl and ocpp-sim as real processes on loopback, the
/// drawn power read from the meter values the simulated chargers sent.
@Suite struct LimitEndToEndTests {
    typealias Sim = SimulatorEndToEndTests

    static func ctl(_ server: ServerProcess, _ arguments: String...) async throws -> ToolRun {
        try await ControlEndToEndTests.ctl(server, arguments)
    }

    /// Runs ocpp-ctl and expects `exit`; returns its stdout parsed as JSON when it is JSON.
    @discardableResult
    static func expectCtl(
        _ server: ServerProcess, _ arguments: [String], exit: Int32 = 0, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> JSONValue? {
        let run = try await ControlEndToEndTests.ctl(server, arguments)
        #expect(run.status == exit, "\(arguments): \(run.stdout) \(run.stderr)", sourceLocation: sourceLocation)
        return try? JSONParser.parse(run.stdout)
    }

    /// The newest Power.Active.Import sample per charger (W), with its time.
    static func latestPower(_ db: any SQLStore, _ charger: String) async throws -> (atMs: Int64, watts: Double)? {
        try await db.read { db in
            try db.fetchOne(sql: """
                    SELECT at_ms, value FROM meter_values WHERE charger_id = ? AND measurand = 'Power.Active.Import'
                    AND context = 'Sample.Periodic' ORDER BY at_ms DESC LIMIT 1
                    """, arguments: [charger]
            ).map { ($0["at_ms"], $0["value"]) }
        }
    }

    static func samples(_ db: any SQLStore, _ charger: String, sinceMs: Int64 = 0) async throws -> [(atMs: Int64, watts: Double)] {
        try await db.read { db in
            try db.fetchAll(sql: """
                    SELECT at_ms, value FROM meter_values WHERE charger_id = ? AND measurand = 'Power.Active.Import'
                    AND context = 'Sample.Periodic' AND at_ms >= ? ORDER BY at_ms
                    """, arguments: [charger, sinceMs]
            ).map { ($0["at_ms"], $0["value"]) }
        }
    }

    /// Waits for a fresh sample (taken after `afterMs`, the charger's time) that satisfies `condition`.
    static func waitForPower(
        _ db: any SQLStore, _ charger: String, seconds: Double = 30, _ condition: @escaping (Double) -> Bool
    ) async throws -> Double? {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            if let latest = try await latestPower(db, charger), condition(latest.watts) { return latest.watts }
            try await Task.sleep(for: .milliseconds(200))
        }
        return nil
    }

    static func scenarioFile(_ yaml: String) throws -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("scenario-\(UUID().uuidString).yaml")
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }

    static func stop(_ process: Process) {
        process.terminate()
        process.waitUntilExit()
    }

    // MARK: - 1. The seed's case

    /// A 125 A DC charger (the Terra 54, which reads amperes as AC input current) with a daily 18:00-20:00 hard cap of
    /// 32 A: for two simulated days it draws at most 32 A × 230 V × 3 inside the window and full power outside it.
    @Test(.serialized, arguments: TestStore.allCases) func aDailyHardCapHoldsInsideItsWindowForTwoDays(store: TestStore) async throws {
        let server = try await ServerProcess(store: store, arguments: ["--unknown-tags", "accept"])
        let day = Int64(Date().timeIntervalSince1970) / 86_400 * 86_400_000
        let scenario = try Self.scenarioFile(
            """
            name: generator
            arrivalGap: [60, 120]
            startSoC: [5, 10]
            targetSoC: [100, 100]
            vehicles: [etron]
            dwell: [0, 0]
            earlyLeaveChance: 0
            idTags: []
            """
        )
        let (sim, _) = try Sim.background(
            server, ["--prefix", "GEN", "--profile", "dc54", "--no-quirks", "--scenario", scenario, "--speed", "3600",
                "--start", Timestamp(milliseconds: day).description]
        )
        defer { Self.stop(sim) }
        try await Sim.waitUntil { try await Sim.connected(server, "GEN0001") }
        // A sample every 5 simulated minutes: at 3600x the charger, one CALL in flight, sends 24 messages a second
        // rather than 120, so a slow commit on a busy machine does not build a backlog that delays whole sessions.
        try await Self.expectCtl(server, ["config", "set", "GEN0001", "MeterValueSampleInterval", "300"])
        try await Self.expectCtl(server, ["agent", "add", "site", "--priority", "50"])
        let limit = try await Self.expectCtl(
            server, ["limit", "set", "GEN0001", "--agent", "site", "--hard", "--max", "32", "--unit", "A", "--daily", "18:00-20:00", "--tz", "UTC", "--json"]
        )
        #expect(limit?["kind"] == "hard" && limit?["shape"] == "daily 18:00-20:00 UTC", "\(String(describing: limit))")
        let db = try await Sim.database(server)
        let end = day + 44 * 3_600_000 + 600_000
        try await Sim.waitUntil(seconds: 90) { (try await Self.latestPower(db, "GEN0001")?.atMs ?? 0) > end }
        let samples = try await Self.samples(db, "GEN0001")
        let windows = [(day + 18 * 3_600_000, day + 20 * 3_600_000), (day + 42 * 3_600_000, day + 44 * 3_600_000)]
        var inside: [Double] = []
        var outside: [Double] = []
        for sample in samples {
            // A sample period (60 s) of settling at each edge.
            if windows.contains(where: { sample.atMs >= $0.0 + 120_000 && sample.atMs < $0.1 }) { inside.append(sample.watts) }
            if windows.allSatisfy({ sample.atMs < $0.0 || sample.atMs >= $0.1 + 120_000 }) { outside.append(sample.watts) }
        }
        print("daily cap: \(inside.count) samples inside the windows, max \(Int(inside.max() ?? 0)) W; \(outside.count) outside, max \(Int(outside.max() ?? 0)) W")
        // Charging in each window (about 23 samples a connector and window; how many draw power depends on the pace).
        for window in windows {
            let charging = samples.filter { $0.atMs >= window.0 + 120_000 && $0.atMs < window.1 && $0.watts > 1_000 }.count
            #expect(charging >= 10, "the vehicle charged inside the window starting at \(window.0): \(charging) samples")
        }
        for watts in inside { #expect(watts <= 32 * 230 * 3 + 1, "inside the window: \(watts) W") }
        #expect((outside.max() ?? 0) > 40_000, "full power outside the window")
        let status = try await Self.expectCtl(server, ["limits", "GEN0001", "--json"])
        #expect(status?.arrayValue?.first?["unit"] == "A" && status?.arrayValue?.first?["compliance"] != "ignored", "\(String(describing: status))")
        #expect(await server.stop() == 0)
    }

    // MARK: - 2. Priorities

    /// An operator's 16 A policy is lifted by a higher-priority emergency agent; the site's 32 A hard cap is not; the
    /// charger draws accordingly and `explain` names the deciding agent each time.
    @Test(.serialized, arguments: TestStore.allCases) func anEmergencyLiftsAPolicyCapButNotAHardOne(store: TestStore) async throws {
        let server = try await ServerProcess(store: store, arguments: ["--unknown-tags", "accept"])
        let (sim, _) = try Sim.background(server, ["--prefix", "PRI", "--profile", "dc54", "--no-quirks", "--scenario", "idle", "--speed", "60", "--vehicle", "etron"])
        defer { Self.stop(sim) }
        try await Sim.waitUntil { try await Sim.connected(server, "PRI0001") }
        for (name, priority) in [("operator", "10"), ("site", "50"), ("emergency", "100")] {
            try await Self.expectCtl(server, ["agent", "add", name, "--priority", priority])
        }
        try await Self.expectCtl(server, ["start", "PRI0001", "--tag", "AMBULANCE", "--connector", "2"])
        let db = try await Sim.database(server)
        #expect(try await Self.waitForPower(db, "PRI0001") { $0 > 40_000 } != nil, "unlimited, the e-tron takes the connector's full power")

        let policy = try await Self.expectCtl(server, ["limit", "set", "PRI0001", "--agent", "operator", "--max", "16", "--unit", "A", "--json"])
        var explained = try await Self.expectCtl(server, ["explain", "PRI0001", "--connector", "2", "--json"])
        #expect(explained?["limit"] == 16 && explained?["decidedBy"] == policy?["id"], "\(String(describing: explained))")
        #expect(try await Self.waitForPower(db, "PRI0001") { $0 > 1_000 && $0 <= 16 * 690 + 1 } != nil, "the operator's 16 A holds")

        let emergency = try await Self.expectCtl(
            server, ["limit", "set", "PRI0001", "--agent", "emergency", "--max", "125", "--unit", "A", "--for", "1h", "--json"]
        )
        explained = try await Self.expectCtl(server, ["explain", "PRI0001", "--connector", "2", "--json"])
        #expect(explained?["limit"] == 125 && explained?["decidedBy"] == emergency?["id"], "\(String(describing: explained))")
        let overridden = explained?["verdicts"]?.arrayValue?.first { $0["limit"] == policy?["id"] }
        #expect(overridden?["outcome"] == "overridden", "\(String(describing: overridden))")
        #expect(try await Self.waitForPower(db, "PRI0001") { $0 > 40_000 } != nil, "the emergency lifts the policy cap")

        let hard = try await Self.expectCtl(server, ["limit", "set", "PRI0001", "--agent", "site", "--hard", "--max", "32", "--unit", "A", "--json"])
        explained = try await Self.expectCtl(server, ["explain", "PRI0001", "--connector", "2", "--json"])
        #expect(explained?["limit"] == 32 && explained?["decidedBy"] == hard?["id"], "\(String(describing: explained))")
        let lifted = explained?["verdicts"]?.arrayValue?.first { $0["limit"] == emergency?["id"] }
        #expect(lifted?["outcome"] == "higher" && lifted?["reason"]?.stringValue?.contains("hard") == true, "\(String(describing: lifted))")
        #expect(try await Self.waitForPower(db, "PRI0001") { $0 > 1_000 && $0 <= 32 * 690 + 1 } != nil, "the site's hard 32 A holds")
        let human = try await Self.ctl(server, "explain", "PRI0001", "--connector", "2")
        #expect(human.status == 0 && human.stdout.contains("site") && human.stdout.contains("32"), "\(human.stdout)")
        #expect(await server.stop() == 0)
    }

    // MARK: - 3. Site capacity

    /// Three 24 kW DC wallboxes (about 23 kW with an e-tron) in a 40 kW group, so that two or three sessions are
    /// held by the group's capacity: sessions start and stop at different times; once settled the sum never exceeds
    /// 40 kW and concurrent sessions draw equal shares (within 5 %).
    @Test(.serialized, arguments: TestStore.allCases) func aGroupsCapacityIsSharedEquallyBetweenItsSessions(store: TestStore) async throws {
        let server = try await ServerProcess(store: store, arguments: ["--unknown-tags", "accept"])
        let (sim, _) = try Sim.background(
            server, ["--chargers", "3", "--prefix", "CAP", "--profile", "dc24", "--no-quirks", "--scenario", "idle", "--speed", "60", "--vehicle", "etron"]
        )
        defer { Self.stop(sim) }
        let ids = ["CAP0001", "CAP0002", "CAP0003"]
        for id in ids { try await Sim.waitUntil { try await Sim.connected(server, id) } }
        try await Self.expectCtl(server, ["group", "add", "site", "--capacity", "40", "--unit", "kW"])
        try await Self.expectCtl(server, ["group", "assign", "site"] + ids)
        let db = try await Sim.database(server)

        /// The settled draw of every charging charger: three fresh samples after a 3-simulated-minute settling time.
        func settled(_ charging: [String]) async throws -> [[Double]] {
            try await Task.sleep(for: .seconds(4))
            var rounds: [[Double]] = []
            for _ in 0..<3 {
                var round: [Double] = []
                for id in charging { round.append(try await Self.latestPower(db, id)?.watts ?? 0) }
                rounds.append(round)
                try await Task.sleep(for: .seconds(1))
            }
            return rounds
        }
        func check(_ charging: [String], sourceLocation: SourceLocation = #_sourceLocation) async throws {
            for round in try await settled(charging) {
                let sum = round.reduce(0, +)
                #expect(sum <= 40_000 * 1.01, "sum \(sum) W over \(charging)", sourceLocation: sourceLocation)
                if let low = round.min(), let high = round.max() {
                    #expect(low > 1_000 && (high - low) / high <= 0.05, "shares \(round)", sourceLocation: sourceLocation)
                }
                print("group of 40 kW, charging \(charging): \(round.map { Int($0) }) W, sum \(Int(sum)) W")
            }
        }
        try await Self.expectCtl(server, ["start", "CAP0001", "--tag", "T1", "--connector", "1"])
        try await check(["CAP0001"])
        try await Self.expectCtl(server, ["start", "CAP0002", "--tag", "T2", "--connector", "1"])
        try await check(["CAP0001", "CAP0002"])
        try await Self.expectCtl(server, ["start", "CAP0003", "--tag", "T3", "--connector", "1"])
        try await check(ids)
        let three = try #require(try await Self.latestPower(db, "CAP0003")?.watts)
        #expect(three < 13_400 && three > 13_000, "a third of 40 kW: \(three) W")
        let open = try await db.read { db in
            try db.fetchValue(Int.self, sql: "SELECT id FROM transactions WHERE charger_id = 'CAP0001' AND stop_ms IS NULL")
        }
        try await Self.expectCtl(server, ["stop", "CAP0001", String(try #require(open))])
        try await check(["CAP0002", "CAP0003"])
        let status = try await Self.expectCtl(server, ["limits", "--json"])
        let shares = status?.arrayValue?.filter { $0["profiles"]?.arrayValue?.contains { $0["role"] == "share" } == true }.count
        #expect(shares == 2, "\(String(describing: status))")
        #expect(await server.stop() == 0)
    }

    // MARK: - 4. Units

    /// An ampere-only charger (Terra 54) and a watt charger (DC wallbox) in one group: each gets its share in the
    /// unit its configuration says it takes.
    @Test(.serialized, arguments: TestStore.allCases) func eachChargerGetsItsShareInTheUnitItTakes(store: TestStore) async throws {
        let server = try await ServerProcess(store: store, arguments: ["--unknown-tags", "accept"])
        let (ampere, _) = try Sim.background(server, ["--prefix", "AMP", "--profile", "dc54", "--no-quirks", "--scenario", "idle", "--speed", "60"])
        let (watt, _) = try Sim.background(server, ["--prefix", "WAT", "--profile", "dc24", "--no-quirks", "--scenario", "idle", "--speed", "60"])
        defer {
            Self.stop(ampere)
            Self.stop(watt)
        }
        for id in ["AMP0001", "WAT0001"] { try await Sim.waitUntil { try await Sim.connected(server, id) } }
        try await Self.expectCtl(server, ["group", "add", "mixed", "--capacity", "40000", "--unit", "W"])
        try await Self.expectCtl(server, ["group", "assign", "mixed", "AMP0001", "WAT0001"])
        try await Self.expectCtl(server, ["start", "AMP0001", "--tag", "T1", "--connector", "2"])
        try await Self.expectCtl(server, ["start", "WAT0001", "--tag", "T2", "--connector", "1"])
        let db = try await Sim.database(server)
        func sentUnits(_ charger: String) async throws -> [String] {
            try await db.read { db in
                try db.fetchValues(String.self, sql: "SELECT text FROM frames WHERE charger_id = ? AND direction = 'out' AND action = 'SetChargingProfile' ORDER BY id", arguments: [charger]
                )
            }.compactMap { try? JSONParser.parse($0).arrayValue?[3]["csChargingProfiles"]?["chargingSchedule"]?["chargingRateUnit"]?.stringValue }
        }
        try await Sim.waitUntil {
            let ampere = try await sentUnits("AMP0001")
            let watt = try await sentUnits("WAT0001")
            return !ampere.isEmpty && !watt.isEmpty
        }
        #expect(Set(try await sentUnits("AMP0001")) == ["A"])
        #expect(Set(try await sentUnits("WAT0001")) == ["W"])
        let status = try await Self.expectCtl(server, ["limits", "--json"])
        let units = Dictionary(uniqueKeysWithValues: (status?.arrayValue ?? []).compactMap { row in
            row["charger"]?.stringValue.map { ($0, row["unit"]?.stringValue ?? "") }
        })
        #expect(units == ["AMP0001": "A", "WAT0001": "W"], "\(String(describing: status))")
        // A limit in a unit the charger cannot take is refused, and nothing is stored.
        try await Self.expectCtl(server, ["agent", "add", "operator", "--priority", "10"])
        try await Self.expectCtl(server, ["limit", "set", "AMP0001", "--agent", "operator", "--max", "20", "--unit", "kW"], exit: 2)
        #expect(try await Self.expectCtl(server, ["limit", "list", "--json"]) == .array([]))
        #expect(await server.stop() == 0)
    }

    // MARK: - 5. Verification

    /// A charger that accepts profiles but ignores them (the sim's ignore-profiles quirk) is flagged limit-ignored
    /// within the grace period; an obedient one beside it is not.
    @Test(.serialized, arguments: TestStore.allCases) func aChargerThatIgnoresItsLimitIsFlagged(store: TestStore) async throws {
        let server = try await ServerProcess(store: store, arguments: ["--unknown-tags", "accept", "--limit-grace", "120"])
        let (deaf, _) = try Sim.background(
            server, ["--prefix", "DEAF", "--profile", "ac22", "--no-quirks", "--quirk", "ignore-profiles", "--scenario", "idle", "--speed", "60", "--vehicle", "etron"]
        )
        let (good, _) = try Sim.background(server, ["--prefix", "GOOD", "--profile", "ac22", "--no-quirks", "--scenario", "idle", "--speed", "60", "--vehicle", "etron"])
        defer {
            Self.stop(deaf)
            Self.stop(good)
        }
        for id in ["DEAF0001", "GOOD0001"] { try await Sim.waitUntil { try await Sim.connected(server, id) } }
        try await Self.expectCtl(server, ["agent", "add", "operator", "--priority", "10"])
        for id in ["DEAF0001", "GOOD0001"] {
            try await Self.expectCtl(server, ["start", id, "--tag", "T", "--connector", "1"])
            try await Self.expectCtl(server, ["limit", "set", id, "--agent", "operator", "--max", "8", "--unit", "A"])
        }
        let db = try await Sim.database(server)
        func flagged() async throws -> [String] {
            try await db.read { db in try db.fetchValues(String.self, sql: "SELECT DISTINCT charger_id FROM events WHERE kind = 'limit-ignored'") }
        }
        // 120 s of grace at 60x is 2 s; a few samples more to be sure.
        try await Sim.waitUntil(seconds: 30) { try await flagged() == ["DEAF0001"] }
        try await Task.sleep(for: .seconds(3))
        #expect(try await flagged() == ["DEAF0001"])
        let ignoredEvents = try await db.read { db in try db.fetchValue(Int.self, sql: "SELECT count(*) FROM events WHERE kind = 'limit-ignored'") }
        #expect(ignoredEvents == 1, "flagged once while it lasts")
        let status = try await Self.expectCtl(server, ["limits", "--json"])
        let compliance = Dictionary(uniqueKeysWithValues: (status?.arrayValue ?? []).compactMap { row in
            row["charger"]?.stringValue.map { ($0, row["compliance"]?.stringValue ?? "") }
        })
        #expect(compliance == ["DEAF0001": "ignored", "GOOD0001": "ok"], "\(String(describing: status))")
        #expect(await server.stop() == 0)
    }

    // MARK: - 6. Restarts and reboots

    /// After a server restart the limits in force are the same; after a hard reset (which loses the charger's
    /// profiles) the charger gets them back.
    @Test(.serialized, arguments: TestStore.allCases) func limitsSurviveARestartAndARebootedChargerGetsItsProfilesBack(store: TestStore) async throws {
        let server = try await ServerProcess(store: store, arguments: ["--unknown-tags", "accept"])
        let (sim, _) = try Sim.background(server, ["--prefix", "RST", "--profile", "ac22", "--no-quirks", "--scenario", "idle", "--speed", "10"])
        defer { Self.stop(sim) }
        try await Sim.waitUntil { try await Sim.connected(server, "RST0001") }
        try await Self.expectCtl(server, ["agent", "add", "site", "--priority", "50"])
        try await Self.expectCtl(server, ["limit", "set", "RST0001", "--agent", "site", "--hard", "--max", "20", "--unit", "A"])
        let before = try await Self.expectCtl(server, ["explain", "RST0001", "--json"])
        #expect(before?["limit"] != nil && before?["limit"] != .null)
        #expect(await server.stop() == 0)

        let restarted = try await server.restart(arguments: ["--unknown-tags", "accept", "--listen", "127.0.0.1:\(server.port)"])
        try await Sim.waitUntil(seconds: 60) { try await Sim.connected(restarted, "RST0001") }
        let after = try await Self.expectCtl(restarted, ["explain", "RST0001", "--json"])
        #expect(after?["limit"] == before?["limit"] && after?["decidedBy"] == before?["decidedBy"] && after?["unit"] == before?["unit"])

        try await Self.expectCtl(restarted, ["reset", "RST0001", "--hard"])
        let db = try await Sim.database(restarted)
        let resetAt = Timestamp.nowMilliseconds()
        func profileSentAfterBoot() async throws -> Bool {
            try await db.read { db in
                guard let boot = try db.fetchValue(Int64.self, sql: "SELECT max(at_ms) FROM frames WHERE charger_id = 'RST0001' AND action = 'BootNotification' AND direction = 'in' AND at_ms > ?",
                    arguments: [resetAt]
                ) else { return false }
                return try db.fetchValue(Int.self, sql: "SELECT count(*) FROM frames WHERE charger_id = 'RST0001' AND action = 'SetChargingProfile' AND direction = 'out' AND at_ms >= ?",
                    arguments: [boot]
                ) ?? 0 > 0
            }
        }
        try await Sim.waitUntil(seconds: 30) { try await profileSentAfterBoot() }
        // The charger itself reports the limit again.
        try await Sim.waitUntil(seconds: 10) {
            let run = try await ControlEndToEndTests.ctl(restarted, ["schedule", "RST0001", "--connector", "0", "--duration", "600", "--unit", "A", "--json"])
            return run.status == 0 && (try? JSONParser.parse(run.stdout))?["response"]?["chargingSchedule"]?["chargingSchedulePeriod"]?.arrayValue?.first?["limit"] == 20
        }
        #expect(await restarted.stop() == 0)
    }

    // MARK: - 7. Scope

    /// An agent's token reaches only chargers in its scope: a limit or a command outside it is refused with 403 and
    /// nothing reaches any charger.
    @Test(.serialized, arguments: TestStore.allCases) func anAgentsTokenCannotActOutsideItsScope(store: TestStore) async throws {
        let server = try await ServerProcess(store: store, arguments: ["--unknown-tags", "accept", "--http", "127.0.0.1:0"])
        let (sim, _) = try Sim.background(server, ["--chargers", "2", "--prefix", "SCP", "--profile", "ac22", "--no-quirks", "--scenario", "idle", "--speed", "10"])
        defer { Self.stop(sim) }
        for id in ["SCP0001", "SCP0002"] { try await Sim.waitUntil { try await Sim.connected(server, id) } }
        try await Self.expectCtl(server, ["agent", "add", "grid", "--priority", "80", "--scope", "SCP0001"])
        let created = try await Self.expectCtl(server, ["token", "create", "grid-scheduler", "--agent", "grid", "--json"])
        let token = try #require(created?["token"]?.stringValue)
        let base = "http://127.0.0.1:\(try #require(server.httpPort))"
        func remote(_ arguments: [String]) async throws -> ToolRun {
            try await ToolRun.run("ocpp-ctl", ["--url", base, "--token", token] + arguments)
        }
        let outside = try await remote(["limit", "set", "SCP0002", "--max", "10", "--unit", "A"])
        #expect(outside.status == 1 && outside.stderr.contains("scope"), "\(outside.stdout) \(outside.stderr)")
        let otherAgent = try await remote(["limit", "set", "SCP0001", "--agent", "site", "--max", "10", "--unit", "A"])
        #expect(otherAgent.status == 1, "\(otherAgent.stderr)")
        let reset = try await remote(["reset", "SCP0002"])
        #expect(reset.status == 1 && reset.stderr.contains("scope"), "\(reset.stderr)")
        #expect(try await Self.expectCtl(server, ["limit", "list", "--json"]) == .array([]))
        let inside = try await remote(["limit", "set", "SCP0001", "--max", "10", "--unit", "A", "--json"])
        #expect(inside.status == 0 && (try? JSONParser.parse(inside.stdout))?["agent"] == "grid", "\(inside.stdout) \(inside.stderr)")
        // What it reads is within its scope too: the operator's limit on the other charger is not listed to it.
        try await Self.expectCtl(server, ["agent", "add", "operator", "--priority", "10"])
        try await Self.expectCtl(server, ["limit", "set", "SCP0002", "--agent", "operator", "--max", "16", "--unit", "A"])
        let listed = try JSONParser.parse(try await remote(["limit", "list", "--json"]).stdout)
        #expect(listed.arrayValue?.compactMap { $0["target"]?["charger"]?.stringValue } == ["SCP0001"], "\(listed)")
        #expect(try await remote(["explain", "SCP0002"]).status == 1)
        let db = try await Sim.database(server)
        try await Sim.waitUntil { try await db.read { db in
            try db.fetchValue(Int.self, sql: "SELECT count(*) FROM commands WHERE charger_id = 'SCP0001' AND action = 'SetChargingProfile'") ?? 0 } == 1 }
        let toOutside = try await db.read { db in
            try db.fetchValue(Int.self, sql: "SELECT count(*) FROM commands WHERE charger_id = 'SCP0002' AND action = 'Reset'")
        }
        #expect(toOutside == 0, "the reset outside the scope was not sent")
        #expect(await server.stop() == 0)
    }
}
