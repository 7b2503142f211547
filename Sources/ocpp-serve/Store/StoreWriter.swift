import Logging
import ServiceLifecycle
import Shared
import Synchronization

/// The one writer of the database: group commit.
///
/// Connections submit operations and suspend; the writer takes everything queued (up to `maxBatch`), applies it in
/// one transaction (SQLite or PostgreSQL, `SQLStore.write`), and resumes the submitters only after that transaction committed. So a charger's
/// StartTransaction, StopTransaction or MeterValues is acknowledged only once it is durable, and durability costs one
/// commit per batch rather than one per message.
final class StoreWriter: Service, Sendable {
    private let database: any SQLStore
    private let logger: Logger
    private let maxBatch: Int
    private let queue = Mutex(Queue())
    /// Figures for the benchmark: batches committed, operations in them, total commit time.
    let statistics = Mutex(Statistics())

    struct Statistics: Sendable {
        var batches = 0
        var operations = 0
        var commitNanoseconds: Int64 = 0
        /// Of that, the time spent applying operations (the rest: BEGIN, COMMIT with its WAL writes and fsync).
        var applyNanoseconds: Int64 = 0
        var largestBatch = 0
    }

    private struct Item: Sendable {
        var operation: StoreOperation
        /// Called once the operation committed or failed; nil for detached operations.
        var completion: (@Sendable (Result<StoreResult, any Error>) -> Void)?
    }

    private struct Queue: Sendable {
        var pending: [Item] = []
        var waiter: CheckedContinuation<Void, Never>?
        var closed = false
    }

    /// The least time from one commit's start to the next: a commit costs an fsync and rewrites the hot pages of
    /// every index in the WAL, whatever the batch size, so at moderate rates a short wait gives fewer, larger commits.
    private let commitSpacing: Duration
    /// Batch sizes and commit latency for /metrics; nil in tests.
    private let metrics: ServerMetrics?
    /// Told of failed and successful commits, to report an outage once; nil in tests.
    let availability: StoreAvailability?

    init(
        database: any SQLStore, logger: Logger, maxBatch: Int = 512, commitSpacing: Duration = .zero, metrics: ServerMetrics? = nil,
        availability: StoreAvailability? = nil
    ) {
        self.metrics = metrics
        self.availability = availability
        self.database = database
        self.logger = logger
        self.maxBatch = maxBatch
        self.commitSpacing = commitSpacing
    }

    /// Applies `operation` and returns once it is committed.
    func submit(_ operation: StoreOperation) async throws -> StoreResult {
        try await withCheckedThrowingContinuation { continuation in
            submit(operation) { continuation.resume(with: $0) }
        }
    }

    /// Applies `operation` and calls `completion` on the writer's thread once it is committed (or failed). For
    /// callers on an event loop: no task waits, the answer is written from the callback.
    func submit(_ operation: StoreOperation, completion: @escaping @Sendable (Result<StoreResult, any Error>) -> Void) {
        enqueue(Item(operation: operation, completion: completion))
    }

    /// Queues `operation` without waiting for its commit (raw frames, events, last-seen times).
    func submitDetached(_ operation: StoreOperation) {
        enqueue(Item(operation: operation, completion: nil))
    }

    private func enqueue(_ item: Item) {
        let (waiter, rejected) = queue.withLock { queue -> (CheckedContinuation<Void, Never>?, Bool) in
            if queue.closed { return (nil, true) }
            queue.pending.append(item)
            let waiter = queue.waiter
            queue.waiter = nil
            return (waiter, false)
        }
        if rejected {
            item.completion?(.failure(StoreWriterError.closed))
        }
        waiter?.resume()
    }

    func run() async throws {
        await withGracefulShutdownHandler {
            await self.loop()
        } onGracefulShutdown: {
            let waiter = self.queue.withLock { queue in
                queue.closed = true
                let waiter = queue.waiter
                queue.waiter = nil
                return waiter
            }
            waiter?.resume()
        }
    }

    private func loop() async {
        let clock = ContinuousClock()
        while true {
            let (batch, closed) = await nextBatch()
            if batch.isEmpty {
                if closed { break }
                continue
            }
            let started = clock.now
            await commit(batch)
            if commitSpacing > .zero, !closed {
                try? await clock.sleep(until: started + commitSpacing)
            }
        }
        let figures = statistics.withLock { $0 }
        logger.notice(
            "writer drained",
            metadata: [
                "committed": "\(figures.operations)", "batches": "\(figures.batches)", "largestBatch": "\(figures.largestBatch)",
                "commitMicrosPerBatch": "\(figures.batches > 0 ? figures.commitNanoseconds / Int64(figures.batches) / 1000 : 0)",
                "applyMicrosPerBatch": "\(figures.batches > 0 ? figures.applyNanoseconds / Int64(figures.batches) / 1000 : 0)",
            ]
        )
    }

