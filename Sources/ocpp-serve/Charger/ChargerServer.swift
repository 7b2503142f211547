import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import NIOWebSocket
import ServiceLifecycle
import Synchronization

/// The charger port: a NIO server whose channels are HTTP until a WebSocket upgrade hands them to a
/// `ChargerConnection`. Built on NIO directly rather than an HTTP framework so that a connected charger costs a
/// channel and one handler, with no task waiting on it (issue 8: memory per idle charger, CPU per message).
///
/// At graceful shutdown it stops accepting, closes every charger with 1001 "server shutting down" and returns once
/// their sockets closed and their last records were queued, so the store writer (shut down after it) commits them.
final class ChargerServer: Service, Sendable {
    let endpoint: ChargerEndpoint
    let host: String
    let port: Int
    /// Set for the wss port: each connection starts with a TLS handler from its current context.
    let tls: ChargerTLS?
    let logger: Logger
    /// Called with the bound port once listening.
    let onListening: @Sendable (Int) -> Void
    private let channels = Mutex<[ObjectIdentifier: any Channel]>([:])

    init(endpoint: ChargerEndpoint, host: String, port: Int, tls: ChargerTLS? = nil, logger: Logger, onListening: @escaping @Sendable (Int) -> Void) {
        self.endpoint = endpoint
        self.tls = tls
        self.host = host
        self.port = port
        self.logger = logger
        self.onListening = onListening
    }

    func run() async throws {
        let upgrader = endpoint.upgrader()
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            // Fleets reconnect all at once after a network outage or a server restart.
            .serverChannelOption(.backlog, value: 4096)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                self.track(channel)
                return channel.eventLoop.makeCompletedFuture {
                    let http = ChargerHTTPHandler(overTLS: self.tls != nil, tlsFailure: self.tls == nil ? nil : self.tlsFailure(channel))
                    let boundHTTP = NIOLoopBound(http, eventLoop: channel.eventLoop)
                    if let tls = self.tls {
                        // The verify callback runs on this channel's loop, before any HTTP request is read.
                        try channel.pipeline.syncOperations.addHandler(tls.serverHandler { chain in boundHTTP.value.presentedChain = chain })
                    }
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                        withServerUpgrade: (upgraders: [upgrader], completionHandler: { context in
                            context.pipeline.syncOperations.removeHandler(boundHTTP.value, promise: nil)
                        })
                    )
                    try channel.pipeline.syncOperations.addHandler(http)
                }
            }
            .bind(host: host, port: port)
            .get()
        onListening(server.localAddress?.port ?? port)
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                try? await server.closeFuture.get()
            } onGracefulShutdown: {
                server.close(promise: nil)
            }
        } onCancel: {
            server.close(promise: nil)
        }
        await closeChargers()
        try? await endpoint.verifier.shutdownGracefully()
    }

    /// A TLS handshake that failed (wrong version or suite, the charger distrusts our certificate, …): logged once per
    /// connection with the peer address, as no charge point id is known before the HTTP request.
    private func tlsFailure(_ channel: any Channel) -> @Sendable (String) -> Void {
        let peer = channel.remoteAddress.map { "\($0)" } ?? "?"
        return { [logger, metrics = endpoint.centralSystem.metrics] error in
            logger.warning("tls handshake failed", metadata: ["peer": "\(peer)", "error": "\(error)"])
            metrics.refused(.tls)
        }
    }

    private func track(_ channel: any Channel) {
        let key = ObjectIdentifier(channel)
        channels.withLock { $0[key] = channel }
        channel.closeFuture.whenComplete { _ in
            _ = self.channels.withLock { $0.removeValue(forKey: key) }
        }
    }

    private func closeChargers() async {
        let open = channels.withLock { Array($0.values) }
        let closed = open.map { ChargerConnection.close($0, code: .goingAway, reason: "server shutting down") }
        for future in closed { try? await future.get() }
        // Each closed connection unregisters in a short task; give those a moment to queue their offline records.
        let deadline = ContinuousClock.now + .seconds(2)
        while endpoint.unregistering.load(ordering: .acquiring) > 0, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(5))
        }
        logger.info("chargers closed", metadata: ["count": "\(open.count)"])
    }
}
