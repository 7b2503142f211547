import Logging
import NIOCore
import NIOPosix
import PostgresNIO

/// One PostgreSQL connection kept for its session: LISTEN (notifications reach only the session that listens) and
/// session-level advisory locks (held until unlocked or until the connection dies). Never pooled: the store's pooled
/// connections run transactions; this one only waits.
public final class PostgresSession: Sendable {
    let connection: PostgresConnection
    private let logger: Logger

    private init(connection: PostgresConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
    }

    /// `applicationName` shows in `pg_stat_activity`, so an operator sees which session is whose.
    public static func connect(_ location: PostgresLocation, id: Int, applicationName: String, logger: Logger) async throws -> PostgresSession {
        var configuration = PostgresConnection.Configuration(
            host: location.host, port: location.port, username: location.user, password: location.password, database: location.database,
            tls: .disable
        )
        configuration.options.connectTimeout = .seconds(5)
        configuration.options.additionalStartupParameters = [("application_name", applicationName)]
        let connection = try await PostgresConnection.connect(
            on: MultiThreadedEventLoopGroup.singleton.any(), configuration: configuration, id: id, logger: logger
        )
        return PostgresSession(connection: connection, logger: logger)
    }

    public var isClosed: Bool { connection.isClosed }

    /// Listens on `channel` and hands each payload to `handle`, in order, until the connection fails (throws) or the
    /// task is cancelled.
    public func listen(_ channel: String, _ handle: @Sendable (String) async -> Void) async throws {
        try await connection.listen(on: channel) { notifications in
            for try await notification in notifications {
                await handle(notification.payload)
            }
        }
    }

    /// `pg_try_advisory_lock(key)`: true if this session holds the lock (now or already).
    public func tryAdvisoryLock(_ key: Int64) async throws -> Bool {
        let rows = try await connection.query("SELECT pg_try_advisory_lock(\(key))", logger: logger)
        for try await held in rows.decode(Bool.self) { return held }
        return false
    }

    /// A round trip, to notice a dead connection while it has nothing else to do.
    public func ping() async throws {
        let rows = try await connection.query("SELECT 1", logger: logger)
        for try await _ in rows {}
    }

    public func close() async {
        try? await connection.close()
    }

    deinit {
        // postgres-nio requires a connection closed before it is released.
        let connection = self.connection
        if !connection.isClosed { connection.close().whenComplete { _ in withExtendedLifetime(connection) {} } }
    }
}
