import Dispatch
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import Synchronization

/// The PostgreSQL store: up to `maxConnections` postgres-nio connections, each used by one closure at a time on a
/// thread of the store's own pool (postgres-nio futures are waited on there, never on an event loop). A connection
/// that failed is dropped and a new one opened on next use, so the store recovers by itself when PostgreSQL
/// comes back.
public final class PostgresSQLStore: SQLStore {
    public let location: PostgresLocation
    private let logger: Logger
    private let threads: NIOThreadPool
    private let slots: DispatchSemaphore
    private let idle = Mutex<[PostgresSQLConnection]>([])
    private let nextID = Mutex(0)

    public var dialect: SQLDialect { .postgres }

    /// Connects once (so a wrong URL or a stopped server fails at start) and keeps that connection.
    public init(location: PostgresLocation, maxConnections: Int = 6, logger: Logger) async throws {
        self.location = location
        self.logger = logger
        threads = NIOThreadPool(numberOfThreads: maxConnections)
        threads.start()
        slots = DispatchSemaphore(value: maxConnections)
        let first = try await threads.runIfActive { [self] in try self.connect() }
        idle.withLock { $0.append(first) }
    }

    private func connect() throws -> PostgresSQLConnection {
        let id = nextID.withLock { n in n += 1; return n }
        var configuration = PostgresConnection.Configuration(
            host: location.host, port: location.port, username: location.user, password: location.password, database: location.database,
            tls: .disable
        )
        configuration.options.connectTimeout = .seconds(5)
        let connection = try PostgresConnection.connect(
            on: MultiThreadedEventLoopGroup.singleton.any(), configuration: configuration, id: id, logger: logger
        ).wait()
        return PostgresSQLConnection(connection: connection, logger: logger)
    }

    /// Runs `body` with a connection of its own on a pool thread.
    func withConnection<T: Sendable>(_ body: @escaping @Sendable (PostgresSQLConnection) throws -> T) async throws -> T {
        try await threads.runIfActive { [self] in try self.withConnectionBlocking(body) }
    }

    /// Runs `body` with a connection of its own on the calling thread, which blocks on postgres-nio's futures: never
    /// an event loop or the cooperative pool.
    private func withConnectionBlocking<T>(_ body: (PostgresSQLConnection) throws -> T) throws -> T {
        slots.wait()
        defer { slots.signal() }
        let connection: PostgresSQLConnection
        // Connections PostgreSQL closed (a restart) are dropped here rather than at their turn.
        while let reused = idle.withLock({ $0.popLast() }) {
            guard reused.connection.isClosed else {
                return try run(body, on: reused)
            }
        }
        do { connection = try connect() } catch { throw SQLStoreError.unavailable(String(reflecting: error)) }
        return try run(body, on: connection)
    }

    private func run<T>(_ body: (PostgresSQLConnection) throws -> T, on connection: PostgresSQLConnection) throws -> T {
        do {
            let result = try body(connection)
            idle.withLock { $0.append(connection) }
            return result
        } catch {
            // A closed connection is not returned; an open one is (the error was the statement's). A lost
            // connection is the server's unavailability, not the statement's fault: the caller may retry.
            guard connection.connection.isClosed else {
                idle.withLock { $0.append(connection) }
                throw error
            }
            throw SQLStoreError.unavailable(String(reflecting: error))
        }
    }

    public func read<T: Sendable>(_ body: @escaping @Sendable (any SQLConnection) throws -> T) async throws -> T {
        try await transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", body)
    }

    /// synchronous_commit is on (PostgreSQL's default): COMMIT returns once the WAL is flushed.
    public func write<T: Sendable>(_ body: @escaping @Sendable (any SQLConnection) throws -> T) async throws -> T {
        try await transaction("BEGIN", body)
    }

    /// `write` on the calling thread, for the store writer's own thread: no task or pool-thread hop per commit.
    public func writeOnCallingThread<T>(_ body: (any SQLConnection) throws -> T) throws -> T {
        try withConnectionBlocking { connection in try Self.transaction("BEGIN", body, on: connection) }
    }

    /// `body` between `begin` and COMMIT on a connection of its own; rolled back if it throws.
    private func transaction<T: Sendable>(_ begin: String, _ body: @escaping @Sendable (any SQLConnection) throws -> T) async throws -> T {
        try await withConnection { connection in try Self.transaction(begin, body, on: connection) }
    }

    private static func transaction<T>(_ begin: String, _ body: (any SQLConnection) throws -> T, on connection: PostgresSQLConnection) throws -> T {
        try connection.executeScript(begin)
        do {
            let result = try body(connection)
            try connection.executeScript("COMMIT")
            return result
        } catch {
            try? connection.executeScript("ROLLBACK")
            throw error
        }
    }

    public func close() async {
        let connections = idle.withLock { idle in
            defer { idle = [] }
            return idle
        }
        for connection in connections { try? await connection.connection.close() }
        try? await threads.shutdownGracefully()
    }

    deinit {
        let connections = idle.withLock { $0 }
        // postgres-nio requires a connection closed before it is released: the callback keeps it until then.
        for connection in connections { connection.connection.close().whenComplete { _ in withExtendedLifetime(connection) {} } }
        threads.shutdownGracefully { _ in }
    }
}

extension PostgresSQLStore {
    /// Applies the schema migrations (`StoreSchema.migratePostgres`).
    public func migrate() async throws {
        try await withConnection { connection in try StoreSchema.migratePostgres(connection) }
    }
}
