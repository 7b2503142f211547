import Crypto
import Foundation
import SwiftASN1
import X509

/// Certificates for the security-extension tests: a CA that signs chargers' CSRs, self-signed roots to install,
/// CSRs for any CN, and a firmware signer. P-256 throughout (small and fast).
struct SecurityTestCA {
    let key: P256.Signing.PrivateKey
    let certificate: Certificate

    /// A self-signed CA certificate named `CN=name, O=ocpp-tools tests`.
    init(name: String = "ocpp-tools test CSR CA") throws {
        key = P256.Signing.PrivateKey()
        certificate = try Self.selfSigned(name: name, key: key, isCA: true)
    }

    var pem: String { get throws { try certificate.serializeAsPEM().pemString + "\n" } }
    var keyPEM: String { key.pemRepresentation + "\n" }

    /// Writes `ca.pem` and `ca.key.pem` into `directory`; returns their paths (for --csr-ca-cert/--csr-ca-key).
    func write(to directory: URL) throws -> (certificate: String, key: String) {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let certificatePath = directory.appendingPathComponent("ca.pem")
        let keyPath = directory.appendingPathComponent("ca.key.pem")
        try pem.write(to: certificatePath, atomically: true, encoding: .utf8)
        try keyPEM.write(to: keyPath, atomically: true, encoding: .utf8)
        return (certificatePath.path, keyPath.path)
    }

    static func selfSigned(name: String, key: P256.Signing.PrivateKey, isCA: Bool) throws -> Certificate {
        let subject = try DistinguishedName {
            OrganizationName("ocpp-tools tests")
            CommonName(name)
        }
        return try selfSigned(subject: subject, key: key, isCA: isCA)
    }

    /// Valid from an hour ago for 30 days; a CA may sign certificates and CRLs.
    static func selfSigned(subject: DistinguishedName, key: P256.Signing.PrivateKey, isCA: Bool) throws -> Certificate {
        let now = Date()
        return try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: Certificate.PublicKey(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3600),
            notValidAfter: now.addingTimeInterval(86_400 * 30),
            issuer: subject,
            subject: subject,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(isCA ? BasicConstraints.isCertificateAuthority(maxPathLength: nil) : BasicConstraints.notCertificateAuthority)
                KeyUsage(digitalSignature: true, keyCertSign: isCA, cRLSign: isCA)
                SubjectKeyIdentifier(hash: Certificate.PublicKey(key.publicKey))
            },
            issuerPrivateKey: Certificate.PrivateKey(key)
        )
    }

    /// A self-signed root (PEM) to install on a charger.
    static func rootPEM(name: String) throws -> (pem: String, certificate: Certificate) {
        let certificate = try selfSigned(name: name, key: P256.Signing.PrivateKey(), isCA: true)
        return (try certificate.serializeAsPEM().pemString + "\n", certificate)
    }

    /// A CSR (PEM) with this CN and O, signed by a fresh key.
    static func csr(commonName: String, organization: String?) throws -> String {
        let key = Certificate.PrivateKey(P256.Signing.PrivateKey())
        let subject =
            organization.map { o in
                try? DistinguishedName {
                    OrganizationName(o)
                    CommonName(commonName)
                }
            } ?? (try? DistinguishedName { CommonName(commonName) })
        let csr = try CertificateSigningRequest(
            version: .v1,
            subject: subject ?? DistinguishedName(),
            privateKey: key,
            attributes: CertificateSigningRequest.Attributes()
        )
        return try csr.serializeAsPEM().pemString
    }

    /// A firmware signing certificate (PEM) and a function signing data with its key (base64 DER ECDSA, SHA-256).
    static func firmwareSigner() throws -> (certificatePEM: String, sign: @Sendable (Data) throws -> String) {
        let key = P256.Signing.PrivateKey()
        let certificate = try selfSigned(name: "firmware signer", key: key, isCA: false)
        return (try certificate.serializeAsPEM().pemString + "\n", { data in try key.signature(for: data).derRepresentation.base64EncodedString() })
    }
}
