import Foundation
import Shared
import TestSupport
import Testing

/// ocpp-report on databases that ocpp-serve wrote while ocpp-sim drove it (--speed 600): the report's numbers are the
/// simulator's, each data-quality flag comes from its quirk and from nothing else, and the SVG curves show the
/// vehicles' tapers. Each runs on SQLite and on PostgreSQL (server and report on the same `--db`). Serialized:
/// parallel simulators would load the machine and blur the simulated clocks.
@Suite(.serialized) struct ReportEndToEndTests {
    static func report(_ server: ServerProcess, _ arguments: [String]) async throws -> ToolRun {
        try await ToolRun.run("ocpp-report", ["--db", server.databaseArgument] + arguments, timeout: 60)
    }

    static func json(_ run: ToolRun) throws -> [JSONValue] {
        try JSONParser.parse(run.stdout).arrayValue ?? []
    }

    /// Runs the simulator to the end of its scenario and returns its sessions.
    static func simulate(_ server: ServerProcess, _ arguments: [String]) async throws -> [JSONValue] {
        let run = try await SimulatorEndToEndTests.sim(server, ["--speed", "600", "--duration", "100"] + arguments, timeout: 150)
        #expect(run.status == 0, "\(run.stdout.prefix(1500)) \(run.stderr.suffix(1500))")
        return try JSONParser.parse(run.stdout)["sessions"]?.arrayValue ?? []
    }

    static func ms(_ text: String?) -> Int64 { text.flatMap { Timestamp(parsing: $0)?.milliseconds } ?? 0 }

    /// A window around the simulator's sessions.
    static func window(_ sessions: [JSONValue]) -> [String] {
        let starts = sessions.map { ms($0["start"]?.stringValue) }
        let stops = sessions.map { ms($0["stop"]?.stringValue) }.filter { $0 > 0 }
        let since = (starts.min() ?? 0) - 3_600_000
        let until = (stops.max() ?? starts.max() ?? 0) + 3_600_000
        return ["--since", Timestamp(milliseconds: since).description, "--until", Timestamp(milliseconds: until).description]
    }

