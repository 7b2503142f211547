import GRDB
import GRDBSQLite

/// `SQLConnection` over a GRDB `Database` (SQLite): every statement is cached by its text and bound with
/// `sqlite3_bind_*` directly, the writer's fast path since issue 8.
public struct GRDBSQLConnection: SQLConnection {
    public let db: Database

    public init(_ db: Database) {
        self.db = db
    }

    public var dialect: SQLDialect { .sqlite }

    private func step(_ statement: Statement, _ onRow: (OpaquePointer) -> Void) throws {
        let handle = statement.sqliteStatement
        while true {
            switch sqlite3_step(handle) {
            case SQLITE_DONE:
                return
            case SQLITE_ROW:
                onRow(handle)
            case let code:
                let message = String(cString: sqlite3_errmsg(db.sqliteConnection))
                sqlite3_reset(handle)
                throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: statement.sql)
            }
        }
    }

    private func prepared(_ sql: String, _ bind: (inout SQLRowBinder) -> Void) throws -> Statement {
        let statement = try db.cachedStatement(sql: sql)
        sqlite3_reset(statement.sqliteStatement)
        var binder = SQLRowBinder(sqlite: statement.sqliteStatement)
        bind(&binder)
        return statement
    }

    @discardableResult
    public func executeRow(sql: String, _ bind: (inout SQLRowBinder) -> Void) throws -> Int {
        try step(prepared(sql, bind)) { _ in }
        return db.changesCount
    }

    @discardableResult
    public func execute(sql: String, arguments: SQLArguments) throws -> Int {
        try executeRow(sql: sql) { binder in
            for value in arguments.values { binder.bind(value) }
        }
    }

    public func insert(sql: String, arguments: SQLArguments) throws -> Int64? {
        try execute(sql: sql, arguments: arguments) == 0 ? nil : db.lastInsertedRowID
    }

    public func fetchAll(sql: String, arguments: SQLArguments) throws -> [SQLRow] {
        let statement = try prepared(sql) { binder in
            for value in arguments.values { binder.bind(value) }
        }
        let columns = statement.columnNames
        var rows: [SQLRow] = []
        try step(statement) { handle in
            var values: [SQLValue] = []
            values.reserveCapacity(columns.count)
            for index in 0..<Int32(columns.count) {
                switch sqlite3_column_type(handle, index) {
                case SQLITE_INTEGER: values.append(.integer(sqlite3_column_int64(handle, index)))
                case SQLITE_FLOAT: values.append(.real(sqlite3_column_double(handle, index)))
                case SQLITE_TEXT:
                    if let text = sqlite3_column_text(handle, index) {
                        values.append(.text(String(cString: text)))
                    } else {
                        values.append(.null)
                    }
                case SQLITE_BLOB:
                    let count = Int(sqlite3_column_bytes(handle, index))
                    if let bytes = sqlite3_column_blob(handle, index), count > 0 {
                        values.append(.blob([UInt8](UnsafeRawBufferPointer(start: bytes, count: count))))
                    } else {
                        values.append(.blob([]))
                    }
                default: values.append(.null)
                }
            }
            rows.append(SQLRow(columns: columns, values: values))
        }
        return rows
    }

    /// Steps the statement and reads each row into one reused buffer: a row that `body` does not keep costs no array
    /// allocation (the buffer is uniquely referenced again once `body` returns), as cheap as GRDB's `Row` cursor.
    public func forEachRow(sql: String, arguments: SQLArguments, _ body: (SQLRow) throws -> Void) throws {
        let statement = try prepared(sql) { binder in
            for value in arguments.values { binder.bind(value) }
        }
        let columns = statement.columnNames
        let count = Int32(columns.count)
        let handle = statement.sqliteStatement
        var values: [SQLValue] = []
        values.reserveCapacity(columns.count)
        while true {
            switch sqlite3_step(handle) {
            case SQLITE_DONE:
                return
            case SQLITE_ROW:
                values.removeAll(keepingCapacity: true)
                for index in 0..<count { values.append(Self.value(handle, index)) }
                do {
                    try body(SQLRow(columns: columns, values: values))
                } catch {
                    sqlite3_reset(handle)
                    throw error
                }
            case let code:
                let message = String(cString: sqlite3_errmsg(db.sqliteConnection))
                sqlite3_reset(handle)
                throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: statement.sql)
            }
        }
    }

    /// Column `index` of the current row.
    private static func value(_ handle: OpaquePointer, _ index: Int32) -> SQLValue {
        switch sqlite3_column_type(handle, index) {
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(handle, index))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(handle, index))
        case SQLITE_TEXT:
            guard let text = sqlite3_column_text(handle, index) else { return .null }
            return .text(String(cString: text))
        case SQLITE_BLOB:
            let count = Int(sqlite3_column_bytes(handle, index))
            guard let bytes = sqlite3_column_blob(handle, index), count > 0 else { return .blob([]) }
            return .blob([UInt8](UnsafeRawBufferPointer(start: bytes, count: count)))
        default: return .null
        }
    }

    public func executeScript(_ sql: String) throws {
        try db.execute(sql: sql)
    }

    public func inSavepoint<T>(_ body: () throws -> T) throws -> T {
        var result: T?
        try db.inSavepoint {
            result = try body()
            return .commit
        }
        guard let result else { throw SQLStoreError.unexpected("savepoint returned no result") }
        return result
    }
}
