import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import NIOWebSocket
import Shared
import Synchronization

/// The WebSocket endpoint chargers connect to: `ws://HOST:PORT/<any path>/<chargePointId>` with subprotocol
/// `ocpp1.6` (J§3). Refusals are HTTP 400 with a log line saying why (`ChargerHTTPHandler`); refused Basic
/// credentials (Security Profile 1, `ChargerCredentials`) are HTTP 401.
final class ChargerEndpoint: Sendable {
    let centralSystem: CentralSystem
    let credentials: ChargerCredentials
    /// One thread for password checks (PBKDF2): a flood of wrong passwords costs at most this thread, never an event
    /// loop that connected chargers' messages run on.
    let verifier: NIOThreadPool
    /// Checks queued or running on `verifier`; beyond `maxWaitingChecks` a handshake needing one is refused at once.
    let waitingChecks = Atomic<Int>(0)
    static let maxWaitingChecks = 64
    let registry: ChargerRegistry
    let database: any SQLStore
    let configuration: ServerConfiguration
    /// The TLS context and client-certificate roots; nil without `--tls-cert`.
    let tls: ChargerTLS?
    /// Several nodes on one PostgreSQL: leases taken and released here; nil on SQLite.
    let cluster: ClusterNode?
    let logger: Logger
    /// Closed connections still unregistering (the shutdown waits for them).
    let unregistering = Atomic<Int>(0)

