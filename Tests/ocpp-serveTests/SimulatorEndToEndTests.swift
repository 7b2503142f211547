import TestSupport
import Foundation
import Shared
import Testing

/// ocpp-sim against ocpp-serve: both real binaries on loopback, the server's database read afterwards.
@Suite struct SimulatorEndToEndTests {
    static func sim(_ server: ServerProcess, _ arguments: [String], timeout: Double = 120) async throws -> ToolRun {
        try await ToolRun.run("ocpp-sim", ["--url", server.url, "--json"] + arguments, timeout: timeout)
    }

    /// The server's database, read-only, on either engine.
    static func database(_ server: ServerProcess) async throws -> any SQLStore {
        try await server.openDatabase()
    }

    /// Starts a simulator that keeps running (idle scenario) and returns it with a way to stop it and read its report.
    static func background(_ server: ServerProcess, _ arguments: [String]) throws -> (Process, URL) {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("ocpp-sim-\(UUID().uuidString).json")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        let process = Process()
        process.executableURL = ServerProcess.binary("ocpp-sim")
        process.arguments = ["--url", server.url, "--json"] + arguments
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = FileHandle.nullDevice
        try process.run()
        return (process, output)
    }

    /// Bad load-mode figures are usage errors: one line naming the flag, exit 2, before any connection.
    @Test(arguments: [["--rate", "0"], ["--warmup", "-1"]]) func badLoadFiguresAreUsageErrors(arguments: [String]) async throws {
        let run = try await ToolRun.run("ocpp-sim", ["--url", "ws://127.0.0.1:9/ocpp"] + arguments)
        #expect(run.status == 2, "\(arguments): \(run.stderr)")
        #expect(run.stderrLines.count == 1 && run.stderr.contains(arguments[0]), "\(run.stderr)")
    }

    static func waitUntil(seconds: Double = 30, _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("condition not met within \(seconds) s")
    }

    static func connected(_ server: ServerProcess, _ id: String) async throws -> Bool {
        let run = try await ControlEndToEndTests.ctl(server, ["charger", id, "--json"])
        return run.status == 0 && (try? JSONParser.parse(run.stdout)["summary"]?["connected"]) == .bool(true)
    }

    /// Every session the simulator reports is stored with the same meter readings, and its energy is the energy
    /// the simulated vehicle received.
    @Test(arguments: ["ac7", "ac22", "dc54", "dc24"])
    func aFleetOfEachTemplateStoresTheEnergyItSimulated(template: String) async throws {
        let server = try await ServerProcess(arguments: ["--unknown-tags", "accept"])
        let run = try await Self.sim(server, ["--chargers", "3", "--prefix", "E2E-\(template)-", "--profile", template, "--scenario", "once", "--speed", "1200", "--duration", "100"])
        #expect(run.status == 0, "\(run.stdout.prefix(2000)) \(run.stderr.suffix(2000))")
        let report = try JSONParser.parse(run.stdout)
        let sessions = report["sessions"]?.arrayValue ?? []
        #expect(sessions.count == 3)
        let db = try await Self.database(server)
        for session in sessions {
            let id = try #require(session["transactionId"]?.numberValue?.int)
            let row = try await db.read { db in
                try db.fetchOne(sql: "SELECT charger_id, meter_start, meter_stop, stop_reason FROM transactions WHERE id = ?", arguments: [id])
            }
            let stored = try #require(row)
            let meterStart = session["meterStart"]?.numberValue?.int
            let meterStop = session["meterStop"]?.numberValue?.int
            #expect(stored["charger_id"] as String? == session["charger"]?.stringValue)
            #expect(stored["meter_start"] as Int? == meterStart && stored["meter_stop"] as Int? == meterStop)
            #expect(stored["stop_reason"] as String? == session["stopReason"]?.stringValue)
            let simulatedWh = session["energyWh"]?.numberValue?.double ?? -1
            #expect(abs(Double((meterStop ?? 0) - (meterStart ?? 0)) - simulatedWh) <= 1, "\(session)")
            #expect(simulatedWh > 1_000)
            // The register samples the server stored end at the meter reading of StopTransaction.
            let lastRegister = try await db.read { db in
                try db.fetchValue(Double.self, sql: """
                    SELECT value FROM meter_values WHERE transaction_id = ? AND measurand = 'Energy.Active.Import.Register'
                    ORDER BY at_ms DESC LIMIT 1
                    """, arguments: [id])
            }
            #expect(lastRegister == Double(meterStop ?? 0))
        }
        #expect(await server.stop() == 0)
    }

