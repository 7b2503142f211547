import Crypto
import Foundation
import Shared
import SwiftASN1
import X509

/// Signs chargers' certificate signing requests (SignCertificate) with the CA given by `--csr-ca-cert`/`--csr-ca-key`:
/// checks the CSR's own signature, that its CN is the charge point id and, when a CPO name is configured, that its O
/// is that name (1.6 Security Whitepaper; essentials §7), then issues a client certificate.
struct CSRSigner: Sendable {
    /// Why a CSR is refused; the text goes to the log and the certificateSigning event.
    struct Refusal: Error, CustomStringConvertible {
        var description: String
    }

    let caCertificate: Certificate
    let caKey: Certificate.PrivateKey
    /// The CA file as given (PEM), appended to the leaf so the charger receives the chain.
    let caPEM: String
    let validityDays: Int
    let cpoName: String?

    /// Reads the CA certificate and key (PEM: PKCS#8, SEC1 or PKCS#1); fails naming the file and the problem.
    init(certificatePath: String, keyPath: String, validityDays: Int, cpoName: String?) throws(Refusal) {
        let certificateText: String
        let keyText: String
        do {
            certificateText = try String(contentsOfFile: certificatePath, encoding: .utf8)
        } catch {
            throw Refusal(description: "cannot read --csr-ca-cert \(certificatePath): \(error.localizedDescription)")
        }
        do {
            keyText = try String(contentsOfFile: keyPath, encoding: .utf8)
        } catch {
            throw Refusal(description: "cannot read --csr-ca-key \(keyPath): \(error.localizedDescription)")
        }
        do {
            caCertificate = try Certificate(pemEncoded: certificateText)
        } catch {
            throw Refusal(description: "--csr-ca-cert \(certificatePath) is not a PEM certificate: \(error)")
        }
        do {
            caKey = try Certificate.PrivateKey(pemEncoded: keyText)
        } catch {
            throw Refusal(description: "--csr-ca-key \(keyPath) is not a PEM private key: \(error)")
        }
        guard caKey.publicKey == caCertificate.publicKey else {
            throw Refusal(description: "--csr-ca-key does not belong to --csr-ca-cert \(certificatePath)")
        }
        caPEM = certificateText.trimmingCharacters(in: .whitespacesAndNewlines) + "\n"
        self.validityDays = validityDays
        self.cpoName = cpoName
    }

    /// Checks a CSR (PEM) sent by `chargerID`; returns it when it may be signed.
    func check(_ csrPEM: String, chargerID: String) throws(Refusal) -> CertificateSigningRequest {
        let csr: CertificateSigningRequest
        do {
            csr = try CertificateSigningRequest(pemEncoded: csrPEM)
        } catch {
            throw Refusal(description: "the CSR is not a PEM certificate request: \(error)")
        }
        guard csr.publicKey.isValidSignature(csr.signature, for: csr) else {
            throw Refusal(description: "the CSR's signature does not match its public key")
        }
        guard let cn = csr.subject.commonName else { throw Refusal(description: "the CSR has no CN (it must be the charge point id \(chargerID))") }
        guard cn == chargerID else { throw Refusal(description: "the CSR's CN \(cn) is not the charge point id \(chargerID)") }
        if let cpoName, csr.subject.organizationName != cpoName {
            throw Refusal(description: "the CSR's O \(csr.subject.organizationName ?? "(none)") is not the CPO name \(cpoName)")
        }
        return csr
    }

    /// Issues a client certificate for a checked CSR; returns the PEM chain (leaf first, then the CA).
    func sign(_ csr: CertificateSigningRequest, now: Date = Date()) throws -> String {
        guard let algorithm = caKey.supportedSignatureAlgorithms.first else { throw Refusal(description: "the CA key cannot sign") }
        var serial = [UInt8](repeating: 0, count: 16)
        for index in serial.indices { serial[index] = UInt8.random(in: 0...255) }
        serial[0] &= 0x7f  // positive, as RFC 5280 requires
        let certificate = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(bytes: serial),
            publicKey: csr.publicKey,
            notValidBefore: now.addingTimeInterval(-300),
            notValidAfter: now.addingTimeInterval(Double(validityDays) * 86_400),
            issuer: caCertificate.subject,
            subject: csr.subject,
            signatureAlgorithm: algorithm,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true, keyAgreement: true))
                try ExtendedKeyUsage([.clientAuth])
                SubjectKeyIdentifier(hash: csr.publicKey)
                AuthorityKeyIdentifier(keyIdentifier: try? caCertificate.extensions.subjectKeyIdentifier?.keyIdentifier)
            },
            issuerPrivateKey: caKey
        )
        return try certificate.serializeAsPEM().pemString + "\n" + caPEM
    }
}
