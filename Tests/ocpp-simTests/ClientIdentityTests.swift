import Crypto
import Foundation
import NIOSSL
import SwiftASN1
import Testing
import X509

@testable import ocpp_sim

/// The simulator's client certificate (Security Profile 3): per-charger files via `{id}`, reloaded in place, and a
/// file that does not load keeps the pair in use.
@Suite struct ClientIdentityTests {
    /// A self-signed certificate with CN = `id`, written as `<id>.pem` and `<id>.key`; returns its serial bytes.
    static func writeCertificate(id: String, in directory: URL) throws -> [UInt8] {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName { CommonName(id) }
        let now = Date()
        let certificate = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-60),
            notValidAfter: now.addingTimeInterval(3600),
            issuer: name,
            subject: name,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: Certificate.Extensions(),
            issuerPrivateKey: .init(key)
        )
        try certificate.serializeAsPEM().pemString.write(to: directory.appendingPathComponent("\(id).pem"), atomically: true, encoding: .utf8)
        try key.pemRepresentation.write(to: directory.appendingPathComponent("\(id).key"), atomically: true, encoding: .utf8)
        return Array(certificate.serialNumber.bytes)
    }

    @Test func reloadTakesTheNewFilesAndABadFileKeepsThePairInUse() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sim-identity-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let first = try Self.writeCertificate(id: "CP1", in: directory)
        let identity = try ClientIdentity(
            chargerID: "CP1",
            certificatePattern: directory.appendingPathComponent("{id}.pem").path,
            keyPattern: directory.appendingPathComponent("{id}.key").path
        )
        #expect(identity.certificatePath.hasSuffix("/CP1.pem"))
        #expect(identity.current.chain.first?.serialNumber == first)

        let second = try Self.writeCertificate(id: "CP1", in: directory)
        #expect(second != first)
        try identity.reload()
        #expect(identity.current.chain.first?.serialNumber == second)
        let configuration = ClientIdentity.tlsConfiguration(trustRoots: nil, identity: identity)
        #expect(configuration.certificateChain.count == 1)
        #expect(configuration.minimumTLSVersion == .tlsv12)

        try "not a certificate".write(to: directory.appendingPathComponent("CP1.pem"), atomically: true, encoding: .utf8)
        #expect(throws: ClientIdentity.LoadError.self) { try identity.reload() }
        #expect(identity.current.chain.first?.serialNumber == second)
    }
}
