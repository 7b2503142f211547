import Foundation
import Shared
import TestSupport
import Testing

/// The real binary on a random loopback port, driven by real WebSocket clients.
@Suite(.serialized) struct ServeEndToEndTests {
    static let tracesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/ocpp/traces")

    static func now() -> String { Timestamp(Date()).description }

    @Test(.serialized, arguments: TestStore.allCases) func replaysTheABBTrace(store: TestStore) async throws {
        let server = try await ServerProcess(store: store)
        let text = try String(contentsOf: Self.tracesDirectory.appendingPathComponent("abb-terra-ac-w7.jsonl"), encoding: .utf8)
        let frames = try text.split(separator: "\n").map { try JSONParser.parse(String($0)) }.filter { $0["dir"] == "in" }
        let chargerID = try #require(frames.first?["charger"]?.stringValue)
        let answers = Locked<[[JSONValue]]>([])
        try await TestCharger.connect(server.url, id: chargerID) { charger in
            for record in frames {
                let frame = try #require(record["frame"])
                let answer = try await charger.exchange(frame.serialized())
                answers.withLock { $0.append(answer) }
            }
        }
        let received = answers.withLock { $0 }
        #expect(received.count == frames.count)
        for (record, answer) in zip(frames, received) {
            #expect(answer.first == 3, "\(record) answered \(answer)")
            #expect(answer.count > 1 && answer[1] == record["frame"]?.arrayValue?[1])
        }
        let db = try await server.openDatabase()
        let (vendor, serial, transactions, repairs) = try await db.read { db in
            (
                try db.fetchValue(String.self, sql: "SELECT vendor FROM chargers WHERE id = ?", arguments: [chargerID]),
                try db.fetchValue(String.self, sql: "SELECT charge_box_serial_number FROM chargers WHERE id = ?", arguments: [chargerID]),
                try db.fetchAll(sql: "SELECT id_tag, meter_start, meter_stop, stop_reason, stop_id_tag FROM transactions"),
                try db.fetchValue(Int.self, sql: "SELECT count(*) FROM frames WHERE repairs LIKE '%absentValueRemoved%'") ?? 0
            )
        }
        #expect(vendor == "Chargedot")
        #expect(serial == "TACW745020G0309")
        #expect(transactions.count == 1)
        #expect(transactions.first?["meter_stop"] == 106)
        #expect(transactions.first?["stop_id_tag"] == "BLUE18721")
        #expect(repairs == 4)
        #expect(await server.stop() == 0)
    }

    static func boot() -> JSONValue { ["chargePointVendor": "TestVendor", "chargePointModel": "TM1"] }

    /// One charger's whole day: boot, status, authorize, start, 20 meter values, stop.
    static func session(_ charger: TestCharger, samples: Int = 20) async throws -> Int {
        let boot = try await charger.call("BootNotification", boot())
        guard boot["status"] == "Accepted" else { throw TestChargerError.unexpected([boot]) }
        try await charger.call("StatusNotification", ["connectorId": 1, "errorCode": "NoError", "status": "Preparing"])
        let auth = try await charger.call("Authorize", ["idTag": "TAG1"])
        guard auth["idTagInfo"]?["status"] == "Accepted" else { throw TestChargerError.unexpected([auth]) }
        let start = try await charger.call("StartTransaction", ["connectorId": 1, "idTag": "TAG1", "meterStart": 1000, "timestamp": .string(now())])
        guard let transactionID = start["transactionId"]?.numberValue?.int else { throw TestChargerError.unexpected([start]) }
        let base = Date()
        for i in 0..<samples {
            let at = Timestamp(base.addingTimeInterval(Double(i) * 60)).description
            try await charger.call(
                "MeterValues",
                [
                    "connectorId": 1, "transactionId": .number(JSONNumber(transactionID)),
                    "meterValue": [["timestamp": .string(at), "sampledValue": [
                        ["value": .string(String(1000 + i * 100)), "measurand": "Energy.Active.Import.Register", "unit": "Wh"],
                        ["value": "7.2", "measurand": "Power.Active.Import", "unit": "kW"],
                    ]]],
                ]
            )
        }
        try await charger.call(
            "StopTransaction",
            ["transactionId": .number(JSONNumber(transactionID)), "meterStop": .number(JSONNumber(1000 + samples * 100)), "timestamp": .string(now()), "idTag": "TAG1"]
        )
        return transactionID
    }

