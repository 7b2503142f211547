import Shared
import Synchronization

/// What the server keeps about one charger across its sockets (J§5.4: a reconnect is not a reboot): registration,
/// heartbeat interval, activity, and the answers to recent transaction messages so a repeated CALL is answered with
/// the same bytes instead of being processed twice (essentials §1.2).
final class ChargerContext: Sendable {
    let chargerID: String
    private let state: Mutex<State>
    /// Answers kept per charger for repeated CALLs.
    static let replyCacheSize = 256

    struct State {
        var registration: String
        var heartbeatInterval: Int
        var lastSeenMs: Int64 = 0
        var lastSeenFlushedMs: Int64 = 0
        var offline = false
        var replies: [String: CachedReply] = [:]
        var replyOrder: [String] = []
        var connectionSerial: UInt64 = 0
    }

    /// The payload is part of the key: a charger whose message ids restart after a reboot sends a new message under
    /// an old id, and must not get the old answer (a new StartTransaction would get the previous transaction's id).
    struct CachedReply {
        var action: String
        var payload: JSONValue
        var text: String
    }

    init(chargerID: String, registration: String, heartbeatInterval: Int) {
        self.chargerID = chargerID
        self.state = Mutex(State(registration: registration, heartbeatInterval: heartbeatInterval))
    }

    var registration: String {
        get { state.withLock { $0.registration } }
        set { state.withLock { $0.registration = newValue } }
    }

    var heartbeatInterval: Int {
        get { state.withLock { $0.heartbeatInterval } }
    }

    func booted(registration: String, heartbeatInterval: Int) {
        state.withLock {
            $0.registration = registration
            $0.heartbeatInterval = heartbeatInterval
        }
    }

    /// Records activity; returns true when the charger had been marked offline (it is back).
    func touch(atMs: Int64) -> Bool {
        state.withLock {
            $0.lastSeenMs = atMs
            let wasOffline = $0.offline
            $0.offline = false
            return wasOffline
        }
    }

    /// For the offline monitor: marks the charger offline when silent since `beforeMs`; true if it just went offline.
    func markOfflineIfSilent(beforeMs: Int64) -> Bool {
        state.withLock {
            guard !$0.offline, $0.lastSeenMs < beforeMs else { return false }
            $0.offline = true
            return true
        }
    }

    /// The last-seen time when it changed since the previous call (for batched `last_seen_ms` writes).
    func takeUnflushedLastSeen() -> Int64? {
        state.withLock {
            guard $0.lastSeenMs > $0.lastSeenFlushedMs else { return nil }
            $0.lastSeenFlushedMs = $0.lastSeenMs
            return $0.lastSeenMs
        }
    }

    func cachedReply(messageID: String, action: String, payload: JSONValue) -> String? {
        state.withLock { state in
            guard let cached = state.replies[messageID], cached.action == action, cached.payload == payload else { return nil }
            return cached.text
        }
    }

    func cacheReply(messageID: String, action: String, payload: JSONValue, text: String) {
        state.withLock { state in
            if state.replies.updateValue(CachedReply(action: action, payload: payload, text: text), forKey: messageID) == nil {
                state.replyOrder.append(messageID)
            }
            if state.replyOrder.count > Self.replyCacheSize {
                let evicted = state.replyOrder.removeFirst()
                state.replies[evicted] = nil
            }
        }
    }

    /// A new socket for this charger; returns its serial, which `isCurrent` checks so a replaced socket cannot
    /// unregister its successor.
    func nextConnection() -> UInt64 {
        state.withLock {
            $0.connectionSerial += 1
            return $0.connectionSerial
        }
    }

    func isCurrent(_ serial: UInt64) -> Bool {
        state.withLock { $0.connectionSerial == serial }
    }
}
