import Foundation

/// Message ids for CALLs we send: UUIDs, unique without coordination between processes or connections
/// (J§4.1.4: at most 36 characters, never reused on a connection).
public enum MessageIDGenerator {
    public static func next() -> String {
        UUID().uuidString.lowercased()
    }
}