    @Test(.serialized, arguments: TestStore.allCases) func hundredConcurrentChargersStoreEverything(store: TestStore) async throws {
        let server = try await ServerProcess(store: store, arguments: ["--unknown-tags", "accept", "--log-level", "info"])
        let ids = try await withThrowingTaskGroup(of: Int.self) { group in
            for n in 0..<100 {
                group.addTask {
                    let result = Locked<Int>(0)
                    try await TestCharger.connect(server.url, id: String(format: "LOAD%03d", n)) { charger in
                        result.withLock { $0 = 0 }
                        let id = try await Self.session(charger)
                        result.withLock { $0 = id }
                    }
                    return result.withLock { $0 }
                }
            }
            var ids: [Int] = []
            for try await id in group { ids.append(id) }
            return ids
        }
        #expect(Set(ids).count == 100)
        let db = try await server.openDatabase()
        let (sessions, samples, stopped) = try await db.read { db in
            (
                try db.fetchValue(Int.self, sql: "SELECT count(*) FROM transactions WHERE orphan = 0") ?? 0,
                try db.fetchValue(Int.self, sql: "SELECT count(*) FROM meter_values WHERE transaction_id IS NOT NULL") ?? 0,
                try db.fetchValue(Int.self, sql: "SELECT count(*) FROM transactions WHERE meter_stop = 3000 AND stop_ms IS NOT NULL") ?? 0
            )
        }
        #expect(sessions == 100)
        #expect(samples == 100 * 20 * 2)
        #expect(stopped == 100)
        let power = try await db.read { db in try db.fetchValue(Double.self, sql: "SELECT value FROM meter_values WHERE measurand = 'Power.Active.Import' LIMIT 1") }
        #expect(power == 7200)
        // SQLite's allocation counters (a process-wide mutex per allocation) and per-connection mutexes are off.
        let starting = server.stderr.first { $0.contains(" starting ") } ?? ""
        #expect(store != .sqlite || starting.contains("sqliteMemoryStatistics=off") && starting.contains("sqliteConnectionMutex=off"), "\(starting)")
        #expect(await server.stop() == 0)
    }

