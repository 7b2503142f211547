import TestSupport
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOSSL
import Shared
import Testing

/// Security Profiles 2 and 3 against the real binaries: the wss port, no fallback to plain ws, client certificates,
/// SIGHUP reload and the HTTP API over https. Certificates come from `TestPKI`.
@Suite struct TLSSecurityProfileTests {
    static let password = SecurityProfileTests.password

    static func tlsArguments(_ pki: TestPKI, clientCA: Bool = true) -> [String] {
        ["--tls-listen", "127.0.0.1:0", "--tls-cert", pki.server.certificate, "--tls-key", pki.server.key]
            + (clientCA ? ["--tls-client-ca", pki.caFile] : [])
    }

    static func refusals(_ server: ServerProcess, _ id: String) -> [String] {
        server.stderr.filter { $0.contains("connection refused") && $0.contains(id) }
    }

    static func storedFrames(_ server: ServerProcess, _ id: String) async throws -> Int? {
        try await SimulatorEndToEndTests.database(server).read { db in
            try db.fetchValue(Int.self, sql: "SELECT COUNT(*) FROM frames WHERE charger_id = ?", arguments: [id])
        }
    }

    /// Expects one more refusal line for `id` than `before`, naming `reason`.
    static func expectRefusal(_ server: ServerProcess, _ id: String, after before: Int, _ reason: String) async throws {
        try await SimulatorEndToEndTests.waitUntil(seconds: 5) { refusals(server, id).count == before + 1 }
        let lines = refusals(server, id)
        #expect(lines.count == before + 1, "logged once per refusal: \(lines)")
        #expect(lines.last?.contains(reason) == true, "expected \(reason) in \(lines.last ?? "nothing")")
    }

