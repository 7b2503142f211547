import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import Synchronization

/// One PostgreSQL connection kept for its session: LISTEN (notifications reach only the session that listens) and
/// session-level advisory locks (held until unlocked or until the connection dies). Never pooled: the store's pooled
/// connections run transactions; this one only waits.
public final class PostgresSession: Sendable {
    let connection: PostgresConnection
    private let logger: Logger

    /// The waits in flight, ended together when the connection closes (one callback on its close future for the
    /// session, not one per query: a ping every 2 s would otherwise pile up callbacks for the session's lifetime).
    private let waits = SessionWaits()

    private init(connection: PostgresConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
        connection.closeFuture.whenComplete { [waits] _ in waits.closeAll() }
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
    public func listen(_ channel: String, _ handle: @escaping @Sendable (String) async -> Void) async throws {
        let connection = self.connection
        try await whileOpen {
            try await connection.listen(on: channel) { notifications in
                for try await notification in notifications {
                    await handle(notification.payload)
                }
            }
        }
    }

    /// `pg_try_advisory_lock(key)`: true if this session holds the lock (now or already).
    public func tryAdvisoryLock(_ key: Int64) async throws -> Bool {
        let (connection, logger) = (self.connection, self.logger)
        return try await whileOpen {
            let rows = try await connection.query("SELECT pg_try_advisory_lock(\(key))", logger: logger)
            for try await held in rows.decode(Bool.self) { return held }
            return false
        }
    }

    /// A round trip, to notice a dead connection while it has nothing else to do.
    public func ping() async throws {
        let (connection, logger) = (self.connection, self.logger)
        try await whileOpen {
            let rows = try await connection.query("SELECT 1", logger: logger)
            for try await _ in rows {}
        }
    }

    /// Runs `work` until it finishes, the connection closes (throws `PostgresSessionError.closed`) or the caller is
    /// cancelled, whichever comes first.
    ///
    /// postgres-nio can leave a query or a LISTEN in flight suspended for ever when its connection closes under it
    /// (PostgreSQL stopped; also vapor/postgres-nio#600). Awaited directly, that held the cluster node, and with it
    /// the server's shutdown, after an outage. So `work` runs in a task of its own, and a suspension left behind in it
    /// holds nothing: the connection is closed by then.
    private func whileOpen<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) async throws -> T {
        let wait = FirstOutcome<T>()
        guard let id = waits.add({ wait.finish(.failure(PostgresSessionError.closed)) }) else { throw PostgresSessionError.closed }
        defer { waits.remove(id) }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in wait.start(continuation, work) }
        } onCancel: {
            wait.finish(.failure(CancellationError()))
        }
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

/// Why a session's wait ended without PostgreSQL saying so.
public enum PostgresSessionError: Error, Sendable {
    /// The connection closed (PostgreSQL stopped, or the network failed).
    case closed
}

/// The first of several outcomes to arrive resumes the waiter; the work's task is cancelled then. An outcome may
/// come before the waiter does (a caller already cancelled): it is kept for it.
private final class FirstOutcome<T: Sendable>: Sendable {
    private struct State {
        var waiter: CheckedContinuation<T, any Error>?
        var outcome: Result<T, any Error>?
        var task: Task<Void, Never>?
    }

    private let state = Mutex(State())

    func start(_ continuation: CheckedContinuation<T, any Error>, _ work: @escaping @Sendable () async throws -> T) {
        let early = state.withLock { state -> Result<T, any Error>? in
            if let outcome = state.outcome { return outcome }
            state.waiter = continuation
            return nil
        }
        if let early { return continuation.resume(with: early) }
        let running = Task {
            do { self.finish(.success(try await work())) } catch { self.finish(.failure(error)) }
        }
        let finished = state.withLock { state in
            state.task = running
            return state.outcome != nil
        }
        if finished { running.cancel() }
    }

    func finish(_ result: Result<T, any Error>) {
        let (waiter, task) = state.withLock { state -> (CheckedContinuation<T, any Error>?, Task<Void, Never>?) in
            guard state.outcome == nil else { return (nil, nil) }
            state.outcome = result
            defer { state.waiter = nil }
            return (state.waiter, state.task)
        }
        waiter?.resume(with: result)
        task?.cancel()
    }
}

/// A session's waits in flight, by number; all of them are ended when the connection closes, and none is taken after.
private final class SessionWaits: Sendable {
    private struct State {
        var next = 0
        var closed = false
        var enders: [Int: @Sendable () -> Void] = [:]
    }

    private let state = Mutex(State())

    /// Registers `end`; nil when the connection already closed.
    func add(_ end: @escaping @Sendable () -> Void) -> Int? {
        state.withLock { state in
            guard !state.closed else { return nil }
            state.next += 1
            state.enders[state.next] = end
            return state.next
        }
    }

    func remove(_ id: Int) {
        _ = state.withLock { $0.enders.removeValue(forKey: id) }
    }

    func closeAll() {
        let enders = state.withLock { state in
            state.closed = true
            defer { state.enders = [:] }
            return Array(state.enders.values)
        }
        for end in enders { end() }
    }
}
