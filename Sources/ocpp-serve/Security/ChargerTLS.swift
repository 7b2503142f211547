import Foundation
import Logging
import NIOCore
import NIOSSL
import Shared
import SwiftASN1
import Synchronization
import X509

/// Security Profiles 2 and 3: the TLS side of the charger port (and of the HTTP API).
///
/// Holds the `NIOSSLContext` built from `--tls-cert`/`--tls-key` and the roots of `--tls-client-ca`; `reload()`
/// (SIGHUP) re-reads the files and swaps both for new handshakes, while open connections keep the TLS session they
/// have. A file that does not load keeps the old context.
///
/// Client certificates are *requested, not required* at the TLS level, and every presented chain passes the TLS
/// handshake: the verdict (chain to the CA, validity dates, subject CN) is taken by `verifyClient` and enforced at
/// the WebSocket upgrade, where the charge point id is known. So one port serves profile-2 chargers (no certificate,
/// Basic auth) and profile-3 chargers (certificate) at once, and every refusal is a 401 logged with the charger id.
final class ChargerTLS: Sendable {
    struct Files: Sendable, Equatable {
        var certificate: String
        var key: String
        var clientCA: String?
    }

    /// What one load of the files gives.
    struct Material: Sendable {
        var context: NIOSSLContext
        /// The same certificate without a client-certificate request, for the HTTP API.
        var httpContext: NIOSSLContext
        var configuration: TLSConfiguration
        /// Trusted issuers of client certificates; empty without `--tls-client-ca`.
        var clientRoots: [Certificate]
        /// The server certificate's serial number (hex), logged at load to tell which certificate is in use.
        var serial: String
    }

    /// The whitepaper's suites for TLS 1.2 (OCTT TC_086); TLS 1.3 suites (all AEAD) are BoringSSL's fixed set.
    static let cipherSuites: [NIOTLSCipher] = [
        .TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, .TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        .TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, .TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        .TLS_RSA_WITH_AES_128_GCM_SHA256, .TLS_RSA_WITH_AES_256_GCM_SHA384,
    ]

    let files: Files
    private let logger: Logger
    private let material: Mutex<Material>

    init(files: Files, logger: Logger) throws {
        self.files = files
        self.logger = logger
        material = Mutex(try Self.load(files))
    }

    var current: Material { material.withLock { $0 } }

    var httpContext: NIOSSLContext { current.httpContext }

    var requestsClientCertificates: Bool { files.clientCA != nil }

    /// Reads the files again; on failure keeps the old material and returns the error's description.
    @discardableResult
    func reload() -> String? {
        do {
            let loaded = try Self.load(files)
            material.withLock { $0 = loaded }
            logger.notice("tls certificates reloaded", metadata: ["serial": "\(loaded.serial)", "clientCAs": "\(loaded.clientRoots.count)"])
            return nil
        } catch {
            logger.error("tls reload failed, keeping the previous certificates", metadata: ["error": "\(error)"])
            return "\(error)"
        }
    }

    struct LoadError: Error, CustomStringConvertible {
        var description: String
    }

