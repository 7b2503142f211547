import Foundation
import Shared

/// One NOTIFY payload on the cluster channel (`ocpp_cluster`): every node listens to the one channel and ignores
/// messages addressed to another node. Payloads stay small (PostgreSQL's limit is 8000 bytes): a command's request
/// and answer travel in `remote_commands`, the message only says "look at row N".
struct ClusterMessage: Codable, Sendable, Equatable {
    enum Kind: String, Codable, Sendable {
        /// To the node that held `charger` (connection `epoch`): another node took it, close your socket.
        case release
        /// To the node holding a charger: remote command `id` waits in `remote_commands`.
        case command
        /// To the node that asked: remote command `id` is answered.
        case answer
        /// To all: events published on node `from`, to show in every node's event stream.
        case events
        /// To all: shared state changed in the database (`topic`: limits, credentials), reload it.
        case refresh
    }

    var kind: Kind
    var from: String
    /// The addressee; nil: every node but the sender.
    var to: String?
    var charger: String?
    var epoch: Int64?
    var id: Int64?
    var topic: String?
    var events: [RelayedEvent]?

    /// A `ServerEvent` as relayed between nodes.
    struct RelayedEvent: Codable, Sendable, Equatable {
        var at: Int64
        var charger: String?
        var kind: String
        var detail: JSONValue

        init(_ event: ServerEvent) {
            at = event.atMs
            charger = event.chargerID
            kind = event.kind.rawValue
            detail = event.detail
        }

        /// Nil for a kind this build does not know (a newer node).
        var event: ServerEvent? {
            ServerEvent.Kind(rawValue: kind).map { ServerEvent(atMs: at, chargerID: charger, kind: $0, detail: detail) }
        }
    }

    /// NOTIFY's payload limit is 8000 bytes; stay below it with room for the SQL quoting.
    static let maxPayloadBytes = 7000

    var payload: String {
        let data = (try? JSONEncoder().encode(self)) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    init?(payload: String) {
        guard let decoded = try? JSONDecoder().decode(ClusterMessage.self, from: Data(payload.utf8)) else { return nil }
        self = decoded
    }

    init(kind: Kind, from: String, to: String? = nil, charger: String? = nil, epoch: Int64? = nil, id: Int64? = nil, topic: String? = nil,
        events: [RelayedEvent]? = nil)
    {
        self.kind = kind
        self.from = from
        self.to = to
        self.charger = charger
        self.epoch = epoch
        self.id = id
        self.topic = topic
        self.events = events
    }

    /// Whether `node` should act on this message.
    func isFor(_ node: String) -> Bool { from != node && (to == nil || to == node) }

    /// Packs events into as few `events` messages as fit the payload limit; an event too large alone is dropped
    /// from the relay (it is still stored by its node and shown by `ocpp-ctl events` without `--follow`).
    static func eventBatches(_ events: [ServerEvent], from node: String) -> [ClusterMessage] {
        var messages: [ClusterMessage] = []
        var current: [RelayedEvent] = []
        var size = 0
        let overhead = ClusterMessage(kind: .events, from: node, events: []).payload.utf8.count
        for event in events {
            let relayed = RelayedEvent(event)
            let bytes = ((try? JSONEncoder().encode(relayed))?.count ?? maxPayloadBytes) + 1
            if overhead + bytes > maxPayloadBytes { continue }
            if overhead + size + bytes > maxPayloadBytes {
                messages.append(ClusterMessage(kind: .events, from: node, events: current))
                current = []
                size = 0
            }
            current.append(relayed)
            size += bytes
        }
        if !current.isEmpty { messages.append(ClusterMessage(kind: .events, from: node, events: current)) }
        return messages
    }
}
