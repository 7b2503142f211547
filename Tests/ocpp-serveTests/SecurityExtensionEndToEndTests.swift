import TestSupport
import Foundation
import Shared
import SwiftASN1
import Testing
import X509

/// The 1.6 security extension end to end: the real ocpp-serve, ocpp-ctl and ocpp-sim on loopback.
@Suite struct SecurityExtensionEndToEndTests {
    typealias Sim = SimulatorEndToEndTests

    static func ctl(_ server: ServerProcess, _ arguments: [String]) async throws -> ToolRun {
        try await ControlEndToEndTests.ctl(server, arguments)
    }

    /// The stored events of one charger, oldest first.
    static func events(_ server: ServerProcess, _ charger: String, kind: String? = nil) async throws -> [JSONValue] {
        let run = try await ctl(server, ["events", "--charger", charger, "--json", "--limit", "1000"])
        return run.stdout.split(separator: "\n").compactMap { try? JSONParser.parse(String($0)) }.filter {
            kind == nil || $0["event"]?.stringValue == kind
        }
    }

    /// Waits until the charger's events of `kind` carry these statuses in order (other statuses may come between).
    static func waitForStatuses(
        _ server: ServerProcess,
        _ charger: String,
        kind: String,
        _ expected: [String],
        seconds: Double = 40
    ) async throws -> [String] {
        var seen: [String] = []
        try await Sim.waitUntil(seconds: seconds) {
            seen = try await events(server, charger, kind: kind).compactMap { $0["status"]?.stringValue }
            var rest = expected[...]
            for status in seen where status == rest.first { rest.removeFirst() }
            return rest.isEmpty
        }
        return seen
    }

    static func startSim(_ server: ServerProcess, prefix: String, _ extra: [String] = []) async throws -> Process {
        let (sim, _) = try Sim.background(
            server,
            ["--prefix", prefix, "--profile", "ac22", "--no-quirks", "--scenario", "idle", "--speed", "10"] + extra
        )
        try await Sim.waitUntil { try await Sim.connected(server, prefix + "0001") }
        return sim
    }

