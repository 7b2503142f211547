import Foundation

/// Checks a payload against its compiled schema.
///
/// Strict mode maps the first violation to its CALLERROR code (essentials §1.1). Lenient mode repairs the deviations
/// real chargers send (vendor-quirks.md) in place and reports each repair; what it cannot repair is still an error.
public struct PayloadValidator: Sendable {
    public var mode: ValidationMode
    /// Keep enumeration values outside the spec as received, for fields the receiver only records
    /// (what a charger reports). When false, such a value is a PropertyConstraintViolation even in lenient mode.
    public var keepsUnknownEnumValues: Bool
    /// Stands in for a required timestamp that is missing or unreadable.
    public var receivedAt: Timestamp

    public init(mode: ValidationMode, keepsUnknownEnumValues: Bool = true, receivedAt: Timestamp = Timestamp(Date())) {
        self.mode = mode
        self.keepsUnknownEnumValues = keepsUnknownEnumValues
        self.receivedAt = receivedAt
    }

    /// Variants real chargers send for enumeration values; applied only when the target is in the field's enumeration.
    static let enumAliases: [String: String] = [
        "Hz": "Hertz", "C": "Celsius", "°C": "Celsius", "Deg C": "Celsius", "F": "Fahrenheit", "%": "Percent",
        "Error": "OtherError",
    ]

    /// Validates `payload` against `schema`, repairing it in lenient mode; returns the repairs made.
    public func validate(_ payload: inout JSONValue, against schema: SchemaNode) throws(OCPPError) -> [Repair] {
        var walk = Walk(validator: self)
        try walk.check(&payload, schema)
        return walk.repairs
    }

    /// One traversal: the current JSON pointer as components (rendered only for errors and repairs) and the repairs.
    private struct Walk {
        let validator: PayloadValidator
        var path: [PathComponent] = []
        var repairs: [Repair] = []

        enum PathComponent {
            case key(String)
            case index(Int)
        }

        var lenient: Bool { validator.mode == .lenient }

