import TestSupport
import Foundation
import Shared
import Testing

/// Issue 17, must-show 4: the whole certificate life of a charger against the real binaries. A simulated charger
/// at profile 2 (wss + password) is asked for a CSR, the server signs it with the CA its `--tls-client-ca` trusts,
/// the charger reconnects presenting the new certificate, and once the operator raises it to profile 3 it keeps
/// connecting, now authenticated by that certificate (a profile-3 charger without one is refused).
@Suite struct CertificateSigningOverTLSTests {
    typealias Sec = SecurityExtensionEndToEndTests

    @Test(.serialized, arguments: TestStore.allCases) func aProfileTwoChargerGetsItsCertificateSignedAndThenConnectsAtProfileThree(store: TestStore) async throws {
        let pki = try TestPKI()
        let server = try await ServerProcess(store: store, 
            arguments: TLSSecurityProfileTests.tlsArguments(pki) + ["--csr-ca-cert", pki.caFile, "--csr-ca-key", pki.caKeyFile, "--cpo-name", "Test CPO"]
        )
        let tlsPort = try #require(server.tlsPort)
        let id = "LIFE0001"
        let password = "life-cycle-password-0001"
        #expect(try await Sec.ctl(server, ["charger", "password", "set", id, "--password", password]).status == 0)
        #expect(try await Sec.ctl(server, ["charger", "security", id, "--profile", "2"]).status == 0)

        let sim = Process()
        sim.executableURL = ServerProcess.binary("ocpp-sim")
        sim.arguments = [
            "--url", "wss://localhost:\(tlsPort)/ocpp", "--prefix", "LIFE", "--tls-ca", pki.caFile, "--password", password,
            "--cpo-name", "Test CPO", "--profile", "ac22", "--no-quirks", "--scenario", "idle", "--speed", "10", "--duration", "120",
        ]
        sim.standardOutput = FileHandle.nullDevice
        sim.standardError = FileHandle.nullDevice
        try sim.run()
        defer { sim.terminate() }
        try await SimulatorEndToEndTests.waitUntil { try await SimulatorEndToEndTests.connected(server, id) }
        let connectsBefore = try await Sec.events(server, id, kind: "connect").count

        // The CSR round: ExtendedTriggerMessage -> SignCertificate -> CertificateSigned -> a new connection.
        let sign = try await Sec.ctl(server, ["cert", "sign", id, "--json"])
        #expect(sign.status == 0, "\(sign.stdout) \(sign.stderr)")
        #expect(try await Sec.waitForStatuses(server, id, kind: "certificateSigning", ["Accepted"]) == ["Accepted"])
        try await SimulatorEndToEndTests.waitUntil { try await Sec.events(server, id, kind: "connect").count > connectsBefore }
        try await SimulatorEndToEndTests.waitUntil { try await SimulatorEndToEndTests.connected(server, id) }

        // Profile 3 from now on: a hard reset makes the charger connect again, and only its certificate gets it in.
        #expect(try await Sec.ctl(server, ["charger", "security", id, "--profile", "3"]).status == 0)
        let connectsAtTwo = try await Sec.events(server, id, kind: "connect").count
        #expect(try await Sec.ctl(server, ["reset", id, "--hard"]).status == 0)
        try await SimulatorEndToEndTests.waitUntil(seconds: 60) { try await Sec.events(server, id, kind: "connect").count > connectsAtTwo }
        try await SimulatorEndToEndTests.waitUntil { try await SimulatorEndToEndTests.connected(server, id) }
        #expect(TLSSecurityProfileTests.refusals(server, id).isEmpty, "\(TLSSecurityProfileTests.refusals(server, id))")

        // The same charger id without the certificate is refused now.
        let head = try await TLSProbe.handshake(port: tlsPort, id: id, ca: pki.caFile)
        #expect(head.head.hasPrefix("HTTP/1.1 401"), "\(head.head)")
        #expect(await server.stop() == 0)
    }
}
