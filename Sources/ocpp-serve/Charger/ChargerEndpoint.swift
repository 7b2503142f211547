import Foundation
import GRDB
import Logging
import NIOCore
import NIOHTTP1
import NIOWebSocket
import Shared
import Synchronization

/// The WebSocket endpoint chargers connect to: `ws://HOST:PORT/<any path>/<chargePointId>` with subprotocol
/// `ocpp1.6` (J§3). Refusals are HTTP 400 with a log line saying why (`ChargerHTTPHandler`).
final class ChargerEndpoint: Sendable {
    let centralSystem: CentralSystem
    let registry: ChargerRegistry
    let database: DatabasePool
    let configuration: ServerConfiguration
    let logger: Logger
    /// Closed connections still unregistering (the shutdown waits for them).
    let unregistering = Atomic<Int>(0)

    init(centralSystem: CentralSystem, registry: ChargerRegistry, database: DatabasePool, configuration: ServerConfiguration, logger: Logger) {
        self.centralSystem = centralSystem
        self.registry = registry
        self.database = database
        self.configuration = configuration
        self.logger = logger
    }

    static let supportedSubprotocol = "ocpp1.6"

    /// The charge point id: the last non-empty path segment, percent-decoded as a path (`+` stays `+`).
    static func chargerID(fromPath path: String) -> String? {
        let pathOnly = path.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? path
        guard let last = pathOnly.split(separator: "/").last, let decoded = String(last).removingPercentEncoding, !decoded.isEmpty else {
            return nil
        }
        return decoded
    }

    /// What to answer a handshake: the subprotocol to echo (nil = none offered, accepted by configuration), or a refusal.
    enum Negotiation: Equatable {
        case accept(subprotocol: String?)
        case refuse(reason: String)
    }

    static func negotiate(offers headerValues: [String], chargerID: String, configuration: ServerConfiguration) -> Negotiation {
        let offered = headerValues.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if offered.contains(supportedSubprotocol) { return .accept(subprotocol: supportedSubprotocol) }
        if offered.isEmpty {
            // Some chargers offer nothing (Grizzl-E); RFC 6455 forbids answering with a protocol that was not offered.
            return configuration.acceptsWithoutSubprotocol(chargerID)
                ? .accept(subprotocol: nil) : .refuse(reason: "no WebSocket subprotocol offered (ocpp1.6 required)")
        }
        return .refuse(reason: "offered subprotocols \(offered.joined(separator: ",")) do not include ocpp1.6")
    }

    /// The WebSocket upgrader for the charger port: negotiates, then puts a `ChargerConnection` at the end of the
    /// channel. Fragmented messages are joined up to `maxMessageBytes`.
    func upgrader() -> NIOWebSocketServerUpgrader {
        let maxBytes = configuration.maxMessageBytes
        return NIOWebSocketServerUpgrader(
            maxFrameSize: maxBytes,
            automaticErrorHandling: true,
            shouldUpgrade: { channel, head in
                guard case .accept(_, let subprotocol) = self.decide(head, announce: true) else {
                    return channel.eventLoop.makeSucceededFuture(nil)
                }
                var headers = HTTPHeaders()
                if let subprotocol { headers.add(name: "Sec-WebSocket-Protocol", value: subprotocol) }
                return channel.eventLoop.makeSucceededFuture(headers)
            },
            upgradePipelineHandler: { channel, head in
                channel.eventLoop.makeCompletedFuture {
                    guard case .accept(let chargerID, let subprotocol) = self.decide(head, announce: false) else { return }
                    try channel.pipeline.syncOperations.addHandlers(
                        NIOWebSocketFrameAggregator(minNonFinalFragmentSize: 0, maxAccumulatedFrameCount: 4096, maxAccumulatedFrameSize: maxBytes),
                        ChargerConnection(chargerID: chargerID, subprotocol: subprotocol, endpoint: self)
                    )
                }
            }
        )
    }

    enum Decision: Equatable {
        case accept(chargerID: String, subprotocol: String?)
        case refuse
    }

    /// Whether to upgrade a handshake; `announce` logs and publishes a refusal (once per handshake).
    private func decide(_ head: HTTPRequestHead, announce: Bool) -> Decision {
        guard let chargerID = Self.chargerID(fromPath: head.uri) else {
            if announce {
                logger.warning("connection refused", metadata: ["reason": "no charge point id in path \(head.uri)"])
                centralSystem.metrics.refused(path: true)
            }
            return .refuse
        }
        switch Self.negotiate(offers: head.headers["Sec-WebSocket-Protocol"], chargerID: chargerID, configuration: configuration) {
        case .refuse(let reason):
            if announce {
                logger.warning("connection refused", metadata: ["charger": "\(chargerID)", "reason": "\(reason)"])
                centralSystem.metrics.refused(path: false)
                centralSystem.events.publish(
                    ServerEvent(atMs: Timestamp.nowMilliseconds(), chargerID: chargerID, kind: .rejected, detail: ["reason": .string(reason)])
                )
            }
            return .refuse
        case .accept(let subprotocol):
            return .accept(chargerID: chargerID, subprotocol: subprotocol)
        }
    }
}
