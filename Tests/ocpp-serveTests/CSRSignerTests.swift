import Foundation
import Shared
import SwiftASN1
import Testing
import X509

@testable import ocpp_serve

/// The CSR checks and the certificates issued for chargers, without a server.
@Suite struct CSRSignerTests {
    static func signer(cpoName: String? = "CPO") throws -> (CSRSigner, SecurityTestCA) {
        let ca = try SecurityTestCA()
        let files = try ca.write(to: FileManager.default.temporaryDirectory.appendingPathComponent("csr-signer-\(UUID().uuidString)"))
        return (try CSRSigner(certificatePath: files.certificate, keyPath: files.key, validityDays: 10, cpoName: cpoName), ca)
    }

    @Test func aGoodCSRIsSignedIntoAChainEndingWithTheCA() throws {
        let (signer, ca) = try Self.signer()
        let csr = try signer.check(try SecurityTestCA.csr(commonName: "CP-1", organization: "CPO"), chargerID: "CP-1")
        let chain = try signer.sign(csr)
        let documents = try PEMDocument.parseMultiple(pemString: chain)
        #expect(documents.count == 2)
        let leaf = try Certificate(pemDocument: documents[0])
        #expect(try Certificate(pemDocument: documents[1]) == ca.certificate)
        #expect(leaf.subject.commonName == "CP-1" && leaf.issuer == ca.certificate.subject)
        #expect(ca.certificate.publicKey.isValidSignature(leaf.signature, for: leaf))
        #expect(try leaf.extensions.basicConstraints == .notCertificateAuthority)
        #expect(try leaf.extensions.extendedKeyUsage?.contains(.clientAuth) == true)
    }

    @Test(arguments: [("CP-2", "CPO", "CN CP-2"), ("CP-1", "Other", "O Other"), ("CP-1", nil, "O (none)")] as [(String, String?, String)])
    func aCSRForAnotherChargerOrCPOIsRefused(commonName: String, organization: String?, reason: String) throws {
        let (signer, _) = try Self.signer()
        #expect(throws: CSRSigner.Refusal.self) {
            try signer.check(try SecurityTestCA.csr(commonName: commonName, organization: organization), chargerID: "CP-1")
        }
        do {
            _ = try signer.check(try SecurityTestCA.csr(commonName: commonName, organization: organization), chargerID: "CP-1")
        } catch {
            #expect("\(error)".contains(reason), "\(error)")
        }
    }

    @Test func withoutACPONameTheOIsNotChecked() throws {
        let (signer, _) = try Self.signer(cpoName: nil)
        _ = try signer.check(try SecurityTestCA.csr(commonName: "CP-1", organization: nil), chargerID: "CP-1")
    }

    @Test func aTamperedCSROrAMismatchedKeyIsRefused() throws {
        let (signer, _) = try Self.signer()
        #expect(throws: CSRSigner.Refusal.self) {
            try signer.check("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n", chargerID: "CP-1")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("csr-signer-\(UUID().uuidString)")
        let one = try SecurityTestCA().write(to: directory.appendingPathComponent("one"))
        let two = try SecurityTestCA().write(to: directory.appendingPathComponent("two"))
        #expect(throws: CSRSigner.Refusal.self) { try CSRSigner(certificatePath: one.certificate, keyPath: two.key, validityDays: 1, cpoName: nil) }
    }

    /// The hash data of a root names it the way chargers do: SHA-256 of the DER issuer name and of its key.
    @Test func certificateHashDataMatchesAcrossAlgorithmsAndCase() throws {
        let (_, root) = try SecurityTestCA.rootPEM(name: "root")
        let hash = try CertificateHashDataType(certificate: root)
        #expect(hash.issuerNameHash.count == 64 && hash.issuerKeyHash.count == 64)
        #expect(hash.serialNumber.count <= 40 && !hash.serialNumber.hasPrefix("0"))
        var upper = hash
        upper.issuerNameHash = hash.issuerNameHash.uppercased()
        upper.serialNumber = "00" + hash.serialNumber
        #expect(hash.matches(upper))
        #expect(try CertificateHashDataType(certificate: root, algorithm: .sha384).issuerNameHash.count == 96)
        #expect(!hash.matches(try CertificateHashDataType(certificate: root, algorithm: .sha512)))
    }

    @Test func theOpenAPIDocumentListsTheSecurityExtension() {
        let document = OpenAPIDocument.document(includeTokens: true)
        #expect(document["paths"]?["/v1/security-events"]?["get"] != nil)
        for name in ["OCPPInstallCertificate", "OCPPGetLog", "OCPPSignedUpdateFirmware", "OCPPExtendedTriggerMessage", "SecurityEventRecord"] {
            #expect(document["components"]?["schemas"]?[name] != nil, "\(name)")
        }
    }
}
