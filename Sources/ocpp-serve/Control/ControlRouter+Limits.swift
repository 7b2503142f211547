import Foundation
import Hummingbird
import Logging
import Shared

/// The limit model's routes: agents, groups, limits, `explain` and the verification status. Agents are managed on
/// the socket only (like tokens); groups by the operator (the socket, or a token without an agent); limits by any
/// agent within its scope. A request outside the caller's scope is refused with 403 before anything is stored or sent.
extension ControlRouter {
    /// The IEC 61851 minimum a charger can signal to a vehicle; below it (but above 0, which pauses) chargers stop or
    /// refuse, so such a limit is refused here.
    static let minimumAmps: Decimal = 6

    func addLimitRoutes(to router: Router<ControlRequestContext>, transport: Transport) {
        router.get("/v1/agents") { _, _ in
            try ControlJSON.response(await limits.model.agents.values.sorted { $0.name < $1.name })
        }
        router.post("/v1/agents") { request, context in
            guard transport == .socket else { throw ControlError(.forbidden, "agents are managed on the control socket only (ocpp-ctl agent ...)") }
            let body = try await ControlJSON.decode(AgentRequest.self, from: request, limit: maxBody)
            guard Agent.isValidName(body.name) else { throw ControlError(.badRequest, "agent names are 1-64 letters, digits or - _ . @") }
            let scope: AgentScope
            do throws(LimitInputError) { scope = if let text = body.scope { try AgentScope.parse(text) } else { .everything } } catch { throw ControlError(.badRequest, error.description) }
            let agent = Agent(name: body.name, priority: body.priority, scope: scope)
            do {
                _ = try await writer.submit(.limits(.agentAdd(agent, atMs: Timestamp.nowMilliseconds())))
            } catch {
                throw ControlError(.badRequest, "an agent named \(body.name) exists: remove it first (ocpp-ctl agent remove \(body.name))")
            }
            try await limits.reload()
            logger.notice("agent added", metadata: ["agent": "\(agent.name)", "priority": "\(agent.priority)", "scope": "\(scope.description)"])
            return try ControlJSON.response(agent, status: .created)
        }
        router.delete("/v1/agents/:name") { _, context in
            guard transport == .socket else { throw ControlError(.forbidden, "agents are managed on the control socket only (ocpp-ctl agent ...)") }
            let name = try Self.parameter(context, "name")
            guard try await writer.submit(.limits(.agentRemove(name: name))) != .changed(rows: 0) else { throw ControlError(.notFound, "no agent \(name)") }
            try await limits.reload()
            logger.notice("agent removed with its limits and tokens", metadata: ["agent": "\(name)"])
            return Response(status: .noContent)
        }

        router.get("/v1/groups") { _, _ in
            try ControlJSON.response(await limits.model.groups.values.sorted { $0.name < $1.name })
        }
        router.post("/v1/groups") { request, context in
            try Self.requireOperator(context, "groups")
            let body = try await ControlJSON.decode(GroupRequest.self, from: request, limit: maxBody)
            guard Agent.isValidName(body.name) else { throw ControlError(.badRequest, "group names are 1-64 letters, digits or - _ . @") }
            let capacity: (value: Decimal, unit: LimitUnit)
            do throws(LimitInputError) { capacity = try LimitUnit.parse(value: body.capacity, unit: body.unit) } catch { throw ControlError(.badRequest, error.description) }
            guard capacity.value > 0 else { throw ControlError(.badRequest, "--capacity must be more than 0") }
            let phases = body.phases ?? 3
            guard phases == 1 || phases == 3 else { throw ControlError(.badRequest, "--phases must be 1 or 3") }
            do {
                _ = try await writer.submit(
                    .limits(.groupAdd(name: body.name, capacity: capacity.value, unit: capacity.unit, phases: phases, atMs: Timestamp.nowMilliseconds()))
                )
            } catch {
                throw ControlError(.badRequest, "a group named \(body.name) exists: remove it first (ocpp-ctl group remove \(body.name))")
            }
            try await limits.reload()
            logger.notice("group added", metadata: ["group": "\(body.name)", "capacity": "\(capacity.value) \(capacity.unit.rawValue)"])
            return try ControlJSON.response(ChargerGroup(name: body.name, capacity: capacity.value, unit: capacity.unit, phases: phases), status: .created)
        }
        router.post("/v1/groups/:name/members") { request, context in
            try Self.requireOperator(context, "groups")
            let name = try Self.parameter(context, "name")
            let body = try await ControlJSON.decode(GroupAssignRequest.self, from: request, limit: maxBody)
            guard await limits.model.groups[name] != nil else { throw Self.unknownGroup(name) }
            guard !body.chargers.isEmpty else { throw ControlError(.badRequest, "name at least one charger to assign") }
            for charger in body.chargers where !(try await queries.chargerExists(charger)) {
                throw ControlError(.unknownCharger, "unknown charger \(charger): it must have connected once")
            }
            _ = try await writer.submit(.limits(.groupAssign(name: name, chargers: body.chargers)))
            try await limits.reload()
            logger.notice("chargers assigned", metadata: ["group": "\(name)", "chargers": "\(body.chargers.joined(separator: ","))"])
            return try ControlJSON.response(await limits.model.groups[name])
        }
        router.delete("/v1/groups/:name/members/:charger") { _, context in
            try Self.requireOperator(context, "groups")
            let name = try Self.parameter(context, "name")
            let charger = try Self.parameter(context, "charger")
            guard await limits.model.groupOf[charger] == name else { throw ControlError(.notFound, "\(charger) is not in group \(name)") }
            _ = try await writer.submit(.limits(.groupUnassign(chargers: [charger])))
            try await limits.reload()
            return Response(status: .noContent)
        }
        router.delete("/v1/groups/:name") { _, context in
            try Self.requireOperator(context, "groups")
            let name = try Self.parameter(context, "name")
            guard try await writer.submit(.limits(.groupRemove(name: name))) != .changed(rows: 0) else { throw Self.unknownGroup(name) }
            try await limits.reload()
            return Response(status: .noContent)
        }

        router.get("/v1/limits") { request, context in
            let model = await limits.model
            var rules = model.rules.filter { Self.inScope($0.target, of: context, model) }
            if let target = request.uri.queryParameters.get("target") {
                rules = rules.filter { rule in
                    rule.target.description == target || rule.target.chargerID == target
                        || (LimitTarget.parse(group: target).map { rule.target == .group($0) } ?? false)
                }
            }
            return try ControlJSON.response(rules)
        }
        router.post("/v1/limits") { request, context in
            let body = try await ControlJSON.decode(LimitRequest.self, from: request, limit: maxBody)
            if let tokenAgent = context.agent, let asked = body.agent, asked != tokenAgent {
                throw ControlError(.forbidden, "this token acts for agent \(tokenAgent), not \(asked)")
            }
            guard let agentName = body.agent ?? context.agent else {
                throw ControlError(.badRequest, "name the agent the limit belongs to: --agent NAME (see ocpp-ctl agent list)")
            }
            let rule: LimitRule
            do throws(LimitInputError) { rule = try body.rule(agent: agentName, nowMs: Timestamp.nowMilliseconds()) } catch { throw ControlError(.badRequest, error.description) }
            try await check(rule)
            if let chargers = context.rights.chargers {
                guard let charger = rule.target.chargerID, chargers.contains(charger) else {
                    throw ControlError(.forbidden, "\(rule.target.description) is outside token \(context.tokenName ?? "")'s chargers")
                }
            }
            guard case .inserted(let id) = try await writer.submit(.limits(.limitAdd(rule))) else {
                throw ControlError(.internalError, "the limit was not stored")
            }
            var stored = rule
            stored.id = id
            logger.notice(
                "limit set",
                metadata: ["target": "\(rule.target.description)", "limit": "\(id)", "agent": "\(agentName)", "max": "\(rule.value) \(rule.unit.rawValue)",
                    "kind": "\(rule.kindName)", "shape": "\(rule.shapeDescription)"]
            )
            try await limits.reload()
            return try ControlJSON.response(stored, status: .created)
        }
        router.delete("/v1/limits/:id") { _, context in
            let text = try Self.parameter(context, "id")
            guard let id = Int64(text) else { throw ControlError(.badRequest, "limit ids are numbers (see ocpp-ctl limit list)") }
            guard let rule = await limits.model.rules.first(where: { $0.id == id }) else { throw ControlError(.notFound, "no limit \(id)") }
            if let agent = context.agent, agent != rule.agent {
                throw ControlError(.forbidden, "limit \(id) belongs to agent \(rule.agent); this token acts for \(agent)")
            }
            _ = try await writer.submit(.limits(.limitRemove(id: id)))
            try await limits.reload()
            logger.notice("limit removed", metadata: ["limit": "\(id)", "agent": "\(rule.agent)"])
            return Response(status: .noContent)
        }
        router.get("/v1/limits/status") { request, context in
            let model = await limits.model
            let records = await limits.status(charger: request.uri.queryParameters.get("charger"))
            return try ControlJSON.response(records.filter { Self.inScope(.charger($0.charger), of: context, model) })
        }
        router.get("/v1/explain/:charger") { request, context in
            let charger = try Self.parameter(context, "charger")
            guard try await queries.chargerExists(charger) else { throw ControlError(.unknownCharger, "unknown charger \(charger)") }
            try await checkScope(context, charger: charger)
            let connectorText = request.uri.queryParameters.get("connector")
            guard let connector = connectorText.map({ Int($0) }) ?? 0, connector >= 0 else {
                throw ControlError(.badRequest, "connector must be 0 (the whole charger) or a connector number")
            }
            let at = try Self.time(request, "at") ?? Timestamp.nowMilliseconds()
            return try ControlJSON.response(await limits.explain(charger, connector: connector, atMs: at))
        }
    }

