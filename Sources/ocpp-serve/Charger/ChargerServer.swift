import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
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
    let logger: Logger
    /// Called with the bound port once listening.
    let onListening: @Sendable (Int) -> Void
    private let channels = Mutex<[ObjectIdentifier: any Channel]>([:])

    init(endpoint: ChargerEndpoint, host: String, port: Int, logger: Logger, onListening: @escaping @Sendable (Int) -> Void) {
        self.endpoint = endpoint
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
                    let http = ChargerHTTPHandler()
                    let boundHTTP = NIOLoopBound(http, eventLoop: channel.eventLoop)
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