    init(
        centralSystem: CentralSystem, credentials: ChargerCredentials, registry: ChargerRegistry, database: any SQLStore,
        configuration: ServerConfiguration, tls: ChargerTLS? = nil, cluster: ClusterNode? = nil, logger: Logger
    ) {
        self.cluster = cluster
        self.centralSystem = centralSystem
        self.credentials = credentials
        self.verifier = NIOThreadPool(numberOfThreads: 1)
        self.verifier.start()
        self.registry = registry
        self.database = database
        self.configuration = configuration
        self.tls = tls
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
                guard case .accept(let chargerID, let subprotocol) = self.decide(head, announce: true) else {
                    return channel.eventLoop.makeSucceededFuture(nil)
                }
                var headers = HTTPHeaders()
                if let subprotocol { headers.add(name: "Sec-WebSocket-Protocol", value: subprotocol) }
                return self.authenticate(chargerID, head, on: channel).map { $0 ? headers : nil }
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

    /// Why a handshake is refused with 401, and the `reason` label it is counted under.
    private struct Refusal: Error {
        var reason: String
        var metric: ServerMetrics.RefusalReason
    }

    /// Security Profiles 1 to 3: whether the handshake may proceed. The profile a charger must meet is the higher of
    /// its registered one and the server minimum, with no fallback: at 2 or 3 plain ws is refused; at 3 a client
    /// certificate issued by `--tls-client-ca` whose subject CN is the charge point id replaces Basic credentials.
    /// A presented certificate that is invalid or names another charger is refused at any profile. A refusal is
    /// logged once, counted, published, and answered 401 by the channel's `ChargerHTTPHandler`. Runs on the loop.
    private func authenticate(_ chargerID: String, _ head: HTTPRequestHead, on channel: any Channel) -> EventLoopFuture<Bool> {
        let loop = channel.eventLoop
        let http = try? channel.pipeline.syncOperations.handler(type: ChargerHTTPHandler.self)
        let overTLS = http?.overTLS ?? false
        let required = credentials.requiredProfile(chargerID)
        let verdict: EventLoopFuture<Result<String?, Refusal>>
        if !overTLS && required >= 2 {
            let reason = "security profile \(required) requires wss (TLS); plain ws refused"
            verdict = loop.makeSucceededFuture(.failure(Refusal(reason: reason, metric: .transport)))
        } else {
            // A resumed TLS session skips the verify callback: then the session's leaf certificate is checked.
            let presented = http?.presentedChain
                ?? (try? channel.pipeline.syncOperations.handler(type: NIOSSLServerHandler.self))?.peerCertificate.map { [$0] }
            let certificate: EventLoopFuture<ChargerTLS.ClientVerdict?>
            if let presented, let tls {
                certificate = loop.makeFutureWithTask { await tls.verifyClient(presented) }.map { Optional($0) }
            } else {
                certificate = loop.makeSucceededFuture(nil)
            }
            verdict = certificate.flatMap { certificate in
                switch certificate {
                case .invalid(let reason)?:
                    return loop.makeSucceededFuture(.failure(Refusal(reason: reason, metric: .certificate)))
                case .valid(let commonName)? where commonName != chargerID:
                    let reason = "client certificate CN \(commonName ?? "(none)") is not the charge point id"
                    return loop.makeSucceededFuture(.failure(Refusal(reason: reason, metric: .certificate)))
                case .valid?:
                    return required == 3 ? loop.makeSucceededFuture(.success("client certificate")) : self.checkPassword(chargerID, head, on: loop)
                case nil:
                    if required == 3 {
                        let reason = "security profile 3 requires a client certificate"
                        return loop.makeSucceededFuture(.failure(Refusal(reason: reason, metric: .certificate)))
                    }
                    return self.checkPassword(chargerID, head, on: loop)
                }
            }
        }
        return verdict.map { verdict in
            switch verdict {
            case .success(let detail):
                if let detail { self.logger.debug("charger authenticated", metadata: ["charger": "\(chargerID)", "by": "\(detail)"]) }
                return true
            case .failure(let refusal):
                self.logger.warning("connection refused", metadata: ["charger": "\(chargerID)", "reason": "\(refusal.reason)", "status": "401"])
                self.centralSystem.metrics.refused(refusal.metric)
                self.centralSystem.events.publish(
                    ServerEvent(atMs: Timestamp.nowMilliseconds(), chargerID: chargerID, kind: .rejected, detail: ["reason": .string(refusal.reason)])
                )
                (try? channel.pipeline.syncOperations.handler(type: ChargerHTTPHandler.self))?.refuseUnauthorized()
                return false
            }
        }
    }

    /// Security Profile 1 (also 2, over TLS): the handshake's Basic credentials.
    private func checkPassword(_ chargerID: String, _ head: HTTPRequestHead, on loop: any EventLoop) -> EventLoopFuture<Result<String?, Refusal>> {
        let verdict: EventLoopFuture<ChargerCredentials.Verdict>
        switch credentials.check(chargerID: chargerID, authorization: head.headers.first(name: "Authorization")) {
        case .done(let done):
            verdict = loop.makeSucceededFuture(done)
        case .slow(let work):
            if waitingChecks.wrappingAdd(1, ordering: .relaxed).newValue > Self.maxWaitingChecks {
                waitingChecks.wrappingSubtract(1, ordering: .relaxed)
                verdict = loop.makeSucceededFuture(.refused(reason: "too many handshakes waiting for a password check"))
            } else {
                verdict = verifier.runIfActive(eventLoop: loop, work)
                    .recover { _ in .refused(reason: "password check unavailable (server shutting down)") }
                    .always { _ in self.waitingChecks.wrappingSubtract(1, ordering: .relaxed) }
            }
        }
        return verdict.map { verdict in
            switch verdict {
            case .allowed(let detail): .success(detail)
            case .refused(let reason): .failure(Refusal(reason: reason, metric: .auth))
            }
        }
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
                centralSystem.metrics.refused(.path)
            }
            return .refuse
        }
        switch Self.negotiate(offers: head.headers["Sec-WebSocket-Protocol"], chargerID: chargerID, configuration: configuration) {
        case .refuse(let reason):
            if announce {
                logger.warning("connection refused", metadata: ["charger": "\(chargerID)", "reason": "\(reason)"])
                centralSystem.metrics.refused(.subprotocol)
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
