import Foundation
import Logging
import ServiceLifecycle
import Shared
import Synchronization

/// The server's use of the limit model (`Shared/Limits`): it feeds the model what happens (sessions starting and
/// stopping, chargers booting and reconnecting, limits changing), shares each group's capacity between its sessions,
/// sends the profiles the planner decides (only those that changed), and checks the meter values against them.
actor LimitManager: Service {
    private let database: any SQLStore
    private let writer: StoreWriter
    private let commander: ChargerCommander
    private let registry: ChargerRegistry
    private let events: EventBus
    private let logger: Logger
    private let graceSeconds: Int64
    /// How often plans are checked against the clock (limits starting and ending, absolute profiles running out).
    private let tick: Duration
    /// How long a group waits after a change for more changes before it is re-balanced.
    private let settle: Duration

    private(set) var model = LimitModel()
    private var states: [String: ChargerLimitState] = [:]
    /// Group → charger → connector → (transaction, share in the group's unit).
    private var shares: [String: [String: [Int: (transactionId: Int, value: Decimal)]]] = [:]
    /// Chargers whose meter values are checked: read on the event loop for every MeterValues, without an actor hop.
    nonisolated let watched = Mutex<Set<String>>([])

    static let origin = "limits"

    /// Several nodes: only the leader sends profiles (`isLeader`), it reaches chargers on other nodes through the
    /// commander's routing, counts a charger connected anywhere as connected (`isConnected`), and tells the other
    /// nodes when agents, groups or limits change (`changed`). Unset on a single node.
    struct ClusterHooks: Sendable {
        var isLeader: @Sendable () -> Bool
        var isConnected: @Sendable (String) async -> Bool
        var changed: @Sendable () async -> Void
    }

    private var clusterHooks: ClusterHooks?

    func setCluster(_ hooks: ClusterHooks) {
        clusterHooks = hooks
    }

    private func isConnected(_ chargerID: String) async -> Bool {
        if await registry.isConnected(chargerID) { return true }
        return await clusterHooks?.isConnected(chargerID) ?? false
    }

    init(
        database: any SQLStore, writer: StoreWriter, commander: ChargerCommander, registry: ChargerRegistry, events: EventBus, logger: Logger,
        graceSeconds: Int64 = 60, tick: Duration = .seconds(10), settle: Duration = .milliseconds(250)
    ) {
        self.settle = settle
        self.database = database
        self.writer = writer
        self.commander = commander
        self.registry = registry
        self.events = events
        self.logger = logger
        self.graceSeconds = graceSeconds
        self.tick = tick
    }

    // MARK: - Service

    /// Work for the worker: groups to re-balance, chargers to re-plan, or everything. Events and control requests only
    /// mark work and wake the worker, so neither ever waits for a charger's answer.
    private var dirtyGroups: Set<String> = []
    private var dirtyChargers: Set<String> = []
    private var everythingDirty = false
    private var wake: AsyncStream<Void>.Continuation?

    func run() async throws {
        let (wakes, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        self.wake = wake
        try await load()
        // Other nodes' events too: the leader plans for chargers connected anywhere.
        let stream = events.subscribe(includeRemote: true) { event in
            switch event.kind {
            case .boot, .connect, .disconnect, .transactionStart, .transactionStop, .offline, .online: true
            default: false
            }
        }
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                group.addTask {
                    await cancelWhenGracefulShutdown {
                        for await event in stream { await self.handle(event) }
                    }
                }
                group.addTask {
                    // Graceful shutdown cancels no task: the ticker notices it itself, as Housekeeping does.
                    while !Task.isShuttingDownGracefully && !Task.isCancelled {
                        do {
                            try await cancelWhenGracefulShutdown { try await Task.sleep(for: self.tick) }
                        } catch {
                            break
                        }
                        await self.markEverything()
                    }
                }
                // The worker, in the group's body so that it can start one task per charger and wait for none: a
                // charger slow to answer holds up only itself.
                for await _ in wakes {
                    // Sessions often start in bursts (a depot at 18:00, chargers reconnecting after an outage):
                    // changes within `settle` fold into one re-balance, not one round of CALLs per change.
                    try? await Task.sleep(for: self.settle)
                    for charger in self.takeWork() {
                        group.addTask { await self.apply(charger) }
                    }
                }
            }
        } onGracefulShutdown: {
            wake.finish()
        }
    }

    /// Reads the model and the open sessions from the store; everything is planned when the worker starts.
    func load() async throws {
        let (model, sessions, units) = try await database.read { db in
            let sessions = try db.fetchAll(sql: "SELECT id, charger_id, connector_id FROM transactions WHERE stop_ms IS NULL AND stale = 0 AND orphan = 0 AND connector_id > 0"
            ).map { (id: $0["id"] as Int, charger: $0["charger_id"] as String, connector: $0["connector_id"] as Int) }
            let units = try db.fetchAll(sql: "SELECT charger_id, value FROM charger_configuration WHERE key = ?", arguments: [Self.unitKey])
                .map { (charger: $0["charger_id"] as String, value: $0["value"] as String?) }
            return (try LimitStore.load(db), sessions, units)
        }
        self.model = model
        for session in sessions { states[session.charger, default: ChargerLimitState()].sessions[session.connector] = session.id }
        // What chargers said before a restart still holds: explain and the plans use the same unit as before.
        for unit in units { adoptUnits(unit.charger, Self.units(unit.value)) }
        markEverything()
    }

    /// After a write to agents, groups or limits: the new model; the worker sends what changed. Other nodes are told.
    func reload() async throws {
        model = try await database.read { db in try LimitStore.load(db) }
        markEverything()
        await clusterHooks?.changed()
    }

    /// Another node changed agents, groups or limits (or this node missed notifications): read them again.
    func refreshFromDatabase() async throws {
        model = try await database.read { db in try LimitStore.load(db) }
        markEverything()
    }

    /// This node became the leader: what the previous one planned is unknown here, so everything is planned (and
    /// resent where it differs) from the stored sessions.
    func becameLeader() async throws {
        try await load()
    }

    private func markEverything() {
        everythingDirty = true
        wake?.yield()
    }

    /// Something about one charger changed: re-balance its group (which re-plans every member) or re-plan it alone.
    private func markChanged(_ chargerID: String) {
        if let group = model.groupOf[chargerID] {
            dirtyGroups.insert(group)
        } else {
            dirtyChargers.insert(chargerID)
        }
        wake?.yield()
    }

    /// Takes the marked work: re-balances the marked groups and returns every charger to re-plan.
    private func takeWork() -> [String] {
        let now = Timestamp.nowMilliseconds()
        var chargers = dirtyChargers
        var groups = dirtyGroups
        if everythingDirty {
            chargers.formUnion(model.rules.compactMap(\.target.chargerID))
            chargers.formUnion(states.filter { !$0.value.sent.isEmpty }.keys)
            groups = Set(model.groups.keys)
            shares = shares.filter { model.groups[$0.key] != nil }
        }
        (dirtyChargers, dirtyGroups, everythingDirty) = ([], [], false)
        for name in groups.sorted() {
            let started = ContinuousClock.now
            rebalanceShares(name, now: now)
            let members = model.groups[name]?.members ?? []
            chargers.formUnion(members)
            logger.debug(
                "group re-balanced",
                metadata: ["group": "\(name)", "sessions": "\(shares[name]?.values.reduce(0) { $0 + $1.count } ?? 0)",
                    "computeMicroseconds": "\((ContinuousClock.now - started) / .microseconds(1))"]
            )
        }
        var managed = Set(model.groupOf.keys)
        managed.formUnion(model.rules.compactMap(\.target.chargerID))
        managed.formUnion(states.filter { !$0.value.sent.isEmpty }.keys)
        watched.withLock { $0 = managed }
        return chargers.sorted()
    }

    // MARK: - Events

    /// Keeps what an event tells (sessions, reboots) and marks the work it makes; sends nothing itself.
    private func handle(_ event: ServerEvent) {
        guard let chargerID = event.chargerID else { return }
        let connector = event.detail["connector"]?.numberValue?.int
        let transactionID = event.detail["transactionId"]?.numberValue?.int
        switch event.kind {
        case .boot:
            // A reboot may have wiped what the charger held, and it ended its sessions.
            states[chargerID, default: ChargerLimitState()].resendAll = true
            states[chargerID]?.sessions = [:]
        case .connect, .disconnect:
            states[chargerID, default: ChargerLimitState()].resendAll = true
            states[chargerID]?.composite = [:]
            if event.kind == .disconnect { return }
        case .transactionStart:
            guard let connector, let transactionID else { return }
            states[chargerID, default: ChargerLimitState()].sessions[connector] = transactionID
        case .transactionStop:
            guard let transactionID, var state = states[chargerID] else { return }
            guard let connector = state.sessions.first(where: { $0.value == transactionID })?.key else { return }
            state.sessions[connector] = nil
            state.compliance[connector] = nil
            // The charger drops a TxProfile with its transaction: nothing to clear.
            state.sent[.share(connector)] = nil
            states[chargerID] = state
        default:
            break
        }
        if isManaged(chargerID) { markChanged(chargerID) }
    }

    /// The shares of a group's sessions now (the profiles go out in `apply`).
    func rebalanceShares(_ name: String, now: Int64) {
        var sessions: [String: [Int: Int]] = [:]
        for charger in model.groups[name]?.members ?? [] {
            if let open = states[charger]?.sessions, !open.isEmpty { sessions[charger] = open }
        }
        shares[name] = model.shares(group: name, sessions: sessions, at: now)
    }

    // MARK: - Sending profiles

    /// Brings one charger's managed profiles in line with its plan. One pass at a time per charger; a change during
    /// a pass asks for another.
    private func apply(_ chargerID: String) async {
        guard isManaged(chargerID), clusterHooks?.isLeader() ?? true, await isConnected(chargerID) else { return }
        var state = states[chargerID] ?? ChargerLimitState()
        if state.applying {
            states[chargerID]?.dirty = true
            return
        }
        state.applying = true
        states[chargerID] = state
        defer { states[chargerID]?.applying = false }
        repeat {
            states[chargerID]?.dirty = false
            await learnUnit(chargerID)
            await sendPlan(chargerID)
        } while states[chargerID]?.dirty == true
    }

    /// A charger the limit model concerns: limits on it, a group, or profiles still to clear. Others are left alone
    /// (not even asked for their units).
    private func isManaged(_ chargerID: String) -> Bool {
        model.groupOf[chargerID] != nil || !model.chargerRules(chargerID).isEmpty || states[chargerID]?.sent.isEmpty == false
    }

    /// The planner's input for a charger now.
    func plannerState(_ chargerID: String) -> ProfilePlanner.ChargerState {
        let state = states[chargerID] ?? ChargerLimitState()
        let group = model.groupOf[chargerID].flatMap { model.groups[$0] }
        let phases = group?.phases ?? 3
        var chargerShares: [Int: (transactionId: Int, value: Decimal)] = [:]
        if let group {
            for (connector, share) in shares[group.name]?[chargerID] ?? [:] {
                chargerShares[connector] = (share.transactionId, group.unit.convert(share.value, to: state.unit, phases: phases))
            }
        }
        return ProfilePlanner.ChargerState(
            chargerID: chargerID, unit: state.unit, phases: phases, rules: model.chargerRules(chargerID), priorities: model.priorities, shares: chargerShares
        )
    }

    private func sendPlan(_ chargerID: String) async {
        let now = Timestamp.nowMilliseconds()
        let plannerState = plannerState(chargerID)
        let plan = ProfilePlanner.plan(plannerState, now: now)
        guard let state = states[chargerID] else { return }
        var toSend: [ManagedProfile] = []
        for managed in plan {
            if !state.resendAll, let old = state.sent[managed.role], old.status == "Accepted" {
                let same = ProfilePlanner.sameEffect(old.profile, managed.profile, now: now, phases: plannerState.phases)
                    && (old.profile.chargingProfileKind != .absolute || now - old.sentMs < ProfilePlanner.horizonMs / 2)
                if same || ProfilePlanner.isSmallIncrease(from: old.profile, to: managed.profile) { continue }
            }
            toSend.append(managed)
        }
        let planned = Set(plan.map(\.role))
        let toClear = state.sent.keys.filter { !planned.contains($0) }.sorted()
        states[chargerID]?.resendAll = false
        for managed in toSend {
            guard await send(managed, to: chargerID, now: now) else { return }
        }
        for role in toClear {
            let payload = ClearChargingProfileRequest(id: role.profileID).json
            let result = try? await commander.send(
                to: chargerID, action: "ClearChargingProfile", payload: payload, timeout: ControlAPI.defaultTimeout, validate: true, origin: Self.origin
            )
            if result != nil { states[chargerID]?.sent[role] = nil }
        }
        // A share moves often and only by its value: checked once per connection, the others after every change.
        let checked = states[chargerID]?.composite ?? [:]
        let toCheck = toSend.filter { if case .share(let n) = $0.role { checked[n] == nil } else { true } }
        for connector in Set(toCheck.map(\.role.connectorId)).sorted() {
            await checkComposite(chargerID, connector: connector)
        }
    }

    /// Asks the charger for its composite schedule and compares it with what the accepted managed profiles allow:
    /// a charger whose own composite is higher did not apply them (a manual profile at a higher stack level, or
    /// firmware that drops them). Where GetCompositeSchedule is not supported, the meter values are the only check.
    private func checkComposite(_ chargerID: String, connector: Int) async {
        guard let state = states[chargerID] else { return }
        let profiles = state.acceptedProfiles(connector: connector)
        guard !profiles.isEmpty else { return }
        let now = Timestamp.nowMilliseconds()
        let phases = plannerState(chargerID).phases
        let expected = CompositeSchedule(
            profiles: profiles, start: Timestamp(milliseconds: now), duration: 60, chargingRateUnit: state.unit.ocpp, transactionStart: Timestamp(milliseconds: now),
            options: .init(defaultPhases: phases, unlimitedAmps: ProfilePlanner.unlimitedAmps)
        ).limit(at: Timestamp(milliseconds: now))?.value
        let payload = GetCompositeScheduleRequest(connectorId: connector, duration: 60, chargingRateUnit: state.unit.ocpp).json
        var outcome = "unsupported"
        if let result = try? await commander.send(
            to: chargerID, action: "GetCompositeSchedule", payload: payload, timeout: ControlAPI.defaultTimeout, validate: true, origin: Self.origin
        ), result.status == "Accepted", let response = try? GetCompositeScheduleResponse(json: result.response), let schedule = response.chargingSchedule {
            let reported = schedule.chargingSchedulePeriod.first { $0.startPeriod == 0 }?.limit ?? schedule.chargingSchedulePeriod.first?.limit
            let unit = LimitUnit(rawValue: schedule.chargingRateUnit.rawValue) ?? state.unit
            let theirs = reported.map { unit.convert($0, to: state.unit, phases: phases) }
            if let expected, let theirs, theirs > expected * Decimal(1.01) + 0.1 {
                outcome = "differs"
                logger.warning(
                    "composite schedule above the managed limit",
                    metadata: ["charger": "\(chargerID)", "connector": "\(connector)", "expected": "\(expected)", "reported": "\(theirs)", "unit": "\(state.unit.rawValue)"]
                )
            } else {
                outcome = "matches"
            }
        }
        states[chargerID]?.composite[connector] = outcome
    }

    /// Sends one profile; false when the charger cannot be reached (the rest waits for its next connection).
    private func send(_ managed: ManagedProfile, to chargerID: String, now: Int64) async -> Bool {
        let result: CommandResult
        do {
            result = try await commander.send(
                to: chargerID, action: "SetChargingProfile", payload: managed.request.json, timeout: ControlAPI.defaultTimeout, validate: true,
                origin: Self.origin
            )
        } catch {
            states[chargerID]?.sent[managed.role] = .init(profile: managed.profile, status: error.error.rawValue, sentMs: now)
            states[chargerID]?.resendAll = true
            return false
        }
        states[chargerID]?.sent[managed.role] = .init(profile: managed.profile, status: result.status, sentMs: now)
        if result.status == "Accepted" {
            // A new limit gets its own grace period.
            if managed.role.connectorId == 0 {
                states[chargerID]?.compliance = [:]
            } else {
                states[chargerID]?.compliance[managed.role.connectorId] = nil
            }
            return true
        }
        let unit = managed.profile.chargingSchedule.chargingRateUnit
        events.publish(
            ServerEvent(
                atMs: now, chargerID: chargerID, kind: .limitRejected,
                detail: [
                    "connector": .number(JSONNumber(managed.role.connectorId)), "profileId": .number(JSONNumber(managed.role.profileID)),
                    "purpose": .string(managed.role.purpose.rawValue), "unit": .string(unit.rawValue), "status": .string(result.status),
                ]
            )
        )
        // Learned from the answer: a charger that refuses W may take A.
        if unit == .w, states[chargerID]?.unitSource != .answer {
            states[chargerID]?.unit = .a
            states[chargerID]?.allowedUnits.remove(.w)
            states[chargerID]?.unitSource = .answer
            states[chargerID]?.dirty = true
        }
        return true
    }

    /// Finds out which unit a charger takes: its stored configuration, else GetConfiguration; W where it accepts W.
    private func learnUnit(_ chargerID: String) async {
        guard states[chargerID]?.unitSource ?? .unknown == .unknown else { return }
        var value = try? await database.read { db in
            try db.fetchValue(String.self, sql: "SELECT value FROM charger_configuration WHERE charger_id = ? AND key = ?", arguments: [chargerID, Self.unitKey])
        }
        if value == nil {
            let payload = GetConfigurationRequest(key: [Self.unitKey]).json
            if let result = try? await commander.send(
                to: chargerID, action: "GetConfiguration", payload: payload, timeout: ControlAPI.defaultTimeout, validate: true, origin: Self.origin
            ), let response = try? GetConfigurationResponse(json: result.response) {
                value = response.configurationKey?.first { $0.key == Self.unitKey }?.value
            } else {
                return  // not answered now: ask again on the next pass
            }
        }
        adoptUnits(chargerID, Self.units(value))
    }

    static let unitKey = "ChargingScheduleAllowedChargingRateUnit"

    /// The units a `ChargingScheduleAllowedChargingRateUnit` value names (`Current`, `Power`, `Current,Power`).
    static func units(_ value: String?) -> Set<LimitUnit> {
        var allowed: Set<LimitUnit> = []
        for item in (value ?? "").split(separator: ",") {
            switch item.trimmingCharacters(in: .whitespaces).lowercased() {
            case "current": allowed.insert(.a)
            case "power": allowed.insert(.w)
            default: break
            }
        }
        return allowed
    }

    /// W where the charger takes W, else A; none named (the key unknown to it): A, which smart chargers take.
    private func adoptUnits(_ chargerID: String, _ allowed: Set<LimitUnit>) {
        var state = states[chargerID] ?? ChargerLimitState()
        state.unitSource = allowed.isEmpty ? .fallback : .configuration
        state.allowedUnits = allowed.isEmpty ? [.a] : allowed
        state.unit = state.allowedUnits.contains(.w) ? .w : .a
        states[chargerID] = state
    }

    // MARK: - Verification

    /// Checks a committed MeterValues against the profiles the charger accepted; flags `limit-ignored` once when it
    /// stays above them for longer than the grace period.
    func observe(_ chargerID: String, _ request: MeterValuesRequest) {
        guard var state = states[chargerID], let meterValue = request.meterValue.last else { return }
        let connector = request.connectorId
        let profiles = state.acceptedProfiles(connector: connector)
        guard !profiles.isEmpty else { return }
        let phases = plannerState(chargerID).phases
        let at = meterValue.timestamp
        let composite = CompositeSchedule(
            profiles: profiles, start: at, duration: 1, chargingRateUnit: state.unit.ocpp, transactionStart: at,
            options: .init(defaultPhases: phases, unlimitedAmps: ProfilePlanner.unlimitedAmps)
        )
        guard let limit = composite.limit(at: at), let drawn = LimitCompliance.drawn(meterValue, unit: state.unit, phases: phases) else { return }
        var compliance = state.compliance[connector] ?? LimitCompliance(graceSeconds: graceSeconds)
        let ignored = compliance.observe(drawn: drawn, limit: limit.value, unit: state.unit, atMs: at.milliseconds)
        state.compliance[connector] = compliance
        states[chargerID] = state
        if ignored {
            events.publish(
                ServerEvent(
                    atMs: Timestamp.nowMilliseconds(), chargerID: chargerID, kind: .limitIgnored,
                    detail: [
                        "connector": .number(JSONNumber(connector)), "drawn": .number(JSONNumber(drawn)), "limit": .number(JSONNumber(limit.value)),
                        "unit": .string(state.unit.rawValue), "overSince": .string(Timestamp(milliseconds: compliance.overSinceMs ?? at.milliseconds).description),
                    ]
                )
            )
        }
    }

    // MARK: - Queries

    func explain(_ chargerID: String, connector: Int, atMs: Int64) -> LimitExplanation {
        let state = states[chargerID] ?? ChargerLimitState()
        let groupName = model.groupOf[chargerID]
        let phases = plannerState(chargerID).phases
        var caps: [LimitCap] = []
        if let groupName, let group = model.groups[groupName], let share = shares[groupName]?[chargerID]?[connector] {
            let sessions = shares[groupName]?.values.reduce(0) { $0 + $1.count } ?? 0
            let capacity = model.groupCapacity(groupName, at: atMs)
            caps.append(
                LimitCap(
                    label: "group \(groupName) share: \(share.value) \(group.unit.rawValue) of \(capacity?.value ?? group.capacity) \(group.unit.rawValue) "
                        + "among \(sessions) session\(sessions == 1 ? "" : "s") (\(capacity?.decider ?? "capacity"))",
                    value: share.value, unit: group.unit
                )
            )
        }
        let rules = model.connectorRules(chargerID, connector: connector)
        // In the unit the limits were given in when they agree (what the operator typed), else the charger's.
        let units = Set(rules.map(\.unit) + caps.map(\.unit))
        let unit = units.count == 1 ? units.first ?? state.unit : state.unit
        let decision = LimitArbiter.decide(rules: rules, priorities: model.priorities, caps: caps, at: atMs, unit: unit, phases: phases)
        let compliance = connector == 0 ? worstCompliance(state) : (state.compliance[connector]?.state ?? .unknown)
        return LimitExplanation(
            charger: chargerID, connector: connector, at: Timestamp(milliseconds: atMs).description, group: groupName, limit: decision.value, unit: decision.unit,
            decidedBy: decision.decidedBy, decider: decision.decider, verdicts: decision.verdicts, compliance: compliance.rawValue
        )
    }

    private func worstCompliance(_ state: ChargerLimitState) -> LimitCompliance.State {
        let order: [LimitCompliance.State] = [.ignored, .over, .ok]
        let present = Set(state.compliance.values.map(\.state))
        return order.first { present.contains($0) } ?? .unknown
    }

    func status(charger filter: String?) async -> [LimitStatusRecord] {
        var ids = Set(model.rules.compactMap { $0.target.chargerID })
        ids.formUnion(model.groupOf.keys)
        ids.formUnion(states.filter { !$0.value.sent.isEmpty }.keys)
        if let filter { ids = ids.filter { $0 == filter } }
        let now = Timestamp.nowMilliseconds()
        var records: [LimitStatusRecord] = []
        for id in ids.sorted() {
            let state = states[id] ?? ChargerLimitState()
            let phases = plannerState(id).phases
            let profiles = state.sent.sorted { $0.key < $1.key }.map { role, sent -> LimitStatusRecord.ProfileState in
                let composite = CompositeSchedule(
                    profiles: [sent.profile], start: Timestamp(milliseconds: now), duration: 1, chargingRateUnit: state.unit.ocpp,
                    transactionStart: Timestamp(milliseconds: now), options: .init(defaultPhases: phases, unlimitedAmps: ProfilePlanner.unlimitedAmps)
                )
                let name: String
                switch role {
                case .chargerMax: name = "charger"
                case .connectorDefault: name = "connector"
                case .share: name = "share"
                }
                return .init(role: name, connector: role.connectorId, limitNow: composite.limit(at: Timestamp(milliseconds: now))?.value, status: sent.status)
            }
            let worst = state.compliance.values.max { ($0.lastDrawn ?? 0) - ($0.lastLimit ?? 0) < ($1.lastDrawn ?? 0) - ($1.lastLimit ?? 0) }
            let composite = ["differs", "matches", "unsupported"].first { Set(state.composite.values).contains($0) }
            records.append(
                LimitStatusRecord(
                    charger: id, connected: await isConnected(id), group: model.groupOf[id], unit: state.unit.rawValue,
                    unitSource: state.unitSource.rawValue, profiles: profiles, compliance: worstCompliance(state).rawValue, drawn: worst?.lastDrawn,
                    limit: worst?.lastLimit, composite: composite
                )
            )
        }
        return records
    }

    /// The units a charger is known to take (empty: not known yet), for checking a new limit.
    func knownUnits(_ chargerID: String) async -> Set<LimitUnit> {
        if let state = states[chargerID], state.unitSource != .unknown { return state.allowedUnits }
        let value = try? await database.read { db in
            try db.fetchValue(String.self, sql: "SELECT value FROM charger_configuration WHERE charger_id = ? AND key = ?", arguments: [chargerID, Self.unitKey])
        }
        return Self.units(value)
    }
}