    /// essentials §1.1: malformed frames get the right CALLERROR and the connection keeps answering.
    @Test(.serialized, arguments: TestStore.allCases) func malformedFramesGetCallErrorsAndTheConnectionStays(store: TestStore) async throws {
        let server = try await ServerProcess(store: store)
        let cases: [(String, String, String)] = [
            ("not json at all", "-1", "FormationViolation"),
            (#"[2,"m1","Heartbeat",{}"#, "m1", "FormationViolation"),
            (#"[2,"m2","Heartbeat"]"#, "m2", "ProtocolError"),
            (#"[2,"m3","FlyToTheMoon",{}]"#, "m3", "NotImplemented"),
            (#"[2,"m4","Reset",{"type":"Hard"}]"#, "m4", "NotSupported"),
            (#"[2,"m5","StartTransaction",{"connectorId":1}]"#, "m5", "OccurenceConstraintViolation"),
            (#"[2,"m6","Authorize",{"idTag":{"id":12}}]"#, "m6", "TypeConstraintViolation"),
            (#"[2,"m8","Authorize",{"idTag":12}]"#, "m8", "CALLRESULT"),
            (#"[2,"m7","StatusNotification",{"connectorId":1,"errorCode":"NoError","status":"Sleeping"}]"#, "m7", "CALLRESULT"),
        ]
        let results = Locked<[(String, [JSONValue])]>([])
        try await TestCharger.connect(server.url, id: "BAD1") { charger in
            for (frame, _, _) in cases {
                let answer = try await charger.exchange(frame)
                let heartbeat = try await charger.call("Heartbeat", [:])
                guard heartbeat["currentTime"] != nil else { throw TestChargerError.unexpected([heartbeat]) }
                results.withLock { $0.append((frame, answer)) }
            }
        }
        let answers = results.withLock { $0 }
        #expect(answers.count == cases.count)
        for ((frame, id, code), (_, answer)) in zip(cases, answers) {
            if code == "CALLRESULT" {
                #expect(answer.first == 3, "\(frame)")
            } else {
                #expect(answer.first == 4, "\(frame)")
                #expect(answer.count == 5 && answer[1] == .string(id) && answer[2] == .string(code), "\(frame) answered \(answer)")
            }
        }
        #expect(await server.stop() == 0)
    }

    @Test(.serialized, arguments: TestStore.allCases) func subprotocolIsRequiredUnlessConfigured(store: TestStore) async throws {
        let server = try await ServerProcess(store: store, arguments: ["--accept-without-subprotocol", "GRIZZL1"])
        await #expect(throws: (any Error).self) {
            try await TestCharger.connect(server.url, id: "NOPROTO", subprotocols: nil) { _ in }
        }
        await #expect(throws: (any Error).self) {
            try await TestCharger.connect(server.url, id: "WRONG", subprotocols: "ocpp2.0.1") { _ in }
        }
        try await TestCharger.connect(server.url, id: "GRIZZL1", subprotocols: nil) { charger in
            _ = try await charger.call("Heartbeat", [:])
        }
        try await TestCharger.connect(server.url, id: "BOTH", subprotocols: "ocpp2.0.1, ocpp1.6") { charger in
            _ = try await charger.call("Heartbeat", [:])
        }
        #expect(server.stderr.contains { $0.contains("[NOPROTO] connection refused") })
        #expect(await server.stop() == 0)
    }

    @Test(.serialized, arguments: TestStore.allCases) func retriesAreAnsweredWithoutDoubleEffects(store: TestStore) async throws {
        let server = try await ServerProcess(store: store, arguments: ["--unknown-tags", "accept"])
        let start = #"{"connectorId":1,"idTag":"T","meterStart":5,"timestamp":"2026-11-25T10:00:00Z"}"#
        let replies = Locked<[String]>([])
        try await TestCharger.connect(server.url, id: "RETRY1") { charger in
            _ = try await charger.call("BootNotification", Self.boot())
            try await charger.send(#"[2,"s1","StartTransaction",\#(start)]"#)
            let first = try await charger.receive()
            // The same message id again (answer lost): the cached bytes.
            try await charger.send(#"[2,"s1","StartTransaction",\#(start)]"#)
            let again = try await charger.receive()
            // A new id, identical content (EVerest regenerates ids): the same transaction id.
            try await charger.send(#"[2,"s2","StartTransaction",\#(start)]"#)
            let retried = try await charger.receive()
            // An old id with new content (ids restarting after a reboot): a new message, a new transaction.
            let later = start.replacingOccurrences(of: "10:00:00", with: "11:00:00")
            try await charger.send(#"[2,"s1","StartTransaction",\#(later)]"#)
            let reused = try await charger.receive()
            replies.withLock { $0 = [first, again, retried, reused] }
        }
        let r = replies.withLock { $0 }
        #expect(r[0] == r[1])
        let first = try JSONParser.parse(r[0]).arrayValue?[2]["transactionId"]
        let retried = try JSONParser.parse(r[2]).arrayValue?[2]["transactionId"]
        let reused = try JSONParser.parse(r[3]).arrayValue?[2]["transactionId"]
        #expect(first != nil && first == retried)
        #expect(reused != nil && reused != first)
        let count = try await server.openDatabase().read { db in try db.fetchValue(Int.self, sql: "SELECT count(*) FROM transactions") }
        #expect(count == 2)
        #expect(await server.stop() == 0)
    }

    @Test(.serialized, arguments: TestStore.allCases) func aNewConnectionReplacesTheOld(store: TestStore) async throws {
        let server = try await ServerProcess(store: store)
        let firstClosed = Locked(false)
        try await TestCharger.connect(server.url, id: "TWIN") { first in
            _ = try await first.call("Heartbeat", [:])
            try await TestCharger.connect(server.url, id: "TWIN") { second in
                _ = try await second.call("Heartbeat", [:])
                do {
                    _ = try await first.receive()
                } catch {
                    firstClosed.withLock { $0 = true }
                }
                _ = try await second.call("Heartbeat", [:])
            }
        }
        #expect(firstClosed.withLock { $0 })
        #expect(await server.stop() == 0)
    }

    @Test(.serialized, arguments: TestStore.allCases) func openTransactionIsStaleAfterRebootAndClosedByItsStop(store: TestStore) async throws {
        let server = try await ServerProcess(store: store, arguments: ["--unknown-tags", "accept"])
        let txID = Locked(0)
        try await TestCharger.connect(server.url, id: "REBOOT1") { charger in
            _ = try await charger.call("BootNotification", Self.boot())
            let start = try await charger.call("StartTransaction", ["connectorId": 1, "idTag": "T", "meterStart": 0, "timestamp": .string(Self.now())])
            txID.withLock { $0 = start["transactionId"]?.numberValue?.int ?? 0 }
        }
        try await TestCharger.connect(server.url, id: "REBOOT1") { charger in
            _ = try await charger.call("BootNotification", Self.boot())
        }
        let db = try await server.openDatabase()
        let id = txID.withLock { $0 }
        #expect(try await db.read { db in try db.fetchValue(Int.self, sql: "SELECT stale FROM transactions WHERE id = ?", arguments: [id]) } == 1)
        try await TestCharger.connect(server.url, id: "REBOOT1") { charger in
            _ = try await charger.call("StopTransaction", ["transactionId": .number(JSONNumber(id)), "meterStop": 500, "timestamp": .string(Self.now()), "reason": "PowerLoss"])
        }
        let row = try await db.read { db in try db.fetchOne(sql: "SELECT stale, meter_stop, stop_reason FROM transactions WHERE id = ?", arguments: [id]) }
        #expect(row?["stale"] == 0)
        #expect(row?["meter_stop"] == 500)
        #expect(row?["stop_reason"] == "PowerLoss")
        #expect(await server.stop() == 0)
    }

    /// Under load, SIGKILL; after a restart every answered StartTransaction, MeterValues and StopTransaction is there.
    @Test(.serialized, arguments: TestStore.allCases) func everythingAnsweredSurvivesKillDashNine(store: TestStore) async throws {
        let server = try await ServerProcess(store: store, arguments: ["--unknown-tags", "accept"])
        let acknowledged = Locked<(starts: Set<Int>, samples: Set<String>, stops: Set<Int>)>(([], [], []))
        let killer = Task {
            try await Task.sleep(for: .milliseconds(1500))
            await server.kill()
        }
        await withTaskGroup(of: Void.self) { group in
            for n in 0..<20 {
                group.addTask {
                    try? await TestCharger.connect(server.url, id: "KILL\(n)") { charger in
                        _ = try await charger.call("BootNotification", Self.boot())
                        for session in 0..<1000 {
                            let start = try await charger.call("StartTransaction", ["connectorId": 1, "idTag": "T", "meterStart": .number(JSONNumber(session)), "timestamp": .string(Self.now())])
                            guard let id = start["transactionId"]?.numberValue?.int else { return }
                            acknowledged.withLock { _ = $0.starts.insert(id) }
                            for i in 0..<3 {
                                let at = "2026-11-25T10:\(String(format: "%02d", i)):00Z"
                                _ = try await charger.call("MeterValues", ["connectorId": 1, "transactionId": .number(JSONNumber(id)), "meterValue": [["timestamp": .string(at), "sampledValue": [["value": "1"]]]]])
                                acknowledged.withLock { _ = $0.samples.insert("\(id)@\(1_795_600_800_000 + Int64(i) * 60_000)") }
                            }
                            _ = try await charger.call("StopTransaction", ["transactionId": .number(JSONNumber(id)), "meterStop": 10, "timestamp": .string(Self.now())])
                            acknowledged.withLock { _ = $0.stops.insert(id) }
                        }
                    }
                }
            }
        }
        _ = await killer.result
        let acked = acknowledged.withLock { $0 }
        #expect(acked.starts.count > 10, "the load ran before the kill")
        let restarted = try await server.restart()
        let db = try await restarted.openDatabase()
        let (starts, samples, stops) = try await db.read { db in
            (
                Set(try db.fetchValues(Int.self, sql: "SELECT id FROM transactions")),
                Set(
                    try db.fetchAll(sql: "SELECT transaction_id, at_ms FROM meter_values").map { row in
                        let id: Int = row["transaction_id"]
                        let atMs: Int64 = row["at_ms"]
                        return "\(id)@\(atMs)"
                    }
                ),
                Set(try db.fetchValues(Int.self, sql: "SELECT id FROM transactions WHERE stop_ms IS NOT NULL"))
            )
        }
        #expect(acked.starts.isSubset(of: starts))
        #expect(acked.samples.isSubset(of: samples))
        #expect(acked.stops.isSubset(of: stops))
        #expect(await restarted.stop() == 0)
    }
}

import Synchronization
