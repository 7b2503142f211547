import Crypto
import Foundation
import Shared
import SwiftASN1
import X509

/// A charger's certificates (1.6 security extension): root certificates by type (InstallCertificate,
/// GetInstalledCertificateIds, DeleteCertificate), and its own client certificate with the key its CSR was made with.
struct CertificateStore: Sendable {
    private(set) var roots: [CertificateUseEnumType: [Certificate]] = [:]
    /// The key of the last CSR sent, until a CertificateSigned for it arrives.
    private(set) var pendingKey: P256.Signing.PrivateKey?
    /// The charger's own certificate chain (leaf first) and key, once signed.
    private(set) var chargerChain: [Certificate] = []
    private(set) var chargerKey: P256.Signing.PrivateKey?

    /// InstallCertificate: Rejected when the PEM is not one certificate, Failed when the store is full.
    mutating func install(_ pem: String, as type: CertificateUseEnumType, maxLength: Int) -> InstallCertificateStatusEnumType {
        guard let certificate = try? Certificate(pemEncoded: pem) else { return .rejected }
        var list = roots[type] ?? []
        list.removeAll { $0.serialNumber == certificate.serialNumber && $0.issuer == certificate.issuer }
        guard roots.values.reduce(0, { $0 + $1.count }) - (roots[type]?.count ?? 0) + list.count < maxLength else { return .failed }
        list.append(certificate)
        roots[type] = list
        return .accepted
    }

    /// GetInstalledCertificateIds: each root's hash data (SHA-256; a root is its own issuer).
    func ids(of type: CertificateUseEnumType) -> [CertificateHashDataType] {
        (roots[type] ?? []).compactMap { try? CertificateHashDataType(certificate: $0) }
    }

    /// DeleteCertificate: the root whose hash data (in the request's algorithm) matches.
    mutating func delete(_ hash: CertificateHashDataType) -> DeleteCertificateStatusEnumType {
        for (type, list) in roots {
            if let index = list.firstIndex(where: {
                (try? CertificateHashDataType(certificate: $0, algorithm: hash.hashAlgorithm))?.matches(hash) == true
            }) {
                roots[type]?.remove(at: index)
                return .accepted
            }
        }
        return .notFound
    }

    /// A new P-256 key and its CSR (PEM) with CN = the charge point id and O = the CPO name (TC_087).
    mutating func makeCSR(chargerID: String, cpoName: String) throws -> String {
        let key = P256.Signing.PrivateKey()
        let subject =
            cpoName.isEmpty
            ? try DistinguishedName { CommonName(chargerID) }
            : try DistinguishedName {
                OrganizationName(cpoName)
                CommonName(chargerID)
            }
        let csr = try CertificateSigningRequest(
            version: .v1,
            subject: subject,
            privateKey: Certificate.PrivateKey(key),
            attributes: CertificateSigningRequest.Attributes()
        )
        pendingKey = key
        return try csr.serializeAsPEM().pemString
    }

    enum SignedOutcome: Sendable {
        case accepted(chain: [Certificate], key: P256.Signing.PrivateKey)
        case rejected(String)
    }

    /// CertificateSigned: the chain must parse, fit CertificateSignedMaxChainSize, be for this charger, carry the key of
    /// the pending CSR, and each certificate must be signed by the next one. Keeps chain and key when accepted.
    mutating func acceptSigned(_ chainPEM: String, chargerID: String, maxChainSize: Int) -> SignedOutcome {
        guard chainPEM.utf8.count <= maxChainSize else { return .rejected("the chain is over CertificateSignedMaxChainSize") }
        guard let documents = try? PEMDocument.parseMultiple(pemString: chainPEM), !documents.isEmpty,
            let chain = try? documents.map({ try Certificate(pemDocument: $0) }), let leaf = chain.first
        else { return .rejected("the chain is not PEM certificates") }
        guard let key = pendingKey else { return .rejected("no CSR is pending") }
        guard leaf.publicKey == Certificate.PublicKey(key.publicKey) else { return .rejected("the certificate is not for the key of the last CSR") }
        guard leaf.subject.commonName == chargerID else { return .rejected("the certificate's CN is not \(chargerID)") }
        for (certificate, issuer) in zip(chain, chain.dropFirst()) where !issuer.publicKey.isValidSignature(certificate.signature, for: certificate) {
            return .rejected("\(certificate.subject) is not signed by the next certificate of the chain")
        }
        let now = Date()
        guard leaf.notValidBefore <= now, now <= leaf.notValidAfter else { return .rejected("the certificate is not valid now") }
        pendingKey = nil
        chargerChain = chain
        chargerKey = key
        return .accepted(chain: chain, key: key)
    }
}