    /// The first certificate of a PEM chain.
    static func leaf(_ chain: String) throws -> Certificate {
        try Certificate(pemDocument: try #require(try PEMDocument.parseMultiple(pemString: chain).first))
    }

    static func write(_ text: String, _ name: String, in directory: URL) throws -> String {
        let url = directory.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    /// InstallCertificate, GetInstalledCertificateIds (hash data of the installed root), DeleteCertificate by file and
    /// by hashes, ExtendedTriggerMessage; StartupOfTheDevice stored, listed and alerted on.
    @Test(.serialized, arguments: TestStore.allCases) func certificateCommandsAndSecurityEventsWithTheSimulator(store: TestStore) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ocpp-secext-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let config = try Self.write("alerts:\n  security-events: [StartupOfTheDevice]\n", "config.yaml", in: directory)
        let server = try await ServerProcess(store: store, arguments: ["--config", config, "--http", "127.0.0.1:0"])
        let sim = try await Self.startSim(server, prefix: "SEC", ["--security-events"])
        defer { sim.terminate() }
        let id = "SEC0001"

        let (rootPEM, root) = try SecurityTestCA.rootPEM(name: "central system root")
        let rootPath = try Self.write(rootPEM, "root.pem", in: directory)
        let garbagePath = try Self.write("-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n", "bad.pem", in: directory)

        var run = try await Self.ctl(server, ["cert", "list", id, "--type", "central", "--json"])
        #expect(run.status == 1 && (try? JSONParser.parse(run.stdout)["status"]) == "NotFound", "\(run.stdout) \(run.stderr)")
        run = try await Self.ctl(server, ["cert", "install", id, "--type", "central", rootPath, "--json"])
        #expect(run.status == 0 && (try? JSONParser.parse(run.stdout)["status"]) == "Accepted", "\(run.stdout) \(run.stderr)")
        run = try await Self.ctl(server, ["cert", "install", id, "--type", "manufacturer", garbagePath, "--json"])
        #expect(run.status == 1 && (try? JSONParser.parse(run.stdout)["status"]) == "Rejected", "\(run.stdout) \(run.stderr)")

        run = try await Self.ctl(server, ["cert", "list", id, "--type", "central", "--json"])
        #expect(run.status == 0, "\(run.stdout) \(run.stderr)")
        let listed = try JSONParser.parse(run.stdout)["response"]?["certificateHashData"]?.arrayValue ?? []
        let expected = try CertificateHashDataType(certificate: root)
        #expect(listed.count == 1)
        let hash = try #require(listed.first)
        #expect(hash["hashAlgorithm"] == "SHA256")
        #expect(hash["issuerNameHash"]?.stringValue == expected.issuerNameHash)
        #expect(hash["issuerKeyHash"]?.stringValue == expected.issuerKeyHash)
        #expect(hash["serialNumber"]?.stringValue == expected.serialNumber)
        run = try await Self.ctl(server, ["cert", "list", id, "--type", "manufacturer"])
        #expect(run.status == 1, "the garbage was not installed: \(run.stdout)")

        run = try await Self.ctl(server, ["cert", "delete", id, "--file", rootPath, "--json"])
        #expect(run.status == 0 && (try? JSONParser.parse(run.stdout)["status"]) == "Accepted", "\(run.stdout) \(run.stderr)")
        run = try await Self.ctl(
            server,
            [
                "cert", "delete", id, "--serial", expected.serialNumber, "--issuer-name-hash", expected.issuerNameHash,
                "--issuer-key-hash", expected.issuerKeyHash, "--json",
            ]
        )
        #expect(run.status == 1 && (try? JSONParser.parse(run.stdout)["status"]) == "NotFound", "\(run.stdout) \(run.stderr)")
        run = try await Self.ctl(server, ["cert", "delete", id, "--serial", "01"])
        #expect(run.status == 2, "a partial hash set is a usage error")

        // ExtendedTriggerMessage: the core messages and LogStatusNotification.
        for message in ["Heartbeat", "StatusNotification", "LogStatusNotification", "FirmwareStatusNotification"] {
            run = try await Self.ctl(server, ["trigger", id, message, "--extended", "--json"])
            #expect(
                run.status == 0 && (try? JSONParser.parse(run.stdout)["action"]) == "ExtendedTriggerMessage",
                "\(message): \(run.stdout) \(run.stderr)"
            )
        }
        _ = try await Self.waitForStatuses(server, id, kind: "logStatus", ["Idle"])
        run = try await Self.ctl(server, ["trigger", id, "DiagnosticsStatusNotification", "--extended"])
        #expect(run.status == 2, "not an ExtendedTriggerMessage message")

        // StartupOfTheDevice: stored, listed, published, alerted on.
        var records: [JSONValue] = []
        try await Sim.waitUntil {
            let run = try await Self.ctl(server, ["security-events", "--charger", id, "--json"])
            records = (try? JSONParser.parse(run.stdout).arrayValue) ?? []
            return !records.isEmpty
        }
        #expect(records.first?["type"] == "StartupOfTheDevice" && records.first?["charger"]?.stringValue == id, "\(records)")
        #expect(try await Self.events(server, id, kind: "securityEvent").first?["type"] == "StartupOfTheDevice")
        run = try await Self.ctl(server, ["security-events", "--since", "+1h", "--json"])
        #expect(run.status == 0 && (try? JSONParser.parse(run.stdout).arrayValue?.count) == 0, "\(run.stdout)")
        try await Sim.waitUntil {
            let alerts = try await Self.ctl(server, ["alerts", "--json"])
            return alerts.stdout.contains("security-event") && alerts.stdout.contains("StartupOfTheDevice")
        }

        // The same over the HTTP API (bearer token), and exit 3 for a charger that is not there.
        let token = try #require(try JSONParser.parse(try await Self.ctl(server, ["token", "create", "sec", "--json"]).stdout)["token"]?.stringValue)
        let http = ["--url", "http://127.0.0.1:\(try #require(server.httpPort))", "--token", token]
        run = try await ToolRun.run("ocpp-ctl", http + ["security-events", "--charger", id, "--json"])
        #expect(run.status == 0 && run.stdout.contains("StartupOfTheDevice"), "\(run.stdout) \(run.stderr)")
        run = try await ToolRun.run("ocpp-ctl", http + ["cert", "install", id, "--type", "manufacturer", rootPath])
        #expect(run.status == 0, "\(run.stdout) \(run.stderr)")
        run = try await Self.ctl(server, ["cert", "list", "NOPE0001"])
        #expect(run.status == 3, "\(run.stderr)")
        #expect(await server.stop() == 0)
    }

