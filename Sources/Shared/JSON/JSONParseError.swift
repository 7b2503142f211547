/// Why `JSONParser` rejected a document, and the byte offset where it noticed.
///
/// The offset lets a CALLERROR or a log line point at the exact spot in a charger's frame, which is how vendor quirks
/// (a stray comma, a Latin-1 byte, a `NaN`) get diagnosed without replaying the traffic.
public struct JSONParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The rule of RFC 8259 (or of the parser's limits) that the input broke.
    public enum Reason: Sendable, Hashable {
        /// The input ended inside a value, or before any value.
        case unexpectedEnd
        /// A byte that the JSON grammar does not allow at this position (outside strings and numbers).
        case unexpectedByte(UInt8)
        /// A string holds bytes that are not well-formed UTF-8 (overlong forms, surrogates and stray
        /// continuation bytes included).
        case invalidUTF8
        /// A backslash escape that RFC 8259 does not define, a `\u` without four hex digits, or a lone surrogate.
        case invalidEscape
        /// A number that breaks the RFC 8259 grammar: a leading zero, a missing digit after `-`, `.` or the exponent.
        case invalidNumber
        /// Arrays and objects nest deeper than the parser's `maxDepth`.
        case tooDeep
        /// Something other than whitespace follows the complete value.
        case trailingData
        /// A byte below 0x20 appears unescaped inside a string.
        case controlCharacterInString
    }

    public var reason: Reason
    /// The byte offset where the problem was found: the offending byte, the backslash of a bad escape, the first
    /// byte of an ill-formed UTF-8 sequence, the bracket that went too deep, or the input length for `unexpectedEnd`.
    public var offset: Int

    public init(reason: Reason, offset: Int) {
        self.reason = reason
        self.offset = offset
    }

    public var description: String {
        let what: String
        switch reason {
        case .unexpectedEnd: what = "unexpected end of input"
        case .unexpectedByte(let byte): what = "unexpected \(Self.describe(byte))"
        case .invalidUTF8: what = "invalid UTF-8"
        case .invalidEscape: what = "invalid escape sequence"
        case .invalidNumber: what = "invalid number"
        case .tooDeep: what = "arrays and objects nested too deeply"
        case .trailingData: what = "unexpected data after the JSON value"
        case .controlCharacterInString: what = "unescaped control character in string"
        }
        return "\(what) at byte offset \(offset)"
    }

    /// `'x'` for printable ASCII, `byte 0xNN` otherwise, so a log line never carries raw control bytes.
    private static func describe(_ byte: UInt8) -> String {
        let hex = String(byte, radix: 16, uppercase: true)
        let code = "0x" + (byte < 0x10 ? "0" + hex : hex)
        if byte >= 0x20 && byte < 0x7F {
            return "'\(Character(Unicode.Scalar(byte)))' (\(code))"
        }
        return "byte \(code)"
    }
}
