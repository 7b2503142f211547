/// The Security Profile 1/2 key of a charger (configuration key `AuthorizationKey`).
///
/// The whitepaper defines the key as bytes (16-40 here; hexBinary over OCPP): ChangeConfiguration carries it as hex
/// text, and the charger sends the raw bytes as its Basic password. A password typed by an operator is the key whose
/// bytes are the password's UTF-8 text, so both forms name the same bytes.
public enum AuthorizationKey {
    /// Key lengths accepted, in bytes (the whitepaper's 16-40 characters).
    public static let lengths = 16...40

    /// Lower-case hex of the key, as ChangeConfiguration AuthorizationKey sends it.
    public static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The bytes of hex text (either case); nil for an odd length or a non-hex character.
    public static func bytes(fromHex text: some Collection<UInt8>) -> [UInt8]? {
        guard text.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(text.count / 2)
        var high: UInt8?
        for char in text {
            guard let nibble = nibble(char) else { return nil }
            if let h = high {
                out.append(h << 4 | nibble)
                high = nil
            } else {
                high = nibble
            }
        }
        return out
    }

    private static func nibble(_ char: UInt8) -> UInt8? {
        switch char {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): char - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): char - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): char - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// Characters of generated keys: letters and digits, so the key is also valid text for chargers that only
    /// take a typed password.
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8)

    /// A random key of `length` letters and digits (about 5.95 bits each) from the system's CSPRNG.
    public static func generate(length: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return String(decoding: (0..<length).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] }, as: UTF8.self)
    }

    /// Why an operator's password is not a valid key, or nil when it is (16-40 printable ASCII characters, no
    /// colon-free rule needed: RFC 7617 allows a colon in the password).
    public static func problem(with password: String) -> String? {
        guard lengths.contains(password.utf8.count) else { return "a charger password is 16 to 40 characters (OCPP 1.6 Security Whitepaper)" }
        guard password.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else { return "a charger password is printable ASCII without spaces" }
        return nil
    }
}