        var pointer: String {
            var text = ""
            for component in path {
                text.append("/")
                switch component {
                case .key(let k): text.append(k.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1"))
                case .index(let i): text.append(String(i))
                }
            }
            return text
        }

        func fail(_ code: CallErrorCode, _ description: String) -> OCPPError {
            OCPPError(code, pointer.isEmpty ? description : "\(pointer): \(description)", path: pointer)
        }

        mutating func repair(_ kind: Repair.Kind, _ detail: String) {
            repairs.append(Repair(kind, path: pointer, detail: detail))
        }

        mutating func check(_ value: inout JSONValue, _ schema: SchemaNode) throws(OCPPError) {
            switch schema {
            case .any: return
            case .object(let objectSchema): try checkObject(&value, objectSchema)
            case .array(let arraySchema): try checkArray(&value, arraySchema)
            case .string(let stringSchema): try checkString(&value, stringSchema)
            case .integer: try checkInteger(&value)
            case .number(let multipleOf): try checkNumber(&value, multipleOf: multipleOf)
            case .boolean: try checkBoolean(&value)
            }
        }

        private mutating func checkObject(_ value: inout JSONValue, _ schema: ObjectSchema) throws(OCPPError) {
            guard case .object(var object) = value else {
                throw fail(.typeConstraintViolation, "expected an object, got \(value.typeName)")
            }
            value = .null  // release the payload's reference so `object` is mutated in place, not copied
            var index = 0
            while index < object.members.count {
                var key = object.members[index].key
                var property = schema.property(key)
                if property == nil {
                    if lenient, let canonical = schema.propertyName(caseInsensitive: key), object[canonical] == nil {
                        path.append(.key(canonical))
                        repair(.propertyNameCase, "\(key) read as \(canonical)")
                        path.removeLast()
                        object.members[index].key = canonical
                        key = canonical
                        property = schema.property(canonical)
                    } else if !schema.additionalProperties {
                        path.append(.key(key))
                        defer { path.removeLast() }
                        guard lenient else { throw fail(.formationViolation, "property not defined by the schema") }
                        repair(.unknownPropertyIgnored, "dropped")
                        object.members.remove(at: index)
                        continue
                    }
                }
                guard let property else {
                    index += 1
                    continue
                }
                path.append(.key(key))
                defer { path.removeLast() }
                if lenient, !property.isRequired, Self.standsForAbsent(object.members[index].value, property.schema) {
                    repair(.absentValueRemoved, "\(object.members[index].value.serialized()) removed")
                    object.members.remove(at: index)
                    continue
                }
                try check(&object.members[index].value, property.schema)
                index += 1
            }
            for property in schema.properties where property.isRequired && object[property.name] == nil {
                path.append(.key(property.name))
                defer { path.removeLast() }
                if lenient, case .string(let s) = property.schema, s.format == .dateTime {
                    object[property.name] = .string(validator.receivedAt.description)
                    repair(.timestampReplaced, "missing; time of receipt used")
                    continue
                }
                throw fail(.occurenceConstraintViolation, "required property missing")
            }
            value = .object(object)
        }

        /// `"null"`, `null`, and `""` where `""` cannot be a value, stand for an absent optional field.
        private static func standsForAbsent(_ value: JSONValue, _ schema: SchemaNode) -> Bool {
            switch value {
            case .null: return true
            case .string("null"): return true
            case .string(""):
                if case .string(let s) = schema { return s.enumValues != nil || s.format == .dateTime }
                return true
            default: return false
            }
        }

        private mutating func checkArray(_ value: inout JSONValue, _ schema: ArraySchema) throws(OCPPError) {
            if lenient, case .object = value, case .object = schema.items {
                value = .array([value])
                repair(.wrappedInArray, "an object where an array is required")
            }
            guard case .array(var array) = value else {
                throw fail(.typeConstraintViolation, "expected an array, got \(value.typeName)")
            }
            if let min = schema.minItems, array.count < min {
                guard lenient else { throw fail(.occurenceConstraintViolation, "at least \(min) item(s) required, got \(array.count)") }
                repair(.itemCountOutOfRange, "\(array.count) item(s), at least \(min) required")
            }
            if let max = schema.maxItems, array.count > max {
                guard lenient else { throw fail(.occurenceConstraintViolation, "at most \(max) item(s) allowed, got \(array.count)") }
                repair(.itemCountOutOfRange, "\(array.count) item(s), at most \(max) allowed")
            }
            value = .null
            for i in array.indices {
                path.append(.index(i))
                defer { path.removeLast() }
                try check(&array[i], schema.items)
            }
            value = .array(array)
        }

        private mutating func checkString(_ value: inout JSONValue, _ schema: StringSchema) throws(OCPPError) {
            var string: String
            switch value {
            case .string(let s):
                string = s
            case .number(let n) where lenient:
                string = n.text
                repair(.numberToString, "number \(n.text) read as a string")
            case .bool(let b) where lenient:
                string = b ? "true" : "false"
                repair(.booleanCoerced, "boolean \(string) read as a string")
            default:
                throw fail(.typeConstraintViolation, "expected a string, got \(value.typeName)")
            }
            if let allowed = schema.enumValues, !allowed.contains(string) {
                if !lenient { throw fail(.propertyConstraintViolation, "\"\(string)\" is not one of the allowed values") }
                if let mapped = Self.mapEnumValue(string, allowed) {
                    repair(.enumValueMapped, "\"\(string)\" read as \"\(mapped)\"")
                    string = mapped
                } else if validator.keepsUnknownEnumValues {
                    repair(.unknownEnumValueKept, "\"\(string)\" is outside the spec, kept as received")
                } else {
                    throw fail(.propertyConstraintViolation, "\"\(string)\" is not one of the allowed values")
                }
            }
            if schema.format == .dateTime, Timestamp(parsing: string) == nil {
                if !lenient { throw fail(.propertyConstraintViolation, "\"\(string)\" is not an RFC 3339 date-time") }
                if let (timestamp, assumedUTC) = Timestamp.parseLenient(string) {
                    repair(assumedUTC ? .timestampAssumedUTC : .timestampReplaced, "\"\(string)\" read as \(timestamp)")
                    string = timestamp.description
                } else {
                    repair(.timestampReplaced, "\"\(string)\" unreadable; time of receipt used")
                    string = validator.receivedAt.description
                }
            }
            if schema.format == .uri, !lenient, !Self.looksLikeURI(string) {
                throw fail(.propertyConstraintViolation, "\"\(string)\" is not a URI")
            }
            if let maxLength = schema.maxLength, string.utf8.count > maxLength, string.unicodeScalars.count > maxLength {
                if !lenient { throw fail(.propertyConstraintViolation, "longer than \(maxLength) characters") }
                let truncated = String(String.UnicodeScalarView(string.unicodeScalars.prefix(maxLength)))
                repair(.stringTruncated, "\"\(string)\" truncated to \(maxLength) characters")
                string = truncated
            }
            value = .string(string)
        }

        static func mapEnumValue(_ received: String, _ allowed: [String]) -> String? {
            let trimmed = received.trimmingCharacters(in: .whitespaces)
            if allowed.contains(trimmed) { return trimmed }
            if let alias = enumAliases[trimmed], allowed.contains(alias) { return alias }
            let lowered = trimmed.lowercased()
            let matches = allowed.filter { $0.lowercased() == lowered }
            return matches.count == 1 ? matches[0] : nil
        }

        static func looksLikeURI(_ text: String) -> Bool {
            guard let colon = text.firstIndex(of: ":"), colon != text.startIndex else { return false }
            return text[..<colon].allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == ".") }
        }

