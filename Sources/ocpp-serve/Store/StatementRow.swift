import GRDB
import GRDBSQLite

/// Binds one row's values straight to a cached SQLite statement and runs it. The writer inserts a dozen rows per
/// charger message; GRDB's `StatementArguments` builds an array of existentials for each and was a tenth of the
/// writer's time (issue 8). Used for the hot inserts only (frames, meter values, events); everything else goes
/// through GRDB's arguments.
struct StatementRow: ~Copyable {
    private let statement: SQLiteStatement
    private var index: Int32 = 0

    /// Resets `statement`, lets `bind` bind its parameters in order, and steps it to completion.
    static func execute(_ statement: Statement, in db: Database, _ bind: (inout StatementRow) -> Void) throws {
        var row = StatementRow(statement: statement.sqliteStatement)
        sqlite3_reset(row.statement)
        bind(&row)
        while true {
            switch sqlite3_step(row.statement) {
            case SQLITE_DONE: return
            case SQLITE_ROW: continue
            case let code:
                let message = String(cString: sqlite3_errmsg(db.sqliteConnection))
                sqlite3_reset(row.statement)
                throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: statement.sql)
            }
        }
    }

    private init(statement: SQLiteStatement) {
        self.statement = statement
    }

    /// SQLite copies the bytes before the call returns.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    /// Every parameter is bound on every execution (NULL included), so the previous row's values never linger and
    /// the bindings need no clearing.
    private func bindNull() {
        sqlite3_bind_null(statement, index)
    }

    mutating func bind(_ value: String?) {
        index += 1
        guard let value else { return bindNull() }
        var text = value
        text.withUTF8 { bytes in
            _ = bytes.withMemoryRebound(to: CChar.self) { chars in
                sqlite3_bind_text(statement, index, chars.baseAddress, Int32(chars.count), Self.transient)
            }
        }
    }

    mutating func bind(_ value: Int64?) {
        index += 1
        guard let value else { return bindNull() }
        sqlite3_bind_int64(statement, index, value)
    }

    mutating func bind(_ value: Int?) {
        bind(value.map(Int64.init))
    }

    mutating func bind(_ value: Double?) {
        index += 1
        guard let value else { return bindNull() }
        sqlite3_bind_double(statement, index, value)
    }
}
