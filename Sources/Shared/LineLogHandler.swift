import Foundation
import Logging

/// One line per event on stderr: `2026-11-25T08:15:00.123Z info [CP01] boot key=value …`, the charger id first
/// (swift-log's StreamLogHandler sorts metadata keys, which would bury it).
public struct LineLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let label: String

    public init(label: String, level: Logger.Level) {
        self.label = label
        self.logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        var line = Timestamp(Date()).description + " " + event.level.rawValue
        if let charger = merged.removeValue(forKey: "charger") { line += " [\(charger)]" }
        line += " " + event.message.description
        for key in merged.keys.sorted() where !key.hasPrefix("hb.") {
            line += " \(key)=\(merged[key].map { "\($0)" } ?? "")"
        }
        line += "\n"
        FileHandle.standardError.write(Data(line.utf8))
    }
}
