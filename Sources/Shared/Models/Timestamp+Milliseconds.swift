import Foundation

extension Timestamp {
    /// Milliseconds since 1970 UTC: how the store keeps times.
    public var milliseconds: Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    public init(milliseconds: Int64) {
        self.init(Date(timeIntervalSince1970: Double(milliseconds) / 1000))
    }

    public static func nowMilliseconds() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1000).rounded())
    }
}
