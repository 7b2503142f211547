import Foundation
import GRDB
import Logging
import ServiceLifecycle

/// Copies the WAL into the database file from its own connection, so the writer never does it inside a commit.
///
/// With SQLite's automatic checkpoint the connection whose commit crosses the threshold copies the whole WAL before
/// that commit returns: every acknowledgement waiting on that batch waited for the copy too (issue 8: the latency
/// tail). Here the writer's automatic checkpoint is off and a PASSIVE checkpoint runs every `interval` beside it;
/// PASSIVE never blocks the writer, and the WAL starts over once a checkpoint caught up with it.
final class WALCheckpointer: Service, Sendable {
    private let connection: DatabaseQueue
    private let interval: Duration
    private let logger: Logger

    init(path: String, interval: Duration = .milliseconds(500), logger: Logger) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        configuration.label = "checkpointer"
        connection = try DatabaseQueue(path: path, configuration: configuration)
        self.interval = interval
        self.logger = logger
    }

    func run() async throws {
        while true {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
            } catch {
                return  // shutting down: closing the last connection checkpoints anyway
            }
            do {
                _ = try await checkpoint()
            } catch {
                logger.warning("WAL checkpoint failed", metadata: ["error": "\(error)"])
            }
        }
    }

    /// One PASSIVE checkpoint: the frames in the WAL and how many of them are now in the database file.
    func checkpoint() async throws -> (walFrames: Int, checkpointed: Int) {
        let result = try await connection.writeWithoutTransaction { db in try db.checkpoint(.passive) }
        return (result.walFrameCount, result.checkpointedFrameCount)
    }
}
