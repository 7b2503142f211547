import Logging
import Shared
import Synchronization

/// Fans server events out to live subscribers (the control plane's `events --follow`, alerts, metrics) and to the
/// store; one log line per event, charger id first.
final class EventBus: Sendable {
    private let writer: StoreWriter
    private let logger: Logger
    private let subscribers = Mutex<[UInt64: AsyncStream<ServerEvent>.Continuation]>([:])
    private let nextID = Atomic<UInt64>(0)

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
        for continuation in subscribers.withLock({ Array($0.values) }) {
            continuation.yield(event)
        }
    }

    /// A stream of every event published from now on; ends when the subscriber stops iterating.
    func subscribe() -> AsyncStream<ServerEvent> {
        let id = nextID.add(1, ordering: .relaxed).newValue
        let (stream, continuation) = AsyncStream.makeStream(of: ServerEvent.self, bufferingPolicy: .bufferingNewest(10_000))
        continuation.onTermination = { [weak self] _ in
            _ = self?.subscribers.withLock { $0.removeValue(forKey: id) }
        }
        subscribers.withLock { $0[id] = continuation }
        return stream
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