    /// Clean chargers (no quirks): every session's meter readings, energy, SoC, duration, power and stop reason are
    /// the simulator's; the summary's sessions, energy and hours are its totals; no flag anywhere.
    @Test(arguments: TestStore.allCases)
    func sessionsAndSummaryEqualTheSimulatorsTotals(store: TestStore) async throws {
        let server = try await ServerProcess(store: store, arguments: ["--unknown-tags", "accept"])
        var simulated = try await Self.simulate(
            server,
            ["--chargers", "2", "--prefix", "RDC", "--profile", "dc24", "--scenario", "once", "--no-quirks"]
        )
        simulated += try await Self.simulate(
            server,
            ["--chargers", "2", "--prefix", "RAC", "--profile", "ac22", "--scenario", "once", "--no-quirks"]
        )
        #expect(simulated.count == 4)
        let sessionsRun = try await Self.report(server, ["sessions", "--format", "json"] + Self.window(simulated))
        #expect(sessionsRun.status == 0, "\(sessionsRun.stderr)")
        let rows = try Self.json(sessionsRun)
        #expect(rows.count == simulated.count)
        for sim in simulated {
            let id = sim["transactionId"]?.numberValue?.int ?? -1
            let row = try #require(rows.first { $0["transaction_id"]?.numberValue?.int == id }, "transaction \(id)")
            #expect(row["charger"] == sim["charger"] && row["connector"] == sim["connectorId"])
            #expect(row["meter_start_wh"] == sim["meterStart"] && row["meter_stop_wh"] == sim["meterStop"])
            let energy = (row["energy_kwh"]?.numberValue?.double ?? -1) * 1000
            let simulatedEnergy = sim["energyWh"]?.numberValue?.double ?? -2
            #expect(abs(energy - simulatedEnergy) <= 1.01, "\(id): report \(energy) Wh, simulator \(simulatedEnergy) Wh")
            #expect(row["stop_reason"] == sim["stopReason"])
            let duration = Double(Self.ms(sim["stop"]?.stringValue) - Self.ms(sim["start"]?.stringValue)) / 1000
            #expect(abs((row["duration_s"]?.numberValue?.double ?? 0) - duration) <= 1.5, "\(id): \(row["duration_s"] ?? .null) vs \(duration)")
            let maxPower = (row["max_power_kw"]?.numberValue?.double ?? 0) * 1000
            let simulatedPower = sim["maxPowerW"]?.numberValue?.double ?? 0
            #expect(abs(maxPower - simulatedPower) <= 0.03 * simulatedPower, "\(id): \(maxPower) W vs \(simulatedPower) W")
            if row["charger"]?.stringValue?.hasPrefix("RDC") == true {
                #expect(abs((row["soc_start_pct"]?.numberValue?.double ?? -9) - (sim["startSoC"]?.numberValue?.double ?? 0)) <= 1)
                #expect(abs((row["soc_end_pct"]?.numberValue?.double ?? -9) - (sim["endSoC"]?.numberValue?.double ?? 0)) <= 1)
            } else {
                #expect(row["soc_start_pct"] == .null, "AC chargers report no SoC")
            }
            #expect(row["flags"] == .array([]), "\(id): \(row["flags"] ?? .null)")
        }

        let summaryRun = try await Self.report(server, ["summary", "--format", "json"] + Self.window(simulated))
        #expect(summaryRun.status == 0, "\(summaryRun.stderr)")
        let summary = try Self.json(summaryRun)
        #expect(summary.count == 4)
        for charger in summary {
            let name = charger["charger"]?.stringValue ?? ""
            let mine = simulated.filter { $0["charger"]?.stringValue == name }
            #expect(charger["sessions"]?.numberValue?.int == mine.count)
            let energy = mine.reduce(0.0) { $0 + ($1["energyWh"]?.numberValue?.double ?? 0) } / 1000
            #expect(abs((charger["energy_kwh"]?.numberValue?.double ?? -1) - energy) <= 0.002 * Double(mine.count), "\(name)")
            let hours = mine.reduce(0.0) { $0 + Double(Self.ms($1["stop"]?.stringValue) - Self.ms($1["start"]?.stringValue)) } / 3_600_000
            #expect(abs((charger["hours_charging"]?.numberValue?.double ?? -1) - hours) <= 0.01, "\(name)")
            for flag in ["unit_error", "register_reset", "meter_gap", "clock_skew", "stale", "zero_energy", "meter_mismatch"] {
                #expect(charger["flag_" + flag] == 0, "\(name) \(flag)")
            }
            let utilisation = charger["utilisation_pct"]?.numberValue?.double ?? -1
            let availability = charger["availability_pct"]?.numberValue?.double ?? -1
            #expect(utilisation > 0 && utilisation <= 100 && availability > 0 && availability <= 100, "\(charger)")
            // The AC fleet ran last and longest: connected and never faulted for the whole window. (The DC fleet
            // disconnected when its run ended, and counts as offline from then on.)
            if name.hasPrefix("RAC") { #expect(availability >= 99, "\(charger)") }
        }
        // CSV: the same rows under a header.
        let csv = try await Self.report(server, ["summary"] + Self.window(simulated))
        let lines = csv.stdout.split(separator: "\n")
        #expect(lines.first?.hasPrefix("charger,connectors,sessions,energy_kwh,hours_charging,utilisation_pct,availability_pct,faults,") == true)
        #expect(lines.count == 5)
        #expect(await server.stop() == 0)
    }

    /// Each quirk raises its flag on every session it touches, and no other flag.
    @Test(
        arguments: [
            ("kwh-as-wh", "unit-error", "dc24"), ("kwh-as-wh", "unit-error", "ac7"), ("register-reset", "register-reset", "dc24"),
            ("meter-gaps", "meter-gap", "dc24"), ("clock-skew", "clock-skew", "dc24"), ("never-stop", "stale", "dc24"),
            ("zero-energy", "zero-energy", "dc24"),
        ],
        TestStore.allCases
    )
    func eachQuirkRaisesItsFlagAndNothingElse(quirk test: (quirk: String, flag: String, profile: String), store: TestStore) async throws {
        let (quirk, flag, profile) = test
        let server = try await ServerProcess(store: store, arguments: ["--unknown-tags", "accept"])
        let simulated = try await Self.simulate(
            server,
            ["--chargers", "2", "--prefix", "Q", "--profile", profile, "--scenario", "once", "--no-quirks", "--quirk", quirk]
        )
        #expect(simulated.count == 2)
        let run = try await Self.report(server, ["sessions", "--format", "json"])
        #expect(run.status == 0, "\(run.stderr)")
        let rows = try Self.json(run)
        #expect(rows.count == 2)
        for row in rows {
            #expect(row["flags"] == .array([.string(flag)]), "\(quirk): \(row)")
            let id = row["transaction_id"]?.numberValue?.int
            let sim = simulated.first { $0["transactionId"]?.numberValue?.int == id }
            let energy = (row["energy_kwh"]?.numberValue?.double ?? -1) * 1000
            let simulatedEnergy = sim?["energyWh"]?.numberValue?.double ?? -2
            // Corrected energy: a never-stopped session ends at its last register sample (up to a minute short).
            let tolerance = quirk == "never-stop" ? 0.02 * simulatedEnergy + 1 : 1.5
            #expect(abs(energy - simulatedEnergy) <= tolerance, "\(quirk): report \(energy) Wh, simulator \(simulatedEnergy) Wh")
        }
        let summary = try Self.json(try await Self.report(server, ["summary", "--format", "json"] + Self.window(simulated)))
        let field = "flag_" + flag.replacingOccurrences(of: "-", with: "_")
        let counts = summary.reduce(into: [String: Int]()) { counts, charger in
            for f in [
                "flag_unit_error", "flag_register_reset", "flag_meter_gap", "flag_clock_skew", "flag_stale", "flag_zero_energy",
                "flag_meter_mismatch",
            ] {
                counts[f, default: 0] += charger[f]?.numberValue?.int ?? 0
            }
        }
        #expect(counts[field] == 2, "\(counts)")
        #expect(counts.filter { $0.key != field }.values.allSatisfy { $0 == 0 }, "\(counts)")
        #expect(await server.stop() == 0)
    }

    /// Runs Tests/interop/charger.py (PyPI's `ocpp`, sharing no code with ocpp-tools) through one session that sends
    /// exactly `registers` (VALUE:UNIT); returns its JSON line (`answers`, `sent`, `meterStart`, `meterStop`).
    static func pythonSession(
        _ venv: URL,
        _ server: ServerProcess,
        id: String,
        meterStart: Int,
        meterStop: Int,
        registers: [String]
    ) async throws -> JSONValue {
        let script = SimulatorInteropTests.repository.appendingPathComponent("Tests/interop/charger.py").path
        let arguments =
            [script, "--url", server.url, "--id", id, "--wait", "0.1", "--meter-start", String(meterStart), "--meter-stop", String(meterStop)]
            + registers.flatMap { ["--register", $0] }
        let run = try await ToolRun.run(executable: venv.appendingPathComponent("bin/python"), arguments, timeout: 30)
        try #require(run.status == 0, "charger.py \(id): \(run.stderr)")
        let stdout = run.stdout
        let last = try #require(stdout.split(separator: "\n").last, "charger.py \(id) printed nothing")
        return try JSONParser.parse(String(last))
    }

    /// A reading as sent (value text, unit) in Wh: the exact decimal, as the store normalises it.
    static func wattHours(_ sent: JSONValue) -> Decimal? {
        guard let text = sent["value"]?.stringValue, let value = Decimal(string: text, locale: Locale(identifier: "en_US_POSIX")) else { return nil }
        return sent["unit"]?.stringValue == "kWh" ? value * 1000 : value
    }

    /// An auditor's check against an independent charger: `curve`'s register_wh is, sample by sample, the register
    /// the Python charger put on the wire (a kWh reading x 1000, exactly), and energy_wh is that register minus
    /// meterStart; `sessions` shows the first and last reading, and a meterStop that disagrees with them is a
    /// meter-mismatch (counted in `summary`). kWh labelled Wh stays as sent in register_wh while energy_wh is corrected.
    @Test(arguments: TestStore.allCases)
    func theRegisterColumnsAreWhatAnIndependentChargerSent(store: TestStore) async throws {
        let venv = try await SimulatorInteropTests.setUpVenv()
        let server = try await ServerProcess(store: store, arguments: ["--unknown-tags", "accept"])
        let start = 150_011_200
        let clean = try await Self.pythonSession(
            venv,
            server,
            id: "PYAUDIT1",
            meterStart: start,
            meterStop: 150_011_800,
            registers: ["150011320:Wh", "150011.44:kWh", "150011560:Wh", "150011.6805:kWh"]
        )
        let mismatch = try await Self.pythonSession(
            venv,
            server,
            id: "PYAUDIT2",
            meterStart: start,
            meterStop: 150_021_800,
            registers: ["150011320:Wh", "150011.44:kWh", "150011560:Wh"]
        )
        let unitError = try await Self.pythonSession(
            venv,
            server,
            id: "PYAUDIT3",
            meterStart: start,
            meterStop: 150_011_800,
            registers: ["150011.32:Wh", "150011.44:Wh", "150011.56:Wh", "150011.68:Wh"]
        )
        let sessionsRun = try await Self.report(server, ["sessions", "--format", "json"])
        #expect(sessionsRun.status == 0, "\(sessionsRun.stderr)")
        let sessions = try Self.json(sessionsRun)
        // The unit-error session's energy is its register x 1000 (kWh labelled Wh); its register_wh stays as sent.
        let cases: [(JSONValue, [JSONValue], Decimal)] = [(clean, [], 1), (mismatch, ["meter-mismatch"], 1), (unitError, ["unit-error"], 1000)]
        for (charger, expectedFlags, corrected) in cases {
            let id = try #require(charger["answers"]?["start"]?["transactionId"]?.numberValue?.int)
            let sent = charger["sent"]?.arrayValue ?? []
            #expect(sent.count >= 3)
            let curveRun = try await Self.report(server, ["curve", String(id), "--format", "json"])
            #expect(curveRun.status == 0, "\(curveRun.stderr)")
            let rows = try Self.json(curveRun).filter { $0["register_wh"] != .null }
            #expect(rows.count == sent.count, "\(id): \(rows)")
            for (row, reading) in zip(rows, sent) {
                #expect(Self.ms(row["timestamp"]?.stringValue) == Self.ms(reading["timestamp"]?.stringValue))
                let register = try #require(Self.wattHours(reading))
                #expect(row["register_wh"]?.numberValue?.decimal == register, "\(id): \(row) against \(reading)")
                let energy = NSDecimalNumber(decimal: register * corrected - Decimal(start)).doubleValue.rounded(.toNearestOrAwayFromZero)
                #expect(row["energy_wh"]?.numberValue?.double == energy, "\(id): \(row) against \(reading)")
            }
            let session = try #require(sessions.first { $0["transaction_id"]?.numberValue?.int == id })
            #expect(session["meter_start_wh"]?.numberValue?.int == start)
            #expect(session["meter_stop_wh"] == charger["meterStop"])
            #expect(session["register_first_wh"]?.numberValue?.decimal == sent.first.flatMap(Self.wattHours))
            #expect(session["register_last_wh"]?.numberValue?.decimal == sent.last.flatMap(Self.wattHours))
            #expect(session["flags"] == .array(expectedFlags), "\(id): \(session)")
        }
        let csv = try await Self.report(server, ["curve", String(clean["answers"]?["start"]?["transactionId"]?.numberValue?.int ?? 0)])
        #expect(
            csv.stdout.hasPrefix("timestamp,power_w,power_source,current_l1_a,current_l2_a,current_l3_a,current_a,voltage_v,energy_wh,register_wh,")
        )
        #expect(csv.stdout.contains(",120,150011320,") && csv.stdout.contains(",481,150011680.5,"), "\(csv.stdout)")

        let summary = try Self.json(try await Self.report(server, ["summary", "--format", "json", "--since", "2000-01-01", "--until", "2100-01-01"]))
        let counts = Dictionary(summary.map { ($0["charger"]?.stringValue ?? "", $0["flag_meter_mismatch"]?.numberValue?.int ?? -1) }) { a, _ in a }
        #expect(counts == ["PYAUDIT1": 0, "PYAUDIT2": 1, "PYAUDIT3": 0], "\(summary)")
        #expect(await server.stop() == 0)
    }

