/// A strict RFC 8259 reader that turns bytes from the wire into `JSONValue`.
///
/// Written for the charger hot path: it works over raw bytes with one index, builds a string straight from its bytes
/// unless it holds escapes, keeps numbers as their source text, and allocates nothing per byte. It is iterative (an
/// explicit container stack, not recursion), so hostile nesting costs memory bounded by `maxDepth`, never the stack.
///
/// Rules: no comments, trailing commas, `NaN`, leading zeros or single quotes; strings must be well-formed UTF-8 and
/// free of raw control characters; `\u` escapes are decoded, surrogate pairs joined and lone surrogates rejected;
/// duplicate object keys are kept in order. Every failure is a `JSONParseError` with the byte offset; no input traps.
public enum JSONParser {
    /// Nesting limit for arrays and objects. OCPP 1.6 payloads nest at most about six levels (a frame, a payload,
    /// a meterValue list, its sampledValue list), so 64 leaves room for vendor data while bounding memory and the
    /// recursion of whatever later walks the value (serialization, `Hashable`, deinitialization).
    public static let defaultMaxDepth = 64

    /// Parses exactly one JSON value (surrounding whitespace allowed; anything else after it is `trailingData`).
    ///
    /// `maxDepth` counts open arrays and objects: `0` admits only scalars, `1` admits `[1,2]` but not `[[1]]`.
    public static func parse(_ bytes: UnsafeRawBufferPointer, maxDepth: Int = defaultMaxDepth) throws(JSONParseError) -> JSONValue {
        var reader = Reader(bytes, maxDepth: maxDepth)
        let value = try reader.parseValue(outerDepth: 0)
        try reader.expectEnd()
        return value
    }

    /// Parses exactly one JSON value from an array of bytes; see `parse(_:maxDepth:)` over a raw buffer.
    public static func parse(_ bytes: [UInt8], maxDepth: Int = defaultMaxDepth) throws(JSONParseError) -> JSONValue {
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(JSONParseError) in try parse(raw, maxDepth: maxDepth) }
        }
        return try result.get()
    }

    /// Parses exactly one JSON value from the UTF-8 of `text`; offsets in errors count UTF-8 bytes.
    public static func parse(_ text: String, maxDepth: Int = defaultMaxDepth) throws(JSONParseError) -> JSONValue {
        let result = text.utf8.withContiguousStorageIfAvailable { buffer in
            Result { () throws(JSONParseError) in try parse(UnsafeRawBufferPointer(buffer), maxDepth: maxDepth) }
        }
        if let result { return try result.get() }
        return try parse(Array(text.utf8), maxDepth: maxDepth)
    }

    /// Parses a top-level JSON array and returns every element with the byte range it occupies in `bytes`
    /// (used to keep an OCPP frame's raw payload text for storage without re-encoding it).
    ///
    /// A range covers the element's own text, from its first byte to its last, without the whitespace or commas
    /// around it; whitespace inside a nested array or object is part of the element. The outer array counts as one
    /// level of `maxDepth`.
    public static func parseArrayElements(
        _ bytes: UnsafeRawBufferPointer,
        maxDepth: Int = defaultMaxDepth
    ) throws(JSONParseError) -> [(value: JSONValue, range: Range<Int>)] {
        var reader = Reader(bytes, maxDepth: maxDepth)
        let elements = try reader.parseArrayElements()
        try reader.expectEnd()
        return elements
    }

    /// `parseArrayElements(_:maxDepth:)` over an array of bytes; ranges index `bytes`.
    public static func parseArrayElements(
        _ bytes: [UInt8],
        maxDepth: Int = defaultMaxDepth
    ) throws(JSONParseError) -> [(value: JSONValue, range: Range<Int>)] {
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(JSONParseError) in try parseArrayElements(raw, maxDepth: maxDepth) }
        }
        return try result.get()
    }

    /// `parseArrayElements(_:maxDepth:)` over the UTF-8 of `text`; ranges are offsets into `text.utf8`.
    public static func parseArrayElements(
        _ text: String,
        maxDepth: Int = defaultMaxDepth
    ) throws(JSONParseError) -> [(value: JSONValue, range: Range<Int>)] {
        let result = text.utf8.withContiguousStorageIfAvailable { buffer in
            Result { () throws(JSONParseError) in try parseArrayElements(UnsafeRawBufferPointer(buffer), maxDepth: maxDepth) }
        }
        if let result { return try result.get() }
        return try parseArrayElements(Array(text.utf8), maxDepth: maxDepth)
    }
}

