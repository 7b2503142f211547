import Foundation
import NIOSSL
import Synchronization

/// One charger's TLS client certificate and key (Security Profile 3), read from PEM files and re-readable, so a
/// charger can reconnect with a certificate it was just given (the security extension's CertificateSigned: store the
/// chain and key in the files, call `reload()`, reconnect). Every connection attempt takes the current pair.
final class ClientIdentity: Sendable {
    struct Pair: Sendable {
        /// Leaf first, then intermediates.
        var chain: [NIOSSLCertificate]
        var key: NIOSSLPrivateKey
    }

    let certificatePath: String
    let keyPath: String
    private let pair: Mutex<Pair>

    /// Paths may hold `{id}`, replaced by the charger id, so one flag serves a fleet (e.g. `certs/{id}.pem`).
    init(chargerID: String, certificatePattern: String, keyPattern: String) throws {
        certificatePath = certificatePattern.replacingOccurrences(of: "{id}", with: chargerID)
        keyPath = keyPattern.replacingOccurrences(of: "{id}", with: chargerID)
        pair = Mutex(try Self.read(certificatePath: certificatePath, keyPath: keyPath))
    }

    /// A pair held in memory only (a certificate the central system just signed, without `--certificate-dir`).
    init(_ pair: Pair, certificatePath: String = "", keyPath: String = "") {
        self.certificatePath = certificatePath
        self.keyPath = keyPath
        self.pair = Mutex(pair)
    }

    var current: Pair { pair.withLock { $0 } }

    /// Presents `pair` from the next connection on (CertificateSigned).
    func use(_ pair: Pair) {
        self.pair.withLock { $0 = pair }
    }

    /// Reads the files again; on failure the previous pair stays in use and the error is thrown.
    func reload() throws {
        let loaded = try Self.read(certificatePath: certificatePath, keyPath: keyPath)
        pair.withLock { $0 = loaded }
    }

    struct LoadError: Error, CustomStringConvertible {
        var description: String
    }

    static func read(certificatePath: String, keyPath: String) throws -> Pair {
        let chain: [NIOSSLCertificate]
        do { chain = try NIOSSLCertificate.fromPEMFile(certificatePath) } catch {
            throw LoadError(description: "cannot read client certificate \(certificatePath): \(error)")
        }
        guard !chain.isEmpty else { throw LoadError(description: "\(certificatePath) holds no PEM certificate") }
        do { return Pair(chain: chain, key: try NIOSSLPrivateKey(file: keyPath, format: .pem)) } catch {
            throw LoadError(description: "cannot read client key \(keyPath): \(error)")
        }
    }

    /// The client TLS configuration for `wss://`: TLS 1.2 at least, the server verified against `trustRoots`
    /// (nil: the system's roots), and this identity if given.
    static func tlsConfiguration(trustRoots: [NIOSSLCertificate]?, identity: ClientIdentity?) -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        if let trustRoots { configuration.trustRoots = .certificates(trustRoots) }
        if let pair = identity?.current {
            configuration.certificateChain = pair.chain.map { .certificate($0) }
            configuration.privateKey = .privateKey(pair.key)
        }
        return configuration
    }
}
