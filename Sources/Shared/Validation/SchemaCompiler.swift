import Foundation

/// Compiles the subset of JSON Schema (draft-04 and draft-06) that the OCPP schemas use into a `SchemaNode`.
///
/// Unknown keywords are ignored (`javaType`, `title`, `$id`); a keyword the validator would need but cannot honour
/// is an error, so a schema is never checked more loosely than it reads.
public enum SchemaCompiler {
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "schema \(path): \(reason)" }
    }

    public static func compile(_ text: String) throws(Failure) -> SchemaNode {
        let document: JSONValue
        do {
            document = try JSONParser.parse(text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text)
        } catch {
            throw Failure(path: "", reason: "not JSON: \(error)")
        }
        return try compile(document, root: document, path: "")
    }

    private static func compile(_ node: JSONValue, root: JSONValue, path: String, depth: Int = 0) throws(Failure) -> SchemaNode {
        guard depth < 32 else { throw Failure(path: path, reason: "too deep or a $ref cycle") }
        guard case .object(let schema) = node else { throw Failure(path: path, reason: "a schema must be an object") }
        if case .string(let ref)? = schema["$ref"] {
            let prefix = "#/definitions/"
            guard ref.hasPrefix(prefix), let target = root["definitions"]?[String(ref.dropFirst(prefix.count))] else {
                throw Failure(path: path, reason: "unresolvable $ref \(ref)")
            }
            return try compile(target, root: root, path: path, depth: depth + 1)
        }
        guard case .string(let type)? = schema["type"] else { return .any }
        switch type {
        case "object":
            let required = Set(schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? [])
            var properties: [SchemaProperty] = []
            if case .object(let props)? = schema["properties"] {
                for member in props {
                    let compiled = try compile(member.value, root: root, path: path + "/" + member.key, depth: depth + 1)
                    properties.append(SchemaProperty(name: member.key, schema: compiled, isRequired: required.contains(member.key)))
                }
            }
            let additional = schema["additionalProperties"]?.boolValue ?? true
            return .object(ObjectSchema(properties: properties, additionalProperties: additional))
        case "array":
            let items = try schema["items"].map { (items) throws(Failure) in try compile(items, root: root, path: path + "/items", depth: depth + 1) }
            return .array(ArraySchema(items: items ?? .any, minItems: schema["minItems"]?.numberValue?.int, maxItems: schema["maxItems"]?.numberValue?.int))
        case "string":
            var format: StringSchema.Format?
            if let f = schema["format"]?.stringValue {
                format = StringSchema.Format(rawValue: f)
                if format == nil { throw Failure(path: path, reason: "unsupported format \(f)") }
            }
            return .string(
                StringSchema(
                    maxLength: schema["maxLength"]?.numberValue?.int,
                    enumValues: schema["enum"]?.arrayValue?.compactMap(\.stringValue),
                    format: format
                )
            )
        case "integer":
            return .integer
        case "number":
            return .number(multipleOf: schema["multipleOf"]?.numberValue?.decimal)
        case "boolean":
            return .boolean
        default:
            throw Failure(path: path, reason: "unsupported type \(type)")
        }
    }
}
