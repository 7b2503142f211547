import Foundation
import Logging
import Shared
import Synchronization

/// Whether the database answers, as the store writer sees it (issue 18: PostgreSQL may be stopped or unreachable for
/// a while). The writer reports every failed and every successful commit; this turns them into one log line and one
/// event when an outage starts, a reminder every `remindEvery` while it lasts, and one line and event when it ends,
/// plus the `ocpp_store_up` gauge. Nothing is answered meanwhile: transaction messages wait for their commit.
final class StoreAvailability: Sendable {
    private struct State: Sendable {
        var downSince: ContinuousClock.Instant?
        var lastReminder: ContinuousClock.Instant?
        var failedAttempts = 0
    }

    private let state = Mutex(State())
    private let events = Mutex<EventBus?>(nil)
    private let logger: Logger
    private let metrics: ServerMetrics?
    private let remindEvery: Duration

    init(logger: Logger, metrics: ServerMetrics?, remindEvery: Duration = .seconds(10)) {
        self.logger = logger
        self.metrics = metrics
        self.remindEvery = remindEvery
    }

    /// The event bus is made after the writer (it stores events through it).
    func attach(_ bus: EventBus) {
        events.withLock { $0 = bus }
    }

    var isAvailable: Bool { state.withLock { $0.downSince == nil } }

    /// A commit failed because the database could not be reached; `waiting` operations are held for the retry.
    func failed(_ error: any Error, waiting: Int) {
        let now = ContinuousClock.now
        let (started, remind, seconds) = state.withLock { state -> (Bool, Bool, Double) in
            state.failedAttempts += 1
            guard let since = state.downSince else {
                state.downSince = now
                state.lastReminder = now
                return (true, false, 0)
            }
            guard let last = state.lastReminder, now - last >= remindEvery else { return (false, false, 0) }
            state.lastReminder = now
            return (false, true, (now - since).seconds)
        }
        if started {
            logger.error(
                "database unavailable: transaction messages wait unanswered until it returns",
                metadata: ["error": "\(error)", "waiting": "\(waiting)"]
            )
            metrics?.storeAvailability(false)
            publish(.storeUnavailable, ["error": .string("\(error)")])
        } else if remind {
            logger.warning("database still unavailable", metadata: ["seconds": "\(Int(seconds))", "waiting": "\(waiting)"])
        }
    }

    /// A commit succeeded; ends an outage if one was running.
    func succeeded() {
        let now = ContinuousClock.now
        let ended = state.withLock { state -> (seconds: Double, attempts: Int)? in
            guard let since = state.downSince else { return nil }
            defer { state = State() }
            return ((now - since).seconds, state.failedAttempts)
        }
        guard let ended else { return }
        logger.notice(
            "database available again", metadata: ["seconds": "\(Int(ended.seconds.rounded()))", "failedAttempts": "\(ended.attempts)"]
        )
        metrics?.storeAvailability(true)
        publish(.storeAvailable, ["seconds": .number(JSONNumber(Int(ended.seconds.rounded())))])
    }

    private func publish(_ kind: ServerEvent.Kind, _ detail: JSONObject) {
        let event = ServerEvent(atMs: Int64(Date().timeIntervalSince1970 * 1000), chargerID: nil, kind: kind, detail: .object(detail))
        events.withLock { $0 }?.publish(event)
    }
}

extension Duration {
    fileprivate var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
