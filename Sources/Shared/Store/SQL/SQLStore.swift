import GRDB

/// A database the server and the tools open once and share: hands out a connection for the length of a closure.
/// `SQLiteSQLStore` (GRDB's WAL pool) and `PostgresSQLStore` (postgres-nio connections) implement it; see
/// `SQLConnection` for the design.
public protocol SQLStore: Sendable {
    var dialect: SQLDialect { get }

    /// Runs `body` on a connection that sees one consistent snapshot and must not write.
    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLConnection) throws -> T) async throws -> T

    /// Runs `body` in one transaction, committed when it returns (rolled back if it throws). It returns only after
    /// the COMMIT, so a caller acknowledges what it wrote only once it is durable.
    func write<T: Sendable>(_ body: @escaping @Sendable (any SQLConnection) throws -> T) async throws -> T

    /// Closes the connections (PostgreSQL); SQLite closes with its last reference.
    func close() async
}

extension SQLStore {
    public func close() async {}

    /// `read`, tried again while the database is unavailable, for at most `patience`. For reads a charger's
    /// transaction message waits on (its id tag): during an outage the answer is held, as the commit is, rather than
    /// refused; the charger's own timeout and retry take over if the outage lasts.
    public func readWaiting<T: Sendable>(
        patience: Duration = .seconds(60), _ body: @escaping @Sendable (any SQLConnection) throws -> T
    ) async throws -> T {
        let clock = ContinuousClock()
        let deadline = clock.now + patience
        var delay: Duration = .milliseconds(250)
        while true {
            do {
                return try await read(body)
            } catch let error as SQLStoreError where error.isUnavailable && clock.now + delay < deadline {
                try await clock.sleep(for: delay)
                delay = min(delay * 2, .seconds(4))
            }
        }
    }
}

public enum SQLStoreError: Error, CustomStringConvertible {
    case unexpected(String)
    case unavailable(String)

    /// The database could not be reached (a connection failed or was lost): worth retrying, unlike a statement's error.
    public var isUnavailable: Bool {
        if case .unavailable = self { true } else { false }
    }

    public var description: String {
        switch self {
        case .unexpected(let message): "unexpected store state: \(message)"
        case .unavailable(let message): "database unavailable: \(message)"
        }
    }
}

/// The SQLite store: GRDB's `DatabasePool` (WAL; readers never block the writer).
public struct SQLiteSQLStore: SQLStore {
    public let pool: DatabasePool

    public init(pool: DatabasePool) {
        self.pool = pool
    }

    public var dialect: SQLDialect { .sqlite }

    public func read<T: Sendable>(_ body: @escaping @Sendable (any SQLConnection) throws -> T) async throws -> T {
        try await pool.read { db in try body(GRDBSQLConnection(db)) }
    }

    public func write<T: Sendable>(_ body: @escaping @Sendable (any SQLConnection) throws -> T) async throws -> T {
        try await pool.write { db in try body(GRDBSQLConnection(db)) }
    }

    /// Synchronous read for callers outside async code (start-up loading, tests).
    public func readNow<T>(_ body: (any SQLConnection) throws -> T) throws -> T {
        try pool.read { db in try body(GRDBSQLConnection(db)) }
    }
}