    /// What a limit needs beyond its own shape: its agent, its target, the agent's scope and the charger's units.
    private func check(_ rule: LimitRule) async throws {
        let model = await limits.model
        guard let agent = model.agents[rule.agent] else {
            throw ControlError(.badRequest, "unknown agent \(rule.agent): create it with `ocpp-ctl agent add \(rule.agent) --priority N`")
        }
        switch rule.target {
        case .group(let name):
            guard model.groups[name] != nil else { throw Self.unknownGroup(name) }
            guard agent.scope.covers(group: name) else {
                throw ControlError(.forbidden, "group \(name) is outside agent \(agent.name)'s scope (\(agent.scope.description))")
            }
        case .charger(let id), .connector(let id, _):
            guard try await queries.chargerExists(id) else { throw ControlError(.unknownCharger, "unknown charger \(id)") }
            guard agent.scope.covers(charger: id, group: model.groupOf[id]) else {
                throw ControlError(.forbidden, "charger \(id) is outside agent \(agent.name)'s scope (\(agent.scope.description))")
            }
            let phases = model.groupOf[id].flatMap { model.groups[$0]?.phases } ?? 3
            let amps = rule.unit.convert(rule.value, to: .a, phases: phases)
            if rule.value > 0, amps < Self.minimumAmps {
                throw ControlError(
                    .badRequest,
                    "\(rule.value) \(rule.unit.rawValue) is below the \(Self.minimumAmps) A per phase a charger can signal (IEC 61851): give 0 to pause charging, or \(Self.minimumAmps) A or more"
                )
            }
            let units = await limits.knownUnits(id)
            if !units.isEmpty, !units.contains(rule.unit) {
                let other = units.contains(.a) ? "A" : "W or kW"
                throw ControlError(
                    .badRequest, "charger \(id) takes limits in \(other) only (ChargingScheduleAllowedChargingRateUnit): give --unit \(other.prefix(1))"
                )
            }
        }
    }