    /// `cert sign`: the sim sends a CSR (CN = its id, O = CpoName), the server signs it with the test CA and sends
    /// CertificateSigned; the sim keeps the certificate and reconnects.
    @Test(.serialized, arguments: TestStore.allCases) func aCSRIsSignedByTheServersCAAndTheSimulatorReconnectsWithIt(store: TestStore) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ocpp-csr-\(UUID().uuidString)")
        let ca = try SecurityTestCA()
        let files = try ca.write(to: directory)
        let certificates = directory.appendingPathComponent("certs")
        try FileManager.default.createDirectory(at: certificates, withIntermediateDirectories: true)
        let server = try await ServerProcess(store: store, arguments: [
            "--csr-ca-cert", files.certificate, "--csr-ca-key", files.key, "--csr-validity-days", "30", "--cpo-name", "Example CPO",
        ])
        let sim = try await Self.startSim(server, prefix: "CSR", ["--cpo-name", "Example CPO", "--certificate-dir", certificates.path])
        defer { sim.terminate() }
        let id = "CSR0001"
        let connectsBefore = try await Self.events(server, id, kind: "connect").count

        let run = try await Self.ctl(server, ["cert", "sign", id, "--json"])
        #expect(run.status == 0 && (try? JSONParser.parse(run.stdout)["status"]) == "Accepted", "\(run.stdout) \(run.stderr)")
        let signed = try await Self.waitForStatuses(server, id, kind: "certificateSigning", ["Accepted"])
        #expect(signed == ["Accepted"])

