import Foundation
import GRDB
import HummingbirdWebSocket
import Logging
import NIOWebSocket
import Shared

/// One charger socket: registers with the registry (closing a socket it replaces), reads messages in order and
/// answers each before reading the next (OCPP-J allows one outstanding CALL per direction).
struct ChargerConnection: Sendable {
    let chargerID: String
    let subprotocol: String?
    let endpoint: ChargerEndpoint

    /// Runs the socket to its end. The loop keeps only references across its awaits (a task keeps the memory its
    /// async frames once needed for as long as it lives, and there is one per connected charger).
    func run(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async {
        let (context, calls, serial) = await attach(outbound)
        let system = endpoint.centralSystem
        do {
            for try await message in inbound.messages(maxSize: endpoint.configuration.maxMessageBytes) {
                guard case .text(let text) = message else {
                    endpoint.logger.warning("binary message ignored", metadata: ["charger": "\(chargerID)"])
                    continue
                }
                noteActivity(context)
                if let reply = await system.handle(text, from: context, calls: calls) {
                    try await outbound.write(.text(reply))
                }
            }
        } catch {
            endpoint.logger.debug("connection ended with error", metadata: ["charger": "\(chargerID)", "error": "\(error)"])
        }
        await detach(context, calls, serial)
    }

    /// The charger's context (registration as stored), registered as its current connection; closes the one it replaces.
    private func attach(_ outbound: WebSocketOutboundWriter) async -> (ChargerContext, ChargerCallQueue, UInt64) {
        let system = endpoint.centralSystem
        let known: (registration: String, interval: Int?)? = try? await endpoint.database.read { [chargerID] db in
            try Row.fetchOne(db, sql: "SELECT registration, heartbeat_interval FROM chargers WHERE id = ?", arguments: [chargerID])
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
        let nowMs = Timestamp.nowMilliseconds()
        _ = context.touch(atMs: nowMs)
        let previous = await endpoint.registry.attach(
            chargerID,
            ChargerRegistry.Connection(
                serial: serial, context: context, calls: calls,
                send: { text in try await outbound.write(.text(text)) },
                close: { reason in try? await outbound.close(.goingAway, reason: reason) }
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
        return (context, calls, serial)
    }

    private func noteActivity(_ context: ChargerContext) {
        let nowMs = Timestamp.nowMilliseconds()
        if context.touch(atMs: nowMs) {
            endpoint.centralSystem.events.publish(ServerEvent(atMs: nowMs, chargerID: chargerID, kind: .online, detail: [:]))
        }
    }

    private func detach(_ context: ChargerContext, _ calls: ChargerCallQueue, _ serial: UInt64) async {
        let system = endpoint.centralSystem
        await calls.close()
        let endMs = Timestamp.nowMilliseconds()
        if await endpoint.registry.detach(chargerID, serial: serial) {
            system.writer.submitDetached(.seen(chargerID: chargerID, atMs: endMs, online: false, registrationIfNew: context.registration))
        }
        system.events.publish(ServerEvent(atMs: endMs, chargerID: chargerID, kind: .disconnect, detail: [:]))
    }
}
