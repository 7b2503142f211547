import TestSupport
import Foundation
import Shared
import Testing

/// ocpp-serve against a charge point it was not written with: Tests/interop/charger.py, built on PyPI's `ocpp`
/// (mobilityhouse, schema validation on) and `websockets`, in the venv `SimulatorInteropTests` sets up.
@Suite struct ServeInteropTests {
    @Test(.serialized, arguments: TestStore.allCases) func aPythonChargePointRunsASessionAndTakesAReset(store: TestStore) async throws {
        let venv = try await SimulatorInteropTests.setUpVenv()
        let server = try await ServerProcess(store: store, arguments: ["--unknown-tags", "accept"])
        let charger = Process()
        charger.executableURL = venv.appendingPathComponent("bin/python")
        charger.arguments = [
            SimulatorInteropTests.repository.appendingPathComponent("Tests/interop/charger.py").path, "--url", server.url, "--id", "PYCP1",
        ]
        let lines = Locked<[String]>([])
        let errors = Locked("")
        let out = Pipe()
        let err = Pipe()
        charger.standardOutput = out
        charger.standardError = err
        out.fileHandleForReading.readabilityHandler = { handle in
            let text = String(decoding: handle.availableData, as: UTF8.self)
            lines.withLock { $0 += text.split(separator: "\n").map(String.init) }
        }
        err.fileHandleForReading.readabilityHandler = { handle in
            let text = String(decoding: handle.availableData, as: UTF8.self)
            errors.withLock { $0 += text }
        }
        try charger.run()
        defer { if charger.isRunning { charger.terminate() } }
        for _ in 0..<400 where !lines.withLock({ $0.contains("session done") }) && charger.isRunning {
            try await Task.sleep(for: .milliseconds(50))
        }
        try #require(lines.withLock { $0.contains("session done") }, "charger.py: \(errors.withLock { $0 })")

        // A command from the shell reaches the Python charge point over the same socket.
        let reset = try await ControlEndToEndTests.ctl(server, ["reset", "PYCP1"])
        #expect(reset.status == 0, "\(reset.stderr)")
        let exit = await ServePolicyTests.waitForExit(charger, seconds: 20)
        #expect(exit?.status == 0, "charger.py: \(errors.withLock { $0 })")
        out.fileHandleForReading.readabilityHandler = nil
        let last = try #require(lines.withLock { $0.last })
        let report = try JSONParser.parse(last)
        #expect(report["subprotocol"] == "ocpp1.6")
        let answers = report["answers"]
        #expect(answers?["boot"]?["status"] == "Accepted")
        #expect(answers?["boot"]?["interval"] == 300)
        #expect(answers?["authorize"] == "Accepted")
        #expect(answers?["start"]?["status"] == "Accepted")
        #expect(answers?["stop"] == "Accepted")
        #expect(report["served"] == [["action": "Reset", "type": "Soft"]])

        let transactionID = try #require(answers?["start"]?["transactionId"]?.numberValue?.int)
        let stored = try await server.openDatabase().read { db in
            (
                try db.fetchOne(sql: "SELECT meter_start, meter_stop, stop_reason FROM transactions WHERE id = ?", arguments: [transactionID]),
                try db.fetchValues(Double.self, sql: "SELECT value FROM meter_values WHERE transaction_id = ? AND measurand = 'SoC' ORDER BY at_ms", arguments: [transactionID]),
                try db.fetchValues(Double.self, sql: "SELECT value FROM meter_values WHERE transaction_id = ? AND measurand = 'Power.Active.Import'", arguments: [transactionID]),
                try db.fetchValue(Int.self, sql: "SELECT count(*) FROM frames WHERE charger_id = 'PYCP1' AND action = 'Reset'")
            )
        }
        #expect(stored.0?["meter_start"] == 1000)
        #expect(stored.0?["meter_stop"] == 2500)
        #expect(stored.0?["stop_reason"] == "Local")
        #expect(stored.1 == [40, 41, 42])
        #expect(stored.2 == [7200, 7200, 7200])
        #expect(stored.3 == 1)
        #expect(await server.stop() == 0)
    }
}