// MARK: - Reader

extension JSONParser {
    /// An array or object that is still open. Its key in the parent waits on the member stack just below its first
    /// member, in a placeholder member, so this record stays trivial (no retain/release when it is read).
    private struct OpenContainer {
        var isObject: Bool
        /// Index on the member stack of this container's first member; the placeholder sits at `firstMember - 1`.
        var firstMember: Int
    }

    /// The parsing state over one input buffer.
    ///
    /// Every read of the input is preceded by an explicit `offset < end` check, except the 8-byte loads in
    /// `nextSpecialByte`, which check `offset <= end - 8` themselves. Noncopyable so that the manually managed member
    /// stack is freed exactly once, on every exit path.
    private struct Reader: ~Copyable {
        private let bytes: UnsafeRawPointer?
        private let end: Int
        private let maxDepth: Int
        private(set) var index = 0

        /// Members of all open containers, innermost last; array elements carry the key `""`. Closing a container
        /// moves its members into the new array without retain/release traffic, which is why it is not an `Array`.
        private var stack: UnsafeMutablePointer<JSONMember>?
        private var stackCount = 0
        private var stackCapacity = 0
        private var open: [OpenContainer] = []

        /// Reused buffer for strings that contain escapes.
        private var scratch: [UInt8] = []

        init(_ buffer: UnsafeRawBufferPointer, maxDepth: Int) {
            self.bytes = buffer.baseAddress
            self.end = buffer.count
            self.maxDepth = maxDepth
        }

        deinit {
            if let stack {
                stack.deinitialize(count: stackCount)
                stack.deallocate()
            }
        }

        // MARK: Byte access

        /// The byte at `offset`; callers guarantee `offset < end`, and then `bytes` is non-nil.
        @inline(__always)
        private func byte(_ offset: Int) -> UInt8 {
            guard let bytes else { return 0 }
            return bytes.load(fromByteOffset: offset, as: UInt8.self)
        }

        /// Eight bytes at `offset` as a little-endian word; callers guarantee `offset + 8 <= end`.
        @inline(__always)
        private func word(_ offset: Int) -> UInt64 {
            guard let bytes else { return 0 }
            return UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
        }

        @inline(__always)
        private func text(_ start: Int, _ count: Int) -> String {
            guard let bytes else { return "" }
            return String(decoding: UnsafeRawBufferPointer(start: bytes + start, count: count), as: UTF8.self)
        }

        @inline(__always)
        private static func isWhitespace(_ b: UInt8) -> Bool {
            b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09
        }

        @inline(__always)
        private static func isDigit(_ b: UInt8) -> Bool {
            b &- UInt8(ascii: "0") < 10
        }

        @inline(__always)
        private mutating func skipWhitespace() {
            while index < end, Self.isWhitespace(byte(index)) { index += 1 }
        }

        /// Skips whitespace and returns the next byte without consuming it.
        @inline(__always)
        private mutating func peekToken() throws(JSONParseError) -> UInt8 {
            skipWhitespace()
            guard index < end else { throw JSONParseError(reason: .unexpectedEnd, offset: end) }
            return byte(index)
        }

        /// After the value: only whitespace may follow.
        mutating func expectEnd() throws(JSONParseError) {
            skipWhitespace()
            if index < end { throw JSONParseError(reason: .trailingData, offset: index) }
        }

        // MARK: Values

