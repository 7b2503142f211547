import Dispatch
import GRDB
import Synchronization

extension SQLStore {
    /// `write` for a caller on a thread of its own that may block (the store writer), so no task or queue hop is
    /// paid per transaction: SQLite and PostgreSQL run it on the calling thread (GRDB's synchronous write; postgres-nio's
    /// futures waited on). Any other engine runs its `write` while the calling thread waits.
    /// Never call it from an event loop or the cooperative pool.
    public func writeBlocking<T: Sendable>(_ body: @escaping @Sendable (any SQLConnection) throws -> T) throws -> T {
        if let sqlite = self as? SQLiteSQLStore {
            return try sqlite.pool.write { db in try body(GRDBSQLConnection(db)) }
        }
        if let postgres = self as? PostgresSQLStore {
            return try postgres.writeOnCallingThread(body)
        }
        let outcome = BlockingOutcome<T>()
        // A bare task: the only bridge from this blocking thread into the engine's async `write`.
        Task {
            do { outcome.finish(.success(try await self.write(body))) } catch { outcome.finish(.failure(error)) }
        }
        return try outcome.wait().get()
    }
}

/// The result of an async call a blocking thread waits for.
private final class BlockingOutcome<T: Sendable>: Sendable {
    private let result = Mutex<Result<T, any Error>?>(nil)
    private let done = DispatchSemaphore(value: 0)

    func finish(_ outcome: Result<T, any Error>) {
        result.withLock { $0 = outcome }
        done.signal()
    }

    func wait() -> Result<T, any Error> {
        done.wait()
        return result.withLock { $0 } ?? .failure(SQLStoreError.unexpected("write finished without a result"))
    }
}
