import GRDB
import GRDBSQLite

/// Binds one row's values straight to a cached SQLite statement and runs it. The writer inserts a dozen rows per
/// charger message; GRDB's `StatementArguments` builds an array of existentials for each and was a tenth of the
/// writer's time (issue 8). Used for the hot inserts only (frames, meter values, events); everything else goes
/// through GRDB's arguments.
///
/// Text is bound without SQLite copying it (`SQLITE_STATIC`): the strings are kept until the statement has run, and
/// each is bound inside its own `withContiguousStorageIfAvailable` scope, nested around the step, so every pointer
/// is valid while SQLite reads it (copying the strings was 7 % of the server's CPU at saturation).
struct StatementRow: ~Copyable {
    private let statement: SQLiteStatement
    private var index: Int32 = 0
    private var texts: [(index: Int32, text: String)] = []

    /// Resets `statement`, lets `bind` bind its parameters in order, and steps it to completion.
    static func execute(_ statement: Statement, in db: Database, _ bind: (inout StatementRow) -> Void) throws {
        var row = StatementRow(statement: statement.sqliteStatement)
        sqlite3_reset(row.statement)
        bind(&row)
        try row.bindTexts(from: 0) {
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
        // No pointer into a string that is about to go away stays bound.
        for (index, _) in row.texts { sqlite3_bind_null(row.statement, index) }
    }

    /// Binds texts[k...] each inside the scope that keeps its bytes in place, then runs `body` innermost.
    private func bindTexts(from k: Int, _ body: () throws -> Void) throws {
        guard k < texts.count else { return try body() }
        let (index, text) = texts[k]
        let bound: Void? = try text.utf8.withContiguousStorageIfAvailable { bytes in
            let chars = bytes.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) } ?? Self.emptyText
            sqlite3_bind_text(statement, index, chars, Int32(bytes.count), Self.static)
            try bindTexts(from: k + 1, body)
        }
        if bound == nil {
            // Not contiguous UTF-8 (never for native Swift strings): SQLite copies it.
            sqlite3_bind_text(statement, index, text, -1, Self.transient)
            try bindTexts(from: k + 1, body)
        }
    }

    private init(statement: SQLiteStatement) {
        self.statement = statement
    }

    /// SQLite copies the bytes before the call returns.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
    /// SQLite uses the bytes where they are, until the statement is reset or rebound.
    private static let `static` = unsafeBitCast(0, to: sqlite3_destructor_type.self)
    /// A NULL pointer would bind SQL NULL: an empty string needs an address.
    private static var emptyText: UnsafePointer<CChar> {
        UnsafeRawPointer(("" as StaticString).utf8Start).assumingMemoryBound(to: CChar.self)
    }

    /// Every parameter is bound on every execution (NULL included), so the previous row's values never linger and
    /// the bindings need no clearing.
    private func bindNull() {
        sqlite3_bind_null(statement, index)
    }

    mutating func bind(_ value: String?) {
        index += 1
        guard let value else { return bindNull() }
        if texts.isEmpty { texts.reserveCapacity(8) }
        texts.append((index, value))
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
