import Foundation

/// A value the generated models read from and write to `JSONValue`: the scalars the OCPP schemas use (`String`,
/// `Int`, `Decimal`, `Bool`, `Timestamp`), every `OCPPEnum`, every generated struct, and arrays of them.
///
/// `path` builds the JSON pointer of the value and is called only when an error is thrown, so reading a payload
/// allocates no path strings.
protocol ModelJSONField {
    init(fieldJSON json: JSONValue, at path: () -> String) throws(OCPPError)
    var fieldJSON: JSONValue { get }
}

/// Helpers the generated `init(json:)` implementations call.
enum JSONConversion {
    /// The JSON pointer of a whole payload.
    static func root() -> String { "" }

    /// A message payload: an object, or `null`, which reads as `{}` (J§4.2.1); anything else is a FormationViolation.
    static func payload(_ json: JSONValue) throws(OCPPError) -> JSONValue {
        switch json {
        case .object: json
        case .null: .object(JSONObject())
        default: throw OCPPError(.formationViolation, "payload must be a JSON object, found \(json.typeName)", path: "")
        }
    }

    static func object(_ json: JSONValue, at path: () -> String) throws(OCPPError) -> JSONObject {
        guard case .object(let object) = json else { throw typeMismatch(expected: "object", found: json, at: path) }
        return object
    }

    /// The first member named `key`. Compares UTF-8 lengths before text, and borrows the members instead of copying
    /// each one: this lookup is most of the cost of reading a payload.
    @inline(__always)
    static func member(_ object: JSONObject, _ key: String) -> JSONValue? {
        let length = key.utf8.count
        return object.members.withUnsafeBufferPointer { members in
            for index in members.indices where members[index].key.utf8.count == length && members[index].key == key {
                return members[index].value
            }
            return nil
        }
    }

    /// A member the schema requires; missing is an OccurenceConstraintViolation at the member's path.
    static func required<Field: ModelJSONField>(_ object: JSONObject, _ key: String, at path: () -> String) throws(OCPPError) -> Field {
        guard let value = member(object, key) else {
            throw OCPPError(.occurenceConstraintViolation, "required property '\(key)' is missing", path: path() + "/" + key)
        }
        return try Field(fieldJSON: value, at: { path() + "/" + key })
    }

    /// An optional member; absent or `null` reads as nil.
    static func optional<Field: ModelJSONField>(_ object: JSONObject, _ key: String, at path: () -> String) throws(OCPPError) -> Field? {
        guard let value = member(object, key) else { return nil }
        if case .null = value { return nil }
        return try Field(fieldJSON: value, at: { path() + "/" + key })
    }

    static func typeMismatch(expected: String, found json: JSONValue, at path: () -> String) -> OCPPError {
        OCPPError(.typeConstraintViolation, "expected \(expected), found \(json.typeName)", path: path())
    }
}

extension ModelJSONField where Self: OCPPPayload {
    var fieldJSON: JSONValue { json }
}

extension OCPPEnum {
    /// Any string is accepted: the enumerations are open.
    init(fieldJSON json: JSONValue, at path: () -> String) throws(OCPPError) {
        guard case .string(let text) = json else { throw JSONConversion.typeMismatch(expected: "string", found: json, at: path) }
        self.init(rawValue: text)
    }

    var fieldJSON: JSONValue { .string(rawValue) }
}

extension String: ModelJSONField {
    init(fieldJSON json: JSONValue, at path: () -> String) throws(OCPPError) {
        guard case .string(let text) = json else { throw JSONConversion.typeMismatch(expected: "string", found: json, at: path) }
        self = text
    }

    var fieldJSON: JSONValue { .string(self) }
}

extension Int: ModelJSONField {
    /// An integer token (no fraction, no exponent: JSON Schema draft-04 `integer`) that fits 64 bits.
    init(fieldJSON json: JSONValue, at path: () -> String) throws(OCPPError) {
        guard case .number(let number) = json else { throw JSONConversion.typeMismatch(expected: "integer", found: json, at: path) }
        guard let value = number.int else {
            if number.isInteger {
                throw OCPPError(.propertyConstraintViolation, "integer \(number.text) is out of range", path: path())
            }
            throw JSONConversion.typeMismatch(expected: "integer", found: json, at: path)
        }
        self = value
    }

    var fieldJSON: JSONValue { .number(JSONNumber(self)) }
}

extension Decimal: ModelJSONField {
    /// The exact value of the number's text (`21.4` stays 21.4, never 21.399999…).
    init(fieldJSON json: JSONValue, at path: () -> String) throws(OCPPError) {
        guard case .number(let number) = json else { throw JSONConversion.typeMismatch(expected: "number", found: json, at: path) }
        guard let value = number.decimal else {
            throw OCPPError(.propertyConstraintViolation, "number \(number.text) cannot be held exactly", path: path())
        }
        self = value
    }

    var fieldJSON: JSONValue { .number(JSONNumber(self)) }
}

extension Bool: ModelJSONField {
    init(fieldJSON json: JSONValue, at path: () -> String) throws(OCPPError) {
        guard case .bool(let value) = json else { throw JSONConversion.typeMismatch(expected: "boolean", found: json, at: path) }
        self = value
    }

    var fieldJSON: JSONValue { .bool(self) }
}

extension Timestamp: ModelJSONField {
    /// An RFC 3339 date-time (`Timestamp(parsing:)`); other text is a PropertyConstraintViolation.
    init(fieldJSON json: JSONValue, at path: () -> String) throws(OCPPError) {
        guard case .string(let text) = json else { throw JSONConversion.typeMismatch(expected: "string", found: json, at: path) }
        guard let timestamp = Timestamp(parsing: text) else {
            throw OCPPError(.propertyConstraintViolation, "'\(text)' is not an RFC 3339 date-time", path: path())
        }
        self = timestamp
    }

    var fieldJSON: JSONValue { .string(description) }
}

extension Array: ModelJSONField where Element: ModelJSONField {
    init(fieldJSON json: JSONValue, at path: () -> String) throws(OCPPError) {
        guard case .array(let elements) = json else { throw JSONConversion.typeMismatch(expected: "array", found: json, at: path) }
        self = []
        reserveCapacity(elements.count)
        for index in elements.indices {
            append(try Element(fieldJSON: elements[index], at: { path() + "/" + String(index) }))
        }
    }

    var fieldJSON: JSONValue { .array(map(\.fieldJSON)) }
}
