import ArgumentParser
import Foundation
import Logging
import NIOSSL
import Shared

@main
struct OcppSimCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ocpp-sim",
        abstract: "Simulated OCPP 1.6J chargers, quirks and all, against any central system.",
        discussion: """
            Spawns N chargers with ids <prefix><n> (SIM0001, ...), each a WebSocket client offering ocpp1.6 that boots, \
            reports status, authorizes, runs charging sessions with vehicle charging curves and realistic meter values, and \
            answers every central-system command of OCPP 1.6 as a real charger would, honouring charging profiles in the \
            power it draws. Transaction messages are queued while offline and delivered in order on reconnect.
            The run ends after --duration, when the scenario's sessions are done and delivered, or on SIGINT/SIGTERM, and \
            prints a summary (--json: the same with every session: charger, connectorId, transactionId, idTag, vehicle, \
            start, stop, meterStart and meterStop in Wh, energyWh simulated, startSoC/endSoC %, maxPowerW, stopReason, stopSent). \
            Exit 0 when every CALL got a valid answer and every charger booted, 1 otherwise, 2 on a usage error.
            --speed scales every timer (heartbeats, sample intervals, arrivals, reservations, recurring profiles) and the \
            timestamps sent. The same --seed gives the same drivers, vehicles and states of charge.

            """ + catalogue,
        version: ToolkitVersion.current
    )

    @Option(
        help: """
            Central system endpoint; each charger connects to URL/<id> (ws:// or wss://). Repeatable (several server nodes): \
            charger n connects to the (n mod count)-th URL and, when a connection fails or drops, tries the next. \
            Environment: OCPP_SIM_URL (URLs separated by commas).
            """
    )
    var url: [String] = []

    /// `--url`s, else `OCPP_SIM_URL` split at commas.
    var urls: [String] {
        if !url.isEmpty { return url }
        return (ProcessInfo.processInfo.environment["OCPP_SIM_URL"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
    }

    @Option(help: "Number of chargers.")
    var chargers: Int = 1

    @Option(help: "Charger id prefix; ids are <prefix><n>, n zero-padded to 4 digits.")
    var prefix: String = "SIM"

    @Option(help: "Number of the first charger.")
    var firstNumber: Int = 1

    @Option(help: "Built-in charger template: ac7, ac22, dc54, dc24. (default: ac22)")
    var profile: String?

    @Option(help: "Charger template file (YAML or JSON with the fields of a built-in template, see --list).")
    var template: String?

    @Option(help: "Scenario: charge, once, idle, load, or a YAML/JSON file.")
    var scenario: String = "charge"

    @Option(help: "Sessions per charger before the run ends (overrides the scenario's count).")
    var sessions: Int?

    @Option(help: "Vehicle for the sessions, repeatable to alternate: leaf, etron.")
    var vehicle: [String] = []

    @Option(help: "Id tag drivers present, repeatable to alternate.")
    var idTag: [String] = []

    @Option(help: "Load mode: aggregate charger-initiated messages per second across the fleet (implies --scenario load). Each charger waits for an answer before its next message, so a rate above what the central system answers measures its capacity. Round trips count once every charger has booted, and only those of the load's own messages (not the status reports each charger sends after its boot).")
    var rate: Double?

    @Option(help: "Simulated seconds per real second, for every timer and every timestamp sent.")
    var speed: Double = 1

    @Option(help: "Simulated time at start (RFC 3339). (default: now)")
    var start: String?

    @Option(help: "End after this many real seconds. (default: when the scenario ends, else on SIGINT/SIGTERM)")
    var duration: Double?

    @Option(help: "Load mode: leave out of the round-trip figures what is answered in the first SECONDS after every charger booted (the central system working off the boot burst).")
    var warmup: Double = 0

    @Option(help: "Seed of every random choice: the same seed gives the same run.")
    var seed: UInt64 = 1

    @Option(help: "Add a quirk mode (repeatable; see --list), on top of the template's own.")
    var quirk: [String] = []

    @Flag(help: "Drop the template's own quirks (only --quirk ones apply).")
    var noQuirks = false

    @Option(help: "Fault injection: chance per session (0-1) that a connector reports Faulted first.")
    var faultRate: Double = 0

    @Option(help: "Fault injection: drop each connection about every N simulated seconds.")
    var dropEvery: Double?

    @Option(help: "Fault injection: reboot right after each of the first N accepted boots (a reboot loop).")
    var rebootLoop: Int = 0

    @Option(help: "Seconds a CALL waits for its answer before it counts as a timeout.")
    var callTimeout: Double = 30

    @Option(help: "WebSocket handshakes in flight at once.")
    var connectConcurrency: Int = 200

    @Option(help: "Largest WebSocket message accepted, in bytes.")
    var maxMessage: Int = 1 << 20

    @Option(
        help: """
            Security profile 1: send HTTP Basic credentials (user = charger id, this password) at every handshake. \
            A ChangeConfiguration AuthorizationKey (hex) replaces it; the charger then reconnects with the new key.
            """
    )
    var password: String?

    @Option(help: "Security extension: the CpoName configuration key, the O of the CSRs the chargers send (SignCertificate).")
    var cpoName: String?

    @Flag(help: "Security extension: send SecurityEventNotification StartupOfTheDevice at each boot (as EVerest does) and ResetOrReboot at a reset.")
    var securityEvents = false

    @Option(
        help: """
            Security extension: directory where each charger writes the certificate the central system signed for it \
            (<id>.pem, chain leaf first) and its key (<id>.key.pem), as it starts using them.
            """
    )
    var certificateDir: String?
    @Option(help: "wss://: CA certificates (PEM) to trust for the server certificate, instead of the system's roots.")
    var tlsCa: String?

    @Option(
        help: """
            Security profile 3: client certificate (PEM, leaf first) presented on wss://; {id} in the path is replaced by \
            each charger's id (e.g. certs/{id}.pem), as the certificate's CN must be the charger id. Needs --client-key.
            """
    )
    var clientCert: String?

    @Option(help: "Private key (PEM) of --client-cert; {id} is replaced by the charger id.")
    var clientKey: String?

    @Option(help: "Log level on stderr: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "warning"

    @Flag(help: "Print the summary as JSON (with every session) instead of text.")
    var json = false

    @Flag(help: "Describe the built-in templates, vehicles, scenarios and quirk modes, and exit.")
    var list = false

    func validate() throws {
        guard chargers >= 1 else { throw ValidationError("--chargers must be at least 1") }
        guard speed > 0 else { throw ValidationError("--speed must be greater than 0 (e.g. --speed 60)") }
        guard faultRate >= 0 && faultRate <= 1 else { throw ValidationError("--fault-rate expects a chance between 0 and 1") }
        guard callTimeout > 0, connectConcurrency >= 1, maxMessage >= 1024 else {
            throw ValidationError("--call-timeout, --connect-concurrency and --max-message must be positive (--max-message at least 1024)")
        }
        if let rate, rate <= 0 { throw ValidationError("--rate must be greater than 0 messages per second") }
        guard warmup >= 0 else { throw ValidationError("--warmup expects seconds, 0 or more") }
        if let duration, duration <= 0 { throw ValidationError("--duration must be greater than 0 seconds") }
        if profile != nil && template != nil { throw ValidationError("give --profile or --template, not both") }
        if let profile, ChargerTemplate.named(profile) == nil {
            throw ValidationError("unknown --profile \(profile) (built in: \(ChargerTemplate.builtIn.map(\.name).joined(separator: ", ")))")
        }
        for name in quirk where QuirkMode(rawValue: name) == nil {
            throw ValidationError("unknown --quirk \(name) (see ocpp-sim --list)")
        }
        for name in vehicle where VehicleModel.named(name) == nil {
            throw ValidationError("unknown --vehicle \(name) (built in: \(VehicleModel.builtIn.map(\.name).joined(separator: ", ")))")
        }
        if Logger.Level(rawValue: logLevel) == nil {
            throw ValidationError("--log-level expects trace, debug, info, notice, warning, error or critical")
        }
        if (clientCert == nil) != (clientKey == nil) { throw ValidationError("--client-cert and --client-key go together: give both PEM files") }
        if let start, Timestamp(parsing: start) == nil { throw ValidationError("--start expects an RFC 3339 time like 2026-12-05T18:00:00Z") }
        if !list {
            guard !urls.isEmpty else {
                throw ValidationError("missing --url (e.g. --url ws://127.0.0.1:9000/ocpp)")
            }
            for url in urls {
                guard url.hasPrefix("ws://") || url.hasPrefix("wss://") else { throw ValidationError("--url must start with ws:// or wss:// (got \(url))") }
                // The WebSocket client sends the URL's host as TLS SNI, which may not be an IP address.
                if url.hasPrefix("wss://"), let host = URLComponents(string: url)?.host, host.allSatisfy({ $0.isNumber || $0 == "." || $0 == ":" }) {
                    throw ValidationError("a wss:// --url needs the server's host name, not an IP address (e.g. wss://localhost:9443/ocpp; the certificate must name it)")
                }
            }
        }
    }

    func run() async throws {
        if list {
            print(Self.catalogue)
            return
        }
        LoggingSystem.bootstrap { LineLogHandler(label: $0, level: Logger.Level(rawValue: logLevel) ?? .warning) }
        let chargerTemplate: ChargerTemplate
        do {
            chargerTemplate = try template.map(ChargerTemplate.load(path:)) ?? ChargerTemplate.named(profile ?? "ac22") ?? ChargerTemplate.builtIn[1]
        } catch {
            throw ValidationError("cannot read --template \(template ?? ""): \(error)")
        }
        var plan: Scenario
        if rate != nil {
            plan = Scenario.named("load") ?? Scenario.builtIn[3]
        } else if let named = Scenario.named(scenario) {
            plan = named
        } else {
            do { plan = try Scenario.load(path: scenario) } catch {
                throw ValidationError("--scenario \(scenario) is neither a built-in (\(Scenario.builtIn.map(\.name).joined(separator: ", "))) nor a readable file: \(error)")
            }
        }
        if let rate { plan.rate = rate }
        if let sessions { plan.sessionsPerCharger = sessions }
        if !vehicle.isEmpty { plan.vehicles = vehicle }
        if !idTag.isEmpty { plan.idTags = idTag }
        var quirks = noQuirks ? Set<QuirkMode>() : Set(chargerTemplate.quirks)
        quirks.formUnion(quirk.compactMap(QuirkMode.init(rawValue:)))
        let origin = start.flatMap { Timestamp(parsing: $0)?.date } ?? Date()
        let stats = FleetStats(chargers: chargers, steadyStateOnly: plan.rate != nil, warmupSeconds: warmup)
        var context = FleetContext(
            baseURLs: urls, template: chargerTemplate, scenario: plan,
            clock: SimClock(origin: origin, speed: speed), seed: seed, quirks: quirks,
            faults: .init(faultChance: faultRate, dropEvery: dropEvery, rebootLoop: rebootLoop), stats: stats,
            callTimeout: .milliseconds(Int64(callTimeout * 1000)), maxMessage: maxMessage, gate: ConnectGate(limit: connectConcurrency),
            logger: Logger(label: "ocpp-sim"), password: password.map { Array($0.utf8) }
        )
        context.cpoName = cpoName ?? ""
        context.securityEvents = securityEvents
        context.certificateDirectory = certificateDir
        if let tlsCa {
            do { context.tlsTrustRoots = try NIOSSLCertificate.fromPEMFile(tlsCa) } catch {
                throw ValidationError("cannot read --tls-ca \(tlsCa): \(error)")
            }
        }
        if let clientCert, let clientKey {
            // Fail at once on a fixed path; per-charger files ({id}) are read by each charger.
            if !clientCert.contains("{id}") && !clientKey.contains("{id}") {
                do { _ = try ClientIdentity.read(certificatePath: clientCert, keyPath: clientKey) } catch {
                    throw ValidationError("--client-cert/--client-key: \(error)")
                }
            }
            context.clientCertificate = (clientCert, clientKey)
        }
        let runner = FleetRunner(context: context, chargers: chargers, prefix: prefix, firstNumber: firstNumber, duration: duration)
        let report = await runner.run()
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: (try? encoder.encode(report)) ?? Data(), as: UTF8.self))
        } else {
            print(report.text)
        }
        fflush(nil)
        if !report.succeeded { throw ExitCode(1) }
    }

    static var catalogue: String {
        var lines = ["Templates (--profile NAME; --template FILE takes the same fields as YAML or JSON):"]
        for t in ChargerTemplate.builtIn {
            lines.append("  \(t.name): \(t.description); \(t.vendor) \(t.model); units \(t.allowedUnits.joined(separator: "/"))"
                + (t.quirks.isEmpty ? "" : "; quirks \(t.quirks.map(\.rawValue).joined(separator: ","))"))
        }
        lines.append("Vehicles (--vehicle NAME):")
        for v in VehicleModel.builtIn {
            lines.append("  \(v.name): \(Int(v.capacity / 1000)) kWh, DC up to \(Int(v.dcMaxPower / 1000)) kW, AC \(v.acPhases) x \(Int(v.acMaxCurrent)) A")
        }
        lines.append("Scenarios (--scenario NAME or FILE):")
        for s in Scenario.builtIn { lines.append("  \(s.name): \(s.summary)") }
        lines.append("Quirk modes (--quirk NAME):")
        for q in QuirkMode.allCases { lines.append("  \(q.rawValue): \(q.summary)") }
        return lines.joined(separator: "\n")
    }

    /// ArgumentParser exits 64 on usage errors; the toolkit's contract says 2 (cli.md).
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch where exitCode(for: error) == .validationFailure {
            var err = StandardError()
            print(UsageError.line(tool: "ocpp-sim", message: message(for: error)), to: &err)
            Self.exit(withError: ExitCode(2))
        } catch {
            Self.exit(withError: error)
        }
    }
}