    @Test(.serialized, arguments: TestStore.allCases) func profileTwoChargerIsRefusedOverPlainWsAndWithoutItsPasswordOverTLS(store: TestStore) async throws {
        let pki = try TestPKI()
        let server = try await ServerProcess(store: store, arguments: Self.tlsArguments(pki, clientCA: false) + ["--http", "127.0.0.1:0"])
        let tlsPort = try #require(server.tlsPort)
        let id = "TLS2-1"
        // Profile 2 needs a password first.
        let early = try await ControlEndToEndTests.ctl(server, ["charger", "security", id, "--profile", "2"])
        #expect(early.status == 2, "\(early.stderr)")
        #expect(early.stderr.contains("set a password first"), "\(early.stderr)")
        #expect(try await ControlEndToEndTests.ctl(server, ["charger", "password", "set", id, "--password", Self.password]).status == 0)
        let set = try await ControlEndToEndTests.ctl(server, ["charger", "security", id, "--profile", "2", "--json"])
        #expect(set.status == 0, "\(set.stderr)")
        let setAnswer = try JSONParser.parse(set.stdout)
        #expect(setAnswer["profile"] == 2 && setAnswer["previousProfile"] == 1 && setAnswer["password"] == .bool(true), "\(set.stdout)")
        let shown = try await ControlEndToEndTests.ctl(server, ["charger", "security", id])
        #expect(shown.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "\(id): security profile 2, password set")

        let right = SecurityProfileTests.basic(id, Array(Self.password.utf8))
        // Downgrade: the right password over plain ws is refused, no fallback.
        let plain = try await SecurityProfileTests.handshake(server, id: id, authorization: right)
        #expect(plain.hasPrefix("HTTP/1.1 401"), "\(plain)")
        try await Self.expectRefusal(server, id, after: 0, "security profile 2 requires wss (TLS); plain ws refused")
        // Over TLS: no password and a wrong one are refused; the right one gets the 101.
        let none = try await TLSProbe.handshake(port: tlsPort, id: id, ca: pki.caFile)
        #expect(none.head.hasPrefix("HTTP/1.1 401"), "\(none.head)")
        #expect(none.serverSerial == pki.server.serial)
        try await Self.expectRefusal(server, id, after: 1, "no Basic credentials (charger has a password)")
        let wrong = try await TLSProbe.handshake(
            port: tlsPort,
            id: id,
            ca: pki.caFile,
            authorization: SecurityProfileTests.basic(id, Array("wrong-password-123456".utf8))
        )
        #expect(wrong.head.hasPrefix("HTTP/1.1 401"), "\(wrong.head)")
        try await Self.expectRefusal(server, id, after: 2, "wrong password")
        let good = try await TLSProbe.handshake(port: tlsPort, id: id, ca: pki.caFile, authorization: right)
        #expect(good.head.hasPrefix("HTTP/1.1 101"), "\(good.head)")
        #expect(good.head.contains("Sec-WebSocket-Protocol: ocpp1.6"))
        #expect(try await Self.storedFrames(server, id) == 0)

        // Counted: one transport refusal, two auth refusals (scraped over https, trusting the test CA).
        let metrics = try await Self.httpsGet("https://127.0.0.1:\(try #require(server.httpPort))/metrics", ca: pki.caFile)
        #expect(
            metrics.contains(#"ocpp_connections_refused_total{reason="transport"} 1"#),
            "\(metrics.split(separator: "\n").filter { $0.contains("refused") })"
        )
        #expect(metrics.contains(#"ocpp_connections_refused_total{reason="auth"} 2"#))
        // charger ID shows the profile.
        let detail = try await ControlEndToEndTests.ctl(server, ["charger", id])
        #expect(
            detail.stdout.contains("security profile")
                && detail.stdout.split(separator: "\n").contains { $0.hasPrefix("security profile") && $0.hasSuffix("2") }
        )
        #expect(await server.stop() == 0)
    }

    /// OCTT TC_086: TLS 1.2 with the whitepaper's AES-GCM suites (here ECDHE-ECDSA: the test certificate is P-256),
    /// or TLS 1.3; older versions and other TLS 1.2 suites fail the handshake, logged once with the peer address.
    @Test(.serialized, arguments: TestStore.allCases) func tlsTwelveNeedsTheWhitepapersSuitesAndOlderVersionsFail(store: TestStore) async throws {
        let pki = try TestPKI()
        let server = try await ServerProcess(store: store, arguments: Self.tlsArguments(pki, clientCA: false) + ["--http", "127.0.0.1:0"])
        let tlsPort = try #require(server.tlsPort)
        for suite in [NIOTLSCipher.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, .TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384] {
            let answer = try await TLSProbe.handshake(port: tlsPort, id: "SUITE", ca: pki.caFile) {
                $0.maximumTLSVersion = .tlsv12
                $0.cipherSuiteValues = [suite]
            }
            #expect(answer.head.hasPrefix("HTTP/1.1 101") && answer.version == .tlsv12, "\(suite): \(answer.head)")
        }
        #expect(try await TLSProbe.handshake(port: tlsPort, id: "SUITE", ca: pki.caFile).version == .tlsv13)
        let refused: [(String, (inout TLSConfiguration) -> Void)] = [
            (
                "ChaCha20 over TLS 1.2",
                {
                    $0.maximumTLSVersion = .tlsv12
                    $0.cipherSuiteValues = [.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256]
                }
            ),
            (
                "AES-CBC over TLS 1.2",
                {
                    $0.maximumTLSVersion = .tlsv12
                    $0.cipherSuiteValues = [.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA]
                }
            ),
            (
                "TLS 1.1",
                {
                    $0.minimumTLSVersion = .tlsv1
                    $0.maximumTLSVersion = .tlsv11
                }
            ),
        ]
        for (index, (name, configure)) in refused.enumerated() {
            await #expect(throws: (any Error).self, "\(name)") {
                try await TLSProbe.handshake(port: tlsPort, id: "SUITE", ca: pki.caFile, configure: configure)
            }
            try await SimulatorEndToEndTests.waitUntil(seconds: 5) { server.stderr.filter { $0.contains("tls handshake failed") }.count == index + 1 }
            #expect(server.stderr.filter { $0.contains("tls handshake failed") }.count == index + 1, "\(name): logged once")
        }
        let metrics = try await Self.httpsGet("https://127.0.0.1:\(try #require(server.httpPort))/metrics", ca: pki.caFile)
        #expect(metrics.contains(#"ocpp_connections_refused_total{reason="tls"} 3"#))
        #expect(await server.stop() == 0)
    }

    @Test(.serialized, arguments: TestStore.allCases) func mutualTLSRefusesAnotherCAAnExpiredCertificateAndAnotherChargersSubject(store: TestStore) async throws {
        let pki = try TestPKI()
        let server = try await ServerProcess(store: store, arguments: Self.tlsArguments(pki))
        let tlsPort = try #require(server.tlsPort)
        let id = "TLS3-1"
        let set = try await ControlEndToEndTests.ctl(server, ["charger", "security", id, "--profile", "3", "--json"])
        #expect(set.status == 0, "\(set.stderr)")
        #expect(try JSONParser.parse(set.stdout)["password"] == .bool(false))

        let cases: [(TestPKI.Issued?, String)] = [
            (nil, "security profile 3 requires a client certificate"),
            (try pki.foreignClient(id), "not issued by the --tls-client-ca CA"),
            (try pki.expiredClient(id), "client certificate expired"),
            (try pki.client("TLS3-OTHER"), "client certificate CN TLS3-OTHER is not the charge point id"),
        ]
        for (index, (certificate, reason)) in cases.enumerated() {
            let answer = try await TLSProbe.handshake(port: tlsPort, id: id, ca: pki.caFile, clientCertificate: certificate)
            #expect(answer.head.hasPrefix("HTTP/1.1 401"), "\(reason): \(answer.head)")
            try await Self.expectRefusal(server, id, after: index, reason)
        }
        // Plain ws is refused as well, even with a (now meaningless) Basic header.
        #expect(
            try await SecurityProfileTests.handshake(server, id: id, authorization: SecurityProfileTests.basic(id, Array(Self.password.utf8)))
                .hasPrefix("HTTP/1.1 401")
        )
        try await Self.expectRefusal(server, id, after: cases.count, "security profile 3 requires wss")
        // Its own certificate gets the 101, without a password.
        let good = try await TLSProbe.handshake(port: tlsPort, id: id, ca: pki.caFile, clientCertificate: try pki.client(id))
        #expect(good.head.hasPrefix("HTTP/1.1 101"), "\(good.head)")
        // A profile-2 charger on the same port needs no certificate.
        #expect(try await ControlEndToEndTests.ctl(server, ["charger", "password", "set", "TLS2-2", "--password", Self.password]).status == 0)
        #expect(try await ControlEndToEndTests.ctl(server, ["charger", "security", "TLS2-2", "--profile", "2"]).status == 0)
        let profileTwo = try await TLSProbe.handshake(
            port: tlsPort,
            id: "TLS2-2",
            ca: pki.caFile,
            authorization: SecurityProfileTests.basic("TLS2-2", Array(Self.password.utf8))
        )
        #expect(profileTwo.head.hasPrefix("HTTP/1.1 101"), "\(profileTwo.head)")
        #expect(try await Self.storedFrames(server, id) == 0)
        #expect(await server.stop() == 0)
    }

    @Test(.serialized, arguments: TestStore.allCases) func profileThreeSimulatorBootsAndRunsASession(store: TestStore) async throws {
        let pki = try TestPKI()
        let server = try await ServerProcess(store: store, arguments: Self.tlsArguments(pki) + ["--security-profile", "3", "--unknown-tags", "accept"])
        let tlsPort = try #require(server.tlsPort)
        _ = try pki.client("TLSSIM0001")
        let pattern = pki.directory.appendingPathComponent("client-{id}").path
        let run = try await ToolRun.run(
            "ocpp-sim",
            [
                "--url", "wss://localhost:\(tlsPort)/ocpp", "--json", "--prefix", "TLSSIM", "--tls-ca", pki.caFile, "--client-cert", pattern + ".pem",
                "--client-key", pattern + ".key", "--scenario", "once", "--speed", "1200", "--duration", "60",
            ],
            timeout: 90
        )
        #expect(run.status == 0, "\(run.stdout.prefix(1000)) \(run.stderr.suffix(1000))")
        #expect(try JSONParser.parse(run.stdout)["sessions"]?.arrayValue?.count == 1)
        let boot = try await SimulatorEndToEndTests.database(server).read { db in
            try db.fetchOne(sql: "SELECT registration, vendor FROM chargers WHERE id = 'TLSSIM0001'")
        }
        #expect(boot?["registration"] == "Accepted")
        // The server minimum 3 refuses the same charger over plain ws and without a certificate.
        let plain = try await ToolRun.run(
            "ocpp-sim",
            ["--url", server.url, "--json", "--prefix", "TLSSIM", "--scenario", "once", "--duration", "3"],
            timeout: 30
        )
        #expect(plain.status != 0)
        #expect(Self.refusals(server, "TLSSIM0001").contains { $0.contains("security profile 3 requires wss") })
        #expect(await server.stop() == 0)
    }

    @Test(.serialized, arguments: TestStore.allCases) func sighupReloadServesTheNewCertificateAndKeepsConnectedChargers(store: TestStore) async throws {
        let pki = try TestPKI()
        let server = try await ServerProcess(store: store, arguments: Self.tlsArguments(pki) + ["--unknown-tags", "accept", "--http", "127.0.0.1:0"])
        let tlsPort = try #require(server.tlsPort)
        let before = try await TLSProbe.handshake(port: tlsPort, id: "PROBE", ca: pki.caFile)
        #expect(before.serverSerial == pki.server.serial)

        // A charger connected over wss before the reload.
        let sim = Process()
        sim.executableURL = ServerProcess.binary("ocpp-sim")
        sim.arguments = [
            "--url", "wss://localhost:\(tlsPort)/ocpp", "--prefix", "HUP", "--tls-ca", pki.caFile, "--scenario", "idle", "--duration", "60",
        ]
        let simLog = pki.directory.appendingPathComponent("sim.log")
        FileManager.default.createFile(atPath: simLog.path, contents: nil)
        sim.standardOutput = FileHandle.nullDevice
        sim.standardError = try FileHandle(forWritingTo: simLog)
        try sim.run()
        defer { if sim.isRunning { sim.terminate() } }
        try await SimulatorEndToEndTests.waitUntil { try await SimulatorEndToEndTests.connected(server, "HUP0001") }

        // New certificate in place of the old files, then SIGHUP.
        let renewed = try pki.anotherServerCertificate(file: "renewed")
        try Self.replace(server: pki.server, with: renewed)
        kill(server.process.processIdentifier, SIGHUP)
        var after = before
        for _ in 0..<100 where after.serverSerial == before.serverSerial {
            try await Task.sleep(for: .milliseconds(50))
            after = try await TLSProbe.handshake(port: tlsPort, id: "PROBE", ca: pki.caFile)
        }
        #expect(after.serverSerial == renewed.serial)
        // The https API follows the reload too.
        let httpPort = try #require(server.httpPort)
        #expect(try await TLSProbe.handshake(port: httpPort, id: "PROBE", ca: pki.caFile).serverSerial == renewed.serial)
        #expect(server.process.isRunning)
        // The charger connected before keeps its session: it answers a TriggerMessage Heartbeat, and never rebooted.
        let trigger = try await ControlEndToEndTests.ctl(server, ["trigger", "HUP0001", "Heartbeat", "--json"])
        #expect(trigger.status == 0, "\(trigger.stdout) \(trigger.stderr)")
        try await SimulatorEndToEndTests.waitUntil(seconds: 10) {
            try await SimulatorEndToEndTests.database(server).read { db in
                try db.fetchValue(Int.self, sql: "SELECT COUNT(*) FROM frames WHERE charger_id = 'HUP0001' AND action = 'Heartbeat' AND direction = 'in' AND message_type = 2"
                ) ?? 0 >= 1
            }
        }
        let boots = try await SimulatorEndToEndTests.database(server).read { db in
            try db.fetchValue(Int.self, sql:
                    "SELECT COUNT(*) FROM frames WHERE charger_id = 'HUP0001' AND action = 'BootNotification' AND direction = 'in' AND message_type = 2"
            )
        }
        #expect(boots == 1, "\(String(decoding: (try? Data(contentsOf: simLog)) ?? Data(), as: UTF8.self).suffix(1500))")

        // A broken file on reload keeps the certificate in use and says so.
        try "not a certificate".write(toFile: pki.server.certificate, atomically: true, encoding: .utf8)
        kill(server.process.processIdentifier, SIGHUP)
        try await SimulatorEndToEndTests.waitUntil(seconds: 5) { server.stderr.contains { $0.contains("tls reload failed") } }
        #expect(server.stderr.contains { $0.contains("tls reload failed, keeping the previous certificates") })
        #expect(try await TLSProbe.handshake(port: tlsPort, id: "PROBE", ca: pki.caFile).serverSerial == renewed.serial)
        #expect(try await SimulatorEndToEndTests.connected(server, "HUP0001"))
        #expect(await server.stop() == 0)
    }

    @Test(.serialized, arguments: TestStore.allCases) func httpAPIIsServedOverHTTPSAndOcppCtlTrustsItsCA(store: TestStore) async throws {
        let pki = try TestPKI()
        let server = try await ServerProcess(store: store, arguments: Self.tlsArguments(pki, clientCA: false) + ["--http", "127.0.0.1:0"])
        let httpPort = try #require(server.httpPort)
        let created = try await ControlEndToEndTests.ctl(server, ["token", "create", "tls-test", "--json"])
        #expect(created.status == 0, "\(created.stderr)")
        let token = try #require(try JSONParser.parse(created.stdout)["token"]?.stringValue)
        let base = "https://127.0.0.1:\(httpPort)"
        #expect(try await ControlEndToEndTests.ctl(server, ["charger", "password", "set", "API-1", "--password", Self.password]).status == 0)
        // Profiles are changed on the socket only: a token, even over https, cannot lower (or raise) one.
        let remote = try await ToolRun.run(
            "ocpp-ctl",
            ["--url", base, "--token", token, "--tls-ca", pki.caFile, "charger", "security", "API-1", "--profile", "2", "--json"]
        )
        #expect(remote.status != 0 && remote.stderr.contains("control socket only"), "\(remote.stderr)")
        #expect(try await ControlEndToEndTests.ctl(server, ["charger", "security", "API-1", "--profile", "2"]).status == 0)
        let read = try await ToolRun.run(
            "ocpp-ctl",
            ["--url", base, "--token", token, "--tls-ca", pki.caFile, "charger", "security", "API-1", "--json"]
        )
        #expect(try JSONParser.parse(read.stdout)["profile"] == 2)
        // Without the CA the server certificate is not trusted: the server cannot be reached (exit 5).
        let untrusted = try await ToolRun.run("ocpp-ctl", ["--url", base, "--token", token, "chargers"])
        #expect(untrusted.status == 5, "\(untrusted.stderr)")
        // The OpenAPI document (over https) carries the security route.
        let document = try JSONParser.parse(try await Self.httpsGet(base + "/v1/openapi.json", ca: pki.caFile))
        #expect(document["paths"]?["/v1/chargers/{id}/security"]?["put"]?["requestBody"] != nil)
        #expect(document["components"]?["schemas"]?["ChargerSecurity"]?["required"] == ["charger", "password"])
        // Plain http on the https port gets no API answer.
        let plain = try await ToolRun.run("ocpp-ctl", ["--url", "http://127.0.0.1:\(httpPort)", "--token", token, "chargers"])
        #expect(plain.status != 0)
        #expect(await server.stop() == 0)
    }

    /// The independent client: PyPI's `ocpp` over `websockets` with an `ssl.SSLContext` (Tests/interop/charger.py)
    /// runs a session at profiles 1 (ws + Basic), 2 (wss + Basic) and 3 (wss + client certificate).
    @Test(.serialized, arguments: TestStore.allCases) func pythonOcppChargerRunsASessionAtProfilesOneTwoAndThree(store: TestStore) async throws {
        let venv = try await SimulatorInteropTests.setUpVenv()
        let pki = try TestPKI()
        let server = try await ServerProcess(store: store, arguments: Self.tlsArguments(pki) + ["--unknown-tags", "accept"])
        let tlsPort = try #require(server.tlsPort)
        for (id, profile) in [("PYSEC1", "1"), ("PYSEC2", "2")] {
            #expect(try await ControlEndToEndTests.ctl(server, ["charger", "password", "set", id, "--password", Self.password]).status == 0)
            #expect(try await ControlEndToEndTests.ctl(server, ["charger", "security", id, "--profile", profile]).status == 0)
        }
        #expect(try await ControlEndToEndTests.ctl(server, ["charger", "security", "PYSEC3", "--profile", "3"]).status == 0)
        let client = try pki.client("PYSEC3")
        let wss = "wss://localhost:\(tlsPort)/ocpp"
        let script = SimulatorInteropTests.repository.appendingPathComponent("Tests/interop/charger.py").path
        func charger(_ arguments: [String]) async throws -> ToolRun {
            try await ToolRun.run(executable: venv.appendingPathComponent("bin/python"), [script, "--wait", "0.5"] + arguments, timeout: 60)
        }
        let runs: [(String, [String], JSONValue)] = [
            ("PYSEC1", ["--url", server.url, "--id", "PYSEC1", "--password", Self.password], .null),
            ("PYSEC2", ["--url", wss, "--id", "PYSEC2", "--password", Self.password, "--ca", pki.caFile], "TLS"),
            ("PYSEC3", ["--url", wss, "--id", "PYSEC3", "--ca", pki.caFile, "--cert", client.certificate, "--key", client.key], "TLS"),
        ]
        for (id, arguments, transport) in runs {
            let run = try await charger(arguments)
            #expect(run.status == 0, "\(id): \(run.stderr)")
            let report = try JSONParser.parse(try #require(run.stdout.split(separator: "\n").last.map(String.init)))
            #expect(report["answers"]?["boot"]?["status"] == "Accepted", "\(id)")
            #expect(report["answers"]?["start"]?["status"] == "Accepted", "\(id)")
            #expect(report["answers"]?["stop"] == "Accepted", "\(id)")
            if transport == .null {
                #expect(report["tls"] == .null, "\(id)")
            } else {
                let version = report["tls"]?["version"]?.stringValue ?? ""
                #expect(version == "TLSv1.2" || version == "TLSv1.3", "\(id): \(version)")
            }
            let stored = try await SimulatorEndToEndTests.database(server).read { db in
                try db.fetchValue(Int.self, sql: "SELECT COUNT(*) FROM transactions WHERE charger_id = ? AND stop_ms IS NOT NULL", arguments: [id])
            }
            #expect(stored == 1, "\(id)")
        }
        // No fallback for the independent client either: profile 2 over ws, profile 3 without its certificate.
        let downgrade = try await charger(["--url", server.url, "--id", "PYSEC2", "--password", Self.password])
        #expect(downgrade.status == 1 && downgrade.stderr.contains("401"), "\(downgrade.stderr)")
        let noCertificate = try await charger(["--url", wss, "--id", "PYSEC3", "--ca", pki.caFile])
        #expect(noCertificate.status == 1 && noCertificate.stderr.contains("401"), "\(noCertificate.stderr)")
        #expect(await server.stop() == 0)
    }

    @Test(arguments: [
        (["--security-profile", "2"], "--security-profile 2 needs --tls-cert and --tls-key"),
        (["--tls-cert", "a.pem"], "--tls-cert and --tls-key go together"),
        (["--tls-cert", "a.pem", "--tls-key", "a.key", "--security-profile", "3"], "--security-profile 3 needs --tls-client-ca"),
        (["--tls-client-ca", "ca.pem"], "--tls-client-ca needs --tls-cert and --tls-key"),
        (["--security-profile", "4"], "--security-profile expects 0, 1, 2 or 3"),
    ])
    func tlsUsageErrorsNameTheFix(arguments: [String], message: String) async throws {
        let run = try await ToolRun.run("ocpp-serve", ["--socket", "none", "--listen", "127.0.0.1:0", "--db", ":memory:"] + arguments)
        #expect(run.status == 2)
        #expect(run.stderrLines.count == 1 && run.stderr.contains(message), "\(run.stderr)")
    }

    @Test(.serialized, arguments: TestStore.allCases) func sighupWithoutTLSLeavesTheServerRunning(store: TestStore) async throws {
        let server = try await ServerProcess(store: store)
        kill(server.process.processIdentifier, SIGHUP)
        try await Task.sleep(for: .milliseconds(300))
        #expect(server.process.isRunning)
        #expect(try await SecurityProfileTests.handshake(server, id: "AFTER-HUP", authorization: nil).hasPrefix("HTTP/1.1 101"))
        #expect(await server.stop() == 0)
    }

    @Test func aKeyThatIsNotTheCertificatesStopsTheStart() async throws {
        let pki = try TestPKI()
        let other = try pki.client("SOMEONE")
        let run = try await ToolRun.run(
            "ocpp-serve",
            [
                "--socket", "none", "--listen", "127.0.0.1:0", "--db", pki.directory.appendingPathComponent("db.sqlite").path, "--tls-listen",
                "127.0.0.1:0", "--tls-cert", pki.server.certificate, "--tls-key", other.key,
            ]
        )
        #expect(run.status != 0 && run.status != 2)
        #expect(run.stderr.contains("--tls-cert and --tls-key do not make a TLS context"), "\(run.stderr)")
    }

    /// Writes `renewed`'s certificate and key over `current`'s files (what an operator does before SIGHUP).
    static func replace(server current: TestPKI.Issued, with renewed: TestPKI.Issued) throws {
        try String(contentsOfFile: renewed.certificate, encoding: .utf8).write(toFile: current.certificate, atomically: true, encoding: .utf8)
        try String(contentsOfFile: renewed.key, encoding: .utf8).write(toFile: current.key, atomically: true, encoding: .utf8)
    }

    static func httpsGet(_ url: String, ca: String) async throws -> String {
        var configuration = HTTPClient.Configuration()
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .file(ca)
        configuration.tlsConfiguration = tls
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        defer { _ = client.shutdown() }
        let response = try await client.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
        return String(buffer: try await response.body.collect(upTo: 16 << 20))
    }
}