        /// Parses one value starting at the next non-whitespace byte, leaving `index` just after it.
        /// `outerDepth` is the number of containers already open around it (for `parseArrayElements`).
        mutating func parseValue(outerDepth: Int) throws(JSONParseError) -> JSONValue {
            // The key for the value about to be parsed; "" at the top and inside arrays. `key` and `value` are
            // consumed into the member stack rather than copied, which saves a retain/release pair per member.
            var key = ""
            while true {
                // Read the start of a value; containers open here and loop back for their first member.
                let first = try peekToken()
                var value: JSONValue
                switch first {
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    let isObject = first == UInt8(ascii: "{")
                    guard open.count + outerDepth < maxDepth else { throw JSONParseError(reason: .tooDeep, offset: index) }
                    index += 1
                    let next = try peekToken()
                    if next == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                        index += 1
                        value = isObject ? .object(JSONObject()) : .array([])
                    } else {
                        push(JSONMember(key: consume key, value: .null))  // placeholder keeping the key in the parent
                        if open.capacity == 0 { open.reserveCapacity(8) }
                        open.append(OpenContainer(isObject: isObject, firstMember: stackCount))
                        key = try isObject ? parseKey() : ""
                        continue
                    }
                case UInt8(ascii: "\""):
                    value = .string(try parseString())
                case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                    value = .number(try parseNumber())
                case UInt8(ascii: "t"):
                    try expectLiteral(0x74_72_75_65, length: 4)  // true
                    value = .bool(true)
                case UInt8(ascii: "f"):
                    try expectLiteral(0x66_61_6C_73_65, length: 5)  // false
                    value = .bool(false)
                case UInt8(ascii: "n"):
                    try expectLiteral(0x6E_75_6C_6C, length: 4)  // null
                    value = .null
                default:
                    throw JSONParseError(reason: .unexpectedByte(first), offset: index)
                }

                // A value is complete: attach it to the innermost open container, closing containers as they end.
                while true {
                    guard let container = open.last else { return value }
                    push(JSONMember(key: consume key, value: consume value))
                    let next = try peekToken()
                    if next == UInt8(ascii: ",") {
                        index += 1
                        key = try container.isObject ? parseKey() : ""
                        break
                    }
                    guard next == (container.isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) else {
                        throw JSONParseError(reason: .unexpectedByte(next), offset: index)
                    }
                    index += 1
                    open.removeLast()
                    value = popMembers(from: container.firstMember, intoObject: container.isObject)
                    key = popPlaceholder(at: container.firstMember - 1)
                }
            }
        }

        @inline(__always)
        private mutating func push(_ member: consuming JSONMember) {
            if stackCount == stackCapacity { growStack() }
            guard let stack else { return }  // growStack always allocates
            (stack + stackCount).initialize(to: member)
            stackCount += 1
        }

        private mutating func growStack() {
            let capacity = max(32, stackCapacity * 2)
            let grown = UnsafeMutablePointer<JSONMember>.allocate(capacity: capacity)
            if let stack {
                grown.moveInitialize(from: stack, count: stackCount)
                stack.deallocate()
            }
            stack = grown
            stackCapacity = capacity
        }

        /// Moves the members from `first` to the top of the stack into a new array or object.
        ///
        /// `reserveCapacity` plus `append` is specialized for the element type, where `Array(unsafeUninitializedCapacity:)`
        /// goes through an unspecialized runtime path that looked up type metadata on every call (80 ns more per container).
        private mutating func popMembers(from first: Int, intoObject: Bool) -> JSONValue {
            let count = stackCount - first
            guard let stack, count > 0 else { return intoObject ? .object(JSONObject()) : .array([]) }
            let source = stack + first
            stackCount = first
            if intoObject {
                var members: [JSONMember] = []
                members.reserveCapacity(count)
                for offset in 0..<count { members.append((source + offset).move()) }
                return .object(JSONObject(members))
            }
            var elements: [JSONValue] = []
            elements.reserveCapacity(count)
            for offset in 0..<count { elements.append((source + offset).move().value) }
            return .array(elements)
        }

        /// Removes the placeholder member at `position` (the top of the stack) and returns the key it kept.
        private mutating func popPlaceholder(at position: Int) -> String {
            guard let stack, position >= 0, position == stackCount - 1 else { return "" }
            stackCount = position
            return (stack + position).move().key
        }

        /// Parses `"key"` and the `:` after it.
        private mutating func parseKey() throws(JSONParseError) -> String {
            let quote = try peekToken()
            guard quote == UInt8(ascii: "\"") else { throw JSONParseError(reason: .unexpectedByte(quote), offset: index) }
            let key = try parseString()
            let colon = try peekToken()
            guard colon == UInt8(ascii: ":") else { throw JSONParseError(reason: .unexpectedByte(colon), offset: index) }
            index += 1
            return key
        }

