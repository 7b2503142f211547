/// The OCPP 1.6 schemas (embedded by the model generator), compiled once on first use.
public enum OCPPSchemas {
    /// Schema file base name (`MeterValues`, `MeterValuesResponse`) to compiled schema.
    public static let v16: [String: SchemaNode] = {
        var compiled: [String: SchemaNode] = [:]
        for (name, text) in OCPPSchemaTexts.v16 {
            // The texts are generated from the official files; SchemaCompilerTests proves each one compiles.
            if let node = try? SchemaCompiler.compile(text) { compiled[name] = node }
        }
        return compiled
    }()

    public static func request(_ action: OCPPAction) -> SchemaNode {
        v16[action.requestSchemaName] ?? .any
    }

    public static func response(_ action: OCPPAction) -> SchemaNode {
        v16[action.responseSchemaName] ?? .any
    }
}
