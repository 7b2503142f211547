import Dispatch
import Foundation
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
        /// Items in `pending` someone waits for (a completion): they start a commit; detached ones can wait.
        var awaited = 0
        /// The writer thread is parked (or about to park) on `wakeUp`; `waitingUntil` is its deadline, nil: none.
        var parked = false
        var waitingUntil: UInt64?
        var closed = false
    }

    /// Wakes the parked writer thread (a futex underneath; signalled only when the thread is parked).
    private let wakeUp = DispatchSemaphore(value: 0)

    /// The least time from one commit's start to the next: a commit costs an fsync and rewrites the hot pages of
    /// every index in the WAL, whatever the batch size, so at moderate rates a short wait gives fewer, larger commits.
    private let commitSpacing: Duration
    /// How long detached operations (raw frames, events, last-seen times) may wait for a commit someone waits for.
    /// Nobody is answered after them, so they ride along with the next awaited commit instead of costing one of their
    /// own: at low rates every answer's outbound frame used to be a commit (an fsync) by itself (issue 19).
    private let detachedDelay: Duration
    /// Batch sizes and commit latency for /metrics; nil in tests.
    private let metrics: ServerMetrics?
    /// Told of failed and successful commits, to report an outage once; nil in tests.
    let availability: StoreAvailability?

    init(
        database: any SQLStore, logger: Logger, maxBatch: Int = 512, commitSpacing: Duration = .zero, detachedDelay: Duration = .milliseconds(20),
        metrics: ServerMetrics? = nil, availability: StoreAvailability? = nil
    ) {
        self.metrics = metrics
        self.availability = availability
        self.database = database
        self.logger = logger
        self.maxBatch = maxBatch
        self.commitSpacing = commitSpacing
        self.detachedDelay = detachedDelay
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

    /// Queues `operation` without waiting for its commit (raw frames, events, last-seen times). It is committed with
    /// the next operation someone waits for, at the latest `detachedDelay` after it was queued.
    func submitDetached(_ operation: StoreOperation) {
        enqueue(Item(operation: operation, completion: nil))
    }

    private func enqueue(_ item: Item) {
        let (wake, rejected) = queue.withLock { queue -> (Bool, Bool) in
            if queue.closed { return (false, true) }
            queue.pending.append(item)
            if item.completion != nil { queue.awaited += 1 }
            // Wake the writer only if it sleeps and this changes its plan: an awaited item, a full batch, or a
            // detached item it has no deadline for. While a commit is in flight the writer looks at the queue anyway.
            guard queue.parked, item.completion != nil || queue.pending.count >= maxBatch || queue.waitingUntil == nil else { return (false, false) }
            queue.parked = false
            return (true, false)
        }
        if rejected {
            item.completion?(.failure(StoreWriterError.closed))
        }
        if wake { wakeUp.signal() }
    }

    /// Stops taking operations; the writer commits what is queued and ends.
    private func close() {
        let wake = queue.withLock { queue in
            queue.closed = true
            defer { queue.parked = false }
            return queue.parked
        }
        if wake { wakeUp.signal() }
    }

    func run() async throws {
        // The writer runs on a thread of its own and calls SQLite synchronously: no hop to a task, to GRDB's
        // dispatch queue and back per batch (at 200 msg/s those wake-ups cost more CPU than the commits; issue 19).
        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                await withCheckedContinuation { (finished: CheckedContinuation<Void, Never>) in
                    // Named so per-thread figures (/proc/PID/task/*/comm, perf) can tell it from the dispatch threads.
                    Thread {
                        Thread.current.name = "store-writer"
                        self.loop()
                        finished.resume()
                    }.start()
                }
            } onCancel: {
                self.close()
            }
        } onGracefulShutdown: {
            self.close()
        }
    }

    private func loop() {
        var lastCommit: ContinuousClock.Instant?
        let clock = ContinuousClock()
        while let batch = nextBatch(lastCommit: lastCommit) {
            let started = clock.now
            commit(batch)
            lastCommit = started
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

    /// What the writer does next: commit a batch, or sleep (until a deadline, or until woken).
    private enum Step {
        case commit([Item])
        case sleep(until: UInt64?)
        case finished
    }

    /// Blocks until there is a batch to commit; nil once closed and drained. Awaited operations are committed at
    /// once (after `commitSpacing`); detached ones wait up to `detachedDelay` for an awaited one to share a commit.
    /// Right after a commit the writer sleeps with that deadline too, so the outbound frames of the answers it just
    /// released do not wake it.
    private func nextBatch(lastCommit: ContinuousClock.Instant?) -> [Item]? {
        if commitSpacing > .zero, let lastCommit {
            let free = lastCommit + commitSpacing
            let now = ContinuousClock.now
            if free > now, !queue.withLock({ $0.closed }) { Thread.sleep(forTimeInterval: Self.seconds(free - now)) }
        }
        let delay = UInt64(detachedDelay.nanoseconds)
        var deadline: UInt64? = lastCommit == nil ? nil : DispatchTime.now().uptimeNanoseconds + delay
        while true {
            let now = DispatchTime.now().uptimeNanoseconds
            let step = queue.withLock { queue -> Step in
                if queue.pending.isEmpty {
                    if queue.closed { return .finished }
                    if let due = deadline, now >= due { deadline = nil }
                } else {
                    let due = deadline ?? now + delay
                    deadline = due
                    if queue.closed || queue.awaited > 0 || queue.pending.count >= maxBatch || now >= due {
                        return .commit(take(&queue))
                    }
                }
                queue.parked = true
                queue.waitingUntil = deadline
                return .sleep(until: deadline)
            }
            switch step {
            case .finished:
                return nil
            case .commit(let batch):
                return batch
            case .sleep(let until):
                _ = wakeUp.wait(timeout: until.map { DispatchTime(uptimeNanoseconds: $0) } ?? .distantFuture)
                queue.withLock { $0.parked = false }
            }
        }
    }

    /// Takes up to `maxBatch` items off the queue, usually all of it (neither copying nor keeping its capacity).
    private func take(_ queue: inout Queue) -> [Item] {
        let batch: [Item]
        if queue.pending.count > maxBatch {
            batch = Array(queue.pending.prefix(maxBatch))
            queue.pending.removeFirst(maxBatch)
            queue.awaited = queue.pending.reduce(0) { $0 + ($1.completion == nil ? 0 : 1) }
        } else {
            batch = queue.pending
            queue.pending = []
            queue.awaited = 0
        }
        return batch
    }

    private func commit(_ batch: [Item]) {
        let operations = batch.map(\.operation)
        let clock = ContinuousClock()
        let start = clock.now
        var retryDelay = Self.firstRetryDelay
        while true {
            do {
                let results = try apply(operations, clock: clock)
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
                Thread.sleep(forTimeInterval: Self.seconds(retryDelay))
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
    /// bad write fails alone and the others still commit. `writeBlocking` runs SQLite's transaction on this thread
    /// (GRDB's synchronous write), so no other thread wakes up for it.
    private func apply(_ operations: [StoreOperation], clock: ContinuousClock) throws -> [Result<StoreResult, any Error>] {
        do {
            return try database.writeBlocking { db in
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
            return try database.writeBlocking { db in
                operations.map { operation in
                    Result { () throws -> StoreResult in
                        try db.inSavepoint { try StoreApplier.apply(operation, in: db) }
                    }
                }
            }
        }
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
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
