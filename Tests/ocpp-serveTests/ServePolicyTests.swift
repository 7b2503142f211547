import TestSupport
import Foundation
import Shared
import Testing

/// The real `ocpp-serve` binary under its policies: usage errors, the YAML config file, unknown chargers and tags,
/// offline detection, SIGINT, raw frames, status notifications and vendor meter-value quirks.
/// Each test starts its own server, so they run in parallel.
@Suite struct ServePolicyTests {
    // MARK: - Helpers

    static func now() -> String { Timestamp(Date()).description }

    static func boot(_ vendor: String = "PolicyVendor") -> JSONValue { ["chargePointVendor": .string(vendor), "chargePointModel": "PM1"] }

    static func readOnly(_ server: ServerProcess) async throws -> any SQLStore {
        try await server.openDatabase()
    }

    static func readWrite(_ server: ServerProcess) async throws -> any SQLStore {
        try await server.openDatabaseForWriting()
    }

    /// Polls the database until `condition` holds (detached writes such as frames and events are committed shortly
    /// after the answer); returns whether it held within `seconds`.
    static func eventually(
        _ server: ServerProcess, seconds: Double = 5, _ condition: @escaping @Sendable (any SQLConnection) throws -> Bool
    ) async throws -> Bool {
        let db = try await readOnly(server)
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while true {
            if try await db.read(condition) { return true }
            if ContinuousClock.now > deadline { return false }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Waits for the process to exit without blocking a cooperative thread; nil if it is still running after `seconds`.
    static func waitForExit(_ process: Process, seconds: Double = 10) async -> (reason: Process.TerminationReason, status: Int32)? {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while process.isRunning {
            if ContinuousClock.now > deadline { return nil }
            try? await Task.sleep(for: .milliseconds(25))
        }
        return (process.terminationReason, process.terminationStatus)
    }

    /// Runs `ocpp-serve arguments` to completion in a fresh directory with `OCPP_DB` set, killed after `timeout` s.
    static func runServe(_ arguments: [String], timeout: Double = 15) async throws -> ToolRun {
        try await ToolRun.run("ocpp-serve", arguments, timeout: timeout) { directory in
            ["OCPP_DB": directory.appendingPathComponent("usage.sqlite").path, "OCPP_SOCKET": directory.appendingPathComponent("ctl.sock").path]
        }
    }

    static func writeConfig(_ text: String) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ocpp-serve-config-\(UUID().uuidString).yaml")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    static func meterValues(connector: Int, transactionID: JSONValue?, at: String, _ samples: [JSONValue]) -> JSONValue {
        var object: JSONObject = ["connectorId": .number(JSONNumber(connector)), "meterValue": [["timestamp": .string(at), "sampledValue": .array(samples)]]]
        if let transactionID { object["transactionId"] = transactionID }
        return .object(object)
    }

    // MARK: - 1. Usage errors

    static let usageErrors: [([String], [String])] = [
        (["--bogus"], ["--bogus"]),
        (["--listen", "nonsense"], ["--listen", "HOST:PORT"]),
        (["--unknown-chargers", "maybe"], ["--unknown-chargers", "accept", "pending", "reject"]),
        (["--heartbeat-interval", "0"], ["--heartbeat-interval", "positive"]),
        (["--commit-interval", "5000"], ["--commit-interval", "0 to 1000"]),
        (["--config", "/nonexistent/ocpp-serve.yaml"], ["--config", "/nonexistent/ocpp-serve.yaml"]),
    ]

    @Test(arguments: usageErrors)
    func usageErrorsExitTwo(arguments: [String], mentions: [String]) async throws {
        let run = try await Self.runServe(arguments)
        #expect(run.status == 2, "\(arguments): exit \(run.status), stderr: \(run.stderr)")
        #expect(run.stdout.isEmpty, "\(arguments): stdout \(run.stdout)")
        let first = run.stderrLines.first ?? ""
        for word in mentions {
            #expect(first.contains(word), "\(arguments): the first line should name \(word): \(first)")
        }
    }

    /// cli.md: "A usage error prints one line naming the problem and the fix, and exits 2."
    @Test(arguments: usageErrors.map(\.0))
    func usageErrorsPrintExactlyOneLine(arguments: [String]) async throws {
        let run = try await Self.runServe(arguments)
        #expect(run.status == 2)
        #expect(run.stderrLines.count == 1, "\(arguments): expected one line on stderr, got \(run.stderrLines.count):\n\(run.stderr)")
        if arguments == ["--bogus"] {
            #expect(run.stderr.contains("--help"), "an unknown option names the fix (--help): \(run.stderr)")
        }
    }

    @Test func helpAndVersionExitZero() async throws {
        let help = try await Self.runServe(["--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("USAGE: ocpp-serve"))
        for flag in ["--listen", "--config", "--unknown-chargers", "--unknown-tags", "--heartbeat-interval", "--offline-after"] {
            #expect(help.stdout.contains(flag), "--help lists \(flag)")
        }
        let version = try await Self.runServe(["--version"])
        #expect(version.status == 0)
        #expect(version.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == ToolkitVersion.current)
    }

    // MARK: - 2. --config FILE

    @Test(.serialized, arguments: TestStore.allCases) func configFileSettingsApplyAndFlagsWin(store: TestStore) async throws {
        let path = try Self.writeConfig(
            """
            # ocpp-serve settings
            heartbeat-interval: 42
            unknown-tags: accept
            data-transfer-vendors: [com.example]
            """
        )
        defer { try? FileManager.default.removeItem(atPath: path) }

        let fromFile = try await ServerProcess(store: store, arguments: ["--config", path])
        let answers = Locked<[String: JSONValue]>([:])
        try await TestCharger.connect(fromFile.url, id: "CONF1") { charger in
            let boot = try await charger.call("BootNotification", Self.boot())
            let auth = try await charger.call("Authorize", ["idTag": "NEVERSEEN"])
            let known = try await charger.call("DataTransfer", ["vendorId": "com.example", "messageId": "hello", "data": "x"])
            let other = try await charger.call("DataTransfer", ["vendorId": "org.other"])
            answers.withLock { $0 = ["boot": boot, "auth": auth, "known": known, "other": other] }
        }
        let a = answers.withLock { $0 }
        #expect(a["boot"]?["status"] == "Accepted")
        #expect(a["boot"]?["interval"] == 42)
        #expect(a["auth"]?["idTagInfo"]?["status"] == "Accepted")
        #expect(a["known"]?["status"] == "Accepted")
        #expect(a["other"]?["status"] == "UnknownVendorId")
        let (stored, interval) = try await Self.readOnly(fromFile).read { db in
            (
                try db.fetchAll(sql: "SELECT vendor_id, message_id, data, status, direction FROM data_transfers WHERE charger_id = 'CONF1' ORDER BY id"),
                try db.fetchValue(Int.self, sql: "SELECT heartbeat_interval FROM chargers WHERE id = 'CONF1'")
            )
        }
        #expect(interval == 42)
        #expect(stored.count == 2)
        #expect(stored.first?["vendor_id"] == "com.example")
        #expect(stored.first?["message_id"] == "hello")
        #expect(stored.first?["status"] == "Accepted")
        #expect(stored.first?["direction"] == "in")
        #expect(stored.last?["status"] == "UnknownVendorId")
        #expect(await fromFile.stop() == 0)

        // The same file, with flags overriding two of its settings: the flags win, the rest still comes from the file.
        let overridden = try await ServerProcess(store: store, arguments: ["--config", path, "--heartbeat-interval", "7", "--unknown-tags", "reject"])
        try await TestCharger.connect(overridden.url, id: "CONF2") { charger in
            let boot = try await charger.call("BootNotification", Self.boot())
            let auth = try await charger.call("Authorize", ["idTag": "NEVERSEEN"])
            let known = try await charger.call("DataTransfer", ["vendorId": "com.example"])
            answers.withLock { $0 = ["boot": boot, "auth": auth, "known": known] }
        }
        let b = answers.withLock { $0 }
        #expect(b["boot"]?["interval"] == 7)
        #expect(b["auth"]?["idTagInfo"]?["status"] == "Invalid")
        #expect(b["known"]?["status"] == "Accepted")
        #expect(await overridden.stop() == 0)
    }

    @Test func configFileWithABadValueIsAUsageError() async throws {
        let path = try Self.writeConfig("unknown-chargers: sometimes\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let run = try await Self.runServe(["--config", path, "--listen", "127.0.0.1:0"])
        #expect(run.status == 2, "stderr: \(run.stderr)")
        #expect(run.stderrLines.first?.contains("--unknown-chargers expects accept, pending or reject (got sometimes)") == true, "\(run.stderr)")
    }

    /// A key the server does not know (a typo, or `data-transfer-vendor` spelled like the flag rather than the
    /// file's `data-transfer-vendors`) is silently ignored today: the server starts with the default instead.
    @Test
    func configFileWithAnUnknownKeyIsAUsageError() async throws {
        let path = try Self.writeConfig("heartbeat-intervall: 42\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let run = try await Self.runServe(["--config", path, "--listen", "127.0.0.1:0"], timeout: 3)
        #expect(run.status == 2, "stderr: \(run.stderr)")
        #expect(run.stderrLines.first?.contains("heartbeat-intervall") == true, "\(run.stderr)")
    }

    // MARK: - 3. Unknown chargers

    @Test(.serialized, arguments: TestStore.allCases) func pendingChargersGetTheRetryIntervalAndAreStillAnswered(store: TestStore) async throws {
        let server = try await ServerProcess(store: store, arguments: ["--unknown-chargers", "pending", "--retry-interval", "17", "--heartbeat-interval", "99"])
        // A charger already in the database is not unknown: it keeps its registration.
        try await Self.readWrite(server).write { db in
            try db.execute(sql: "INSERT INTO chargers(id, registration, first_seen_ms) VALUES ('KNOWN1', 'Accepted', 0)")
        }
        let answers = Locked<[String: JSONValue]>([:])
        try await TestCharger.connect(server.url, id: "PEND1") { charger in
            let boot = try await charger.call("BootNotification", Self.boot())
            let heartbeat = try await charger.call("Heartbeat", [:])
            let status = try await charger.call("StatusNotification", ["connectorId": 0, "errorCode": "NoError", "status": "Available"])
            let auth = try await charger.call("Authorize", ["idTag": "X"])
            let again = try await charger.call("BootNotification", Self.boot())
            answers.withLock { $0 = ["boot": boot, "heartbeat": heartbeat, "status": status, "auth": auth, "again": again] }
        }
        try await TestCharger.connect(server.url, id: "KNOWN1") { charger in
            let boot = try await charger.call("BootNotification", Self.boot())
            answers.withLock { $0["known"] = boot }
        }
        let a = answers.withLock { $0 }
        #expect(a["boot"]?["status"] == "Pending")
        #expect(a["boot"]?["interval"] == 17)
        #expect(a["boot"]?["currentTime"]?.stringValue.flatMap(Timestamp.init(parsing:)) != nil)
        #expect(a["heartbeat"]?["currentTime"]?.stringValue.flatMap(Timestamp.init(parsing:)) != nil)
        #expect(a["status"] == .object(JSONObject()))
        #expect(a["auth"]?["idTagInfo"]?["status"] == "Invalid")
        #expect(a["again"]?["status"] == "Pending")
        #expect(a["known"]?["status"] == "Accepted")
        #expect(a["known"]?["interval"] == 99)
        let rows = try await Self.readOnly(server).read { db in
            try db.fetchAll(sql: "SELECT id, registration, heartbeat_interval FROM chargers ORDER BY id")
        }
        #expect(rows.map { $0["id"] as String } == ["KNOWN1", "PEND1"])
        #expect(rows.map { $0["registration"] as String } == ["Accepted", "Pending"])
        #expect(rows.map { $0["heartbeat_interval"] as Int? } == [99, 17])
        #expect(await server.stop() == 0)
    }

    @Test(.serialized, arguments: TestStore.allCases) func rejectedChargersGetSecurityErrorAfterBoot(store: TestStore) async throws {
        let server = try await ServerProcess(store: store, arguments: ["--unknown-chargers", "reject", "--retry-interval", "23", "--unknown-tags", "accept"])
        let boots = Locked<[JSONValue]>([])
        let refusals = Locked<[[JSONValue]]>([])
        try await TestCharger.connect(server.url, id: "REJ1") { charger in
            let boot = try await charger.call("BootNotification", Self.boot())
            boots.withLock { $0.append(boot) }
            for (action, payload) in [
                ("Heartbeat", [:] as JSONValue),
                ("StartTransaction", ["connectorId": 1, "idTag": "T", "meterStart": 0, "timestamp": .string(Self.now())] as JSONValue),
            ] {
                do {
                    _ = try await charger.call(action, payload)
                    refusals.withLock { $0.append([]) }
                } catch TestChargerError.callError(let frame) {
                    refusals.withLock { $0.append(frame) }
                }
            }
            // The connection stays open and BootNotification is still answered (Rejected again).
            let again = try await charger.call("BootNotification", Self.boot())
            boots.withLock { $0.append(again) }
        }
        let b = boots.withLock { $0 }
        #expect(b.count == 2)
        #expect(b.first?["status"] == "Rejected")
        #expect(b.first?["interval"] == 23)
        #expect(b.last?["status"] == "Rejected")
        let r = refusals.withLock { $0 }
        #expect(r.count == 2)
        for frame in r {
            #expect(frame.count == 5 && frame[0] == 4 && frame[2] == "SecurityError", "\(frame)")
        }
        let (registration, transactions) = try await Self.readOnly(server).read { db in
            (
                try db.fetchValue(String.self, sql: "SELECT registration FROM chargers WHERE id = 'REJ1'"),
                try db.fetchValue(Int.self, sql: "SELECT count(*) FROM transactions") ?? -1
            )
        }
        #expect(registration == "Rejected")
        #expect(transactions == 0)
        #expect(await server.stop() == 0)
    }

    // MARK: - 4. Tags

    @Test(.serialized, arguments: TestStore.allCases) func tagListDecidesAuthorizeAndStartTransaction(store: TestStore) async throws {
        let server = try await ServerProcess(store: store)
        let nowMs = Timestamp.nowMilliseconds()
        let pastMs = (nowMs / 1000 - 3600) * 1000
        let futureMs = (nowMs / 1000 + 86400) * 1000
        try await Self.readWrite(server).write { db in
            let insert = "INSERT INTO id_tags(id_tag, status, expiry_ms, parent_id_tag, created_ms) VALUES (?,?,?,?,?)"
            try db.execute(sql: insert, arguments: ["GOOD1", "Accepted", nil, nil, nowMs])
            try db.execute(sql: insert, arguments: ["BLOCKED1", "Blocked", nil, nil, nowMs])
            try db.execute(sql: insert, arguments: ["OLD1", "Accepted", pastMs, nil, nowMs])
            try db.execute(sql: insert, arguments: ["CHILD1", "Accepted", futureMs, "PARENT1", nowMs])
        }
        // (tag as the charger sends it, expected status, expected parent, expected expiry)
        let cases: [(String, String, String?, Int64?)] = [
            ("good1", "Accepted", nil, nil),
            ("Blocked1", "Blocked", nil, nil),
            ("OLD1", "Expired", nil, pastMs),
            ("child1", "Accepted", "PARENT1", futureMs),
            ("NOBODY", "Invalid", nil, nil),
        ]
        let results = Locked<[(authorize: JSONValue, start: JSONValue)]>([])
        let stopAnswer = Locked<JSONValue?>(nil)
        try await TestCharger.connect(server.url, id: "TAGS1") { charger in
            _ = try await charger.call("BootNotification", Self.boot())
            for (index, (tag, _, _, _)) in cases.enumerated() {
                let auth = try await charger.call("Authorize", ["idTag": .string(tag)])
                let start = try await charger.call(
                    "StartTransaction",
                    ["connectorId": .number(JSONNumber(index + 1)), "idTag": .string(tag), "meterStart": 100, "timestamp": .string(Self.now())]
                )
                results.withLock { $0.append((auth, start)) }
            }
            // StopTransaction with an idTag answers its idTagInfo too (the expired tag, sent in lower case).
            let first = results.withLock { $0.first?.start["transactionId"] } ?? 0
            let stop = try await charger.call("StopTransaction", ["transactionId": first, "meterStop": 200, "timestamp": .string(Self.now()), "idTag": "old1"])
            stopAnswer.withLock { $0 = stop }
        }
        #expect(stopAnswer.withLock { $0 }?["idTagInfo"]?["status"] == "Expired")
        let r = results.withLock { $0 }
        #expect(r.count == cases.count)
        for ((tag, status, parent, expiry), (auth, start)) in zip(cases, r) {
            for (name, info) in [("Authorize", auth["idTagInfo"]), ("StartTransaction", start["idTagInfo"])] {
                #expect(info?["status"] == .string(status), "\(name) \(tag): \(String(describing: info))")
                #expect(info?["parentIdTag"] == parent.map(JSONValue.string), "\(name) \(tag): \(String(describing: info))")
                #expect(info?["expiryDate"] == expiry.map { .string(Timestamp(milliseconds: $0).description) }, "\(name) \(tag): \(String(describing: info))")
            }
            #expect(start["transactionId"]?.numberValue?.int != nil, "every StartTransaction gets an id (\(tag))")
        }
        let stored = try await Self.readOnly(server).read { db in
            try db.fetchAll(sql: "SELECT id_tag, start_id_tag_status FROM transactions ORDER BY connector_id")
        }
        #expect(stored.map { $0["id_tag"] as String } == cases.map(\.0))
        #expect(stored.map { $0["start_id_tag_status"] as String } == cases.map(\.1))
        #expect(await server.stop() == 0)
    }

    // MARK: - 5. Offline detection

    /// Housekeeping runs every 5 s; with interval 2 s × 1, a charger silent at a check is marked offline: an `offline`
    /// event and `chargers.online = 0` while its socket is still open. When it speaks again an `online` event is
    /// written at once; the row's `online` flag is set again by the next check (the charger must keep talking).
    /// (2 s, not 1: the chatty charger, every 100 ms, must stay online even when a loaded machine stalls this test.)
    @Test(.serialized, arguments: TestStore.allCases) func silentChargerIsMarkedOfflineAndComesBack(store: TestStore) async throws {
        let server = try await ServerProcess(store: store, arguments: ["--heartbeat-interval", "2", "--offline-after", "1"])
        let observed = Locked<(offline: Bool, onlineFlag: Int?, lastSeen: Int64?, bootMs: Int64?, onlineEvent: Bool, backOnline: Bool)>(
            (false, nil, nil, nil, false, false)
        )
        let chattyAnswers = Locked(0)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await TestCharger.connect(server.url, id: "QUIET1") { charger in
                    let boot = try await charger.call("BootNotification", Self.boot())
                    guard boot["interval"] == 2 else { throw TestChargerError.unexpected([boot]) }
                    let offline = try await Self.eventually(server, seconds: 12) { db in
                        try db.fetchValue(Int.self, sql: "SELECT count(*) FROM events WHERE kind = 'offline' AND charger_id = 'QUIET1'") == 1
                    }
                    // The row is written before the event, so it is visible now.
                    let row = try await Self.readOnly(server).read { db in
                        try db.fetchOne(sql: "SELECT online, last_seen_ms, last_boot_ms FROM chargers WHERE id = 'QUIET1'")
                    }
                    observed.withLock { $0.offline = offline; $0.onlineFlag = row?["online"]; $0.lastSeen = row?["last_seen_ms"]; $0.bootMs = row?["last_boot_ms"] }
                    // Speaking again brings it back.
                    _ = try await charger.call("Heartbeat", [:])
                    let onlineEvent = try await Self.eventually(server, seconds: 3) { db in
                        try db.fetchValue(Int.self, sql: "SELECT count(*) FROM events WHERE kind = 'online' AND charger_id = 'QUIET1'") == 1
                    }
                    observed.withLock { $0.onlineEvent = onlineEvent }
                    let until = ContinuousClock.now + .seconds(7)
                    while ContinuousClock.now < until {
                        _ = try await charger.call("Heartbeat", [:])
                        let online = try await Self.readOnly(server).read { db in
                            try db.fetchValue(Int.self, sql: "SELECT online FROM chargers WHERE id = 'QUIET1'")
                        }
                        if online == 1 {
                            observed.withLock { $0.backOnline = true }
                            break
                        }
                        try await Task.sleep(for: .milliseconds(250))
                    }
                }
            }
            group.addTask {
                try await TestCharger.connect(server.url, id: "CHATTY1") { charger in
                    _ = try await charger.call("BootNotification", Self.boot())
                    let until = ContinuousClock.now + .seconds(6)
                    while ContinuousClock.now < until {
                        _ = try await charger.call("Heartbeat", [:])
                        chattyAnswers.withLock { $0 += 1 }
                        try await Task.sleep(for: .milliseconds(100))
                    }
                }
            }
            try await group.waitForAll()
        }
        let o = observed.withLock { $0 }
        #expect(o.offline, "an offline event within 12 s")
        #expect(o.onlineFlag == 0, "chargers.online = 0 while the socket is open but silent")
        // The offline mark never moves last_seen_ms backwards.
        #expect(o.lastSeen != nil && o.bootMs != nil && (o.lastSeen ?? 0) >= (o.bootMs ?? 0))
        #expect(o.onlineEvent, "an online event when it speaks again")
        #expect(o.backOnline, "chargers.online = 1 again at the next check")
        // It kept talking throughout (about 55 answers when the machine is idle; 9 seen with the whole suite running
        // beside it on two cores, so the bound only says it was not stopped).
        #expect(chattyAnswers.withLock { $0 } >= 5)
        let (events, chatty) = try await Self.readOnly(server).read { db in
            (
                try db.fetchAll(sql: "SELECT charger_id, kind, detail FROM events WHERE kind IN ('offline', 'online') ORDER BY id"),
                try db.fetchValue(Int.self, sql: "SELECT count(*) FROM events WHERE charger_id = 'CHATTY1' AND kind = 'offline'") ?? -1
            )
        }
        #expect(events.map { $0["kind"] as String } == ["offline", "online"])
        #expect(events.allSatisfy { ($0["charger_id"] as String) == "QUIET1" })
        let detail = try JSONParser.parse(events.first?["detail"] ?? "{}")
        #expect(detail["silentSeconds"] == 2)
        #expect(chatty == 0, "a charger sending heartbeats is never offline")
        #expect(await server.stop() == 0)
    }

    // MARK: - 6. SIGINT

    @Test(.serialized, arguments: TestStore.allCases) func sigintWithConnectedChargersExitsZeroAndKeepsEveryAnsweredStart(store: TestStore) async throws {
        let server = try await ServerProcess(store: store, arguments: ["--unknown-tags", "accept"])
        let acknowledged = Locked<Set<Int>>([])
        let idleConnected = Locked(false)
        let exited = Locked<(reason: Process.TerminationReason, status: Int32)?>(nil)
        try await withThrowingTaskGroup(of: Void.self) { group in
            // One charger that only sits there, connected, when the signal arrives.
            group.addTask {
                try? await TestCharger.connect(server.url, id: "IDLE1") { charger in
                    _ = try await charger.call("BootNotification", Self.boot())
                    idleConnected.withLock { $0 = true }
                    _ = try? await charger.receive()  // returns or throws when the server closes the socket
                }
            }
            for n in 0..<4 {
                group.addTask {
                    try? await TestCharger.connect(server.url, id: "SIG\(n)") { charger in
                        _ = try await charger.call("BootNotification", Self.boot())
                        for session in 0..<100_000 {
                            let start = try await charger.call(
                                "StartTransaction",
                                ["connectorId": 1, "idTag": "T", "meterStart": .number(JSONNumber(session)), "timestamp": .string(Self.now())]
                            )
                            guard let id = start["transactionId"]?.numberValue?.int else { return }
                            acknowledged.withLock { _ = $0.insert(id) }
                        }
                    }
                }
            }
            group.addTask {
                let ready = ContinuousClock.now + .seconds(10)
                while acknowledged.withLock({ $0.count }) < 20 || !idleConnected.withLock({ $0 }) {
                    if ContinuousClock.now > ready { break }
                    try await Task.sleep(for: .milliseconds(20))
                }
                Foundation.kill(server.process.processIdentifier, SIGINT)
                let exit = await Self.waitForExit(server.process, seconds: 10)
                exited.withLock { $0 = exit }
                // A server that does not exit would keep the sockets (and this test) hanging.
                if exit == nil { await server.kill() }
            }
            try await group.waitForAll()
        }
        let exit = exited.withLock { $0 }
        #expect(exit != nil, "the server exits by itself within 10 s of SIGINT")
        #expect(exit?.reason == .exit)
        #expect(exit?.status == 0)
        let acked = acknowledged.withLock { $0 }
        #expect(acked.count >= 20)
        let db = try await Self.readOnly(server)
        let (stored, online) = try await db.read { db in
            (
                Set(try db.fetchValues(Int.self, sql: "SELECT id FROM transactions")),
                try db.fetchValue(Int.self, sql: "SELECT count(*) FROM chargers WHERE online = 1") ?? -1
            )
        }
        #expect(acked.isSubset(of: stored), "\(acked.subtracting(stored).count) answered StartTransactions are missing")
        #expect(online == 0, "after a clean exit no charger is recorded as online")
        #expect(server.stderr.filter { $0.contains("error") }.isEmpty, "\(server.stderr)")
    }

    // MARK: - 7. Raw frames

    @Test(.serialized, arguments: TestStore.allCases) func framesTableHoldsEveryFrameInAndOut(store: TestStore) async throws {
        let server = try await ServerProcess(store: store)
        let bootText = #"[2,"b1","BootNotification",{"chargePointVendor":"Chargedot","chargePointModel":"CDT","ChargeBoxSerialNumber":"TACW7"}]"#
        let heartbeatText = #"[2,"h1","Heartbeat",{}]"#
        let unknownText = #"[2,"u1","FlyToTheMoon",{}]"#
        let resultText = #"[3,"r1",{"status":"Accepted"}]"#
        let lastText = #"[2,"h2","Heartbeat",{}]"#
        let replies = Locked<[String]>([])
        try await TestCharger.connect(server.url, id: "FRAMES1") { charger in
            var texts: [String] = []
            for text in [bootText, heartbeatText, unknownText] {
                try await charger.send(text)
                texts.append(try await charger.receive())
            }
            try await charger.send(resultText)  // an answer to nothing: recorded, not answered
            try await charger.send("")  // an empty text frame (some vendors send them): recorded, ignored
            try await charger.send(lastText)
            texts.append(try await charger.receive())
            replies.withLock { $0 = texts }
        }
        let answers = replies.withLock { $0 }
        #expect(answers.count == 4)
        let complete = try await Self.eventually(server) { db in
            try db.fetchValue(Int.self, sql: "SELECT count(*) FROM frames WHERE charger_id = 'FRAMES1'") == 10
        }
        #expect(complete, "10 frames: 6 in, 4 out")
        let rows = try await Self.readOnly(server).read { db in
            try db.fetchAll(sql: "SELECT direction, message_type, action, message_id, text, repairs, at_ms FROM frames WHERE charger_id = 'FRAMES1' ORDER BY id")
        }
        typealias Expected = (direction: String, type: Int?, action: String?, id: String?, text: String)
        let expected: [Expected] = [
            ("in", 2, "BootNotification", "b1", bootText),
            ("out", 3, "BootNotification", "b1", answers.count > 0 ? answers[0] : ""),
            ("in", 2, "Heartbeat", "h1", heartbeatText),
            ("out", 3, "Heartbeat", "h1", answers.count > 1 ? answers[1] : ""),
            ("in", 2, "FlyToTheMoon", "u1", unknownText),
            ("out", 4, "FlyToTheMoon", "u1", answers.count > 2 ? answers[2] : ""),
            ("in", 3, nil, "r1", resultText),
            ("in", nil, nil, nil, ""),
            ("in", 2, "Heartbeat", "h2", lastText),
            ("out", 3, "Heartbeat", "h2", answers.count > 3 ? answers[3] : ""),
        ]
        #expect(rows.count == expected.count)
        for (row, e) in zip(rows, expected) {
            #expect(row["direction"] == e.direction, "\(e)")
            #expect(row["message_type"] as Int? == e.type, "\(e)")
            #expect(row["action"] as String? == e.action, "\(e)")
            #expect(row["message_id"] as String? == e.id, "\(e)")
            #expect(row["text"] == e.text, "\(e)")
            #expect((row["at_ms"] as Int64?) != nil)
        }
        #expect(answers.count > 2 && (try? JSONParser.parse(answers[2]).arrayValue?[2]) == "NotImplemented")
        // Only the quirky BootNotification carries repairs.
        let repairs = rows.map { $0["repairs"] as String? }
        #expect(repairs.dropFirst().allSatisfy { $0 == nil }, "\(repairs)")
        let bootRepairs = try JSONParser.parse(repairs.first.flatMap { $0 } ?? "null")
        #expect(bootRepairs.arrayValue?.count == 1)
        #expect(bootRepairs.arrayValue?.first?["kind"] == "propertyNameCase")
        #expect(bootRepairs.arrayValue?.first?["path"] == "/chargeBoxSerialNumber")
        // …and the repaired field landed in its column.
        let serial = try await Self.readOnly(server).read { db in
            try db.fetchValue(String.self, sql: "SELECT charge_box_serial_number FROM chargers WHERE id = 'FRAMES1'")
        }
        #expect(serial == "TACW7")
        #expect(await server.stop() == 0)
    }

    // MARK: - 8. Firmware, diagnostics and faults

    @Test(.serialized, arguments: TestStore.allCases) func firmwareDiagnosticsAndFaultsAreRecorded(store: TestStore) async throws {
        let server = try await ServerProcess(store: store)
        try await TestCharger.connect(server.url, id: "FW1") { charger in
            _ = try await charger.call("BootNotification", Self.boot())
            _ = try await charger.call("FirmwareStatusNotification", ["status": "Downloading"])
            _ = try await charger.call("FirmwareStatusNotification", ["status": "Installed"])
            _ = try await charger.call("DiagnosticsStatusNotification", ["status": "Uploading"])
            _ = try await charger.call("DiagnosticsStatusNotification", ["status": "Uploaded"])
            _ = try await charger.call("StatusNotification", ["connectorId": 1, "errorCode": "NoError", "status": "Available"])
            _ = try await charger.call(
                "StatusNotification",
                ["connectorId": 1, "errorCode": "GroundFailure", "status": "Faulted", "info": "RCD tripped", "vendorErrorCode": "E12"]
            )
            _ = try await charger.call("Heartbeat", [:])
        }
        let done = try await Self.eventually(server) { db in
            try db.fetchValue(Int.self, sql: "SELECT count(*) FROM events WHERE charger_id = 'FW1' AND kind = 'disconnect'") == 1
                && db.fetchValue(Int.self, sql: "SELECT count(*) FROM status_history WHERE charger_id = 'FW1'") == 2
        }
        #expect(done)
        let (charger, faults, connector, firmwareEvents) = try await Self.readOnly(server).read { db in
            (
                try db.fetchOne(sql: "SELECT firmware_status, firmware_status_ms, diagnostics_status, diagnostics_status_ms FROM chargers WHERE id = 'FW1'"),
                try db.fetchValues(String.self, sql: "SELECT detail FROM events WHERE charger_id = 'FW1' AND kind = 'fault'"),
                try db.fetchOne(sql: "SELECT status, error_code, info, vendor_error_code FROM connectors WHERE charger_id = 'FW1' AND connector_id = 1"),
                try db.fetchValues(String.self, sql: "SELECT detail FROM events WHERE charger_id = 'FW1' AND kind = 'firmwareStatus' ORDER BY id")
            )
        }
        #expect(charger?["firmware_status"] == "Installed")
        #expect(charger?["diagnostics_status"] == "Uploaded")
        #expect((charger?["firmware_status_ms"] as Int64?) != nil)
        #expect((charger?["diagnostics_status_ms"] as Int64?) != nil)
        #expect(faults.count == 1, "one fault event, for the GroundFailure only: \(faults)")
        let fault = try JSONParser.parse(faults.first ?? "{}")
        #expect(fault["errorCode"] == "GroundFailure")
        #expect(fault["status"] == "Faulted")
        #expect(fault["connector"] == 1)
        #expect(fault["info"] == "RCD tripped")
        #expect(fault["vendorErrorCode"] == "E12")
        #expect(connector?["status"] == "Faulted")
        #expect(connector?["error_code"] == "GroundFailure")
        #expect(try firmwareEvents.map { try JSONParser.parse($0)["status"]?.stringValue ?? "" } == ["Downloading", "Installed"])
        #expect(await server.stop() == 0)
    }

    // MARK: - 9. Meter-value quirks

    @Test(.serialized, arguments: TestStore.allCases) func placeholderTransactionIdsAndKilowattHoursAreNormalised(store: TestStore) async throws {
        let server = try await ServerProcess(store: store, arguments: ["--unknown-tags", "accept"])
        let int64Max: JSONValue = .number(JSONNumber(text: "9223372036854775807")!)
        let opened = Locked<(id: Int?, answers: [JSONValue], stop: JSONValue?)>((nil, [], nil))
        try await TestCharger.connect(server.url, id: "ALFEN1") { charger in
            _ = try await charger.call("BootNotification", Self.boot("Alfen BV"))
            let start = try await charger.call("StartTransaction", ["connectorId": 1, "idTag": "T", "meterStart": 6_000_000, "timestamp": "2026-11-25T10:00:00Z"])
            let id = start["transactionId"]
            var answers: [JSONValue] = []
            // transactionId 0 (a lost id) on connector 1, energy in kWh.
            answers.append(try await charger.call("MeterValues", Self.meterValues(connector: 1, transactionID: 0, at: "2026-11-25T10:01:00Z", [
                ["value": "6089.5", "measurand": "Energy.Active.Import.Register", "unit": "kWh"],
            ])))
            // int64 max (Alfen) on connector 1, kWh and kW (one value as a JSON number).
            answers.append(try await charger.call("MeterValues", Self.meterValues(connector: 1, transactionID: int64Max, at: "2026-11-25T10:02:00Z", [
                ["value": "6089.75", "measurand": "Energy.Active.Import.Register", "unit": "kWh"],
                ["value": .number(JSONNumber(text: "1.6")!), "measurand": "Power.Active.Import", "unit": "kW"],
            ])))
            // transactionId 0 on connector 2, which has no open transaction: not attached to any.
            answers.append(try await charger.call("MeterValues", Self.meterValues(connector: 2, transactionID: 0, at: "2026-11-25T10:03:00Z", [
                ["value": "12", "measurand": "Energy.Active.Import.Register", "unit": "Wh"],
            ])))
            // No transactionId at all: a sample outside any transaction.
            answers.append(try await charger.call("MeterValues", Self.meterValues(connector: 1, transactionID: nil, at: "2026-11-25T10:04:00Z", [
                ["value": "230", "measurand": "Voltage", "unit": "V"],
            ])))
            // The real id still works.
            answers.append(try await charger.call("MeterValues", Self.meterValues(connector: 1, transactionID: id, at: "2026-11-25T10:05:00Z", [
                ["value": "6090", "measurand": "Energy.Active.Import.Register", "unit": "kWh"],
            ])))
            // StopTransaction with int64 max closes the charger's only open transaction.
            let stop = try await charger.call("StopTransaction", ["transactionId": int64Max, "meterStop": 6_090_000, "timestamp": "2026-11-25T10:06:00Z", "reason": "EVDisconnected"])
            // After the stop, transactionId 0 has nothing open to resolve to.
            answers.append(try await charger.call("MeterValues", Self.meterValues(connector: 1, transactionID: 0, at: "2026-11-25T10:07:00Z", [
                ["value": "6.09", "measurand": "Energy.Active.Import.Register", "unit": "kWh"],
            ])))
            opened.withLock { $0 = (id?.numberValue?.int, answers, stop) }
        }
        let o = opened.withLock { $0 }
        let transactionID = try #require(o.id)
        #expect(o.answers.count == 6)
        #expect(o.answers.allSatisfy { $0 == .object(JSONObject()) }, "MeterValues answered {}: \(o.answers)")
        #expect(o.stop == .object(JSONObject()))
        let (samples, transaction) = try await Self.readOnly(server).read { db in
            (
                try db.fetchAll(sql: """
                        SELECT connector_id, transaction_id, at_ms, measurand, value, unit, raw_value, raw_unit
                        FROM meter_values WHERE charger_id = 'ALFEN1' ORDER BY at_ms, measurand
                        """
                ),
                try db.fetchOne(sql: "SELECT stop_ms, meter_stop, stop_reason, orphan FROM transactions WHERE id = ?", arguments: [transactionID])
            )
        }
        typealias Sample = (connector: Int, transaction: Int?, at: String, measurand: String, value: Double, unit: String, raw: String, rawUnit: String?)
        let expected: [Sample] = [
            (1, transactionID, "10:01", "Energy.Active.Import.Register", 6_089_500, "Wh", "6089.5", "kWh"),
            (1, transactionID, "10:02", "Energy.Active.Import.Register", 6_089_750, "Wh", "6089.75", "kWh"),
            (1, transactionID, "10:02", "Power.Active.Import", 1600, "W", "1.6", "kW"),
            (2, nil, "10:03", "Energy.Active.Import.Register", 12, "Wh", "12", "Wh"),
            (1, nil, "10:04", "Voltage", 230, "V", "230", "V"),
            (1, transactionID, "10:05", "Energy.Active.Import.Register", 6_090_000, "Wh", "6090", "kWh"),
            (1, nil, "10:07", "Energy.Active.Import.Register", 6090, "Wh", "6.09", "kWh"),
        ]
        #expect(samples.count == expected.count)
        for (row, e) in zip(samples, expected) {
            #expect(row["connector_id"] == e.connector, "\(e)")
            #expect(row["transaction_id"] as Int? == e.transaction, "\(e): stored with \(String(describing: row["transaction_id"] as Int?))")
            let seconds = (row["at_ms"] as Int64) / 1000 % 86_400
            #expect(String(format: "%02d:%02d", seconds / 3600, seconds % 3600 / 60) == e.at, "\(e)")
            #expect(row["measurand"] == e.measurand, "\(e)")
            #expect(row["value"] == e.value, "\(e): value \(String(describing: row["value"] as Double?))")
            #expect(row["unit"] == e.unit, "\(e)")
            #expect(row["raw_value"] == e.raw, "\(e)")
            #expect(row["raw_unit"] as String? == e.rawUnit, "\(e)")
        }
        #expect((transaction?["stop_ms"] as Int64?) != nil)
        #expect(transaction?["meter_stop"] == 6_090_000)
        #expect(transaction?["stop_reason"] == "EVDisconnected")
        #expect(transaction?["orphan"] == 0)
        #expect(await server.stop() == 0)
    }
}