    /// A TxDefaultProfile of 10 A on a three-phase AC charger: the vehicle (an e-tron, 3 × 16 A) draws 10 A per phase.
    @Test(.serialized, arguments: TestStore.allCases) func aTxDefaultProfileOfTenAmpsLimitsTheDrawnCurrent(store: TestStore) async throws {
        let server = try await ServerProcess(store: store, arguments: ["--unknown-tags", "accept"])
        let (sim, output) = try Self.background(server, ["--prefix", "LIM", "--profile", "ac22", "--scenario", "idle", "--speed", "60", "--vehicle", "etron"])
        try await Self.waitUntil { try await Self.connected(server, "LIM0001") }
        let set = try await ControlEndToEndTests.ctl(server, ["profile", "set", "LIM0001", "--connector", "0", "--purpose", "default", "--stack", "0", "--limit", "10", "--unit", "A"])
        #expect(set.status == 0, "\(set.stdout) \(set.stderr)")
        let schedule = try await ControlEndToEndTests.ctl(server, ["schedule", "LIM0001", "--connector", "1", "--duration", "3600", "--unit", "A", "--json"])
        #expect(schedule.stdout.contains("\"limit\":10") || schedule.stdout.contains("\"limit\" : 10"), "\(schedule.stdout)")
        let start = try await ControlEndToEndTests.ctl(server, ["start", "LIM0001", "--tag", "FLEET01", "--connector", "1"])
        #expect(start.status == 0, "\(start.stdout) \(start.stderr)")
        let db = try await Self.database(server)
        let query = "SELECT value FROM meter_values WHERE charger_id = 'LIM0001' AND measurand = 'Current.Import' AND context = 'Sample.Periodic' AND value > 0"
        try await Self.waitUntil { try await db.read { db in try db.fetchValues(Double.self, sql: query) }.count >= 9 }
        let currents = try await db.read { db in try db.fetchValues(Double.self, sql: query) }
        #expect(currents.count >= 9)
        for current in currents { #expect(abs(current - 10) <= 0.1, "drawn \(current) A") }
        print("TxDefaultProfile 10 A: drawn per-phase currents \(currents.prefix(9))")
        sim.terminate()
        sim.waitUntilExit()
        _ = output
        #expect(await server.stop() == 0)
    }

    /// A daily recurring ChargePointMaxProfile of 8 A from 10:05 to 10:15 (simulated time, --speed 60): the power is
    /// capped inside that window and not outside it.
    @Test(.serialized, arguments: TestStore.allCases) func aDailyRecurringProfileCapsPowerOnlyInsideItsWindow(store: TestStore) async throws {
        let server = try await ServerProcess(store: store, arguments: ["--unknown-tags", "accept"])
        let (sim, _) = try Self.background(
            server, ["--prefix", "GEN", "--profile", "ac22", "--scenario", "idle", "--speed", "60", "--vehicle", "etron", "--start", "2026-01-05T10:00:00Z"]
        )
        try await Self.waitUntil { try await Self.connected(server, "GEN0001") }
        let profile = """
            {"chargingProfileId": 31, "stackLevel": 1, "chargingProfilePurpose": "ChargePointMaxProfile", "chargingProfileKind": "Recurring",
             "recurrencyKind": "Daily", "chargingSchedule": {"duration": 600, "startSchedule": "2026-01-01T10:05:00Z", "chargingRateUnit": "A",
             "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 8}]}}
            """
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("generator-\(UUID().uuidString).json")
        try profile.write(to: file, atomically: true, encoding: .utf8)
        let set = try await ControlEndToEndTests.ctl(server, ["profile", "set", "GEN0001", "--connector", "0", "--json-file", file.path])
        #expect(set.status == 0, "\(set.stdout) \(set.stderr)")
        let start = try await ControlEndToEndTests.ctl(server, ["start", "GEN0001", "--tag", "FLEET02", "--connector", "1"])
        #expect(start.status == 0)
        let db = try await Self.database(server)
        let window = (Timestamp(parsing: "2026-01-05T10:05:00Z")?.milliseconds ?? 0, Timestamp(parsing: "2026-01-05T10:15:00Z")?.milliseconds ?? 0)
        let query = "SELECT at_ms, value FROM meter_values WHERE charger_id = 'GEN0001' AND measurand = 'Power.Active.Import' AND context = 'Sample.Periodic'"
        try await Self.waitUntil(seconds: 45) {
            try await db.read { db in try db.fetchValue(Int64.self, sql: "SELECT max(at_ms) FROM meter_values WHERE charger_id = 'GEN0001'") ?? 0 } > window.1 + 180_000
        }
        let samples: [(Int64, Double)] = try await db.read { db in
            try db.fetchAll(sql: query).map { row -> (Int64, Double) in (row["at_ms"], row["value"]) }
        }
        var inside: [Double] = []
        var outside: [Double] = []
        for (at, watts) in samples {
            // Samples within a minute of an edge may straddle it.
            if at >= window.0 + 60_000 && at < window.1 - 60_000 { inside.append(watts) }
            if at < window.0 - 60_000 || at >= window.1 + 60_000 { outside.append(watts) }
        }
        print("recurring profile: inside window \(inside.map { Int($0) }), outside \(outside.map { Int($0) })")
        #expect(inside.count >= 5 && outside.count >= 3)
        // 8 A × 3 phases × 230 V ≈ 5.5 kW (±1 % voltage); unlimited the e-tron takes 16 A ≈ 11 kW.
        for watts in inside { #expect(watts > 5_300 && watts < 5_600, "inside: \(watts) W") }
        for watts in outside { #expect(watts > 10_700, "outside: \(watts) W") }
        sim.terminate()
        sim.waitUntilExit()
        #expect(await server.stop() == 0)
    }

    /// Every central-system command reaches a simulated charger through ocpp-ctl and gets the answer a real charger
    /// gives: read-only keys and bad values refused, a reset followed by a new boot, firmware and diagnostics status
    /// sequences, reservations, availability, remote start and stop.
    @Test(.serialized, arguments: TestStore.allCases) func everyCommandIsAnsweredAsARealChargerWould(store: TestStore) async throws {
        let server = try await ServerProcess(store: store, arguments: ["--unknown-tags", "accept"])
        let (sim, _) = try Self.background(server, ["--prefix", "CMD", "--profile", "ac22", "--scenario", "idle", "--speed", "60"])
        try await Self.waitUntil { try await Self.connected(server, "CMD0001") }
        func ctl(_ arguments: String..., exit: Int32, contains text: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) async throws {
            let run = try await ControlEndToEndTests.ctl(server, arguments)
            #expect(run.status == exit, "\(arguments): \(run.stdout) \(run.stderr)", sourceLocation: sourceLocation)
            if let text { #expect(run.stdout.contains(text), "\(arguments): \(run.stdout)", sourceLocation: sourceLocation) }
        }
        let db = try await Self.database(server)
        func statuses(_ action: String) async throws -> [String] {
            try await db.read { db in
                try db.fetchValues(String.self, sql: "SELECT text FROM frames WHERE charger_id = 'CMD0001' AND action = ? AND message_type = 2 ORDER BY id", arguments: [action])
            }.compactMap { try? JSONParser.parse($0).arrayValue?[3]["status"]?.stringValue }
        }
        try await ctl("config", "get", "CMD0001", "HeartbeatInterval", "NoSuchKey", exit: 0, contains: "HeartbeatInterval")
        try await ctl("config", "set", "CMD0001", "MeterValueSampleInterval", "30", exit: 0)
        try await ctl("config", "set", "CMD0001", "ClockAlignedDataInterval", "60", exit: 0)
        try await ctl("config", "set", "CMD0001", "NumberOfConnectors", "3", exit: 1, contains: "Rejected")
        try await ctl("config", "set", "CMD0001", "HeartbeatInterval", "often", exit: 1, contains: "Rejected")
        try await ctl("config", "set", "CMD0001", "MeterValuesSampledData", "Energy.Active.Import.Register,RPM", exit: 1, contains: "Rejected")
        try await ctl("config", "set", "CMD0001", "NoSuchKey", "1", exit: 1, contains: "NotSupported")
        try await ctl("clear-cache", "CMD0001", exit: 0)
        try await ctl("data-transfer", "CMD0001", "--vendor", "org.ocpp-tools.sim", "--data", "abc", exit: 0, contains: "cba")
        try await ctl("data-transfer", "CMD0001", "--vendor", "com.other", exit: 1, contains: "UnknownVendorId")
        try await ctl("local-list", "send", "CMD0001", "--version", "3", "--full", "TAG1:Accepted", "TAG2:Blocked", exit: 0)
        try await ctl("local-list", "send", "CMD0001", "--version", "2", "--differential", "TAG3:Accepted", exit: 1, contains: "VersionMismatch")
        try await ctl("local-list", "version", "CMD0001", exit: 0, contains: "3")
        try await ctl("profile", "set", "CMD0001", "--connector", "1", "--purpose", "tx", "--stack", "0", "--limit", "16", "--unit", "A", exit: 1, contains: "Rejected")
        try await ctl("schedule", "CMD0001", "--connector", "1", "--duration", "600", "--unit", "W", exit: 0, contains: "22080")
        try await ctl("trigger", "CMD0001", "MeterValues", "--connector", "1", exit: 0)
        try await ctl("reserve", "CMD0001", "--connector", "1", "--tag", "TAG1", "--expires", "+2h", "--reservation-id", "77", exit: 0)
        try await ctl("reserve", "CMD0001", "--connector", "1", "--tag", "TAG2", "--expires", "+2h", "--reservation-id", "78", exit: 1, contains: "Occupied")
        try await ctl("cancel-reservation", "CMD0001", "77", exit: 0)
        try await ctl("cancel-reservation", "CMD0001", "77", exit: 1, contains: "Rejected")
        try await ctl("availability", "CMD0001", "1", "inoperative", exit: 0)
        try await ctl("start", "CMD0001", "--tag", "TAG1", "--connector", "1", exit: 1, contains: "Rejected")
        try await ctl("availability", "CMD0001", "1", "operative", exit: 0)
        try await ctl("unlock", "CMD0001", "1", exit: 0, contains: "Unlocked")
        try await ctl("start", "CMD0001", "--tag", "TAG1", "--connector", "1", exit: 0)
        try await Self.waitUntil {
            try await db.read { db in try db.fetchValue(Int.self, sql: "SELECT count(*) FROM transactions WHERE charger_id = 'CMD0001' AND stop_ms IS NULL") } == 1
        }
        let transaction = try await db.read { db in try db.fetchValue(Int.self, sql: "SELECT id FROM transactions WHERE charger_id = 'CMD0001'") } ?? 0
        // Scheduled (after the running transaction) is exit 1 per cli.md: not done yet.
        try await ctl("availability", "CMD0001", "1", "inoperative", exit: 1, contains: "Scheduled")
        try await ctl("stop", "CMD0001", String(transaction), exit: 0)
        try await Self.waitUntil {
            try await db.read { db in try db.fetchValue(String.self, sql: "SELECT stop_reason FROM transactions WHERE id = ?", arguments: [transaction]) } == "Remote"
        }
        try await ctl("stop", "CMD0001", String(transaction), exit: 1, contains: "Rejected")
        try await ctl("diagnostics", "CMD0001", "--location", "ftp://logs.example.com/upload/", exit: 0, contains: "diagnostics-CMD0001")
        try await ctl("firmware", "CMD0001", "--location", "https://updates.example.com/fw.bin", exit: 0)
        try await Self.waitUntil { try await statuses("FirmwareStatusNotification").last == "Installed" }
        #expect(try await statuses("FirmwareStatusNotification") == ["Downloading", "Downloaded", "Installing", "Installed"])
        #expect(try await statuses("DiagnosticsStatusNotification") == ["Uploading", "Uploaded"])
        let boots = try await db.read { db in
            try db.fetchValues(String.self, sql: "SELECT text FROM frames WHERE charger_id = 'CMD0001' AND action = 'BootNotification' AND message_type = 2")
        }
        #expect(boots.count == 2 && boots.last?.contains("+update") == true, "the firmware update reboots with a new version")
        try await ctl("reset", "CMD0001", "--hard", exit: 0)
        try await Self.waitUntil {
            try await db.read { db in
                try db.fetchValue(Int.self, sql: "SELECT count(*) FROM frames WHERE charger_id = 'CMD0001' AND action = 'BootNotification' AND message_type = 2")
            } == 3
        }
        // Inoperative was scheduled during the transaction and survives the reboots.
        try await ctl("start", "CMD0001", "--tag", "TAG1", "--connector", "1", exit: 1, contains: "Rejected")
        try await ctl("call", "CMD0001", "GetConfiguration", #"{"key":["NoSuchKey"]}"#, exit: 0, contains: "NoSuchKey")
        try await ctl("call", "CMD0001", "Reset", #"{"type":"Sometimes"}"#, exit: 1)
        let aligned = try await db.read { db in
            try db.fetchValue(Int.self, sql: "SELECT count(*) FROM meter_values WHERE charger_id = 'CMD0001' AND context = 'Sample.Clock'")
        }
        #expect((aligned ?? 0) > 0, "ClockAlignedDataInterval 60 gives Sample.Clock meter values")
        sim.terminate()
        sim.waitUntilExit()
        #expect(await server.stop() == 0)
    }

    /// Chargers with every payload quirk (wrong case, "null" strings, empty strings, numbers as strings, timestamps
    /// without zone, over-long strings, unknown measurands) are answered, never refused, and the repairs recorded.
    @Test(.serialized, arguments: TestStore.allCases) func quirkyChargersAreServedAndTheirRepairsRecorded(store: TestStore) async throws {
        let server = try await ServerProcess(store: store, arguments: ["--unknown-tags", "accept"])
        var arguments = ["--chargers", "2", "--prefix", "QRK", "--profile", "ac7", "--scenario", "once", "--speed", "2400", "--duration", "60"]
        for quirk in ["wrong-case", "null-strings", "empty-strings", "numbers-as-strings", "no-zone", "long-strings", "unknown-measurands"] {
            arguments += ["--quirk", quirk]
        }
        let run = try await Self.sim(server, arguments)
        #expect(run.status == 0, "\(run.stdout.prefix(3000))")
        let report = try JSONParser.parse(run.stdout)
        #expect(report["messages"]?["callErrors"] == 0 && report["sessions"]?.arrayValue?.count == 2)
        let db = try await Self.database(server)
        let repaired = try await db.read { db in
            try db.fetchValues(String.self, sql: "SELECT DISTINCT action FROM frames WHERE charger_id LIKE 'QRK%' AND repairs IS NOT NULL AND repairs != '[]' ORDER BY action")
        }
        for action in ["BootNotification", "MeterValues", "StartTransaction", "StatusNotification", "StopTransaction"] {
            #expect(repaired.contains(action), "\(action) not repaired: \(repaired)")
        }
        let serials = try await db.read { db in try db.fetchValues(String.self, sql: "SELECT charge_box_serial_number FROM chargers WHERE id LIKE 'QRK%'") }
        #expect(serials.count == 2 && serials.allSatisfy { $0.hasPrefix("SN-") }, "the over-long serial, given in wrong case, is stored: \(serials)")
        #expect(await server.stop() == 0)
    }

    /// Fault injection: a reboot loop (three boots in a row) and a Faulted connector before each session; the
    /// sessions still complete.
    @Test(.serialized, arguments: TestStore.allCases) func faultsAreInjectedAndSurvived(store: TestStore) async throws {
        let server = try await ServerProcess(store: store, arguments: ["--unknown-tags", "accept"])
        let run = try await Self.sim(server, ["--chargers", "2", "--prefix", "FLT", "--profile", "dc54", "--scenario", "once", "--speed", "1200",
                                              "--fault-rate", "1", "--reboot-loop", "2", "--duration", "100"])
        #expect(run.status == 0, "\(run.stdout.prefix(2000))")
        #expect((try JSONParser.parse(run.stdout))["sessions"]?.arrayValue?.count == 2)
        let db = try await Self.database(server)
        let boots = try await db.read { db in
            try db.fetchValue(Int.self, sql: "SELECT count(*) FROM frames WHERE charger_id LIKE 'FLT%' AND action = 'BootNotification' AND message_type = 2")
        }
        #expect(boots == 6, "each charger booted three times")
        let faults = try await db.read { db in
            try db.fetchValues(String.self, sql: "SELECT text FROM frames WHERE charger_id LIKE 'FLT%' AND action = 'StatusNotification' AND text LIKE '%Faulted%'")
        }
        #expect(faults.count >= 2 && faults.allSatisfy { !$0.contains("\"NoError\"") }, "\(faults)")
        #expect(await server.stop() == 0)
    }

    /// The same seed gives the same drivers, vehicles and states of charge.
    @Test(.serialized, arguments: TestStore.allCases) func theSameSeedGivesTheSameRun(store: TestStore) async throws {
        let server = try await ServerProcess(store: store, arguments: ["--unknown-tags", "accept"])
        func sessions(prefix: String, seed: String) async throws -> [String] {
            let run = try await Self.sim(server, ["--chargers", "3", "--prefix", prefix, "--profile", "dc24", "--scenario", "once", "--speed", "2400", "--seed", seed])
            #expect(run.status == 0)
            return (try JSONParser.parse(run.stdout)["sessions"]?.arrayValue ?? []).map {
                "\($0["connectorId"] ?? .null) \($0["vehicle"] ?? .null) \($0["startSoC"] ?? .null) \($0["meterStart"] ?? .null)"
            }.sorted()
        }
        let first = try await sessions(prefix: "SEEDA", seed: "42")
        let second = try await sessions(prefix: "SEEDA", seed: "42")
        let other = try await sessions(prefix: "SEEDA", seed: "43")
        #expect(first.count == 3 && first == second, "\(first) vs \(second)")
        #expect(first != other)
        #expect(await server.stop() == 0)
    }

    /// Connections dropped every few simulated minutes: transaction messages wait in the charger's queue and arrive
    /// in order after the reconnect; nothing is lost.
    @Test(.serialized, arguments: TestStore.allCases) func droppedConnectionsLoseNoTransactionMessage(store: TestStore) async throws {
        let server = try await ServerProcess(store: store, arguments: ["--unknown-tags", "accept"])
        let run = try await Self.sim(server, ["--chargers", "2", "--prefix", "DROP", "--profile", "ac22", "--scenario", "once", "--speed", "1200", "--drop-every", "900", "--duration", "100"])
        #expect(run.status == 0, "\(run.stdout.prefix(2000))")
        let report = try JSONParser.parse(run.stdout)
        #expect(report["messages"]?["discarded"] == 0)
        let sessions = report["sessions"]?.arrayValue ?? []
        #expect(sessions.count == 2)
        let db = try await Self.database(server)
        let connections = try await db.read { db in try db.fetchValue(Int.self, sql: "SELECT count(*) FROM events WHERE kind = 'connect' AND charger_id LIKE 'DROP%'") }
        #expect((connections ?? 0) > 2, "the connections were dropped and re-established")
        for session in sessions {
            let id = try #require(session["transactionId"]?.numberValue?.int)
            let stored = try await db.read { db in try db.fetchValue(Int.self, sql: "SELECT meter_stop - meter_start FROM transactions WHERE id = ?", arguments: [id]) }
            #expect(stored == (session["meterStop"]?.numberValue?.int ?? 0) - (session["meterStart"]?.numberValue?.int ?? 0))
            // Arrival order is time order: the register never falls between consecutive stored samples.
            let registers = try await db.read { db in
                try db.fetchValues(Double.self, sql: """
                    SELECT value FROM meter_values WHERE transaction_id = ? AND measurand = 'Energy.Active.Import.Register' ORDER BY id
                    """, arguments: [id])
            }
            #expect(registers.count > 5)
            #expect(registers == registers.sorted(), "samples arrived out of order")
        }
        #expect(await server.stop() == 0)
    }
}
