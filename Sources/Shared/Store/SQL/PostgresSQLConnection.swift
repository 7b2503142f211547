import Dispatch
import Foundation
import Logging
import NIOCore
import PostgresNIO
import Synchronization

/// `SQLConnection` over one postgres-nio connection. Every call waits for its future, so it must run on a thread
/// that is not an event loop (the store's thread pool, `PostgresSQLStore`). The SQL arrives in the shared dialect and
/// has its `?` placeholders rewritten to `$1, $2, ...`.
public final class PostgresSQLConnection: SQLConnection, Sendable {
    public let connection: PostgresConnection
    private let logger: Logger

    init(connection: PostgresConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
    }

    public var dialect: SQLDialect { .postgres }

    /// Rewritten texts by original text: the writer's statements are a few dozen constant strings.
    private static let rewritten = Mutex<[String: String]>([:])

    /// `?` → `$n`, outside quoted literals and identifiers.
    static func numberPlaceholders(_ sql: String) -> String {
        if let cached = rewritten.withLock({ $0[sql] }) { return cached }
        var result = ""
        result.reserveCapacity(sql.utf8.count + 16)
        var number = 0
        var quote: Character?
        for character in sql {
            if let open = quote {
                if character == open { quote = nil }
                result.append(character)
            } else if character == "'" || character == "\"" {
                quote = character
                result.append(character)
            } else if character == "?" {
                number += 1
                result += "$\(number)"
            } else {
                result.append(character)
            }
        }
        rewritten.withLock { cache in
            if cache.count < 4096 { cache[sql] = result }  // bounded: dynamic report queries vary
        }
        return result
    }

    /// Statements sent by `appendRow` whose answers have not been read yet, oldest first.
    private let pipelined = Mutex<[EventLoopFuture<PostgresQueryResult>]>([])

    private func run(_ sql: String, _ bindings: PostgresBindings) throws -> PostgresQueryResult {
        try drain()
        let query = PostgresQuery(unsafeSQL: Self.numberPlaceholders(sql), binds: bindings)
        return try answer(connection.query(query, logger: logger))
    }

    /// Waits for a query's future. postgres-nio never completes the future of a query sent on a connection that has
    /// just closed (PostgreSQL stopped), so the wait checks the connection every second rather than trusting it.
    private func answer<T: Sendable>(_ future: EventLoopFuture<T>) throws -> T {
        let done = DispatchSemaphore(value: 0)
        future.whenComplete { _ in done.signal() }
        while done.wait(timeout: .now() + (connection.isClosed ? 0.05 : 1)) == .timedOut {
            if connection.isClosed { throw SQLStoreError.unavailable("the connection to PostgreSQL closed") }
        }
        return try future.wait()
    }

    /// Waits for every pipelined statement; throws the first one's error. postgres-nio runs a connection's queries
    /// in the order they were sent, so whatever runs next sees their effects.
    private func drain() throws {
        let futures = pipelined.withLock { pipelined in
            defer { pipelined = [] }
            return pipelined
        }
        var firstError: (any Error)?
        for future in futures {
            do {
                _ = try answer(future)
            } catch let error as SQLStoreError where error.isUnavailable {
                throw error  // the rest would only wait for the same closed connection
            } catch {
                firstError = firstError ?? error
            }
        }
        if let firstError { throw firstError }
    }

    /// One round trip per statement stays, but this thread no longer waits for each: the event loop sends the next
    /// as soon as the previous is answered, and the writer's thread wakes once per batch instead of once per row.
    public func appendRow(sql: String, _ bind: (inout SQLRowBinder) -> Void) throws {
        var binder = SQLRowBinder(postgresCapacity: 16)
        bind(&binder)
        let query = PostgresQuery(unsafeSQL: Self.numberPlaceholders(sql), binds: binder.postgres ?? PostgresBindings())
        let future = connection.query(query, logger: logger)
        pipelined.withLock { $0.append(future) }
    }

    private static func bindings(_ arguments: SQLArguments) -> PostgresBindings {
        var binder = SQLRowBinder(postgresCapacity: arguments.values.count)
        for value in arguments.values { binder.bind(value) }
        return binder.postgres ?? PostgresBindings()
    }

    @discardableResult
    public func execute(sql: String, arguments: SQLArguments) throws -> Int {
        try run(sql, Self.bindings(arguments)).metadata.rows ?? 0
    }

    @discardableResult
    public func executeRow(sql: String, _ bind: (inout SQLRowBinder) -> Void) throws -> Int {
        var binder = SQLRowBinder(postgresCapacity: 16)
        bind(&binder)
        return try run(sql, binder.postgres ?? PostgresBindings()).metadata.rows ?? 0
    }

    public func insert(sql: String, arguments: SQLArguments) throws -> Int64? {
        let rows = try Self.decode(run(sql + " RETURNING id", Self.bindings(arguments)))
        return rows.first.flatMap { $0.values.first.flatMap(Int64.init(sqlValue:)) }
    }

    public func fetchAll(sql: String, arguments: SQLArguments) throws -> [SQLRow] {
        try Self.decode(run(sql, Self.bindings(arguments)))
    }

