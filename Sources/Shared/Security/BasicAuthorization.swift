import Foundation

/// HTTP Basic credentials of a charger's WebSocket handshake (Security Profile 1 and 2, SW §2.4 / RFC 7617).
///
/// The password is kept as bytes and never decoded as UTF-8: per J§6.2 and OCTT TC_085 a charger whose
/// AuthorizationKey was set over OCPP sends the raw bytes the hex value decodes to, which need not be text.
public struct BasicAuthorization: Sendable, Equatable {
    public var user: String
    public var password: [UInt8]

    public init(user: String, password: [UInt8]) {
        self.user = user
        self.password = password
    }

    /// Parses an `Authorization` header value; nil unless it is `Basic <base64>` holding `user:password`.
    /// The split is at the first colon (RFC 7617: a user id cannot contain one, a password can).
    public init?(header: String) {
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "basic",
            let decoded = Data(base64Encoded: String(parts[1]).trimmingCharacters(in: .whitespaces))
        else { return nil }
        let bytes = Array(decoded)
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")) else { return nil }
        user = String(decoding: bytes[..<colon], as: UTF8.self)
        password = Array(bytes[(colon + 1)...])
    }

    /// The header value: `Basic base64(user ":" password-bytes)`.
    public var header: String {
        "Basic " + Data(Array(user.utf8) + [UInt8(ascii: ":")] + password).base64EncodedString()
    }
}
