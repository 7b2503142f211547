import Foundation
import Logging
import NIOCore
import NIOWebSocket
import Shared
import Synchronization

/// One charger socket: the last handler of its channel once the WebSocket upgrade is done. It registers with the
/// registry (closing a socket it replaces), hands each text message to the central system and writes the answer,
/// one message at a time (OCPP-J allows one outstanding CALL per direction), all on the channel's event loop.
///
/// No Swift task lives per connection: a task keeps the allocator slabs its deepest frames ever needed, and those
/// were most of an idle charger's memory (issue 8). Messages that arrive while one is being answered wait in
/// `backlog`, and reads are held until it is empty, so a flooding charger is slowed down rather than buffered.
final class ChargerConnection: ChannelDuplexHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    let chargerID: String
    let subprotocol: String?
    let endpoint: ChargerEndpoint

    private struct Registration {
        var context: ChargerContext
        var calls: ChargerCallQueue
        var serial: UInt64
    }

    /// Set once the registry knows this socket; messages wait in `backlog` until then.
    private var registration: Registration?
    private var backlog: [String] = []
    /// A message is with the central system (or registration is under way).
    private var busy = true
    /// `handle` is on the stack: an answer given synchronously must not start the next message recursively.
    private var processing = false
    /// The channel asked to read while busy; the read is issued once the backlog is done.
    private var readHeld = false
    private var inactive = false
    private var pingTask: RepeatedTask?
    private var awaitingPong = false

    init(chargerID: String, subprotocol: String?, endpoint: ChargerEndpoint) {
        self.chargerID = chargerID
        self.subprotocol = subprotocol
        self.endpoint = endpoint
    }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        // Paired with handlerRemoved, which NIO calls exactly once after this, however the channel ends.
        endpoint.centralSystem.metrics.connectionOpened()
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let channel = context.channel
        let registered: @Sendable (Registration) -> Void = { registration in
            channel.eventLoop.execute {
                let (connection, context) = bound.value
                connection.registered(registration, context: context)
            }
        }
        let endpoint = self.endpoint, chargerID = self.chargerID, subprotocol = self.subprotocol
        Task {
            registered(await ChargerConnection.register(chargerID, subprotocol: subprotocol, channel: channel, endpoint: endpoint))
        }
        let interval = endpoint.configuration.pingInterval
        if interval > 0 {
            pingTask = context.eventLoop.scheduleRepeatedTask(initialDelay: .seconds(Int64(interval)), delay: .seconds(Int64(interval))) { _ in
                let (connection, context) = bound.value
                connection.ping(context: context)
            }
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text:
            let text = Self.text(of: frame)
            if busy || !backlog.isEmpty {
                backlog.append(text)
            } else {
                process(text, context: context)
                drain(context: context)
            }
        case .binary:
            endpoint.logger.warning("binary message ignored", metadata: ["charger": "\(chargerID)"])
        case .ping:
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)), promise: nil)
        case .pong:
            awaitingPong = false
        case .connectionClose:
            // Echo the charger's close code, then end the connection (RFC 6455 §5.5.1).
            var data = frame.unmaskedData
            let code = data.readWebSocketErrorCode() ?? .normalClosure
            close(context: context, code: code, reason: nil)
        default:
            break
        }
    }

    /// Reads wait while messages wait in the backlog (or registration is under way): backpressure on a charger that
    /// does not wait for answers. Not while one message is being answered: a charger waits for the answer anyway,
    /// and holding the read then cost two `epoll_ctl` calls per message (read interest off, then on again; issue 19).
    func read(context: ChannelHandlerContext) {
        if registration == nil || !backlog.isEmpty {
            readHeld = true
        } else {
            context.read()
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        endpoint.logger.debug("connection ended with error", metadata: ["charger": "\(chargerID)", "error": "\(error)"])
        if error is NIOWebSocketFrameAggregator.Error {
            close(context: context, code: .messageTooLarge, reason: nil)
        } else {
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        inactive = true
        pingTask?.cancel()
        pingTask = nil
        backlog.removeAll()
        if let registration { unregister(registration) }
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        endpoint.centralSystem.metrics.connectionClosed()
        pingTask?.cancel()
        pingTask = nil
    }

    // MARK: Messages

    private func registered(_ registration: Registration, context: ChannelHandlerContext) {
        self.registration = registration
        if inactive {
            unregister(registration)
            return
        }
        busy = false
        drain(context: context)
    }

    private func process(_ text: String, context: ChannelHandlerContext) {
        guard let registration else { return }
        busy = true
        noteActivity(registration.context)
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let loop = context.eventLoop
        processing = true
        endpoint.centralSystem.handle(text, from: registration.context, calls: registration.calls) { reply in
            if loop.inEventLoop {
                let (connection, context) = bound.value
                connection.answered(reply, context: context)
            } else {
                loop.execute {
                    let (connection, context) = bound.value
                    connection.answered(reply, context: context)
                }
            }
        }
        processing = false
    }

    private func answered(_ reply: String?, context: ChannelHandlerContext) {
        busy = false
        if let reply, !inactive {
            let frame = WebSocketFrame(fin: true, opcode: .text, data: context.channel.allocator.buffer(string: reply))
            context.writeAndFlush(wrapOutboundOut(frame), promise: nil)
        }
        if !processing { drain(context: context) }
    }

    /// Handles waiting messages while their answers come synchronously; then lets the channel read again.
    private func drain(context: ChannelHandlerContext) {
        while !busy, !inactive, !backlog.isEmpty {
            process(backlog.removeFirst(), context: context)
        }
        if backlog.isEmpty, backlog.capacity > 0 { backlog = [] }
        if backlog.isEmpty, readHeld, !inactive {
            readHeld = false
            context.read()
        }
    }

    private func noteActivity(_ charger: ChargerContext) {
        let nowMs = Timestamp.nowMilliseconds()
        if charger.touch(atMs: nowMs) {
            endpoint.centralSystem.events.publish(ServerEvent(atMs: nowMs, chargerID: chargerID, kind: .online, detail: [:]))
        }
    }

    /// A ping each interval; a charger that has not answered the previous one by then is gone (half-open TCP).
    private func ping(context: ChannelHandlerContext) {
        guard !inactive else { return }
        if awaitingPong {
            endpoint.logger.info("no pong: closing", metadata: ["charger": "\(chargerID)"])
            close(context: context, code: .goingAway, reason: "Ping timeout")
            return
        }
        awaitingPong = true
        let frame = WebSocketFrame(fin: true, opcode: .ping, data: context.channel.allocator.buffer(string: "ocpp"))
        context.writeAndFlush(wrapOutboundOut(frame), promise: nil)
    }

    private func close(context: ChannelHandlerContext, code: WebSocketErrorCode, reason: String?) {
        guard !inactive else { return }
        Self.close(context.channel, code: code, reason: reason)
    }

    /// Sends a close frame, then closes the socket whether or not the frame could be written (the channel may still
    /// be plain HTTP at shutdown). The future completes once the socket is closed.
    @discardableResult
    static func close(_ channel: any Channel, code: WebSocketErrorCode, reason: String?) -> EventLoopFuture<Void> {
        channel.writeAndFlush(closeFrame(code: code, reason: reason, allocator: channel.allocator)).whenComplete { _ in
            channel.close(promise: nil)
        }
        return channel.closeFuture
    }

    /// A text frame's payload as a string, unmasked while copied (one pass and one allocation; NIO's `unmaskedData`
    /// copies the buffer, XORs it a byte at a time, and the string is a second copy). Invalid UTF-8 is repaired.
    static func text(of frame: WebSocketFrame) -> String {
        guard let key = frame.maskKey, frame.extensionData == nil else {
            var data = frame.unmaskedData
            return data.readString(length: data.readableBytes) ?? ""
        }
        // The key repeated over 8 bytes, in memory order (a little-endian value, read back as the host's).
        let mask32 = UInt64(key[0]) | UInt64(key[1]) << 8 | UInt64(key[2]) << 16 | UInt64(key[3]) << 24
        let mask64 = UInt64(littleEndian: mask32 | mask32 << 32)
        return frame.data.withUnsafeReadableBytes { source in
            String(unsafeUninitializedCapacity: source.count) { target in
                let count = source.count
                var i = 0
                while i + 8 <= count {
                    let word = source.loadUnaligned(fromByteOffset: i, as: UInt64.self) ^ mask64
                    UnsafeMutableRawBufferPointer(target).storeBytes(of: word, toByteOffset: i, as: UInt64.self)
                    i += 8
                }
                while i < count {
                    target[i] = source[i] ^ key[i & 3]
                    i += 1
                }
                return count
            }
        }
    }

    private static func closeFrame(code: WebSocketErrorCode, reason: String?, allocator: ByteBufferAllocator) -> WebSocketFrame {
        var data = allocator.buffer(capacity: 2 + (reason?.utf8.count ?? 0))
        data.write(webSocketErrorCode: code)
        if let reason { data.writeString(reason) }
        return WebSocketFrame(fin: true, opcode: .connectionClose, data: data)
    }

    // MARK: Registry

    /// The charger's context (registration as stored), registered as its current connection; closes the one it replaces.
    private static func register(_ chargerID: String, subprotocol: String?, channel: any Channel, endpoint: ChargerEndpoint) async -> Registration {
        let system = endpoint.centralSystem
        let known: (registration: String, interval: Int?)? = try? await endpoint.database.read { db in
            try db.fetchOne(sql: "SELECT registration, heartbeat_interval FROM chargers WHERE id = ?", arguments: [chargerID])
                .map { ($0["registration"], $0["heartbeat_interval"]) }
        }
        let configuration = endpoint.configuration
        let context = await endpoint.registry.context(for: chargerID) {
            ChargerContext(
                chargerID: chargerID,
                registration: known?.registration ?? configuration.unknownChargers.registration,
                heartbeatInterval: known?.interval ?? configuration.heartbeatInterval
            )
        }
        if let known { context.registration = known.registration }
        let serial = context.nextConnection()
        let calls = ChargerCallQueue()
        // Several nodes: the lease first, so that a command routed here finds the charger registered by the time
        // other nodes see the lease, and the node that held it is told to close its socket.
        await endpoint.cluster?.take(chargerID, serial: serial)
        let nowMs = Timestamp.nowMilliseconds()
        _ = context.touch(atMs: nowMs)
        let previous = await endpoint.registry.attach(
            chargerID,
            ChargerRegistry.Connection(
                serial: serial, context: context, calls: calls,
                send: { text in
                    try await channel.writeAndFlush(WebSocketFrame(fin: true, opcode: .text, data: channel.allocator.buffer(string: text))).get()
                },
                close: { reason in try? await close(channel, code: .goingAway, reason: reason).get() }
            )
        )
        if let previous {
            system.events.publish(ServerEvent(atMs: nowMs, chargerID: chargerID, kind: .replaced, detail: [:]))
            await previous.close("replaced by a newer connection")
        }
        system.writer.submitDetached(.seen(chargerID: chargerID, atMs: nowMs, online: true, registrationIfNew: context.registration))
        system.events.publish(
            ServerEvent(atMs: nowMs, chargerID: chargerID, kind: .connect, detail: ["subprotocol": subprotocol.map(JSONValue.string) ?? "none"])
        )
        return Registration(context: context, calls: calls, serial: serial)
    }

    private func unregister(_ registration: Registration) {
        let endpoint = self.endpoint, chargerID = self.chargerID
        endpoint.unregistering.add(1, ordering: .relaxed)
        Task {
            defer { endpoint.unregistering.subtract(1, ordering: .releasing) }
            let system = endpoint.centralSystem
            await registration.calls.close()
            let endMs = Timestamp.nowMilliseconds()
            if await endpoint.registry.detach(chargerID, serial: registration.serial) {
                system.meterGauges.remove(chargerID)
                if let cluster = endpoint.cluster {
                    // Offline only if this connection still held the lease (released and marked in one transaction):
                    // a charger that already reconnected to another node stays online. The mark also goes through
                    // the writer, behind this connection's own "online" row, which may not be committed yet.
                    if await cluster.release(chargerID, serial: registration.serial) {
                        system.writer.submitDetached(
                            .seen(chargerID: chargerID, atMs: endMs, online: false, registrationIfNew: registration.context.registration)
                        )
                    }
                } else {
                    system.writer.submitDetached(.seen(chargerID: chargerID, atMs: endMs, online: false, registrationIfNew: registration.context.registration))
                }
            }
            system.events.publish(ServerEvent(atMs: endMs, chargerID: chargerID, kind: .disconnect, detail: [:]))
        }
    }
}
