import Foundation

/// A JSON document as read from the wire.
///
/// Numbers keep their source text (`JSONNumber`), so decimal rules such as `multipleOf 0.1` are checked without binary
/// floating point, and objects keep their member order, so a value written back reads like the one received.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)
}

extension JSONValue {
    /// The JSON Schema type name of this value (`integer` for numbers without fraction or exponent).
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number(let n): n.isInteger ? "integer" : "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var numberValue: JSONNumber? {
        if case .number(let n) = self { return n }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    public var objectValue: JSONObject? {
        if case .object(let o) = self { return o }
        return nil
    }

    /// Member lookup when this is an object; `nil` otherwise.
    public subscript(key: String) -> JSONValue? {
        objectValue?[key]
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .number(JSONNumber(value)) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(JSONObject(elements.map { JSONMember(key: $0.0, value: $0.1) }))
    }
}

/// A JSON number as its source text, e.g. `21.4`, `-1`, `1e3`.
public struct JSONNumber: Sendable, Hashable, CustomStringConvertible {
    /// The number exactly as written (RFC 8259 grammar).
    public let text: String

    /// Accepts text that follows the RFC 8259 number grammar, nothing else.
    public init?(text: String) {
        guard JSONNumber.isValidGrammar(text.utf8) else { return nil }
        self.text = text
    }

    /// For callers that already checked the grammar (the parser).
    init(uncheckedText text: String) { self.text = text }

    public init(_ value: Int) { self.text = String(value) }
    public init(_ value: Int64) { self.text = String(value) }

    /// Writes the shortest text that reads back as `value`; `16` rather than `16.0`. NaN has no JSON spelling: `0`.
    public init(_ value: Decimal) {
        guard !value.isNaN else {
            self.text = "0"
            return
        }
        var text = value.description
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        self.text = text
    }

    /// Non-finite values have no JSON spelling and become `0`.
    public init(_ value: Double) {
        guard value.isFinite else {
            self.text = "0"
            return
        }
        if value == value.rounded(), abs(value) < 1e15 {
            self.text = String(Int64(value))
        } else {
            self.text = "\(value)"
        }
    }

    public var description: String { text }

    /// True when the text has neither fraction nor exponent (JSON Schema draft-04 `integer`).
    public var isInteger: Bool {
        !text.utf8.contains(where: { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") })
    }

    /// The value when it is an integer that fits 64 bits.
    public var int64: Int64? { isInteger ? Int64(text) : nil }

    /// The value when it is an integer that fits `Int`.
    public var int: Int? { isInteger ? Int(text) : nil }

    /// The value as a binary floating-point number (may round).
    public var double: Double { Double(text) ?? .nan }

    /// The exact decimal value of the text, when Foundation's `Decimal` can hold it (38 significant digits).
    public var decimal: Decimal? { Decimal(string: text, locale: Self.posix) }

    /// Created once: building a `Locale` costs tens of microseconds on Linux, and every sampled value needs one.
    private static let posix = Locale(identifier: "en_US_POSIX")

    static func isValidGrammar(_ utf8: String.UTF8View) -> Bool {
        var i = utf8.startIndex
        let end = utf8.endIndex
        func digit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }
        if i < end, utf8[i] == UInt8(ascii: "-") { i = utf8.index(after: i) }
        guard i < end, digit(utf8[i]) else { return false }
        if utf8[i] == UInt8(ascii: "0") {
            i = utf8.index(after: i)
        } else {
            while i < end, digit(utf8[i]) { i = utf8.index(after: i) }
        }
        if i < end, utf8[i] == UInt8(ascii: ".") {
            i = utf8.index(after: i)
            guard i < end, digit(utf8[i]) else { return false }
            while i < end, digit(utf8[i]) { i = utf8.index(after: i) }
        }
        if i < end, utf8[i] == UInt8(ascii: "e") || utf8[i] == UInt8(ascii: "E") {
            i = utf8.index(after: i)
            if i < end, utf8[i] == UInt8(ascii: "+") || utf8[i] == UInt8(ascii: "-") { i = utf8.index(after: i) }
            guard i < end, digit(utf8[i]) else { return false }
            while i < end, digit(utf8[i]) { i = utf8.index(after: i) }
        }
        return i == end
    }
}

/// One `"key": value` pair of a JSON object.
public struct JSONMember: Sendable, Hashable {
    public var key: String
    public var value: JSONValue

    public init(key: String, value: JSONValue) {
        self.key = key
        self.value = value
    }
}

/// A JSON object with its members in source order. OCPP payloads are small, so lookups scan linearly.
public struct JSONObject: Sendable, Hashable, RandomAccessCollection, ExpressibleByDictionaryLiteral {
    public var members: [JSONMember]

    public init(_ members: [JSONMember] = []) { self.members = members }

    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.members = elements.map { JSONMember(key: $0.0, value: $0.1) }
    }

    public var startIndex: Int { members.startIndex }
    public var endIndex: Int { members.endIndex }
    public subscript(position: Int) -> JSONMember { members[position] }

    public var keys: [String] { members.map(\.key) }

    /// The first member named `key`; setting `nil` removes every member of that name, setting a value replaces the
    /// first one or appends.
    public subscript(key: String) -> JSONValue? {
        get {
            for member in members where member.key == key { return member.value }
            return nil
        }
        set {
            if let newValue {
                if let i = members.firstIndex(where: { $0.key == key }) {
                    members[i].value = newValue
                } else {
                    members.append(JSONMember(key: key, value: newValue))
                }
            } else {
                members.removeAll { $0.key == key }
            }
        }
    }
}
