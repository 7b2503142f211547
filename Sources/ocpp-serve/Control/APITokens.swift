import Crypto
import Shared

/// Bearer tokens of the HTTP API: 256 random bits shown once; the store keeps only their SHA-256, which is enough
/// for secrets this long (nothing to brute-force), and lookups by hash compare no secret byte by byte.
enum APITokens {
    static let prefix = "ocpp_"

    static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return prefix + hex(bytes)
    }

    static func sha256(_ token: String) -> String {
        hex(Array(SHA256.hash(data: Array(token.utf8))))
    }

    /// Lower-case hex, the same encoding as a charger's AuthorizationKey.
    private static func hex(_ bytes: [UInt8]) -> String { AuthorizationKey.hex(bytes) }

    /// Names are shown in logs and the command log: keep them plain.
    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 64 && name.allSatisfy { $0.isLetter || $0.isNumber || "-_.@".contains($0) }
    }
}