        let chainPath = certificates.appendingPathComponent("\(id).pem").path
        try await Sim.waitUntil { FileManager.default.fileExists(atPath: chainPath) }
        let leaf = try Self.leaf(try String(contentsOfFile: chainPath, encoding: .utf8))
        #expect(leaf.subject.commonName == id)
        #expect(leaf.subject.organizationName == "Example CPO")
        #expect(leaf.issuer == ca.certificate.subject)
        #expect(ca.certificate.publicKey.isValidSignature(leaf.signature, for: leaf))
        #expect(leaf.notValidAfter.timeIntervalSinceNow > 29 * 86_400 && leaf.notValidAfter.timeIntervalSinceNow < 31 * 86_400)
        #expect(FileManager.default.fileExists(atPath: certificates.appendingPathComponent("\(id).key.pem").path))
        // The sim reconnects to use it: a new connection.
        try await Sim.waitUntil { try await Self.events(server, id, kind: "connect").count > connectsBefore }
        try await Sim.waitUntil { try await Sim.connected(server, id) }
        #expect(await server.stop() == 0)
    }

    /// SignCertificate from a scripted charger: a CSR naming another charger, or another CPO, is Rejected; a good
    /// one is Accepted and followed by CertificateSigned with the chain. Without a CA every CSR is Rejected.
    @Test(.serialized, arguments: TestStore.allCases) func csrsAreCheckedBeforeSigning(store: TestStore) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ocpp-csr-\(UUID().uuidString)")
        let ca = try SecurityTestCA()
        let files = try ca.write(to: directory)
        let server = try await ServerProcess(store: store, arguments: ["--csr-ca-cert", files.certificate, "--csr-ca-key", files.key, "--cpo-name", "CPO"])
        let chain = Locked<String?>(nil)
        try await TestCharger.connect(server.url, id: "CP-A") { charger in
            _ = try await charger.call("BootNotification", ["chargePointVendor": "V", "chargePointModel": "M"])
            let other = try await charger.call("SignCertificate", ["csr": .string(try SecurityTestCA.csr(commonName: "CP-B", organization: "CPO"))])
            #expect(other["status"] == "Rejected")
            let wrongCPO = try await charger.call(
                "SignCertificate",
                ["csr": .string(try SecurityTestCA.csr(commonName: "CP-A", organization: "Other"))]
            )
            #expect(wrongCPO["status"] == "Rejected")
            let good = try await charger.call("SignCertificate", ["csr": .string(try SecurityTestCA.csr(commonName: "CP-A", organization: "CPO"))])
            #expect(good["status"] == "Accepted")
            let frame = try JSONParser.parse(try await charger.receive())
            #expect(frame.arrayValue?[2] == "CertificateSigned")
            let id = frame.arrayValue?[1].stringValue ?? ""
            chain.withLock { $0 = frame.arrayValue?[3]["certificateChain"]?.stringValue }
            try await charger.send(#"[3,"\#(id)",{"status":"Accepted"}]"#)
            try await Task.sleep(for: .milliseconds(300))
        }
        let pem = try #require(chain.withLock { $0 })
        let leaf = try Self.leaf(pem)
        #expect(leaf.subject.commonName == "CP-A" && leaf.issuer == ca.certificate.subject)
        let refused = try await Self.events(server, "CP-A", kind: "certificateSigning")
        #expect(refused.compactMap { $0["status"]?.stringValue } == ["Rejected", "Rejected", "Accepted"], "\(refused)")
        #expect(refused.first?["reason"]?.stringValue?.contains("CP-B") == true)
        #expect(await server.stop() == 0)

        let plain = try await ServerProcess(store: store)
        try await TestCharger.connect(plain.url, id: "CP-A") { charger in
            _ = try await charger.call("BootNotification", ["chargePointVendor": "V", "chargePointModel": "M"])
            let answer = try await charger.call("SignCertificate", ["csr": .string(try SecurityTestCA.csr(commonName: "CP-A", organization: nil))])
            #expect(answer["status"] == "Rejected")
        }
        let reason = try await Self.events(plain, "CP-A", kind: "certificateSigning").first?["reason"]?.stringValue
        #expect(reason?.contains("--csr-ca-cert") == true)
        #expect(await plain.stop() == 0)
    }

    /// The CA flags: both or neither (usage error, exit 2); unreadable files stop the start with a line naming them.
    @Test func theCSRCAFlagsAreCheckedAtStart() async throws {
        let alone = try await ToolRun.run("ocpp-serve", ["--csr-ca-cert", "/nonexistent/ca.pem", "--listen", "127.0.0.1:0", "--socket", "none"])
        #expect(alone.status == 2 && alone.stderr.contains("--csr-ca-key"), "\(alone.stderr)")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ocpp-csr-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let missing = try await ToolRun.run(
            "ocpp-serve",
            [
                "--csr-ca-cert", "/nonexistent/ca.pem", "--csr-ca-key", "/nonexistent/ca.key.pem", "--listen", "127.0.0.1:0", "--socket", "none",
                "--db", directory.appendingPathComponent("db.sqlite").path,
            ]
        )
        #expect(missing.status != 0 && missing.stderr.contains("--csr-ca-cert /nonexistent/ca.pem"), "\(missing.status) \(missing.stderr)")
    }

    /// SignedUpdateFirmware: a good signature goes through to Installed; a bad one ends in InvalidSignature and an
    /// InvalidFirmwareSignature security event.
    @Test(.serialized, arguments: TestStore.allCases) func signedFirmwareIsVerifiedBeforeInstalling(store: TestStore) async throws {
        let files = try await TestFileServer()
        defer { files.stop() }
        let firmware = Data("firmware image \(UUID().uuidString)".utf8)
        try firmware.write(to: files.directory.appendingPathComponent("fw.bin"))
        let signer = try SecurityTestCA.firmwareSigner()
        let certificatePath = try Self.write(signer.certificatePEM, "signer.pem", in: files.directory)
        let server = try await ServerProcess(store: store)
        let sim = try await Self.startSim(server, prefix: "FW")
        defer { sim.terminate() }
        let id = "FW0001"

        var run = try await Self.ctl(
            server,
            [
                "firmware", id, "--signed", "--location", files.url + "fw.bin", "--retrieve-at", "now", "--signing-cert", certificatePath,
                "--signature", try signer.sign(firmware), "--request-id", "7", "--json",
            ]
        )
        #expect(run.status == 0 && (try? JSONParser.parse(run.stdout)["action"]) == "SignedUpdateFirmware", "\(run.stdout) \(run.stderr)")
        let good = try await Self.waitForStatuses(
            server,
            id,
            kind: "signedFirmwareStatus",
            ["Downloading", "Downloaded", "SignatureVerified", "Installing", "Installed"]
        )
        #expect(good == ["Downloading", "Downloaded", "SignatureVerified", "Installing", "Installed"])
        #expect(try await Self.events(server, id, kind: "signedFirmwareStatus").first?["requestId"] == 7)

        run = try await Self.ctl(
            server,
            [
                "firmware", id, "--signed", "--location", files.url + "fw.bin", "--signing-cert", certificatePath,
                "--signature", try signer.sign(Data("something else".utf8)), "--json",
            ]
        )
        #expect(run.status == 0, "\(run.stdout) \(run.stderr)")
        let bad = try await Self.waitForStatuses(
            server,
            id,
            kind: "signedFirmwareStatus",
            ["Installed", "Downloading", "Downloaded", "InvalidSignature"]
        )
        #expect(bad.last == "InvalidSignature", "\(bad)")
        try await Sim.waitUntil {
            let run = try await Self.ctl(server, ["security-events", "--charger", id, "--json"])
            return run.stdout.contains("InvalidFirmwareSignature")
        }
        run = try await Self.ctl(server, ["firmware", id, "--signed", "--location", files.url + "fw.bin"])
        #expect(run.status == 2, "--signed without a signature is a usage error")
        #expect(await server.stop() == 0)
    }

    /// A firmware signed the usual way, with openssl and an RSA key (SHA-256, PKCS#1 v1.5), is verified too.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl")), .serialized, arguments: TestStore.allCases)
    func firmwareSignedWithOpenSSLAndRSAIsVerified(store: TestStore) async throws {
        let files = try await TestFileServer()
        defer { files.stop() }
        let directory = files.directory
        try Data("rsa-signed firmware \(UUID().uuidString)".utf8).write(to: directory.appendingPathComponent("fw.bin"))
        let openssl = URL(fileURLWithPath: "/usr/bin/openssl")
        for arguments in [
            ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "k.pem", "-out", "c.pem", "-days", "1", "-subj", "/CN=firmware signer"],
            ["dgst", "-sha256", "-sign", "k.pem", "-out", "fw.sig", "fw.bin"],
        ] {
            let run = try await ToolRun.run(
                executable: openssl,
                arguments.map { $0.hasSuffix(".pem") || $0.hasPrefix("fw.") ? directory.appendingPathComponent($0).path : $0 }
            )
            #expect(run.status == 0, "\(run.stderr)")
        }
        let signature = try Data(contentsOf: directory.appendingPathComponent("fw.sig")).base64EncodedString()
        let server = try await ServerProcess(store: store)
        let sim = try await Self.startSim(server, prefix: "RSA")
        defer { sim.terminate() }
        let run = try await Self.ctl(
            server,
            [
                "firmware", "RSA0001", "--signed", "--location", files.url + "fw.bin", "--signing-cert",
                directory.appendingPathComponent("c.pem").path,
                "--signature", signature,
            ]
        )
        #expect(run.status == 0, "\(run.stdout) \(run.stderr)")
        let statuses = try await Self.waitForStatuses(server, "RSA0001", kind: "signedFirmwareStatus", ["SignatureVerified", "Installed"])
        #expect(!statuses.contains("InvalidSignature"), "\(statuses)")
        #expect(await server.stop() == 0)
    }

    /// GetLog: the sim uploads its security log by HTTP PUT (Uploading, Uploaded); to an ftp:// location it fails.
    @Test(.serialized, arguments: TestStore.allCases) func getLogUploadsTheLogByHTTP(store: TestStore) async throws {
        let files = try await TestFileServer()
        defer { files.stop() }
        let server = try await ServerProcess(store: store)
        let sim = try await Self.startSim(server, prefix: "LOG", ["--security-events"])
        defer { sim.terminate() }
        let id = "LOG0001"
        try await Sim.waitUntil {
            try await Self.ctl(server, ["security-events", "--charger", id]).stdout.contains("StartupOfTheDevice")
        }

        var run = try await Self.ctl(server, ["log", "get", id, "--type", "security", "--location", files.url, "--request-id", "42", "--json"])
        #expect(run.status == 0, "\(run.stdout) \(run.stderr)")
        let filename = try #require(try JSONParser.parse(run.stdout)["response"]?["filename"]?.stringValue)
        let statuses = try await Self.waitForStatuses(server, id, kind: "logStatus", ["Uploading", "Uploaded"])
        #expect(statuses == ["Uploading", "Uploaded"])
        let uploaded = try String(contentsOf: files.directory.appendingPathComponent(filename), encoding: .utf8)
        #expect(uploaded.contains("StartupOfTheDevice"), "the security log holds the security events: \(uploaded)")
        #expect(try await Self.events(server, id, kind: "logStatus").last?["requestId"] == 42)

        run = try await Self.ctl(server, ["log", "get", id, "--type", "diagnostics", "--location", "ftp://127.0.0.1/logs/"])
        #expect(run.status == 0, "\(run.stdout) \(run.stderr)")
        let failed = try await Self.waitForStatuses(server, id, kind: "logStatus", ["Uploaded", "Uploading", "UploadFailure"])
        #expect(failed.last == "UploadFailure")
        #expect(try JSONParser.parse(try await Self.ctl(server, ["charger", id, "--json"]).stdout)["logStatus"] == "UploadFailure")
        run = try await Self.ctl(server, ["log", "get", id, "--type", "audit", "--location", files.url])
        #expect(run.status == 2)
        #expect(await server.stop() == 0)
    }
}
