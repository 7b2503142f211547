import Foundation

/// Lets control-protocol types carry a charger's payload unchanged through `JSONEncoder`/`JSONDecoder`.
/// Numbers go through `Decimal` (exact for OCPP's decimals); the wire path uses `JSONParser` instead.
extension JSONValue: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let bool = try? container.decode(Bool.self) {
            self = .bool(bool)
        } else if let int = try? container.decode(Int64.self) {
            self = .number(JSONNumber(int))
        } else if let decimal = try? container.decode(Decimal.self) {
            self = .number(JSONNumber(decimal))
        } else if let string = try? container.decode(String.self) {
            self = .string(string)
        } else if let array = try? container.decode([JSONValue].self) {
            self = .array(array)
        } else {
            let dictionary = try container.decode([String: JSONValue].self)
            self = .object(JSONObject(dictionary.sorted { $0.key < $1.key }.map { JSONMember(key: $0.key, value: $0.value) }))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let bool): try container.encode(bool)
        case .number(let number):
            if let int = number.int64 {
                try container.encode(int)
            } else if let decimal = number.decimal {
                try container.encode(decimal)
            } else {
                try container.encode(number.double)
            }
        case .string(let string): try container.encode(string)
        case .array(let array): try container.encode(array)
        case .object(let object):
            var keyed = encoder.container(keyedBy: JSONMemberKey.self)
            for member in object.members {
                try keyed.encode(member.value, forKey: JSONMemberKey(member.key))
            }
        }
    }
}

private struct JSONMemberKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