        /// Matches `true`, `false` or `null` at `index`; `literal` holds its ASCII bytes, first byte most significant.
        private mutating func expectLiteral(_ literal: UInt64, length: Int) throws(JSONParseError) {
            for position in 1..<length {
                let offset = index + position
                guard offset < end else { throw JSONParseError(reason: .unexpectedEnd, offset: end) }
                let expected = UInt8(truncatingIfNeeded: literal >> UInt64(8 * (length - 1 - position)))
                let actual = byte(offset)
                guard actual == expected else { throw JSONParseError(reason: .unexpectedByte(actual), offset: offset) }
            }
            index += length
        }

        // MARK: Numbers

        /// Checks the RFC 8259 number grammar and keeps the text; `index` is at `-` or a digit.
        private mutating func parseNumber() throws(JSONParseError) -> JSONNumber {
            let start = index
            var i = index
            if byte(i) == UInt8(ascii: "-") { i += 1 }
            guard i < end else { throw JSONParseError(reason: .unexpectedEnd, offset: end) }
            let lead = byte(i)
            if lead == UInt8(ascii: "0") {
                i += 1
                if i < end, Self.isDigit(byte(i)) { throw JSONParseError(reason: .invalidNumber, offset: i) }
            } else if Self.isDigit(lead) {
                i += 1
                while i < end, Self.isDigit(byte(i)) { i += 1 }
            } else {
                throw JSONParseError(reason: .invalidNumber, offset: i)
            }
            if i < end, byte(i) == UInt8(ascii: ".") {
                i = try digits(from: i + 1)
            }
            if i < end, byte(i) | 0x20 == UInt8(ascii: "e") {
                i += 1
                if i < end, byte(i) == UInt8(ascii: "+") || byte(i) == UInt8(ascii: "-") { i += 1 }
                i = try digits(from: i)
            }
            index = i
            return JSONNumber(uncheckedText: text(start, i - start))
        }

        /// One or more digits starting at `start`; returns the index after them.
        @inline(__always)
        private func digits(from start: Int) throws(JSONParseError) -> Int {
            guard start < end else { throw JSONParseError(reason: .unexpectedEnd, offset: end) }
            guard Self.isDigit(byte(start)) else { throw JSONParseError(reason: .invalidNumber, offset: start) }
            var i = start + 1
            while i < end, Self.isDigit(byte(i)) { i += 1 }
            return i
        }

        // MARK: Strings

        /// A word with the high bit set in each byte that is `"`, `\`, below 0x20 or above 0x7F. Bytes below the
        /// first such byte never get a false mark (no borrow reaches them), so the lowest mark is exact.
        @inline(__always)
        private static func specialBytes(_ x: UInt64) -> UInt64 {
            let ones: UInt64 = 0x0101_0101_0101_0101
            let quote = x ^ (ones &* 0x22)
            let backslash = x ^ (ones &* 0x5C)
            let isQuote = (quote &- ones) & ~quote
            let isBackslash = (backslash &- ones) & ~backslash
            let isControl = (x &- ones &* 0x20) & ~x
            return (isQuote | isBackslash | isControl | x) & (ones &* 0x80)
        }

        /// The offset of the next byte at or after `start` that ends a run of plain string bytes (`"`, `\`, a
        /// control character or a non-ASCII byte), or `end`. Scans eight bytes per step.
        @inline(__always)
        private func nextSpecialByte(from start: Int) -> Int {
            var i = start
            while i <= end - 8 {
                let marks = Self.specialBytes(word(i))
                if marks != 0 { return i + marks.trailingZeroBitCount >> 3 }
                i += 8
            }
            while i < end {
                let b = byte(i)
                if b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") || b < 0x20 || b >= 0x80 { return i }
                i += 1
            }
            return end
        }

        /// Parses a string; `index` is at its opening quote. Strings without escapes become a `String` straight from
        /// their bytes; the first backslash switches to `parseEscapedString`.
        private mutating func parseString() throws(JSONParseError) -> String {
            let start = index + 1
            var i = start
            while true {
                i = nextSpecialByte(from: i)
                guard i < end else { throw JSONParseError(reason: .unexpectedEnd, offset: end) }
                let b = byte(i)
                if b == UInt8(ascii: "\"") {
                    index = i + 1
                    return text(start, i - start)
                } else if b == UInt8(ascii: "\\") {
                    return try parseEscapedString(start: start, firstEscape: i)
                } else if b < 0x20 {
                    throw JSONParseError(reason: .controlCharacterInString, offset: i)
                }
                i = try validateUTF8Sequence(at: i)
            }
        }

