import TestSupport
import Foundation
import Shared
import Testing

/// Alerts end to end: the real server with an `alerts:` config section, scripted chargers, exec and webhook sinks.
@Suite(.serialized)
struct AlertEndToEndTests {
    /// A directory with an exec sink script that appends each alert it gets (stdin JSON) to `received.jsonl`.
    struct Sandbox {
        let directory: URL
        var received: URL { directory.appendingPathComponent("received.jsonl") }
        var config: URL { directory.appendingPathComponent("config.yaml") }

        init(alerts: String) throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("ocpp-alerts-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let script = directory.appendingPathComponent("sink.sh")
            // The JSON on stdin plus two of the environment variables, one line per alert.
            try """
            #!/bin/sh
            json=$(cat)
            printf '%s\\t%s\\t%s\\n' "$OCPP_ALERT_STATE" "$OCPP_ALERT_RULE" "$json" >> '\(received.path)'
            """.write(to: script, atomically: true, encoding: .utf8)
            try (alerts.replacingOccurrences(of: "SINK_SCRIPT", with: "sh '\(script.path)'")).write(to: config, atomically: true, encoding: .utf8)
        }

        /// (state, rule, JSON) per line received so far.
        func lines() -> [(state: String, rule: String, json: JSONValue)] {
            guard let text = try? String(contentsOf: received, encoding: .utf8) else { return [] }
            return text.split(separator: "\n").compactMap { line in
                let parts = line.split(separator: "\t", maxSplits: 2).map(String.init)
                guard parts.count == 3, let json = try? JSONParser.parse(parts[2]) else { return nil }
                return (parts[0], parts[1], json)
            }
        }

