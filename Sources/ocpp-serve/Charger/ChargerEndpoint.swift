import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import Shared

/// The WebSocket endpoint chargers connect to: `ws://HOST:PORT/<any path>/<chargePointId>` with subprotocol
/// `ocpp1.6` (J§3). Refusals are HTTP 400 with a log line saying why.
/// A class for the same reason as `CentralSystem`: each connection task holds it.
final class ChargerEndpoint: Sendable {
    let centralSystem: CentralSystem
    let registry: ChargerRegistry
    let database: DatabasePool
    let configuration: ServerConfiguration
    let logger: Logger

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

    func shouldUpgrade(_ request: HTTPRequest) -> ShouldUpgradeResult<WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>> {
        guard let chargerID = Self.chargerID(fromPath: request.path ?? "") else {
            logger.warning("connection refused", metadata: ["reason": "no charge point id in path \(request.path ?? "")"])
            return .dontUpgrade
        }
        switch Self.negotiate(offers: request.headerFields[values: .secWebSocketProtocol], chargerID: chargerID, configuration: configuration) {
        case .refuse(let reason):
            logger.warning("connection refused", metadata: ["charger": "\(chargerID)", "reason": "\(reason)"])
            centralSystem.events.publish(
                ServerEvent(atMs: Timestamp.nowMilliseconds(), chargerID: chargerID, kind: .rejected, detail: ["reason": .string(reason)])
            )
            return .dontUpgrade
        case .accept(let subprotocol):
            var headers = HTTPFields()
            if let subprotocol { headers[.secWebSocketProtocol] = subprotocol }
            let connection = ChargerConnection(chargerID: chargerID, subprotocol: subprotocol, endpoint: self)
            return .upgrade(headers) { inbound, outbound, _ in
                await connection.run(inbound: inbound, outbound: outbound)
            }
        }
    }
}
