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
    var acceptWithoutSubprotocol: [String]?
    var pingInterval: Int?
    var offlineAfter: Int?
    var frameRetentionDays: Int?
    var validation: String?
    var maxMessage: Int?
    var dataTransferVendors: [String]?
    var sync: String?
    var logLevel: String?

    enum CodingKeys: String, CodingKey {
        case listen, db, validation, sync
        case heartbeatInterval = "heartbeat-interval"
        case retryInterval = "retry-interval"
        case unknownChargers = "unknown-chargers"
        case unknownTags = "unknown-tags"
        case acceptWithoutSubprotocol = "accept-without-subprotocol"
        case pingInterval = "ping-interval"
        case offlineAfter = "offline-after"
        case frameRetentionDays = "frame-retention-days"
        case maxMessage = "max-message"
        case dataTransferVendors = "data-transfer-vendors"
        case logLevel = "log-level"
    }

    static func load(path: String) throws -> ConfigFile {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return ConfigFile() }
        return try YAMLDecoder().decode(ConfigFile.self, from: text)
    }
}