    private func nextBatch() async -> ([Item], Bool) {
        while true {
            let taken: ([Item], Bool)? = queue.withLock { queue in
                if queue.pending.count > maxBatch {
                    let batch = Array(queue.pending.prefix(maxBatch))
                    queue.pending.removeFirst(maxBatch)
                    return (batch, queue.closed)
                }
                if !queue.pending.isEmpty {
                    // The usual case: take the whole queue, neither copying it nor keeping its capacity.
                    let batch = queue.pending
                    queue.pending = []
                    return (batch, queue.closed)
                }
                return queue.closed ? ([], true) : nil
            }
            if let taken { return taken }
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = queue.withLock { queue in
                    if !queue.pending.isEmpty || queue.closed { return true }
                    queue.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        }
    }

    private func commit(_ batch: [Item]) async {
        let operations = batch.map(\.operation)
        let clock = ContinuousClock()
        let start = clock.now
        var retryDelay = Self.firstRetryDelay
        while true {
            do {
                let results = try await apply(operations, clock: clock)
                availability?.succeeded()
                let elapsed = clock.now - start
                statistics.withLock {
                    $0.batches += 1
                    $0.operations += batch.count
                    $0.largestBatch = max($0.largestBatch, batch.count)
                    $0.commitNanoseconds += elapsed.nanoseconds
                }
                metrics?.committed(batch: batch.count, nanoseconds: elapsed.nanoseconds)
                for (item, result) in zip(batch, results) {
                    if case .failure(let error) = result { logger.error("store write failed", metadata: ["error": "\(error)"]) }
                    item.completion?(result)
                }
                return
            } catch let error as SQLStoreError where error.isUnavailable && !gaveUpOnShutdown(since: start, clock: clock) {
                // The database is away (PostgreSQL stopped or unreachable): keep the batch and try again, so nothing
                // is lost and nothing is acknowledged before it is committed. Chargers time out and retry meanwhile;
                // their retries queue behind this batch and are recognised as repeats when applied.
                availability?.failed(error, waiting: batch.count + queue.withLock { $0.pending.count })
                try? await clock.sleep(for: retryDelay)
                retryDelay = min(retryDelay * 2, Self.maxRetryDelay)
            } catch {
                logger.error("store commit failed", metadata: ["error": "\(error)", "operations": "\(batch.count)"])
                for item in batch { item.completion?(.failure(error)) }
                return
            }
        }
    }

    static let firstRetryDelay: Duration = .milliseconds(250)
    static let maxRetryDelay: Duration = .seconds(4)
    /// How long a shutdown waits for an unavailable database before failing what is still queued.
    static let shutdownPatience: Duration = .seconds(10)

    /// During a shutdown, retrying an unavailable database stops after `shutdownPatience` so the process can exit.
    private func gaveUpOnShutdown(since start: ContinuousClock.Instant, clock: ContinuousClock) -> Bool {
        queue.withLock { $0.closed } && clock.now - start > Self.shutdownPatience
    }

    /// The batch in one transaction. Only if some write fails is it replayed with one savepoint per operation, so a
    /// bad write fails alone and the others still commit.
    private func apply(_ operations: [StoreOperation], clock: ContinuousClock) async throws -> [Result<StoreResult, any Error>] {
        do {
            return try await database.write { db in
                let applyStart = clock.now
                defer {
                    let applied = clock.now - applyStart
                    self.statistics.withLock { $0.applyNanoseconds += applied.nanoseconds }
                }
                return try operations.map { .success(try StoreApplier.apply($0, in: db)) }
            }
        } catch let error as SQLStoreError where error.isUnavailable {
            throw error
        } catch {
            return try await database.write { db in
                operations.map { operation in
                    Result { () throws -> StoreResult in
                        try db.inSavepoint { try StoreApplier.apply(operation, in: db) }
                    }
                }
            }
        }
    }
}

extension Duration {
    fileprivate var nanoseconds: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }
}

enum StoreWriterError: Error {
    case closed
}