        /// A number, or in lenient mode a string holding one.
        private mutating func readNumber(_ value: JSONValue, expected: String) throws(OCPPError) -> JSONNumber {
            switch value {
            case .number(let n):
                return n
            case .string(let s) where lenient:
                guard let n = JSONNumber(text: s.trimmingCharacters(in: .whitespaces)) else {
                    throw fail(.typeConstraintViolation, "expected \(expected), got the string \"\(s)\"")
                }
                repair(.stringToNumber, "string \"\(s)\" read as \(n.text)")
                return n
            default:
                throw fail(.typeConstraintViolation, "expected \(expected), got \(value.typeName)")
            }
        }

        private mutating func checkInteger(_ value: inout JSONValue) throws(OCPPError) {
            let number = try readNumber(value, expected: "an integer")
            if number.isInteger {
                value = .number(number)
                return
            }
            guard lenient else { throw fail(.typeConstraintViolation, "expected an integer, got \(number.text)") }
            guard var decimal = number.decimal else { throw fail(.typeConstraintViolation, "\(number.text) is not a usable integer") }
            var rounded = Decimal()
            NSDecimalRound(&rounded, &decimal, 0, .plain)
            let integer = JSONNumber(rounded)
            repair(.fractionRounded, "\(number.text) read as \(integer.text)")
            value = .number(integer)
        }

        private mutating func checkNumber(_ value: inout JSONValue, multipleOf: Decimal?) throws(OCPPError) {
            var number = try readNumber(value, expected: "a number")
            if let multipleOf {
                guard let decimal = number.decimal else { throw fail(.propertyConstraintViolation, "\(number.text) is out of range") }
                var quotient = decimal / multipleOf
                var whole = Decimal()
                NSDecimalRound(&whole, &quotient, 0, .plain)
                if whole != quotient {
                    guard lenient else { throw fail(.propertyConstraintViolation, "\(number.text) is not a multiple of \(multipleOf)") }
                    let fixed = JSONNumber(whole * multipleOf)
                    repair(.multipleOfRounded, "\(number.text) read as \(fixed.text)")
                    number = fixed
                }
            }
            value = .number(number)
        }

        private mutating func checkBoolean(_ value: inout JSONValue) throws(OCPPError) {
            switch value {
            case .bool:
                return
            case .string(let s) where lenient && ["true", "false"].contains(s.lowercased()):
                value = .bool(s.lowercased() == "true")
                repair(.booleanCoerced, "string \"\(s)\" read as a boolean")
            case .number(let n) where lenient && (n.text == "0" || n.text == "1"):
                value = .bool(n.text == "1")
                repair(.booleanCoerced, "number \(n.text) read as a boolean")
            default:
                throw fail(.typeConstraintViolation, "expected a boolean, got \(value.typeName)")
            }
        }
    }
}
