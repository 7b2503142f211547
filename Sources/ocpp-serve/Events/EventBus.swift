import Logging
import Shared
import Synchronization

/// Fans server events out to live subscribers (the control plane's `events --follow`, alerts, metrics) and to the
/// store; one log line per event, charger id first.
final class EventBus: Sendable {
    private let writer: StoreWriter
    private let logger: Logger
    private let state = Mutex(State())
    /// Events kept in memory for `events --follow` to start with, like `tail -f`.
    static let recentCapacity = 1000

    private struct Subscriber {
        var continuation: AsyncStream<ServerEvent>.Continuation
        var filter: @Sendable (ServerEvent) -> Bool
        /// Also events of other nodes (`publishRemote`): the event stream and the leader's limits want them; alerts
        /// and metrics count only this node's.
        var includeRemote: Bool
    }

    private struct State {
        var subscribers: [UInt64: Subscriber] = [:]
        var nextID: UInt64 = 0
        var recent: [ServerEvent] = []
        var recentStart = 0
        var finished = false
        /// Several nodes: hands each local event to the cluster relay (NOTIFY to the other nodes).
        var relay: (@Sendable (ServerEvent) -> Void)?
    }

    /// Several nodes: `relay` gets every event published here (not those from other nodes).
    func setRelay(_ relay: @escaping @Sendable (ServerEvent) -> Void) {
        state.withLock { $0.relay = relay }
    }

    init(writer: StoreWriter, logger: Logger) {
        self.writer = writer
        self.logger = logger
    }

    func publish(_ event: ServerEvent) {
        writer.submitDetached(.event(event))
        // Repairs and statuses are frequent; a refused connection is already logged as a warning by the endpoint.
        if event.kind != .repairs && event.kind != .status && event.kind != .rejected {
            logger.info("\(event.kind.rawValue)", metadata: event.logMetadata)
        } else {
            logger.debug("\(event.kind.rawValue)", metadata: event.logMetadata)
        }
        let relay = deliver(event, remote: false)
        relay?(event)
    }

    /// An event published on another node (relayed through PostgreSQL): shown to the subscribers that want other
    /// nodes' events, never stored again (its node stored it) nor relayed back.
    func publishRemote(_ event: ServerEvent) {
        logger.debug("\(event.kind.rawValue)", metadata: event.logMetadata)
        _ = deliver(event, remote: true)
    }

    /// Keeps the event for replay and yields it to the subscribers; returns the relay of local events.
    private func deliver(_ event: ServerEvent, remote: Bool) -> (@Sendable (ServerEvent) -> Void)? {
        // Yielding under the lock keeps every subscriber's order equal to publication order.
        state.withLock { state in
            if state.recent.count < Self.recentCapacity {
                state.recent.append(event)
            } else {
                state.recent[state.recentStart] = event
                state.recentStart = (state.recentStart + 1) % Self.recentCapacity
            }
            for subscriber in state.subscribers.values where (!remote || subscriber.includeRemote) && subscriber.filter(event) {
                subscriber.continuation.yield(event)
            }
            return remote ? nil : state.relay
        }
    }

    /// A stream of the last `replaying` events kept in memory followed by every event published from now on, those
    /// passing `filter`; ends when the subscriber stops iterating or at shutdown (`finishSubscribers`).
    func subscribe(
        replaying count: Int = 0, includeRemote: Bool = false, filter: @escaping @Sendable (ServerEvent) -> Bool = { _ in true }
    ) -> AsyncStream<ServerEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: ServerEvent.self, bufferingPolicy: .bufferingNewest(10_000))
        state.withLock { state in
            if state.finished {
                continuation.finish()
                return
            }
            state.nextID += 1
            let id = state.nextID
            let ordered = Array(state.recent[state.recentStart...] + state.recent[..<state.recentStart])
            for event in ordered.filter(filter).suffix(max(0, count)) { continuation.yield(event) }
            continuation.onTermination = { [weak self] _ in
                _ = self?.state.withLock { $0.subscribers.removeValue(forKey: id) }
            }
            state.subscribers[id] = Subscriber(continuation: continuation, filter: filter, includeRemote: includeRemote)
        }
        return stream
    }

    /// Ends every live stream (graceful shutdown: `events --follow` clients get end of stream, not a hang).
    func finishSubscribers() {
        let continuations = state.withLock { state in
            state.finished = true
            defer { state.subscribers.removeAll() }
            return state.subscribers.values.map(\.continuation)
        }
        for continuation in continuations { continuation.finish() }
    }
}

extension ServerEvent {
    var logMetadata: Logger.Metadata {
        var metadata: Logger.Metadata = [:]
        if let chargerID { metadata["charger"] = "\(chargerID)" }
        if case .object(let object) = detail {
            for member in object.members {
                metadata[member.key] = "\(member.value.stringValue ?? member.value.serialized())"
            }
        }
        return metadata
    }
}
