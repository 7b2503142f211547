import Foundation

/// A JSON schema compiled to what OCPP's schemas use: object properties with `required` and
/// `additionalProperties`, arrays with `minItems`/`maxItems`, strings with `enum`/`maxLength`/`format`,
/// integers, numbers with `multipleOf`, booleans.
public indirect enum SchemaNode: Sendable {
    case object(ObjectSchema)
    case array(ArraySchema)
    case string(StringSchema)
    case integer
    case number(multipleOf: Decimal?)
    case boolean
    /// No constraint (a schema without `type`).
    case any

    public var typeName: String {
        switch self {
        case .object: "object"
        case .array: "array"
        case .string: "string"
        case .integer: "integer"
        case .number: "number"
        case .boolean: "boolean"
        case .any: "any"
        }
    }
}

/// One property of an object schema. A struct, not a tuple: tuple arrays cost a runtime metadata lookup per use.
public struct SchemaProperty: Sendable {
    public var name: String
    public var schema: SchemaNode
    public var isRequired: Bool
}

public struct ObjectSchema: Sendable {
    public var properties: [SchemaProperty]
    public var additionalProperties: Bool

    public var required: Set<String> { Set(properties.filter(\.isRequired).map(\.name)) }

    public func property(_ name: String) -> SchemaProperty? {
        for p in properties where p.name == name { return p }
        return nil
    }

    /// The schema's own spelling of a property received in the wrong case (`ChargeBoxSerialNumber`).
    public func propertyName(caseInsensitive name: String) -> String? {
        let lowered = name.lowercased()
        return properties.first { $0.name.lowercased() == lowered }?.name
    }
}

public struct ArraySchema: Sendable {
    public var items: SchemaNode
    public var minItems: Int?
    public var maxItems: Int?
}

public struct StringSchema: Sendable {
    public enum Format: String, Sendable {
        case dateTime = "date-time"
        case uri
    }

    public var maxLength: Int?
    public var enumValues: [String]?
    public var format: Format?
}
