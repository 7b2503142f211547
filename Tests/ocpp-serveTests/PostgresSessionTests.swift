import Foundation
import Logging
import Shared
import TestSupport
import Testing

/// The node's own PostgreSQL session (LISTEN, leadership lock, ping): every wait on it ends when the connection
/// closes or the caller is cancelled, never later. One that did not held a node's shutdown for ever after an outage.
@Suite struct PostgresSessionTests {
    /// The outcome of `task`, or nil if it is still running after `seconds` (a hang).
    static func outcome<T: Sendable>(of task: Task<T, any Error>, within seconds: Double) async -> Result<T, any Error>? {
        await withTaskGroup(of: Result<T, any Error>?.self) { group in
            group.addTask { await task.result }
            group.addTask {
                try? await Task.sleep(for: .seconds(seconds))
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }

    @Test func waitsEndWhenTheConnectionClosesOrTheCallerCancels() async throws {
        let cluster = try TestPostgres.privateCluster()
        guard case .postgres(let location) = try StoreLocation(parsing: try TestPostgres.newDatabaseURL(in: cluster)) else {
            Issue.record("not a PostgreSQL URL")
            return
        }
        let session = try await PostgresSession.connect(location, id: 1, applicationName: "session test", logger: Logger(label: "test"))
        try await session.ping()
        #expect(try await session.tryAdvisoryLock(4242))

        // Cancelled: the listen returns at once with CancellationError.
        let cancelled = Task { try await session.listen("session_test_a") { _ in } }
        try await Task.sleep(for: .milliseconds(300))
        cancelled.cancel()
        let afterCancel = await Self.outcome(of: cancelled, within: 20)
        #expect(afterCancel != nil, "a cancelled listen returned")
        if case .failure(let error)? = afterCancel { #expect(error is CancellationError, "\(error)") } else { Issue.record("\(String(describing: afterCancel))") }

        // PostgreSQL stops: a listen in progress ends with `closed`, and a later call fails at once.
        let listening = Task { try await session.listen("session_test_b") { _ in } }
        try await Task.sleep(for: .milliseconds(300))
        try TestPostgres.stop(cluster)
        let afterStop = await Self.outcome(of: listening, within: 20)
        #expect(afterStop != nil, "the listen ended when PostgreSQL stopped")
        if case .failure? = afterStop {} else { Issue.record("the listen ended without an error: \(String(describing: afterStop))") }
        let ping = await Self.outcome(of: Task { try await session.ping() }, within: 20)
        if case .failure(let error)? = ping {
            #expect(error is PostgresSessionError, "\(error)")
        } else {
            Issue.record("a ping on the closed session: \(String(describing: ping))")
        }
        try TestPostgres.restart(cluster)
    }
}
