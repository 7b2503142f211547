import Foundation
import Yams

/// The YAML config file (`--config FILE`): the same settings as the flags, with the flags' names as keys.
/// Flags given on the command line win over the file.
struct ConfigFile: Decodable, Equatable {
    var listen: String?
    var db: String?
    var heartbeatInterval: Int?
    var retryInterval: Int?
    var unknownChargers: String?
    var unknownTags: String?
    var securityProfile: Int?
    var acceptWithoutSubprotocol: [String]?
    var pingInterval: Int?
    var offlineAfter: Int?
    var frameRetentionDays: Int?
    var validation: String?
    var maxMessage: Int?
    var dataTransferVendors: [String]?
    var sync: String?
    var commitInterval: Int?
    var limitGrace: Int?
    var logLevel: String?
    var socket: String?
    var http: String?
    var metrics: String?
    var metricsChargers: Int?
    var tlsListen: String?
    var tlsCert: String?
    var tlsKey: String?
    var tlsClientCa: String?
    /// Alert rules and sinks (`AlertSettings`).
    var alerts: AlertSettings?
    /// Security extension: the CA that signs chargers' CSRs.
    var csrCaCert: String?
    var csrCaKey: String?
    var csrValidityDays: Int?
    var cpoName: String?
    /// Several nodes on one PostgreSQL database.
    var nodeId: String?
    var leaseSeconds: Int?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case listen, db, validation, sync, socket, http, metrics, alerts
        case metricsChargers = "metrics-chargers"
        case heartbeatInterval = "heartbeat-interval"
        case retryInterval = "retry-interval"
        case unknownChargers = "unknown-chargers"
        case unknownTags = "unknown-tags"
        case securityProfile = "security-profile"
        case acceptWithoutSubprotocol = "accept-without-subprotocol"
        case pingInterval = "ping-interval"
        case offlineAfter = "offline-after"
        case frameRetentionDays = "frame-retention-days"
        case maxMessage = "max-message"
        case dataTransferVendors = "data-transfer-vendors"
        case logLevel = "log-level"
        case commitInterval = "commit-interval"
        case limitGrace = "limit-grace"
        case csrCaCert = "csr-ca-cert"
        case csrCaKey = "csr-ca-key"
        case csrValidityDays = "csr-validity-days"
        case cpoName = "cpo-name"
        case tlsListen = "tls-listen"
        case tlsCert = "tls-cert"
        case tlsKey = "tls-key"
        case tlsClientCa = "tls-client-ca"
        case nodeId = "node-id"
        case leaseSeconds = "lease-seconds"
    }

    struct Problem: Error, CustomStringConvertible {
        var description: String
    }

    /// Reads the file; a missing file, bad YAML or a key the server does not know (a typo would otherwise leave a
    /// default in force without a word) is a `Problem` naming it.
    static func load(path: String) throws(Problem) -> ConfigFile {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw Problem(description: FileManager.default.fileExists(atPath: path) ? "cannot read \(path)" : "no such file \(path)")
        }
        if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return ConfigFile() }
        let known = Set(CodingKeys.allCases.map(\.rawValue))
        do {
            guard let document = try Yams.load(yaml: text) as? [String: Any] else {
                throw Problem(description: "\(path) must be a YAML mapping of settings (key: value)")
            }
            if let unknown = document.keys.sorted().first(where: { !known.contains($0) }) {
                throw Problem(description: "unknown setting '\(unknown)' in \(path); known: \(known.sorted().joined(separator: ", "))")
            }
            return try YAMLDecoder().decode(ConfigFile.self, from: text)
        } catch let problem as Problem {
            throw problem
        } catch {
            throw Problem(description: "\(path) is not valid: \(error)")
        }
    }
}