    /// The points of an SVG path (`M x,y L x,y ...`).
    static func points(_ svg: String, id: String) -> [(x: Double, y: Double)] {
        guard let start = svg.range(of: "<path id=\"\(id)\" d=\"") else { return [] }
        let rest = svg[start.upperBound...]
        guard let end = rest.firstIndex(of: "\"") else { return [] }
        return rest[..<end].split(separator: " ").compactMap { token in
            let pair = token.drop { $0 == "M" || $0 == "L" }.split(separator: ",")
            guard pair.count == 2, let x = Double(pair[0]), let y = Double(pair[1]) else { return nil }
            return (x, y)
        }
    }

    static func chromium() -> String? {
        for name in ["chromium", "chromium-browser"] {
            for dir in ["/usr/bin", "/usr/local/bin", "/snap/bin"] where FileManager.default.isExecutableFile(atPath: "\(dir)/\(name)") {
                return "\(dir)/\(name)"
            }
        }
        return nil
    }

    /// Renders an SVG to PNG in headless Chromium; returns the PNG's size.
    static func render(_ svg: URL) async throws -> Int {
        let browser = try #require(chromium(), "Debian's chromium package is needed (.ci/run installs it)")
        let png = svg.deletingPathExtension().appendingPathExtension("png")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: browser)
        process.arguments = [
            "--headless", "--disable-gpu", "--no-sandbox", "--hide-scrollbars", "--screenshot=\(png.path)", "--window-size=960,540",
            svg.absoluteString,
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let exit = await ServePolicyTests.waitForExit(process, seconds: 60)
        if exit == nil { process.terminate() }
        let attributes = try FileManager.default.attributesOfItem(atPath: png.path)
        return (attributes[.size] as? Int) ?? 0
    }