    /// Rows are decoded and handed to `body` on the connection's event loop as they arrive (postgres-nio's `onRow`),
    /// while this thread waits for the query's end: nothing is collected, and the event loop reads no further from the
    /// socket while `body` runs.
    public func forEachRow(sql: String, arguments: SQLArguments, _ body: (SQLRow) throws -> Void) throws {
        try drain()
        let query = PostgresQuery(unsafeSQL: Self.numberPlaceholders(sql), binds: Self.bindings(arguments))
        try withoutActuallyEscaping(body) { body in
            let consumer = RowConsumer(body)
            // The consumer must let go of `body` before `withoutActuallyEscaping` returns, also when the query fails.
            defer { consumer.release() }
            _ = try answer(connection.query(query, logger: logger) { row in try consumer.consume(row) })
        }
    }

    /// Hands each row of one `forEachRow` query to its body. Only the connection's event loop calls `consume`, one row
    /// at a time, and only while the calling thread waits for the query; `release` runs after that wait.
    private final class RowConsumer: @unchecked Sendable {
        private var body: ((SQLRow) throws -> Void)?
        private var columns: [String]?
        private var values: [SQLValue] = []

        init(_ body: @escaping (SQLRow) throws -> Void) {
            self.body = body
        }

        func consume(_ row: PostgresRow) throws {
            guard let body else { return }
            values.removeAll(keepingCapacity: true)
            var names: [String] = []
            for cell in row {
                if columns == nil { names.append(cell.columnName) }
                values.append(try PostgresSQLConnection.decode(cell))
            }
            if columns == nil { columns = names }
            try body(SQLRow(columns: columns ?? names, values: values))
        }

        func release() {
            body = nil
        }
    }

    public func executeScript(_ sql: String) throws {
        // A rollback must run even when a pipelined statement failed (that failure is why it runs).
        if sql.hasPrefix("ROLLBACK") { try? drain() } else { try drain() }
        // postgres-nio prepares every query, and a prepared statement holds one command: run them one by one.
        for statement in Self.statements(sql) {
            _ = try answer(connection.query(PostgresQuery(unsafeSQL: statement), logger: logger))
        }
    }

    /// Splits a script at top-level semicolons (not inside quotes or `$$` bodies).
    static func statements(_ sql: String) -> [String] {
        var result: [String] = []
        var current = ""
        var quote: Character?
        var dollar = false
        var previous: Character = " "
        for character in sql {
            if dollar {
                if character == "$" && previous == "$" { dollar = false }
            } else if let open = quote {
                if character == open { quote = nil }
            } else if character == "'" || character == "\"" {
                quote = character
            } else if character == "$" && previous == "$" {
                dollar = true
            } else if character == ";" {
                let trimmed = current.trimmingCharacters(in: .whitespacesAndNewlines)
                if !trimmed.isEmpty { result.append(trimmed) }
                current = ""
                previous = " "
                continue
            }
            current.append(character)
            previous = character == "$" && previous == "$" ? " " : character
        }
        let trimmed = current.trimmingCharacters(in: .whitespacesAndNewlines)
        if !trimmed.isEmpty { result.append(trimmed) }
        return result
    }

    private static let savepointNumber = Mutex(0)

    public func inSavepoint<T>(_ body: () throws -> T) throws -> T {
        let name = "sp\(Self.savepointNumber.withLock { n in n += 1; return n })"
        try executeScript("SAVEPOINT \(name)")
        do {
            let result = try body()
            try executeScript("RELEASE SAVEPOINT \(name)")
            return result
        } catch {
            try executeScript("ROLLBACK TO SAVEPOINT \(name); RELEASE SAVEPOINT \(name)")
            throw error
        }
    }

    static func decode(_ result: PostgresQueryResult) throws -> [SQLRow] {
        var rows: [SQLRow] = []
        var columns: [String]?
        for row in result.rows {
            var values: [SQLValue] = []
            var names: [String] = []
            for cell in row {
                if columns == nil { names.append(cell.columnName) }
                values.append(try decode(cell))
            }
            if columns == nil { columns = names }
            rows.append(SQLRow(columns: columns ?? names, values: values))
        }
        return rows
    }

    fileprivate static func decode(_ cell: PostgresCell) throws -> SQLValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .int2, .int4, .int8, .oid: return .integer(try cell.decode(Int64.self))
        case .float4, .float8: return .real(try cell.decode(Double.self))
        case .int8Array: return .integers(try cell.decode([Int64].self))
        case .float8Array: return .reals(try cell.decode([Double].self))
        case .bool: return .integer(try cell.decode(Bool.self) ? 1 : 0)
        case .bytea:
            let buffer = try cell.decode(ByteBuffer.self)
            return .blob(Array(buffer.readableBytesView))
        case .numeric:
            // SUM and AVG over BIGINT give NUMERIC: an integer when it is one, else a double.
            let decimal = try cell.decode(Decimal.self)
            let double = NSDecimalNumber(decimal: decimal).doubleValue
            if let integer = Int64(exactly: double), Decimal(integer) == decimal { return .integer(integer) }
            return .real(double)
        default: return .text(try cell.decode(String.self))
        }
    }
}
