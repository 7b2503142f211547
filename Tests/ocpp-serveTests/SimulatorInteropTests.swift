import Foundation
import Shared
import Testing

/// ocpp-sim against a central system it was not written with: Tests/interop/csms.py, built on PyPI's `ocpp`
/// (mobilityhouse) with its JSON-schema validation on, in a venv this test sets up.
@Suite struct SimulatorInteropTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func setUpVenv() async throws -> URL {
        let venv = FileManager.default.temporaryDirectory.appendingPathComponent("ocpp-tools-interop-venv")
        let setup = Process()
        setup.executableURL = URL(fileURLWithPath: "/bin/bash")
        setup.arguments = [repository.appendingPathComponent("Tests/interop/setup-venv.sh").path, venv.path]
        try setup.run()
        let exit = await ServePolicyTests.waitForExit(setup, seconds: 300)
        try #require(exit?.status == 0, "Tests/interop/setup-venv.sh failed (PyPI reachable?)")
        return venv
    }

    /// Both chargers answered (or failed) the script's last command, Reset, and booted again.
    static func scriptDone(_ report: URL) -> Bool {
        guard let data = try? Data(contentsOf: report), let result = try? JSONParser.parse(Array(data)) else { return false }
        return ["PY0001", "PY0002"].allSatisfy { id in
            let commands = result["chargers"]?[id]?["commands"]?.arrayValue ?? []
            let boots = (result["chargers"]?[id]?["received"]?.arrayValue ?? []).filter { $0["action"] == "BootNotification" }
            return commands.contains { $0["action"] == "Reset" } && boots.count >= 2
        }
    }

    @Test func theSimulatorWorksAgainstThePythonOCPPLibrary() async throws {
        let venv = try await Self.setUpVenv()
        let report = FileManager.default.temporaryDirectory.appendingPathComponent("interop-\(UUID().uuidString).json")
        let csms = Process()
        csms.executableURL = venv.appendingPathComponent("bin/python")
        csms.arguments = [Self.repository.appendingPathComponent("Tests/interop/csms.py").path, "--port", "0", "--report", report.path, "--command-script"]
        let out = Pipe()
        csms.standardOutput = out
        csms.standardError = FileHandle.nullDevice
        try csms.run()
        defer { if csms.isRunning { csms.terminate() } }
        let port = Locked<Int?>(nil)
        out.fileHandleForReading.readabilityHandler = { handle in
            let text = String(decoding: handle.availableData, as: UTF8.self)
            if let range = text.range(of: "listening on port "), let n = Int(text[range.upperBound...].prefix { $0.isNumber }) {
                port.withLock { $0 = n }
            }
        }
        for _ in 0..<200 where port.withLock({ $0 }) == nil { try await Task.sleep(for: .milliseconds(50)) }
        let csmsPort = try #require(port.withLock { $0 }, "csms.py did not start")

        // The run ends once the central system's script has reset both chargers and they booted again (SIGTERM),
        // not after a fixed time a loaded machine may not keep to.
        let sim = try await ToolRun.run(
            "ocpp-sim", ["--url", "ws://127.0.0.1:\(csmsPort)/ocpp", "--chargers", "2", "--prefix", "PY", "--profile", "ac22", "--scenario", "idle",
                         "--speed", "60", "--duration", "90", "--json"], timeout: 100, stopWhen: { Self.scriptDone(report) }
        )
        csms.terminate()
        if await ServePolicyTests.waitForExit(csms, seconds: 10) == nil {
            Issue.record("csms.py ignored SIGTERM")
            Foundation.kill(csms.processIdentifier, SIGKILL)
        }
        #expect(sim.status == 0, "\(sim.stdout.prefix(3000)) \(sim.stderr.suffix(2000))")
        let result = try JSONParser.parse(Array(try Data(contentsOf: report)))
        #expect(result["errors"] == .array([]), "the independent central system saw: \(result["errors"] ?? .null)")
        let simReport = try JSONParser.parse(sim.stdout)
        for id in ["PY0001", "PY0002"] {
            let charger = try #require(result["chargers"]?[id], "\(id) never reached the central system")
            #expect(charger["boot"]?["chargePointVendor"] == "Etrel")
            let commands = charger["commands"]?.arrayValue ?? []
            let answers = Dictionary(commands.map { ($0["action"]?.stringValue ?? "", $0) }, uniquingKeysWith: { first, _ in first })
            for action in ["GetConfiguration", "ChangeConfiguration", "SetChargingProfile", "GetCompositeSchedule", "TriggerMessage",
                           "RemoteStartTransaction", "RemoteStopTransaction", "Reset"] {
                #expect(answers[action]?["error"] == .null, "\(id) \(action): \(answers[action] ?? .null)")
            }
            #expect(answers["ChangeConfiguration"]?["response"]?["status"] == "Accepted")
            #expect(answers["SetChargingProfile"]?["response"]?["status"] == "Accepted")
            #expect(answers["RemoteStartTransaction"]?["response"]?["status"] == "Accepted")
            #expect(answers["RemoteStopTransaction"]?["response"]?["status"] == "Accepted")
            let periods = answers["GetCompositeSchedule"]?["response"]?["chargingSchedule"]?["chargingSchedulePeriod"]?.arrayValue
            #expect(periods?.first?["limit"]?.numberValue?.double == 10, "the TxDefaultProfile of 10 A shows in the composite schedule")
            let keys = answers["GetConfiguration"]?["response"]?["configurationKey"]?.arrayValue ?? []
            #expect(keys.count > 30)
            // After Reset the charger boots again.
            let boots = (charger["received"]?.arrayValue ?? []).filter { $0["action"] == "BootNotification" }
            #expect(boots.count >= 2)
            // The transaction the central system started and stopped is the one the simulator ran.
            let stored = (charger["transactions"]?.arrayValue ?? []).filter { $0["meterStop"] != .null }
            let simulated = (simReport["sessions"]?.arrayValue ?? []).filter { $0["charger"]?.stringValue == id && $0["stopSent"] == true }
            #expect(stored.count == simulated.count && stored.count >= 1, "\(stored) vs \(simulated)")
            #expect(stored.first?["stopReason"] == "Remote")
            for session in simulated {
                let match = stored.first { $0["transactionId"] == session["transactionId"] }
                #expect(match?["meterStart"] == session["meterStart"] && match?["meterStop"] == session["meterStop"], "\(session)")
            }
        }
    }
}