    /// A Leaf on a 50 kW DC charger holds ~46 kW to 60 % SoC and tapers after; an e-tron holds the charger's 50 kW to
    /// about 96 % and tapers only then. Checked on the SVG's power and SoC paths; rendered to PNG in Chromium.
    @Test(arguments: ["leaf", "etron"], TestStore.allCases)
    func theCurveShowsTheTaperWhereItShould(vehicle: String, store: TestStore) async throws {
        let server = try await ServerProcess(store: store, arguments: ["--unknown-tags", "accept"])
        var arguments = ["--chargers", "2", "--prefix", "SVG", "--profile", "dc54", "--no-quirks", "--vehicle", vehicle]
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ocpp-report-svg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        if vehicle == "etron" {
            // Charged from 80 % to full, to see the end of the curve.
            let scenario = directory.appendingPathComponent("full.json")
            try
                #"{"name": "full", "sessionsPerCharger": 1, "arrivalGap": [5, 10], "startSoC": [80, 82], "targetSoC": [100, 100], "vehicles": ["etron"], "dwell": [0, 30], "earlyLeaveChance": 0, "idTags": []}"#
                .write(to: scenario, atomically: true, encoding: .utf8)
            arguments += ["--scenario", scenario.path]
        } else {
            arguments += ["--scenario", "once"]
        }
        let simulated = try await Self.simulate(server, arguments)
        // Charger SVG0002 takes connector 2 (CCS) in a counted run; SVG0001 connector 1 (AC, no SoC).
        let dc = try #require(simulated.first { $0["connectorId"]?.numberValue?.int == 2 }, "\(simulated)")
        let id = try #require(dc["transactionId"]?.numberValue?.int)
        let file = directory.appendingPathComponent("\(vehicle).svg")
        let run = try await Self.report(server, ["curve", String(id), "--format", "svg", "--output", file.path])
        #expect(run.status == 0, "\(run.stderr)")
        let svg = try String(contentsOf: file, encoding: .utf8)
        #expect(!svg.contains("<script") && !svg.contains("@import") && !svg.contains("url("))
        let power = Self.points(svg, id: "power")
        let soc = Self.points(svg, id: "soc")
        #expect(power.count > 10 && soc.count > 10)
        // The chart's geometry (CurveChart): plot from y = 78 (top) to 484 (zero); SoC 0-100 % over that height.
        let baseline = 484.0
        let socByX = Dictionary(soc.map { ($0.x, 100 * (baseline - $0.y) / 406) }, uniquingKeysWith: { a, _ in a })
        let samples = power.compactMap { p in socByX[p.x].map { (soc: $0, power: baseline - p.y) } }
        let peak = samples.map(\.power).max() ?? 0
        #expect(peak > 0)
        if vehicle == "leaf" {
            let before = samples.filter { $0.soc >= 40 && $0.soc <= 58 }
            let after = samples.filter { $0.soc >= 72 }
            #expect(!before.isEmpty && !after.isEmpty, "\(samples)")
            #expect(before.allSatisfy { $0.power >= 0.85 * peak }, "flat to 60 %: \(before)")
            #expect(after.allSatisfy { $0.power <= 0.75 * peak }, "tapering after 60 %: \(after)")
            let peakSoC = samples.max { $0.power < $1.power }?.soc ?? 0
            #expect(peakSoC >= 55 && peakSoC <= 65, "the peak is where the taper begins: \(peakSoC) %")
        } else {
            let flat = samples.filter { $0.soc <= 96 && $0.power > 0 }
            let taper = samples.filter { $0.soc >= 97 && $0.power > 0 }
            #expect(flat.count >= 5 && flat.allSatisfy { $0.power >= 0.97 * peak }, "flat to 96 %: \(flat)")
            #expect((taper.map(\.power).min() ?? peak) <= 0.7 * peak, "tapering after 96 %: \(taper)")
            #expect(samples.filter { $0.soc < 97 }.allSatisfy { $0.power >= 0.97 * peak || $0.power == 0 }, "no taper before 96 %")
        }
        let png = try await Self.render(file)
        #expect(png > 5_000, "PNG of \(png) bytes")
        #expect(await server.stop() == 0)
    }