    /// Whether an agent's token may see a target (an operator token, `agent` nil, sees everything).
    private static func inScope(_ target: LimitTarget, of context: ControlRequestContext, _ model: LimitModel) -> Bool {
        if let chargers = context.rights.chargers {
            // Groups span chargers beyond the token's list: such a token sees only its chargers' own limits.
            guard let charger = target.chargerID, chargers.contains(charger) else { return false }
        }
        guard let agentName = context.agent else { return true }
        guard let agent = model.agents[agentName] else { return false }
        switch target {
        case .group(let name): return agent.scope.covers(group: name)
        case .charger(let id), .connector(let id, _): return agent.scope.covers(charger: id, group: model.groupOf[id])
        }
    }

    private static func requireOperator(_ context: ControlRequestContext, _ what: String) throws {
        if let agent = context.agent {
            throw ControlError(.forbidden, "\(what) are managed by the operator (the socket or a token without an agent); this token acts for \(agent)")
        }
    }

    private static func unknownGroup(_ name: String) -> ControlError {
        ControlError(.badRequest, "unknown group \(name): create it with `ocpp-ctl group add \(name) --capacity VALUE --unit A|W`")
    }
}

extension LimitTarget {
    /// The group a `group:NAME` text names.
    static func parse(group text: String) -> String? {
        text.hasPrefix(groupPrefix) ? String(text.dropFirst(groupPrefix.count)) : nil
    }
}