        /// The slow path: decodes into `scratch`, copying unescaped runs in bulk.
        private mutating func parseEscapedString(start: Int, firstEscape: Int) throws(JSONParseError) -> String {
            scratch.removeAll(keepingCapacity: true)
            appendBytes(start, firstEscape)
            var i = firstEscape
            while true {
                let runStart = i
                i = nextSpecialByte(from: i)
                appendBytes(runStart, i)
                guard i < end else { throw JSONParseError(reason: .unexpectedEnd, offset: end) }
                let b = byte(i)
                if b == UInt8(ascii: "\"") {
                    index = i + 1
                    return String(decoding: scratch, as: UTF8.self)
                } else if b == UInt8(ascii: "\\") {
                    i = try decodeEscape(at: i)
                } else if b < 0x20 {
                    throw JSONParseError(reason: .controlCharacterInString, offset: i)
                } else {
                    let sequenceStart = i
                    i = try validateUTF8Sequence(at: i)
                    appendBytes(sequenceStart, i)
                }
            }
        }

        /// Appends the input bytes `from..<to` to `scratch`.
        private mutating func appendBytes(_ from: Int, _ to: Int) {
            guard let bytes, from < to else { return }
            scratch.append(contentsOf: UnsafeRawBufferPointer(start: bytes + from, count: to - from))
        }

        /// Decodes the escape whose backslash is at `i` into `scratch`; returns the index after it.
        private mutating func decodeEscape(at i: Int) throws(JSONParseError) -> Int {
            guard i + 1 < end else { throw JSONParseError(reason: .unexpectedEnd, offset: end) }
            let decoded: UInt8
            switch byte(i + 1) {
            case UInt8(ascii: "\""): decoded = UInt8(ascii: "\"")
            case UInt8(ascii: "\\"): decoded = UInt8(ascii: "\\")
            case UInt8(ascii: "/"): decoded = UInt8(ascii: "/")
            case UInt8(ascii: "b"): decoded = 0x08
            case UInt8(ascii: "f"): decoded = 0x0C
            case UInt8(ascii: "n"): decoded = 0x0A
            case UInt8(ascii: "r"): decoded = 0x0D
            case UInt8(ascii: "t"): decoded = 0x09
            case UInt8(ascii: "u"): return try decodeUnicodeEscape(at: i)
            default: throw JSONParseError(reason: .invalidEscape, offset: i)
            }
            scratch.append(decoded)
            return i + 2
        }

        /// Decodes `\uXXXX` (and the low half of a surrogate pair) at `i`; a lone surrogate is `invalidEscape`.
        private mutating func decodeUnicodeEscape(at i: Int) throws(JSONParseError) -> Int {
            let unit = try hexQuad(at: i + 2, escapeAt: i)
            var scalar = UInt32(unit)
            var next = i + 6
            if unit & 0xFC00 == 0xD800 {
                // A high surrogate must be followed at once by `\u` and a low surrogate.
                guard next < end else { throw JSONParseError(reason: .unexpectedEnd, offset: end) }
                guard byte(next) == UInt8(ascii: "\\") else { throw JSONParseError(reason: .invalidEscape, offset: i) }
                guard next + 1 < end else { throw JSONParseError(reason: .unexpectedEnd, offset: end) }
                guard byte(next + 1) == UInt8(ascii: "u") else { throw JSONParseError(reason: .invalidEscape, offset: i) }
                let low = try hexQuad(at: next + 2, escapeAt: next)
                guard low & 0xFC00 == 0xDC00 else { throw JSONParseError(reason: .invalidEscape, offset: i) }
                scalar = 0x10000 + ((UInt32(unit) & 0x3FF) << 10) + (UInt32(low) & 0x3FF)
                next += 6
            } else if unit & 0xFC00 == 0xDC00 {
                throw JSONParseError(reason: .invalidEscape, offset: i)
            }
            appendUTF8(scalar)
            return next
        }