    /// Usage errors exit 2 with one line; a missing transaction or database exits 1.
    @Test(arguments: TestStore.allCases)
    func usageErrorsAndFailures(store: TestStore) async throws {
        let server = try await ServerProcess(store: store, arguments: ["--unknown-tags", "accept"])
        for arguments in [
            ["summary"], ["sessions", "--month", "2026-13"], ["sessions", "--format", "svg"], ["sessions", "--month", "2026-11", "--since", "now"],
            ["curve"], ["--bogus"],
        ] {
            let run = try await Self.report(server, arguments)
            #expect(run.status == 2, "\(arguments): \(run.stderr)")
            #expect(run.stderrLines.count == 1 && run.stdout.isEmpty, "\(arguments): \(run.stderr)")
        }
        let missing = try await Self.report(server, ["curve", "999"])
        #expect(missing.status == 1 && missing.stderr.contains("no transaction 999"))
        let noDatabase = try await ToolRun.run("ocpp-report", ["--db", "/nonexistent/x.sqlite", "sessions"])
        #expect(noDatabase.status == 1 && noDatabase.stderr.contains("no database"))
        // A malformed PostgreSQL URL is a usage error naming the fix; a server that is not there fails in one line.
        for url in ["postgres://localhost/ocpp", "postgres://ocpp@localhost", "mysql://ocpp@localhost/ocpp"] {
            let run = try await ToolRun.run("ocpp-report", ["--db", url, "summary", "--month", "2026-11"])
            #expect(run.status == 2 && run.stderrLines.count == 1, "\(url): \(run.stderr)")
            #expect(run.stderr.contains("postgres://user"), "\(url): \(run.stderr)")
        }
        let unreachable = try await ToolRun.run("ocpp-report", ["--db", "postgres://ocpp@127.0.0.1:1/ocpp", "sessions"], timeout: 30)
        #expect(unreachable.status == 1 && unreachable.stderrLines.count == 1, "\(unreachable.stderr)")
        #expect(unreachable.stderr.contains("cannot open database postgres://ocpp@127.0.0.1:1/ocpp"), "\(unreachable.stderr)")
        let empty = try await Self.report(server, ["sessions", "--month", "2026-11"])
        #expect(empty.status == 0 && empty.stdout.hasPrefix("transaction_id,charger,connector,"))
        let help = try await ToolRun.run("ocpp-report", ["sessions", "--help"])
        #expect(help.status == 0 && help.stdout.contains("energy_kwh"))
        #expect(await server.stop() == 0)
    }
}
