import Crypto
import CryptoExtras
import Shared

/// A charger's AuthorizationKey as stored: PBKDF2-HMAC-SHA256 of the key bytes with a random 16-byte salt. The key
/// itself is never stored. PBKDF2 (swift-crypto's `CryptoExtras`) rather than a bare salted SHA-256 so that a stolen
/// database does not give away typed (lower-entropy) passwords cheaply; the round count is stored per key so it can
/// be raised later without invalidating existing keys.
struct HashedKey: Sendable, Equatable {
    var hash: [UInt8]
    var salt: [UInt8]
    var rounds: Int
    /// The key's length in bytes: tells whether a presented password is the raw key or its hex text.
    var length: Int

    /// Rounds for new keys: an offline guess costs 2^15 HMAC-SHA256s, while a handshake flood costs at most the one
    /// verification thread (`ChargerEndpoint`). Measured 3.7 ms per check in release (`ocpp-bench --pbkdf2`, BENCHMARKS.md).
    static let defaultRounds = 32_768

    init(hash: [UInt8], salt: [UInt8], rounds: Int, length: Int) {
        self.hash = hash
        self.salt = salt
        self.rounds = rounds
        self.length = length
    }

    init(key: [UInt8], rounds: Int = defaultRounds) {
        var generator = SystemRandomNumberGenerator()
        let salt = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        self.init(hash: Self.derive(key, salt: salt, rounds: rounds), salt: salt, rounds: rounds, length: key.count)
    }

    static func derive(_ key: [UInt8], salt: [UInt8], rounds: Int) -> [UInt8] {
        // Only fails for invalid parameters (rounds < 1, zero output), which the constants rule out.
        let derived = try? KDF.Insecure.PBKDF2.deriveKey(from: key, salt: salt, using: .sha256, outputByteCount: 32, unsafeUncheckedRounds: rounds)
        return derived.map { $0.withUnsafeBytes { Array($0) } } ?? []
    }

    /// How a presented password matched the key.
    enum Form: String, Sendable {
        /// The raw key bytes (J§6.2, OCTT TC_085; also a typed text password).
        case bytes
        /// The key's hex text, either case (chargers that keep the ChangeConfiguration value as text).
        case hex
    }

    /// Whether `password` is this key, as raw bytes or as its hex text. Always derives once, whatever the input,
    /// and compares in constant time, so the time taken says nothing about how close a guess was.
    func matches(_ password: [UInt8]) -> Form? {
        var candidate = password
        var form = Form.bytes
        if password.count != length, password.count == 2 * length, let decoded = AuthorizationKey.bytes(fromHex: password) {
            candidate = decoded
            form = .hex
        }
        let derived = Self.derive(candidate, salt: salt, rounds: rounds)
        return Self.constantTimeEqual(derived, hash) && candidate.count == length ? form : nil
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for i in a.indices { difference |= a[i] ^ b[i] }
        return difference == 0
    }
}
