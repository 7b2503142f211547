import Logging
import ServiceLifecycle
import Shared

/// Periodic work: marks silent chargers offline (an event each), writes last-seen times in one operation, and deletes
/// raw frames older than the retention period.
struct Housekeeping: Service {
    let registry: ChargerRegistry
    let writer: StoreWriter
    let events: EventBus
    let configuration: ServerConfiguration
    let logger: Logger
    var checkEvery: Duration = .seconds(5)
    /// Several nodes: frames are purged by the leader only (one DELETE for the whole database, not one per node).
    var isLeader: @Sendable () -> Bool = { true }

    func run() async throws {
        var lastPurgeMs: Int64 = 0
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            // Cancelled at graceful shutdown, so the server exits without waiting out the period.
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: checkEvery) }
            } catch {
                break
            }
            let nowMs = Timestamp.nowMilliseconds()
            var seen: [String: StoreOperation.LastSeen] = [:]
            var offline: [StoreOperation] = []
            for context in await registry.connectedContexts {
                if let atMs = context.takeUnflushedLastSeen(), atMs > seen[context.chargerID]?.atMs ?? .min {
                    seen[context.chargerID] = .init(chargerID: context.chargerID, atMs: atMs, registrationIfNew: context.registration)
                }
                let silenceMs = Int64(configuration.offlineAfterHeartbeats) * Int64(max(context.heartbeatInterval, 1)) * 1000
                if context.markOfflineIfSilent(beforeMs: nowMs - silenceMs) {
                    offline.append(.seen(chargerID: context.chargerID, atMs: nowMs - silenceMs, online: false, registrationIfNew: context.registration))
                    events.publish(
                        ServerEvent(atMs: nowMs, chargerID: context.chargerID, kind: .offline, detail: ["silentSeconds": .number(JSONNumber(Int(silenceMs / 1000)))])
                    )
                }
            }
            // The offline marks after the last-seen times, which set a charger online.
            if !seen.isEmpty { writer.submitDetached(.lastSeen(Array(seen.values))) }
            for mark in offline { writer.submitDetached(mark) }
            if configuration.frameRetentionDays > 0, nowMs - lastPurgeMs > 3_600_000, isLeader() {
                lastPurgeMs = nowMs
                writer.submitDetached(.purgeFrames(beforeMs: nowMs - Int64(configuration.frameRetentionDays) * 86_400_000))
            }
        }
    }
}
