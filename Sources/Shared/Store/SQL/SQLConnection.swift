/// The store interface: what ocpp-serve and ocpp-report need from a database, implemented by SQLite (GRDB, the
/// embedded default) and PostgreSQL (postgres-nio).
///
/// Design (issue 18):
/// - Synchronous calls on a connection the caller holds for a whole closure (`SQLStore.read`/`write`). The store
///   writer's group commit is one `write` closure per batch: BEGIN, every operation, COMMIT, and the acks only after
///   it returns. SQLite runs the closure on GRDB's writer queue as before; PostgreSQL runs it on a thread of the
///   store's own thread pool (never an event loop) and waits there for each postgres-nio future.
/// - One SQL text for both engines, written in SQLite's dialect with `?` placeholders. The PostgreSQL connection
///   rewrites `?` to `$n` (cached per text). The few constructs that differ go through `SQLDialect` helpers
///   (`greatest`), `insert(sql:)` (a new row's id: `RETURNING id` on PostgreSQL, `last_insert_rowid()` on SQLite)
///   and the schema translation in `StoreSchema`.
/// - Values are `SQLValue` (64-bit integers, doubles, text, bytes); booleans are 0/1 integers on both engines.
/// - The hot inserts (frames, meter values, events) bind through `SQLRowBinder` without building an argument array;
///   on SQLite that is the same direct `sqlite3_bind_*` on a cached statement the writer used before (issue 8).
public protocol SQLConnection {
    var dialect: SQLDialect { get }

    /// Runs one statement; returns the rows it changed.
    @discardableResult
    func execute(sql: String, arguments: SQLArguments) throws -> Int

    /// Runs one statement (usually a cached INSERT) binding its parameters in order through `bind`.
    @discardableResult
    func executeRow(sql: String, _ bind: (inout SQLRowBinder) -> Void) throws -> Int

    /// Like `executeRow`, for a write whose outcome the caller does not need at once (the hot inserts: frames,
    /// samples, events). PostgreSQL sends it without waiting for its answer (a pipeline: the next statement that
    /// needs an answer, or the COMMIT, waits for all of them and reports the first error); SQLite runs it at once.
    func appendRow(sql: String, _ bind: (inout SQLRowBinder) -> Void) throws

    /// Inserts one row and returns its `id` (the table's integer primary key); nil when nothing was inserted
    /// (`ON CONFLICT DO NOTHING`).
    func insert(sql: String, arguments: SQLArguments) throws -> Int64?

    func fetchAll(sql: String, arguments: SQLArguments) throws -> [SQLRow]

    /// Calls `body` with each result row as the engine produces it, collecting none: for scans too large for an array
    /// (ocpp-report folds a month of meter values this way). SQLite steps its statement; PostgreSQL hands rows over as
    /// they arrive. A throw from `body` stops the query and is rethrown.
    func forEachRow(sql: String, arguments: SQLArguments, _ body: (SQLRow) throws -> Void) throws

    /// Several statements without parameters (migrations).
    func executeScript(_ sql: String) throws

    /// Runs `body` in a savepoint: rolled back alone if it throws, the enclosing transaction goes on.
    func inSavepoint<T>(_ body: () throws -> T) throws -> T
}

extension SQLConnection {
    public func appendRow(sql: String, _ bind: (inout SQLRowBinder) -> Void) throws {
        try executeRow(sql: sql, bind)
    }

    @discardableResult
    public func execute(sql: String) throws -> Int { try execute(sql: sql, arguments: []) }

    public func fetchAll(sql: String) throws -> [SQLRow] { try fetchAll(sql: sql, arguments: []) }

    public func fetchOne(sql: String, arguments: SQLArguments = []) throws -> SQLRow? {
        try fetchAll(sql: sql, arguments: arguments).first
    }

    /// The first column of the first row; nil when there is no row or it is NULL.
    public func fetchValue<T: SQLValueConvertible>(_ type: T.Type, sql: String, arguments: SQLArguments = []) throws -> T? {
        guard let row = try fetchOne(sql: sql, arguments: arguments), let first = row.values.first else { return nil }
        return T(sqlValue: first)
    }

    /// The first column of every row (NULLs skipped).
    public func fetchValues<T: SQLValueConvertible>(_ type: T.Type, sql: String, arguments: SQLArguments = []) throws -> [T] {
        try fetchAll(sql: sql, arguments: arguments).compactMap { $0.values.first.flatMap(T.init(sqlValue:)) }
    }
}

/// The two SQL dialects and the few spellings that differ between them.
public enum SQLDialect: String, Sendable {
    case sqlite
    case postgres

    /// The scalar greater-of-two function: SQLite's two-argument `MAX`, PostgreSQL's `GREATEST`.
    public var greatest: String { self == .sqlite ? "MAX" : "GREATEST" }
    /// The scalar lesser-of-two function.
    public var least: String { self == .sqlite ? "MIN" : "LEAST" }
}
