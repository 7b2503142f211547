import Crypto
import Foundation
import SwiftASN1
import X509

/// Certificates for the TLS tests, made at test time with swift-certificates (P-256, ECDSA-SHA256) and written as
/// PEM files into a fresh temp directory: a CA, a server certificate for 127.0.0.1/localhost, client certificates
/// whose CN is a charger id, an expired one, and one issued by another CA.
struct TestPKI: Sendable {
    /// A certificate and its key as PEM files.
    struct Issued: Sendable {
        var certificate: String
        var key: String
        /// Hex of the serial number, as `Certificate.SerialNumber` prints it.
        var serial: String
    }

    let directory: URL
    /// The charger CA's certificate (also the trust anchor for the server certificate).
    let caFile: String
    /// The CA's key (PEM), for a server that signs chargers' CSRs with the CA its `--tls-client-ca` trusts.
    let caKeyFile: String
    let server: Issued
    private let caKey: P256.Signing.PrivateKey
    private let caName: DistinguishedName
    private let otherCAKey: P256.Signing.PrivateKey
    private let otherCAName: DistinguishedName

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("ocpp-pki-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        caKey = P256.Signing.PrivateKey()
        caName = try DistinguishedName {
            OrganizationName("ocpp-tools test CPO")
            CommonName("ocpp-tools test CA")
        }
        otherCAKey = P256.Signing.PrivateKey()
        otherCAName = try DistinguishedName { CommonName("some other CA") }
        let ca = try Self.selfSigned(name: caName, key: caKey)
        caFile = try Self.write(directory, "ca.pem", try ca.serializeAsPEM().pemString)
        caKeyFile = try Self.write(directory, "ca.key.pem", caKey.pemRepresentation)
        server = try Self.issue(
            in: directory,
            file: "server",
            commonName: "localhost",
            issuer: caName,
            issuerKey: caKey,
            serverAuth: true
        )
    }

    /// A new server certificate from the same CA (for the reload test): another serial, same trust.
    func anotherServerCertificate(file: String) throws -> Issued {
        try Self.issue(in: directory, file: file, commonName: "localhost", issuer: caName, issuerKey: caKey, serverAuth: true)
    }

    /// A client certificate with CN = `chargerID`, valid now.
    func client(_ chargerID: String) throws -> Issued {
        try Self.issue(in: directory, file: "client-\(chargerID)", commonName: chargerID, issuer: caName, issuerKey: caKey, serverAuth: false)
    }

    /// A client certificate with CN = `chargerID` that expired yesterday.
    func expiredClient(_ chargerID: String) throws -> Issued {
        let now = Date()
        return try Self.issue(
            in: directory,
            file: "expired-\(chargerID)",
            commonName: chargerID,
            issuer: caName,
            issuerKey: caKey,
            serverAuth: false,
            validity: now.addingTimeInterval(-3 * 86_400)...now.addingTimeInterval(-86_400)
        )
    }

    /// A client certificate with CN = `chargerID` issued by a CA the server does not trust.
    func foreignClient(_ chargerID: String) throws -> Issued {
        let otherCA = try Self.selfSigned(name: otherCAName, key: otherCAKey)
        _ = try Self.write(directory, "other-ca.pem", try otherCA.serializeAsPEM().pemString)
        return try Self.issue(
            in: directory,
            file: "foreign-\(chargerID)",
            commonName: chargerID,
            issuer: otherCAName,
            issuerKey: otherCAKey,
            serverAuth: false
        )
    }

    private static func selfSigned(name: DistinguishedName, key: P256.Signing.PrivateKey) throws -> Certificate {
        try SecurityTestCA.selfSigned(subject: name, key: key, isCA: true)
    }

    private static func issue(
        in directory: URL,
        file: String,
        commonName: String,
        issuer: DistinguishedName,
        issuerKey: P256.Signing.PrivateKey,
        serverAuth: Bool,
        validity: ClosedRange<Date>? = nil
    ) throws -> Issued {
        let key = P256.Signing.PrivateKey()
        let now = Date()
        let range = validity ?? now.addingTimeInterval(-3600)...now.addingTimeInterval(7 * 86_400)
        let subject = try DistinguishedName {
            OrganizationName("ocpp-tools test CPO")
            CommonName(commonName)
        }
        let certificate = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: .init(key.publicKey),
            notValidBefore: range.lowerBound,
            notValidAfter: range.upperBound,
            issuer: issuer,
            subject: subject,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true, keyAgreement: true))
                try ExtendedKeyUsage([serverAuth ? .serverAuth : .clientAuth])
                AuthorityKeyIdentifier(
                    keyIdentifier: ArraySlice(SubjectKeyIdentifier(hash: Certificate.PublicKey(issuerKey.publicKey)).keyIdentifier)
                )
                if serverAuth {
                    SubjectAlternativeNames([.dnsName("localhost"), .ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1]))])
                }
            },
            issuerPrivateKey: .init(issuerKey)
        )
        return Issued(
            certificate: try write(directory, "\(file).pem", try certificate.serializeAsPEM().pemString),
            key: try write(directory, "\(file).key", key.pemRepresentation),
            serial: "\(certificate.serialNumber)"
        )
    }

    private static func write(_ directory: URL, _ name: String, _ text: String) throws -> String {
        let url = directory.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }
}