        /// Encodes a scalar value (never a surrogate, at most U+10FFFF) as UTF-8 into `scratch`.
        private mutating func appendUTF8(_ v: UInt32) {
            if v < 0x80 {
                scratch.append(UInt8(truncatingIfNeeded: v))
            } else if v < 0x800 {
                scratch.append(0xC0 | UInt8(truncatingIfNeeded: v >> 6))
                scratch.append(0x80 | UInt8(truncatingIfNeeded: v) & 0x3F)
            } else if v < 0x10000 {
                scratch.append(0xE0 | UInt8(truncatingIfNeeded: v >> 12))
                scratch.append(0x80 | UInt8(truncatingIfNeeded: v >> 6) & 0x3F)
                scratch.append(0x80 | UInt8(truncatingIfNeeded: v) & 0x3F)
            } else {
                scratch.append(0xF0 | UInt8(truncatingIfNeeded: v >> 18))
                scratch.append(0x80 | UInt8(truncatingIfNeeded: v >> 12) & 0x3F)
                scratch.append(0x80 | UInt8(truncatingIfNeeded: v >> 6) & 0x3F)
                scratch.append(0x80 | UInt8(truncatingIfNeeded: v) & 0x3F)
            }
        }

        /// Four hex digits starting at `i`, for the escape whose backslash is at `escapeAt`.
        private func hexQuad(at i: Int, escapeAt: Int) throws(JSONParseError) -> UInt16 {
            var value: UInt16 = 0
            for offset in i..<(i + 4) {
                guard offset < end else { throw JSONParseError(reason: .unexpectedEnd, offset: end) }
                let b = byte(offset)
                let digit: UInt8
                switch b {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = b - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = b - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = b - UInt8(ascii: "A") + 10
                default: throw JSONParseError(reason: .invalidEscape, offset: escapeAt)
                }
                value = value << 4 | UInt16(digit)
            }
            return value
        }

        /// Checks the multi-byte UTF-8 sequence whose lead byte is at `i` (Unicode table 3-7: no overlong forms,
        /// no surrogates, nothing above U+10FFFF); returns the index after it.
        private func validateUTF8Sequence(at i: Int) throws(JSONParseError) -> Int {
            let lead = byte(i)
            let length: Int
            var low: UInt8 = 0x80
            var high: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0:
                length = 3
                low = 0xA0
            case 0xED:
                length = 3
                high = 0x9F
            case 0xE1...0xEF: length = 3
            case 0xF0:
                length = 4
                low = 0x90
            case 0xF4:
                length = 4
                high = 0x8F
            case 0xF1...0xF3: length = 4
            default: throw JSONParseError(reason: .invalidUTF8, offset: i)
            }
            guard i + 1 < end else { throw JSONParseError(reason: .unexpectedEnd, offset: end) }
            let second = byte(i + 1)
            guard second >= low, second <= high else { throw JSONParseError(reason: .invalidUTF8, offset: i) }
            for offset in (i + 2)..<(i + length) {
                guard offset < end else { throw JSONParseError(reason: .unexpectedEnd, offset: end) }
                guard byte(offset) & 0xC0 == 0x80 else { throw JSONParseError(reason: .invalidUTF8, offset: i) }
            }
            return i + length
        }

        // MARK: Top-level arrays with ranges

        /// Parses a top-level array, recording each element's byte range.
        mutating func parseArrayElements() throws(JSONParseError) -> [(value: JSONValue, range: Range<Int>)] {
            let first = try peekToken()
            guard first == UInt8(ascii: "[") else { throw JSONParseError(reason: .unexpectedByte(first), offset: index) }
            guard maxDepth >= 1 else { throw JSONParseError(reason: .tooDeep, offset: index) }
            index += 1
            var elements: [(value: JSONValue, range: Range<Int>)] = []
            if try peekToken() == UInt8(ascii: "]") {
                index += 1
                return elements
            }
            elements.reserveCapacity(4)
            while true {
                skipWhitespace()
                let start = index
                let value = try parseValue(outerDepth: 1)
                elements.append((value, start..<index))
                let next = try peekToken()
                index += 1
                if next == UInt8(ascii: "]") { return elements }
                guard next == UInt8(ascii: ",") else { throw JSONParseError(reason: .unexpectedByte(next), offset: index - 1) }
            }
        }
    }
}
