import Shared

/// Which chargers a request may reach: all on the socket and for an operator token; an agent's token only those in
/// the agent's scope; a token made for some chargers only those. Named chargers outside are 403; lists are filtered.
extension ControlRouter {
    func checkScope(_ context: ControlRequestContext, charger: String) async throws {
        if let chargers = context.rights.chargers, !chargers.contains(charger) {
            throw ControlError(.forbidden, "charger \(charger) is outside token \(context.tokenName ?? "")'s chargers")
        }
        guard let agentName = context.agent else { return }
        let model = await limits.model
        guard let agent = model.agents[agentName], agent.scope.covers(charger: charger, group: model.groupOf[charger]) else {
            throw ControlError(.forbidden, "charger \(charger) is outside the scope of agent \(agentName)")
        }
    }

    /// The chargers a request may see, as a test; nil when it sees them all (no filtering needed).
    func visibleChargers(_ context: ControlRequestContext) async -> (@Sendable (String) -> Bool)? {
        let chargers = context.rights.chargers
        guard let agentName = context.agent else {
            guard let chargers else { return nil }
            return { chargers.contains($0) }
        }
        let model = await limits.model
        guard let agent = model.agents[agentName] else { return { _ in false } }
        let groupOf = model.groupOf
        return { id in (chargers?.contains(id) ?? true) && agent.scope.covers(charger: id, group: groupOf[id]) }
    }
}