    static func load(_ files: Files) throws -> Material {
        let chain: [NIOSSLCertificate]
        let key: NIOSSLPrivateKey
        do { chain = try NIOSSLCertificate.fromPEMFile(files.certificate) } catch {
            throw LoadError(description: "cannot read --tls-cert \(files.certificate): \(error)")
        }
        guard let leaf = chain.first else { throw LoadError(description: "--tls-cert \(files.certificate) holds no PEM certificate") }
        do { key = try NIOSSLPrivateKey(file: files.key, format: .pem) } catch {
            throw LoadError(description: "cannot read --tls-key \(files.key): \(error)")
        }
        var roots: [Certificate] = []
        if let ca = files.clientCA {
            do {
                let text = try String(contentsOfFile: ca, encoding: .utf8)
                roots = try PEMDocument.parseMultiple(pemString: text).map { try Certificate(pemDocument: $0) }
            } catch {
                throw LoadError(description: "cannot read --tls-client-ca \(ca): \(error)")
            }
            guard !roots.isEmpty else { throw LoadError(description: "--tls-client-ca \(ca) holds no PEM certificate") }
        }
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        configuration.cipherSuiteValues = cipherSuites
        // Ask for a certificate but let chargers without one through to the upgrade (profile 2 beside profile 3).
        configuration.certificateVerification = files.clientCA == nil ? .none : .optionalVerification
        if let ca = files.clientCA {
            // Named in the CertificateRequest so a charger holding several certificates picks the right one; the
            // verification itself is `verifyClient`'s (the custom callback replaces BoringSSL's).
            configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(ca))
            configuration.sendCANameList = true
        }
        var httpConfiguration = configuration
        httpConfiguration.certificateVerification = .none
        let context: NIOSSLContext
        let httpContext: NIOSSLContext
        do {
            context = try NIOSSLContext(configuration: configuration)
            httpContext = try NIOSSLContext(configuration: httpConfiguration)
        } catch {
            throw LoadError(description: "--tls-cert and --tls-key do not make a TLS context (does the key belong to the certificate?): \(error)")
        }
        let serial = (try? leaf.toDERBytes()).flatMap { try? Certificate(derEncoded: $0) }.map { "\($0.serialNumber)" } ?? "?"
        return Material(context: context, httpContext: httpContext, configuration: configuration, clientRoots: roots, serial: serial)
    }

    /// The TLS handler for one new charger connection. `presented` receives the client's chain (leaf first) when it
    /// sends one; the handshake itself accepts any chain (see the type's comment).
    func serverHandler(presented: @escaping ([NIOSSLCertificate]) -> Void) -> NIOSSLServerHandler {
        let context = current.context
        guard requestsClientCertificates else { return NIOSSLServerHandler(context: context) }
        return NIOSSLServerHandler(context: context) { chain, promise in
            presented(chain)
            promise.succeed(.certificateVerified)
        }
    }

    /// A client certificate's verdict.
    enum ClientVerdict: Sendable, Equatable {
        case valid(commonName: String?)
        case invalid(reason: String)
    }

    /// Verifies a presented chain (leaf first) against the current `--tls-client-ca` roots: RFC 5280 path building,
    /// signatures and validity dates (swift-certificates' `Verifier`). The reason names the likeliest cause.
    func verifyClient(_ presented: [NIOSSLCertificate], now: Date = Date()) async -> ClientVerdict {
        let roots = current.clientRoots
        guard !roots.isEmpty else { return .invalid(reason: "client certificate presented but the server has no --tls-client-ca") }
        let parsed: [Certificate]
        do { parsed = try presented.map { try Certificate(derEncoded: try $0.toDERBytes()) } } catch {
            return .invalid(reason: "client certificate unreadable: \(error)")
        }
        guard let leaf = parsed.first else { return .invalid(reason: "empty client certificate chain") }
        let commonName = Self.commonName(leaf)
        if leaf.notValidAfter < now { return .invalid(reason: "client certificate expired \(Timestamp(leaf.notValidAfter).text)") }
        if leaf.notValidBefore > now { return .invalid(reason: "client certificate not valid before \(Timestamp(leaf.notValidBefore).text)") }
        var verifier = Verifier(rootCertificates: CertificateStore(roots)) { RFC5280Policy(fixedValidationTime: now) }
        switch await verifier.validate(leaf: leaf, intermediates: CertificateStore(Array(parsed.dropFirst()))) {
        case .validCertificate:
            return .valid(commonName: commonName)
        case .couldNotValidate(let failures):
            let detail = failures.first.map { "\($0.policyFailureReason)" } ?? "no chain to a trusted root"
            return .invalid(reason: "client certificate \(commonName.map { "CN=\($0) " } ?? "")not issued by the --tls-client-ca CA (\(detail))")
        }
    }

    /// The subject's first common name (the whitepaper's charger serial number = charge point id).
    static func commonName(_ certificate: Certificate) -> String? {
        for rdn in certificate.subject {
            for attribute in rdn where attribute.type == .RDNAttributeType.commonName {
                return String(describing: attribute.value)
            }
        }
        return nil
    }
}
