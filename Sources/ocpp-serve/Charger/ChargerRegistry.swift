import Shared

/// Maps charger ids to their live connection: one socket per id, a newer one replaces an older one
/// (half-open TCP after network drops is common; essentials §2).
actor ChargerRegistry {
    struct Connection: Sendable {
        var serial: UInt64
        var context: ChargerContext
        /// Commands to the charger over this socket, one at a time.
        var calls: ChargerCallQueue
        /// Writes a text frame to the socket.
        var send: @Sendable (String) async throws -> Void
        /// Closes the socket; used when a newer connection replaces this one and at shutdown.
        var close: @Sendable (String) async -> Void
    }

    private var contexts: [String: ChargerContext] = [:]
    private var connections: [String: Connection] = [:]

    /// The context of a charger, created with `makeContext` the first time the id is seen.
    func context(for chargerID: String, makeContext: () -> ChargerContext) -> ChargerContext {
        if let context = contexts[chargerID] { return context }
        let context = makeContext()
        contexts[chargerID] = context
        return context
    }

    /// Registers a connection and returns the one it replaces, which the caller closes.
    func attach(_ chargerID: String, _ connection: Connection) -> Connection? {
        let previous = connections[chargerID]
        connections[chargerID] = connection
        return previous
    }

    /// Removes the connection if it is still the current one for the id; true when it was.
    func detach(_ chargerID: String, serial: UInt64) -> Bool {
        guard connections[chargerID]?.serial == serial else { return false }
        connections[chargerID] = nil
        return true
    }

    /// Several nodes: another node took the charger. Removes connection `serial` (nil: whichever) and returns it for
    /// the caller to close; its own unregistering then finds it gone and neither releases the lease nor marks the
    /// charger offline.
    func remove(_ chargerID: String, serial: UInt64?) -> Connection? {
        guard let current = connections[chargerID], serial == nil || current.serial == serial else { return nil }
        connections[chargerID] = nil
        return current
    }

    /// Connected chargers and their connection serials (the lease epochs), for the bulk lease renewal.
    var serials: [String: UInt64] { connections.mapValues(\.serial) }

    func connection(_ chargerID: String) -> Connection? { connections[chargerID] }
    var connectedIDs: [String] { Array(connections.keys) }

    /// At shutdown: commands waiting on chargers fail now instead of holding the control plane open.
    func failPendingCommands() async {
        for connection in connections.values { await connection.calls.close() }
    }

    var connectedContexts: [ChargerContext] { connections.values.map(\.context) }
    var connectedCount: Int { connections.count }
    func isConnected(_ chargerID: String) -> Bool { connections[chargerID] != nil }
}
