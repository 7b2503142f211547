import TestSupport
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Shared
import Testing

/// `GET /metrics` of the real binary, read by the reference parser (PyPI `prometheus-client`), against a scripted
/// charger whose messages are known one by one; and the Grafana dashboard's queries against what it exports.
@Suite struct MetricsEndToEndTests {
    /// One parsed exposition: sample name + labels → value.
    struct Exposition {
        var families: [String: String] = [:]
        var samples: [(name: String, labels: [String: String], value: Double)] = []

        func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
            samples.first { sample in sample.name == name && labels.allSatisfy { key, value in sample.labels[key] == value } }?.value
        }

        var sampleNames: Set<String> { Set(samples.map(\.name)) }
    }

    static func scrape(_ base: String) async throws -> (status: Int, contentType: String?, text: String) {
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        defer { _ = client.shutdown() }
        let response = try await client.execute(HTTPClientRequest(url: base + "/metrics"), timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 16 << 20)
        return (Int(response.status.code), response.headers.first(name: "Content-Type"), String(buffer: body))
    }

    /// Parses with `prometheus_client.parser.text_string_to_metric_families` (Tests/interop/parse_metrics.py).
    static func parse(_ text: String) async throws -> Exposition {
        let venv = try await SimulatorInteropTests.setUpVenv()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("metrics-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("metrics.txt")
        let output = directory.appendingPathComponent("parsed.json")
        try text.write(to: input, atomically: true, encoding: .utf8)
        FileManager.default.createFile(atPath: output.path, contents: nil)
        let process = Process()
        process.executableURL = venv.appendingPathComponent("bin/python")
        process.arguments = [SimulatorInteropTests.repository.appendingPathComponent("Tests/interop/parse_metrics.py").path]
        process.standardInput = try FileHandle(forReadingFrom: input)
        process.standardOutput = try FileHandle(forWritingTo: output)
        try process.run()
        let exit = await ServePolicyTests.waitForExit(process, seconds: 30)
        try #require(exit?.status == 0, "prometheus_client rejected the exposition:\n\(text.prefix(4000))")
        let json = try JSONParser.parse(Array(try Data(contentsOf: output)))
        var exposition = Exposition()
        for family in json["families"]?.arrayValue ?? [] {
            exposition.families[family["name"]?.stringValue ?? ""] = family["type"]?.stringValue
        }
        for sample in json["samples"]?.arrayValue ?? [] {
            var labels: [String: String] = [:]
            for member in sample["labels"]?.objectValue ?? JSONObject() { labels[member.key] = member.value.stringValue }
            let value = sample["value"].flatMap { Double($0.serialized()) } ?? .nan
            exposition.samples.append((sample["name"]?.stringValue ?? "", labels, value))
        }
        return exposition
    }

    static func meterValues(transaction: Int, registerValue: String, registerUnit: String) -> JSONValue {
        let samples: [JSONValue] = [
            ["value": "7200", "measurand": "Power.Active.Import", "unit": "W"],
            ["value": "31.5", "measurand": "Current.Import", "unit": "A", "phase": "L1"],
            ["value": "32", "measurand": "Current.Import", "unit": "A", "phase": "L2"],
            ["value": "55", "measurand": "SoC", "unit": "Percent"],
            ["value": .string(registerValue), "measurand": "Energy.Active.Import.Register", "unit": .string(registerUnit)],
        ]
        return [
            "connectorId": 1, "transactionId": .number(JSONNumber(transaction)),
            "meterValue": [["timestamp": .string(Timestamp.now.description), "sampledValue": .array(samples)]],
        ]
    }

    /// Runs the scripted charger MET-1: boot, `heartbeats` heartbeats, a faulted status with a zone-less timestamp
    /// (one repair), a session with two meter values (1000 Wh, then 1.5 kWh), an unknown action, a Reset from
    /// ocpp-ctl answered Accepted. Scrapes /metrics while it is still connected.
    static func runScriptedCharger(_ server: ServerProcess, base: String, heartbeats: Int) async throws -> String {
        let whileConnected = Locked("")
        try await TestCharger.connect(server.url, id: "MET-1") { charger in
            try await charger.call("BootNotification", ["chargePointVendor": "Test", "chargePointModel": "Metrics"])
            for _ in 0..<heartbeats { try await charger.call("Heartbeat", [:]) }
            try await charger.call(
                "StatusNotification",
                ["connectorId": 1, "status": "Faulted", "errorCode": "GroundFailure", "timestamp": "2026-01-01T10:00:00"]
            )
            let start = try await charger.call(
                "StartTransaction",
                ["connectorId": 1, "idTag": "TAG1", "meterStart": 1000, "timestamp": .string(Timestamp.now.description)]
            )
            let transaction = Int(start["transactionId"]?.serialized() ?? "") ?? 0
            try await charger.call("MeterValues", meterValues(transaction: transaction, registerValue: "1000", registerUnit: "Wh"))
            try await charger.call("MeterValues", meterValues(transaction: transaction, registerValue: "1.5", registerUnit: "kWh"))
            let unknown = try await charger.exchange(#"["MET-x","Bogus",{}]"#.replacingOccurrences(of: "[", with: "[2,"))
            #expect(unknown.first == 4)
            async let reset = ControlEndToEndTests.ctl(server, ["reset", "MET-1"])
            let command = try JSONParser.parse(try await charger.receive()).arrayValue ?? []
            #expect(command.count == 4 && command[2] == "Reset")
            try await charger.send(#"[3,\#(command[1].serialized()),{"status":"Accepted"}]"#)
            #expect(try await reset.status == 0)
            let scraped = try await scrape(base)
            whileConnected.withLock { $0 = scraped.text }
            try await charger.call(
                "StopTransaction",
                ["transactionId": .number(JSONNumber(transaction)), "meterStop": 1500, "timestamp": .string(Timestamp.now.description)]
            )
        }
        return whileConnected.withLock { $0 }
    }

    @Test(.serialized, arguments: TestStore.allCases) func countersMoveByExactlyWhatAScriptedChargerSent(store: TestStore) async throws {
        let server = try await ServerProcess(store: store, arguments: ["--http", "127.0.0.1:0", "--unknown-tags", "accept"])
        let base = "http://127.0.0.1:\(try #require(server.httpPort))"
        // A charger offering no subprotocol is refused (HTTP 400).
        await #expect(throws: (any Error).self) { try await TestCharger.connect(server.url, id: "MET-0", subprotocols: nil) { _ in } }

        let heartbeats = 7
        let during = try await Self.parse(try await Self.runScriptedCharger(server, base: base, heartbeats: heartbeats))
        // Disconnected: wait for its series to go (unregistering runs in a short task).
        var after = Exposition()
        for _ in 0..<50 {
            let scraped = try await Self.scrape(base)
            #expect(scraped.status == 200, "no token needed")
            #expect(scraped.contentType?.hasPrefix("text/plain") == true)
            after = try await Self.parse(scraped.text)
            if after.value("ocpp_chargers_connected") == 0, after.value("ocpp_power_watts") == nil { break }
            try await Task.sleep(for: .milliseconds(100))
        }

        func messages(_ action: String, _ result: String) -> Double? { after.value("ocpp_messages_in_total", ["action": action, "result": result]) }
        #expect(messages("Heartbeat", "callresult") == Double(heartbeats))
        #expect(messages("BootNotification", "callresult") == 1)
        #expect(messages("StatusNotification", "callresult") == 1)
        #expect(messages("StartTransaction", "callresult") == 1)
        #expect(messages("StopTransaction", "callresult") == 1)
        #expect(messages("MeterValues", "callresult") == 2)
        #expect(messages("Heartbeat", "callerror") == 0)
        #expect(messages("other", "callerror") == 1, "the unknown action")
        #expect(messages("none", "answer") == 1, "the answer to Reset")
        #expect(after.value("ocpp_callerrors_total", ["code": "NotImplemented", "direction": "sent"]) == 1)
        #expect(after.value("ocpp_message_roundtrip_seconds_count", ["action": "Heartbeat"]) == Double(heartbeats))
        #expect(after.value("ocpp_messages_out_total", ["action": "Reset", "result": "callresult"]) == 1)
        #expect(after.value("ocpp_command_seconds_count", ["action": "Reset"]) == 1)
        #expect(after.value("ocpp_repairs_total", ["kind": "timestampAssumedUTC"]) == 1)
        #expect(after.value("ocpp_faults_total", ["error_code": "GroundFailure"]) == 1)
        #expect(after.value("ocpp_connections_opened_total") == 1)
        #expect(after.value("ocpp_connections_closed_total") == 1)
        #expect(after.value("ocpp_connections_refused_total", ["reason": "subprotocol"]) == 1)
        #expect(after.value("ocpp_transactions_started_total") == 1)
        #expect(after.value("ocpp_transactions_stopped_total") == 1)
        #expect(after.value("ocpp_transactions_active") == 0)
        #expect(after.value("ocpp_energy_delivered_wh_total") == 500, "1000 Wh, then 1.5 kWh")
        #expect((after.value("ocpp_store_batch_size_count") ?? 0) >= 1)
        #expect((after.value("ocpp_store_commit_seconds_count") ?? 0) >= 1)
        #expect(after.families["ocpp_store_commit_seconds"] == "histogram" && after.families["ocpp_messages_in"] == "counter")
        #expect(after.value("ocpp_chargers_connected") == 0)
        #expect(after.value("ocpp_power_watts") == nil, "a disconnected charger's series are removed")

        let charger = ["charger": "MET-1", "connector": "1"]
        #expect(during.value("ocpp_chargers_connected") == 1)
        #expect(during.value("ocpp_transactions_active") == 1)
        #expect(during.value("ocpp_power_watts", charger) == 7200)
        #expect(during.value("ocpp_current_amperes", charger) == 32, "the highest phase")
        #expect(during.value("ocpp_soc_percent", charger) == 55)
        #expect(during.value("ocpp_energy_register_wh", charger) == 1500)
        #expect(during.value("ocpp_connectors", ["status": "Faulted"]) == 1)
        #expect(await server.stop() == 0)
    }

    @Test(.serialized, arguments: TestStore.allCases) func everyDashboardQueryNamesAMetricTheServerExports(store: TestStore) async throws {
        let path = SimulatorInteropTests.repository.appendingPathComponent("dashboards/ocpp-tools.json")
        let dashboard = try JSONParser.parse(Array(try Data(contentsOf: path)))
        #expect(dashboard["title"]?.stringValue?.isEmpty == false)
        let panels = (dashboard["panels"]?.arrayValue ?? []).flatMap { [$0] + ($0["panels"]?.arrayValue ?? []) }
        try #require(panels.count >= 8)

        let server = try await ServerProcess(store: store, arguments: ["--http", "127.0.0.1:0", "--unknown-tags", "accept"])
        let base = "http://127.0.0.1:\(try #require(server.httpPort))"
        let exported = try await Self.parse(try await Self.runScriptedCharger(server, base: base, heartbeats: 1)).sampleNames
        let metricName = try Regex(#"ocpp_[a-z_]+"#)
        var queried = 0
        for panel in panels where panel["type"]?.stringValue != "row" {
            let title = panel["title"]?.stringValue ?? "?"
            let targets = panel["targets"]?.arrayValue ?? []
            #expect(!targets.isEmpty, "panel \(title) has no query")
            for target in targets {
                let expr = try #require(target["expr"]?.stringValue, "panel \(title): a target without expr")
                let names = expr.matches(of: metricName).map { String(expr[$0.range]) }
                #expect(!names.isEmpty, "panel \(title): \(expr) names no ocpp_ metric")
                for name in names {
                    queried += 1
                    #expect(exported.contains(name), "panel \(title) queries \(name), which /metrics does not export")
                }
            }
        }
        #expect(queried > 10)
        #expect(await server.stop() == 0)
    }
}
