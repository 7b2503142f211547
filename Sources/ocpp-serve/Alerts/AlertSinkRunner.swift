import Logging
import Shared
import Synchronization

/// One sink's queue and worker: messages are queued without waiting (charger traffic never waits for a sink),
/// delivered one at a time, limited to `maxPerMinute`; what the limit holds back is counted and summarised in one
/// message once the minute allows. Failures are logged and counted, never retried beyond the delivery's own attempts.
final class AlertSinkRunner: Sendable {
    enum Item: Sendable {
        case message(AlertMessage)
        /// Sends the summary of held-back messages if the rate limit allows now.
        case flush
    }

    struct Counters: Sendable {
        var sent = 0
        var failures = 0
        var held = 0
        var queued = 0
        var lastError: String?
    }

    let settings: AlertSettings.SinkSettings
    private let delivery: any AlertDelivery
    private let logger: Logger
    private let metrics: AlertMetrics
    private let counters = Mutex(Counters())
    private let stream: AsyncStream<Item>
    private let continuation: AsyncStream<Item>.Continuation
    static let queueCapacity = 1000

    init(settings: AlertSettings.SinkSettings, delivery: any AlertDelivery, logger: Logger) {
        self.settings = settings
        self.delivery = delivery
        self.logger = logger
        metrics = AlertMetrics(sink: settings.name)
        let made = AsyncStream.makeStream(of: Item.self, bufferingPolicy: .bufferingOldest(Self.queueCapacity))
        stream = made.stream
        continuation = made.continuation
    }

    var status: AlertSinkStatus {
        let c = counters.withLock { $0 }
        return AlertSinkStatus(
            name: settings.name,
            type: settings.typeName,
            sent: c.sent,
            failures: c.failures,
            held: c.held,
            queued: c.queued,
            lastError: c.lastError
        )
    }

    /// Queues a message if the sink's filter takes it; never waits. A full queue drops the message as a failure.
    func enqueue(_ message: AlertMessage, rule: AlertRule?) {
        if let rule, !settings.accepts(rule: rule, group: message.group) { return }
        counters.withLock { $0.queued += 1 }
        if case .dropped(_) = continuation.yield(.message(message)) {
            fail("queue full (\(Self.queueCapacity) messages): dropped", message: message)
            counters.withLock { $0.queued -= 1 }
        }
    }

    func flush() { continuation.yield(.flush) }

    func finish() { continuation.finish() }

    /// Delivers a test message now, beside the queue (a sink stuck on a hanging webhook still answers the test).
    func test(atMs: Int64) async -> AlertTestResult {
        let message = AlertMessage(state: .test, rule: "test", message: "test alert from ocpp-serve to sink \(settings.name)", atMs: atMs)
        do {
            try await delivery.deliver(message, sink: settings.name)
            succeeded()
            return AlertTestResult(sink: settings.name, delivered: true, error: nil)
        } catch {
            fail("\(error)", message: message)
            return AlertTestResult(sink: settings.name, delivered: false, error: "\(error)")
        }
    }

    /// The worker: runs until `finish()`.
    func run() async {
        var window: [ContinuousClock.Instant] = []
        var heldByRule: [String: Int] = [:]
        for await item in stream {
            let now = ContinuousClock.now
            window.removeAll { now - $0 >= .seconds(60) }
            if !heldByRule.isEmpty, window.count < settings.maxPerMinute {
                let held = heldByRule.values.reduce(0, +)
                let rules = JSONObject(heldByRule.sorted { $0.key < $1.key }.map { JSONMember(key: $0.key, value: .number(JSONNumber($0.value))) })
                let summary = AlertMessage(
                    state: .summary,
                    rule: "summary",
                    message: "\(held) alert message(s) held back by the rate limit of sink \(settings.name)",
                    atMs: Timestamp.nowMilliseconds(),
                    detail: ["held": .number(JSONNumber(held)), "rules": .object(rules)]
                )
                heldByRule = [:]
                window.append(now)
                await send(summary)
            }
            guard case .message(let message) = item else { continue }
            counters.withLock { $0.queued -= 1 }
            if window.count >= settings.maxPerMinute {
                heldByRule[message.rule, default: 0] += 1
                counters.withLock { $0.held += 1 }
                continue
            }
            window.append(now)
            await send(message)
        }
    }

    private func send(_ message: AlertMessage) async {
        do {
            try await delivery.deliver(message, sink: settings.name)
            succeeded()
        } catch {
            fail("\(error)", message: message)
        }
    }

    private func succeeded() {
        metrics.recordSent()
        counters.withLock { $0.sent += 1 }
    }

    private func fail(_ reason: String, message: AlertMessage) {
        metrics.recordFailure()
        counters.withLock {
            $0.failures += 1
            $0.lastError = reason
        }
        logger.warning(
            "alert sink failed",
            metadata: ["charger": "\(message.chargerID ?? "-")", "sink": "\(settings.name)", "rule": "\(message.rule)", "reason": "\(reason)"]
        )
    }
}