        /// Waits until at least `count` lines arrived (or `seconds` passed); returns them.
        func waitForLines(_ count: Int, seconds: Double = 15) async throws -> [(state: String, rule: String, json: JSONValue)] {
            let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
            while lines().count < count && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(100)) }
            return lines()
        }
    }

    static func boot() -> JSONValue { ["chargePointVendor": "Test", "chargePointModel": "Alert"] }

    static func status(_ connector: Int, _ status: String, _ code: String = "NoError", vendor: String? = nil) -> JSONValue {
        var object: JSONObject = ["connectorId": .number(JSONNumber(connector)), "errorCode": .string(code), "status": .string(status)]
        if let vendor { object["vendorErrorCode"] = .string(vendor) }
        return .object(object)
    }

    @Test(.serialized, arguments: TestStore.allCases) func faultAlertsOnceResolvesAndIsNotResentAfterRestart(store: TestStore) async throws {
        let sandbox = try Sandbox(
            alerts: """
                alerts:
                  check-interval: 1
                  sinks:
                    - name: script
                      type: exec
                      command: SINK_SCRIPT
                      rules: [fault]
                """
        )
        let serverDirectory = sandbox.directory.appendingPathComponent("server")
        var server = try await ServerProcess(store: store, arguments: ["--config", sandbox.config.path], directory: serverDirectory)
        try await TestCharger.connect(server.url, id: "ALERT-F1") { charger in
            try await charger.call("BootNotification", Self.boot())
            // One fault reported three times (with a changed vendor code), then recovered; then a second fault.
            try await charger.call("StatusNotification", Self.status(1, "Faulted", "GroundFailure", vendor: "E42"))
            try await charger.call("StatusNotification", Self.status(1, "Faulted", "GroundFailure", vendor: "E42"))
            try await charger.call("StatusNotification", Self.status(1, "Faulted", "GroundFailure", vendor: "E43"))
            try await charger.call("StatusNotification", Self.status(2, "Available"))
            try await charger.call("StatusNotification", Self.status(1, "Available"))
            try await charger.call("StatusNotification", Self.status(1, "Faulted", "HighTemperature"))
        }
        let first = try await sandbox.waitForLines(3)
        #expect(first.map { $0.state } == ["open", "resolved", "open"])
        #expect(first.map { $0.rule } == ["fault", "fault", "fault"])
        #expect(first[0].json["charger"] == "ALERT-F1")
        #expect(first[0].json["subject"] == "connector 1")
        #expect(first[0].json["detail"]?["errorCode"] == "GroundFailure")
        #expect(first[0].json["detail"]?["vendorErrorCode"] == "E42")
        #expect(first[2].json["detail"]?["errorCode"] == "HighTemperature")
        #expect(first[0].json["id"] == first[1].json["id"])

        #expect(await server.stop() == 0)
        server = try await server.restart(arguments: ["--config", sandbox.config.path])
        try await TestCharger.connect(server.url, id: "ALERT-F1") { charger in
            try await charger.call("BootNotification", Self.boot())
            // Still faulted after the restart: the same problem, already reported.
            try await charger.call("StatusNotification", Self.status(1, "Faulted", "HighTemperature"))
        }
        try await Task.sleep(for: .seconds(3))
        #expect(sandbox.lines().count == 3)
        let listed = try await ControlEndToEndTests.ctl(server, ["alerts", "--open", "--json"])
        #expect(listed.status == 0)
        let answer = try JSONDecoder().decode(AlertsAnswer.self, from: Data(listed.stdout.utf8))
        #expect(answer.alerts.count == 1)
        #expect(answer.alerts.first?.rule == "fault")
        #expect(answer.alerts.first?.repeats == 1)
        #expect(answer.sinks.map(\.name) == ["script"])
        let all = try await ControlEndToEndTests.ctl(server, ["alerts", "--json"])
        let everything = try JSONDecoder().decode(AlertsAnswer.self, from: Data(all.stdout.utf8))
        #expect(everything.alerts.map { $0.state } == ["resolved", "open"])
        #expect(await server.stop() == 0)
    }

    @Test(.serialized, arguments: TestStore.allCases) func offlineChargerAlertsOnceAndResolvesWhenBack(store: TestStore) async throws {
        let sandbox = try Sandbox(
            alerts: """
                alerts:
                  offline-after: 2s
                  check-interval: 1
                  sinks:
                    - name: script
                      type: exec
                      command: SINK_SCRIPT
                      rules: [offline]
                """
        )
        let server = try await ServerProcess(store: store, 
            arguments: ["--config", sandbox.config.path],
            directory: sandbox.directory.appendingPathComponent("server")
        )
        // Gone for less than the threshold: nothing.
        try await TestCharger.connect(server.url, id: "ALERT-O1") { charger in try await charger.call("BootNotification", Self.boot()) }
        try await TestCharger.connect(server.url, id: "ALERT-O1") { charger in try await charger.call("Heartbeat", [:]) }
        // Gone (the socket dropped) for longer.
        try await TestCharger.connect(server.url, id: "ALERT-O1") { charger in try await charger.call("Heartbeat", [:]) }
        let offline = try await sandbox.waitForLines(1, seconds: 10)
        #expect(offline.map { $0.state } == ["open"])
        #expect(offline.first?.rule == "offline")
        #expect(offline.first?.json["charger"] == "ALERT-O1")
        try await Task.sleep(for: .seconds(3))
        #expect(sandbox.lines().count == 1)
        try await TestCharger.connect(server.url, id: "ALERT-O1") { charger in
            try await charger.call("BootNotification", Self.boot())
            let back = try await sandbox.waitForLines(2, seconds: 10)
            #expect(back.map { $0.state } == ["open", "resolved"])
            #expect(back.last?.rule == "offline")
            #expect(back.last?.json["message"]?.stringValue?.contains("back online") == true)
            try await Task.sleep(for: .seconds(3))
        }
        #expect(sandbox.lines().count == 2)
        #expect(await server.stop() == 0)
    }

    @Test(.serialized, arguments: TestStore.allCases) func failingSinksNeitherSlowChargersNorGoUncounted(store: TestStore) async throws {
        let hanging = try SilentListener(listening: true)
        let nothing = try SilentListener(listening: false)
        let sandbox = try Sandbox(
            alerts: """
                alerts:
                  check-interval: 1
                  sinks:
                    - name: down
                      type: webhook
                      url: http://127.0.0.1:\(nothing.port)/alert
                      attempts: 2
                      retry-delay: 0.2
                      timeout: 1
                    - name: hang
                      type: webhook
                      url: http://127.0.0.1:\(hanging.port)/alert
                      attempts: 2
                      retry-delay: 0.2
                      timeout: 1
                    - name: stuck
                      type: exec
                      command: sleep 30
                      timeout: 1
                    - name: script
                      type: exec
                      command: SINK_SCRIPT
                """
        )
        let server = try await ServerProcess(store: store, 
            arguments: ["--config", sandbox.config.path, "--http", "127.0.0.1:0"],
            directory: sandbox.directory.appendingPathComponent("server")
        )
        let roundTrips = Locked<[Duration]>([])
        try await TestCharger.connect(server.url, id: "ALERT-W1") { charger in
            try await charger.call("BootNotification", Self.boot())
            for round in 0..<3 {
                for connector in 1...10 {
                    let clock = ContinuousClock()
                    let faulted = try await clock.measure {
                        _ = try await charger.call(
                            "StatusNotification",
                            Self.status(connector, round == 1 ? "Available" : "Faulted", round == 1 ? "NoError" : "OtherError")
                        )
                    }
                    let heartbeat = try await clock.measure { _ = try await charger.call("Heartbeat", [:]) }
                    roundTrips.withLock { $0 += [faulted, heartbeat] }
                }
            }
        }
        let times = roundTrips.withLock { $0 }.sorted()
        #expect(times.count == 60)
        // Usual round trips here are a few milliseconds; a sink waiting on a dead or hanging peer would add seconds.
        #expect(times[times.count / 2] < .milliseconds(200))
        #expect(times.last.map { $0 < .milliseconds(1000) } == true)
        // The working sink got every message: 10 opened, 10 resolved, 10 opened again (its rate limit is 20 a minute,
        // so the last 10 wait as held).
        let received = try await sandbox.waitForLines(20)
        #expect(received.count == 20)
        var sinks: [String: AlertSinkStatus] = [:]
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            let run = try await ControlEndToEndTests.ctl(server, ["alerts", "--json"])
            let answer = try JSONDecoder().decode(AlertsAnswer.self, from: Data(run.stdout.utf8))
            sinks = Dictionary(uniqueKeysWithValues: answer.sinks.map { ($0.name, $0) })
            if ["down", "hang", "stuck"].allSatisfy({ (sinks[$0]?.failures ?? 0) >= 2 }) { break }
            try await Task.sleep(for: .milliseconds(500))
        }
        #expect((sinks["down"]?.failures ?? 0) >= 2)
        #expect((sinks["hang"]?.failures ?? 0) >= 2)
        #expect((sinks["stuck"]?.failures ?? 0) >= 2)
        #expect(sinks["down"]?.sent == 0)
        #expect(sinks["script"]?.failures == 0)
        #expect(sinks["script"]?.sent == 20)
        #expect(sinks["script"]?.held == 10)
        // The same counts on /metrics, read by Prometheus' own parser.
        let scraped = try await MetricsEndToEndTests.scrape("http://127.0.0.1:\(try #require(server.httpPort))")
        let exposition = try await MetricsEndToEndTests.parse(scraped.text)
        for name in ["down", "hang", "stuck"] {
            let failures = exposition.value("ocpp_alert_sink_failures_total", ["sink": name]) ?? 0
            #expect(failures >= Double(sinks[name]?.failures ?? 2), "\(name): \(failures) on /metrics")
        }
        #expect(exposition.value("ocpp_alerts_sent_total", ["sink": "script"]) == 20)
        #expect(exposition.value("ocpp_alerts_open") == 10, "the third round's ten faults are open")
        // A charger keeps being answered at once while the sinks are still failing.
        try await TestCharger.connect(server.url, id: "ALERT-W2") { charger in
            let clock = ContinuousClock()
            let elapsed = try await clock.measure { _ = try await charger.call("BootNotification", Self.boot()) }
            #expect(elapsed < .milliseconds(1000))
        }
        let test = try await ControlEndToEndTests.ctl(server, ["alerts", "test", "down"])
        #expect(test.status == 1)
        #expect(test.stderr.contains("not delivered"))
        let good = try await ControlEndToEndTests.ctl(server, ["alerts", "test", "script"])
        #expect(good.status == 0)
        let unknown = try await ControlEndToEndTests.ctl(server, ["alerts", "test", "nope"])
        #expect(unknown.status == 1)
        #expect(await server.stop() == 0)
    }

    @Test func unknownAlertSettingIsAUsageError() async throws {
        let sandbox = try Sandbox(alerts: "alerts:\n  offline-afer: 5m\n")
        let run = try await ToolRun.run("ocpp-serve", ["--config", sandbox.config.path, "--listen", "127.0.0.1:0", "--socket", "none"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("offline-afer"))
    }
}
