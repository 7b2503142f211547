/// One result row, read by column name or index like GRDB's `Row`: `let id: Int = row["id"]`.
public struct SQLRow: Sendable {
    /// Shared by all rows of one result (copy-on-write: never copied per row).
    public let columns: [String]
    public let values: [SQLValue]

    public init(columns: [String], values: [SQLValue]) {
        self.columns = columns
        self.values = values
    }

    public func value(named name: String) -> SQLValue {
        if let index = columns.firstIndex(of: name) { return values[index] }
        // PostgreSQL folds unquoted aliases to lower case.
        if let index = columns.firstIndex(where: { $0.lowercased() == name.lowercased() }) { return values[index] }
        return .null
    }

    /// A NULL or missing column reads as nil.
    public subscript<T: SQLValueConvertible>(_ name: String) -> T? {
        T(sqlValue: value(named: name))
    }

    /// A column that must be present and non-NULL; a mismatch is a programming error (a query and its reader
    /// disagree), as with GRDB's non-optional subscript.
    public subscript<T: SQLValueConvertible>(_ name: String) -> T {
        let value = value(named: name)
        guard let converted = T(sqlValue: value) else { fatalError("column \(name): cannot read \(value) as \(T.self)") }
        return converted
    }

    public subscript<T: SQLValueConvertible>(_ index: Int) -> T? {
        index < values.count ? T(sqlValue: values[index]) : nil
    }

    public subscript<T: SQLValueConvertible>(_ index: Int) -> T {
        let value = index < values.count ? values[index] : .null
        guard let converted = T(sqlValue: value) else { fatalError("column \(index): cannot read \(value) as \(T.self)") }
        return converted
    }

    /// GRDB-style NULL test: `row.hasNull(atIndex:)`.
    public func isNull(_ name: String) -> Bool { value(named: name) == .null }
}
