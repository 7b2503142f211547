import Logging
import ServiceLifecycle
import Shared
import Synchronization

/// This server as one of several ocpp-serve nodes on one PostgreSQL (issue 18).
///
/// - **Leases** (`LeaseTable`): a charger connecting here is taken in `charger_leases` before it is registered; the
///   node that held it is told to close its socket (a `release` notification, addressed to it). Leases are renewed in
///   bulk every third of `--lease-seconds`; a renewal that finds a charger held elsewhere closes the local socket (a
///   missed notification), and a dead node's leases run out.
/// - **Commands** (`RemoteCommand`): a command for a charger held by another node is written to `remote_commands`
///   with a NOTIFY to that node in the same transaction (sent at commit, so the row is there when it wakes); the
///   holder runs it as a local command, writes the outcome and NOTIFYs the asker. Why a table beside NOTIFY: payloads
///   are limited to 8000 bytes (a GetConfiguration answer is more), notifications to a node whose LISTEN connection is
///   reconnecting are lost, and a slow poll (`pollMs`) of the table then still finds requests and answers.
/// - **Events**: each local event is relayed in batched NOTIFYs; other nodes show them in their event streams without
///   storing them again.
/// - **Leader**: the node whose LISTEN connection holds `pg_try_advisory_lock(1819)` (tried every 2 s, lost with the
///   connection) re-balances limits and does the housekeeping: expired leases (chargers offline), old
///   `remote_commands` rows, frame retention.
final class ClusterNode: Service, Sendable {
    let settings: ClusterSettings
    let location: PostgresLocation
    let database: any SQLStore
    let registry: ChargerRegistry
    let events: EventBus
    let logger: Logger

    var nodeID: String { settings.nodeID }

    /// What the rest of the server does for the cluster; installed once the parts exist (they need the node first).
    struct Handlers: Sendable {
        /// Runs a command for a charger connected here, as the control plane would.
        var runCommand: (@Sendable (String, RemoteCommand.Request) async -> RemoteCommand.Outcome)?
        /// Shared state changed on another node: `limits`, `credentials`, or `all` after a reconnect.
        var refresh: (@Sendable (String) async -> Void)?
        /// This node became (true) or stopped being (false) the leader.
        var leadership: (@Sendable (Bool) async -> Void)?
    }

    private let handlers = Mutex(Handlers())
    private let leading = Atomic<Bool>(false)
    /// When this node last failed to renew (the database out of reach): the other nodes likely failed too, so leases
    /// are not expired until they have had a lease period to renew after it.
    private let lastRenewalFailureMs = Atomic<Int64>(0)

    private struct Waiting {
        var continuations: [Int64: CheckedContinuation<RemoteCommand.Outcome?, Never>] = [:]
        /// Answers that arrived before their asker started waiting (fast loopback), with their arrival time.
        var early: [Int64: (outcome: RemoteCommand.Outcome, atMs: Int64)] = [:]
    }

    private let waiting = Mutex(Waiting())
    /// Local events waiting for the relay, and its wake-up.
    private let relayBuffer = Mutex<[ServerEvent]>([])
    private let relayWake: AsyncStream<Void>.Continuation
    private let relayWakes: AsyncStream<Void>

    /// Work from notifications, done off the LISTEN loop.
    private enum Work: Sendable {
        case release(charger: String, epoch: Int64, by: String)
        case command(Int64)
        case answer(Int64)
        case refresh(String)
    }

    private let work: AsyncStream<Work>.Continuation
    private let works: AsyncStream<Work>

    init(settings: ClusterSettings, location: PostgresLocation, database: any SQLStore, registry: ChargerRegistry, events: EventBus, logger: Logger) {
        self.settings = settings
        self.location = location
        self.database = database
        self.registry = registry
        self.events = events
        var logger = logger
        logger[metadataKey: "node"] = "\(settings.nodeID)"
        self.logger = logger
        (relayWakes, relayWake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        (works, work) = AsyncStream.makeStream(of: Work.self)
    }

    var isLeader: Bool { leading.load(ordering: .relaxed) }

    func install(_ update: (inout Handlers) -> Void) {
        handlers.withLock { update(&$0) }
    }

    // MARK: - Start

    /// Before the charger port opens: records the node and drops the leases a previous life of this node id left
    /// (its sockets are gone; the chargers reconnect).
    func prepare() async throws {
        let now = Timestamp.nowMilliseconds()
        let (id, dropped) = (nodeID, settings)
        let count = try await database.write { db in
            try db.execute(
                sql: """
                    INSERT INTO nodes(id, started_ms, heartbeat_ms, leader) VALUES (?, ?, ?, 0)
                    ON CONFLICT (id) DO UPDATE SET started_ms = excluded.started_ms, heartbeat_ms = excluded.heartbeat_ms, leader = 0
                    """,
                arguments: [id, now, now]
            )
            return try LeaseTable.dropAll(node: id, in: db)
        }
        events.setRelay { [weak self] event in self?.relay(event) }
        logger.notice(
            "cluster node", metadata: ["leaseSeconds": "\(dropped.leaseMs / 1000)", "leasesDropped": "\(count)", "channel": "\(ClusterSettings.channel)"]
        )
    }

    // MARK: - Service

    func run() async throws {
        await withDiscardingTaskGroup { group in
            group.addTask { await cancelWhenGracefulShutdown { await self.listenLoop() } }
            group.addTask { await self.periodic(every: self.settings.renewEvery) { await self.renew() } }
            group.addTask { await self.periodic(every: .milliseconds(self.settings.pollMs)) { await self.poll() } }
            group.addTask { await cancelWhenGracefulShutdown { await self.relayLoop() } }
            group.addTask {
                await cancelWhenGracefulShutdown {
                    await withDiscardingTaskGroup { workers in
                        for await item in self.works {
                            workers.addTask { await self.perform(item) }
                        }
                    }
                }
            }
        }
        // The charger ports closed before this service stops (reverse order): what they left goes now.
        let id = nodeID
        _ = try? await database.write { db in
            try db.execute(sql: "DELETE FROM nodes WHERE id = ?", arguments: [id])
            return try LeaseTable.dropAll(node: id, in: db)
        }
        logger.info("cluster node stopped")
    }

    private func periodic(every period: Duration, _ body: @Sendable () async -> Void) async {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: period) }
            } catch {
                return
            }
            await body()
        }
    }

    // MARK: - LISTEN connection and leadership

    private func listenLoop() async {
        var attempt = 0
        while !Task.isCancelled {
            attempt += 1
            let reconnecting = attempt > 1
            var session: PostgresSession?
            do {
                let connected = try await PostgresSession.connect(
                    location, id: 100_000 + attempt % 100_000, applicationName: "ocpp-serve node \(nodeID)", logger: logger
                )
                session = connected
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        try await connected.listen(ClusterSettings.channel) { payload in self.received(payload) }
                    }
                    group.addTask {
                        if reconnecting {
                            // Notifications sent while this node was not listening are lost: reload what they would have said.
                            self.work.yield(.refresh("all"))
                            self.logger.notice("cluster connection restored")
                        }
                        while true {
                            if !self.isLeader {
                                if try await connected.tryAdvisoryLock(ClusterSettings.leaderLock) { await self.setLeader(true) }
                            } else {
                                try await connected.ping()
                            }
                            try await Task.sleep(for: .seconds(2))
                        }
                    }
                    _ = try await group.next()
                    group.cancelAll()
                }
            } catch {
                if !Task.isCancelled {
                    logger.warning("cluster connection lost", metadata: ["error": "\(String(describing: error))"])
                }
            }
            // The lock goes with the session: never lead without it.
            if isLeader { await setLeader(false) }
            await session?.close()
            if Task.isCancelled { return }
            try? await Task.sleep(for: .seconds(1))
        }
    }

    private func setLeader(_ leader: Bool) async {
        leading.store(leader, ordering: .relaxed)
        logger.notice(leader ? "leader elected" : "leadership lost")
        let id = nodeID
        // For operators (`SELECT id FROM nodes WHERE leader = 1`); the lock, not this column, decides.
        _ = try? await database.write { db in
            if leader {
                try db.execute(sql: "UPDATE nodes SET leader = CASE WHEN id = ? THEN 1 ELSE 0 END", arguments: [id])
            } else {
                try db.execute(sql: "UPDATE nodes SET leader = 0 WHERE id = ?", arguments: [id])
            }
        }
        if let leadership = handlers.withLock({ $0.leadership }) { await leadership(leader) }
    }

    /// A notification: decoded and dispatched without waiting (the LISTEN loop only reads).
    private func received(_ payload: String) {
        guard let message = ClusterMessage(payload: payload), message.isFor(nodeID) else { return }
        switch message.kind {
        case .release:
            if let charger = message.charger, let epoch = message.epoch { work.yield(.release(charger: charger, epoch: epoch, by: message.from)) }
        case .command:
            if let id = message.id { work.yield(.command(id)) }
        case .answer:
            if let id = message.id { work.yield(.answer(id)) }
        case .refresh:
            work.yield(.refresh(message.topic ?? "all"))
        case .events:
            for relayed in message.events ?? [] {
                guard var event = relayed.event else { continue }
                event.origin = message.from
                events.publishRemote(event)
            }
        }
    }

    private func perform(_ item: Work) async {
        switch item {
        case .release(let charger, let epoch, let by):
            await replaced(charger, serial: UInt64(exactly: epoch), by: by)
        case .command(let id):
            await claimAndRun(ids: [id])
        case .answer(let id):
            await collect([id])
        case .refresh(let topic):
            if let refresh = handlers.withLock({ $0.refresh }) { await refresh(topic) }
        }
    }

    // MARK: - Leases

    /// A charger connected here: take its lease (before it is registered) and tell its previous node to let go.
    func take(_ chargerID: String, serial: UInt64) async {
        let now = Timestamp.nowMilliseconds()
        let (node, expires) = (nodeID, now + settings.leaseMs)
        do {
            let previous = try await database.write { db in
                let previous = try LeaseTable.take(chargerID, node: node, epoch: Int64(serial), nowMs: now, expiresMs: expires, in: db)
                if let previous {
                    try Self.notify(ClusterMessage(kind: .release, from: node, to: previous.node, charger: chargerID, epoch: previous.epoch), in: db)
                }
                return previous
            }
            if let previous {
                logger.info("charger taken over", metadata: ["charger": "\(chargerID)", "from": "\(previous.node)"])
            }
        } catch {
            // Served here anyway; the next renewal takes the lease if no other node holds it.
            logger.warning("lease not taken", metadata: ["charger": "\(chargerID)", "error": "\(String(describing: error))"])
        }
    }

    /// A charger's connection here closed: releases the lease if that connection still holds it, and only then marks
    /// the charger offline (false: another node has it, or the database is out of reach and the lease will expire).
    func release(_ chargerID: String, serial: UInt64) async -> Bool {
        let now = Timestamp.nowMilliseconds()
        let node = nodeID
        do {
            return try await database.write { db in try LeaseTable.release(chargerID, node: node, epoch: Int64(serial), nowMs: now, in: db) }
        } catch {
            logger.warning("lease not released", metadata: ["charger": "\(chargerID)", "error": "\(String(describing: error))"])
            return false
        }
    }

    /// Another node took the charger: close the socket here without releasing its lease or marking it offline.
    private func replaced(_ chargerID: String, serial: UInt64?, by node: String) async {
        guard let connection = await registry.remove(chargerID, serial: serial) else { return }
        logger.info("connection replaced on another node", metadata: ["charger": "\(chargerID)", "by": "\(node)"])
        events.publish(ServerEvent(atMs: Timestamp.nowMilliseconds(), chargerID: chargerID, kind: .replaced, detail: ["by": .string(node)]))
        await connection.calls.close()
        await connection.close("replaced by a connection to node \(node)")
    }

    /// The live holder of a charger (node id), if any.
    func holder(of chargerID: String) async -> String? {
        let now = Timestamp.nowMilliseconds()
        return try? await database.read { db in try LeaseTable.holder(chargerID, nowMs: now, in: db)?.node }
    }

    /// Every charger connected somewhere: id → node.
    func liveLeases() async throws -> [String: String] {
        let now = Timestamp.nowMilliseconds()
        return try await database.read { db in try LeaseTable.live(nowMs: now, in: db) }
    }

    /// Every third of a lease: renew this node's leases and heartbeat; as leader, the housekeeping.
    private func renew() async {
        let held = await registry.serials
        let now = Timestamp.nowMilliseconds()
        let (node, expires) = (nodeID, now + settings.leaseMs)
        let renewed: Set<String>
        do {
            renewed = try await database.write { db in
                try db.execute(sql: "UPDATE nodes SET heartbeat_ms = ? WHERE id = ?", arguments: [now, node])
                return try LeaseTable.renew(held.mapValues { Int64($0) }, node: node, nowMs: now, expiresMs: expires, in: db)
            }
        } catch {
            lastRenewalFailureMs.store(now, ordering: .relaxed)
            logger.warning("leases not renewed", metadata: ["chargers": "\(held.count)", "error": "\(String(describing: error))"])
            return
        }
        for (chargerID, serial) in held where !renewed.contains(chargerID) {
            let holder = await holder(of: chargerID) ?? "another node"
            await replaced(chargerID, serial: serial, by: holder)
        }
        // A connection that closed while this renewal ran may have had its released lease taken again: release it
        // once more (a no-op when the charger reconnected here, whose newer epoch the renewal kept).
        let connectedNow = await registry.serials
        for (chargerID, serial) in held where renewed.contains(chargerID) && connectedNow[chargerID] != serial {
            _ = await release(chargerID, serial: serial)
        }
        if isLeader { await housekeeping(nowMs: now) }
    }

    private func housekeeping(nowMs: Int64) async {
        let staleNodeMs = nowMs - 10 * settings.leaseMs
        let expiring = nowMs - lastRenewalFailureMs.load(ordering: .relaxed) > settings.leaseMs
        do {
            let expired = try await database.write { db in
                _ = try RemoteCommand.purge(beforeMs: nowMs - 60_000, in: db)
                try db.execute(sql: "DELETE FROM nodes WHERE heartbeat_ms < ?", arguments: [staleNodeMs])
                return expiring ? try LeaseTable.expire(nowMs: nowMs, in: db) : []
            }
            for chargerID in expired {
                events.publish(ServerEvent(atMs: nowMs, chargerID: chargerID, kind: .offline, detail: ["reason": "lease expired"]))
            }
        } catch {
            logger.warning("cluster housekeeping failed", metadata: ["error": "\(String(describing: error))"])
        }
    }

    // MARK: - Remote commands

    /// How a routed command ended: answered by the holding node, or withdrawn unclaimed because the charger moved
    /// (its lease is now another node's, this one's, or nobody's) and the caller must dispatch it again.
    enum Routed: Sendable {
        case answered(CommandResult)
        case moved
    }

    /// Sends a command for `chargerID` to `node`, which holds it, and waits for its outcome: the command's own
    /// timeout on that node, plus a margin for the round trips; past it, a timeout like a local one. While it waits
    /// unclaimed, the lease is looked at every second: a charger that reconnected elsewhere (its node died) gets the
    /// command there instead of a timeout, within about a second of its reconnect.
    func route(_ chargerID: String, to node: String, _ request: RemoteCommand.Request) async throws(ControlError) -> Routed {
        let now = Timestamp.nowMilliseconds()
        let me = nodeID
        let id: Int64
        do {
            id = try await database.write { db in
                let id = try RemoteCommand.insert(request, charger: chargerID, origin: me, target: node, nowMs: now, in: db)
                try Self.notify(ClusterMessage(kind: .command, from: me, to: node, id: id), in: db)
                return id
            }
        } catch {
            throw ControlError(.internalError, "cannot route the command to node \(node): \(error)")
        }
        logger.debug("command routed", metadata: ["charger": "\(chargerID)", "action": "\(request.action)", "to": "\(node)", "id": "\(id)"])
        let deadline = ContinuousClock.now + .milliseconds(Int64((request.timeout + 3) * 1000))
        while true {
            let left = Double((deadline - ContinuousClock.now) / .milliseconds(1)) / 1000
            if let outcome = await awaitAnswer(id, seconds: min(1, max(left, 0))) {
                return .answered(try outcome.get())
            }
            if ContinuousClock.now >= deadline || Task.isCancelled { break }
            if await holder(of: chargerID) != node, await withdraw(id) {
                logger.info("routed command follows its charger", metadata: ["charger": "\(chargerID)", "action": "\(request.action)", "from": "\(node)"])
                return .moved
            }
        }
        _ = try? await database.write { db in try RemoteCommand.abandon(id, in: db) }
        throw ControlError(.timeout, "no answer within \(request.timeout) s (charger \(chargerID) on node \(node))")
    }

    /// Deletes request `id` if no node has claimed it yet (so it can never run twice); true if deleted.
    private func withdraw(_ id: Int64) async -> Bool {
        (try? await database.write { db in try RemoteCommand.withdraw(id, in: db) }) ?? false
    }

    private func awaitAnswer(_ id: Int64, seconds: Double) async -> RemoteCommand.Outcome? {
        await withTaskGroup(of: RemoteCommand.Outcome?.self) { group in
            group.addTask { await self.answer(for: id) }
            group.addTask {
                try? await Task.sleep(for: .milliseconds(Int64(seconds * 1000)))
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }

    /// Waits for `resolve(id, ...)`; nil when cancelled.
    private func answer(for id: Int64) async -> RemoteCommand.Outcome? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<RemoteCommand.Outcome?, Never>) in
                let ready: RemoteCommand.Outcome?? = waiting.withLock { state in
                    if let early = state.early.removeValue(forKey: id) { return .some(early.outcome) }
                    if Task.isCancelled { return .some(nil) }
                    state.continuations[id] = continuation
                    return .none
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            resolve(id, nil)
        }
    }

    private func resolve(_ id: Int64, _ outcome: RemoteCommand.Outcome?) {
        let now = Timestamp.nowMilliseconds()
        let continuation = waiting.withLock { state in
            let continuation = state.continuations.removeValue(forKey: id)
            if continuation == nil, let outcome {
                state.early = state.early.filter { now - $0.value.atMs < 60_000 }
                state.early[id] = (outcome, now)
            }
            return continuation
        }
        continuation?.resume(returning: outcome)
    }

    /// Reads (and deletes) the answers among `ids` and hands them to their askers.
    private func collect(_ ids: [Int64]) async {
        guard !ids.isEmpty else { return }
        do {
            let outcomes = try await database.write { db in try RemoteCommand.collect(ids, in: db) }
            for (id, outcome) in outcomes { resolve(id, outcome) }
        } catch {
            logger.warning("remote answers not read", metadata: ["error": "\(String(describing: error))"])
        }
    }

    /// Claims commands addressed here (`ids`, or all: the poll) and runs each as a local command.
    private func claimAndRun(ids: [Int64]?) async {
        let now = Timestamp.nowMilliseconds()
        let node = nodeID
        let claimed: [RemoteCommand.Claimed]
        do {
            claimed = try await database.write { db in try RemoteCommand.claim(for: node, ids: ids, nowMs: now, in: db) }
        } catch {
            logger.warning("remote commands not claimed", metadata: ["error": "\(String(describing: error))"])
            return
        }
        guard !claimed.isEmpty, let run = handlers.withLock({ $0.runCommand }) else { return }
        await withDiscardingTaskGroup { group in
            for command in claimed {
                group.addTask {
                    let outcome = await run(command.charger, command.request)
                    let answeredMs = Timestamp.nowMilliseconds()
                    do {
                        try await self.database.write { db in
                            try RemoteCommand.answer(command.id, outcome, nowMs: answeredMs, in: db)
                            try Self.notify(ClusterMessage(kind: .answer, from: node, to: command.origin, id: command.id), in: db)
                        }
                    } catch {
                        self.logger.warning(
                            "remote command answer not written", metadata: ["charger": "\(command.charger)", "id": "\(command.id)", "error": "\(error)"]
                        )
                    }
                }
            }
        }
    }

    /// The safety net: commands whose notification was missed, and answers likewise.
    private func poll() async {
        await claimAndRun(ids: nil)
        let pending = waiting.withLock { Array($0.continuations.keys) }
        await collect(pending)
    }

    // MARK: - Events and refreshes

    private func relay(_ event: ServerEvent) {
        relayBuffer.withLock { $0.append(event) }
        relayWake.yield()
    }

    /// Sends buffered events, as many per NOTIFY as fit; events published during a send go in the next one.
    private func relayLoop() async {
        for await _ in relayWakes {
            let batch = relayBuffer.withLock { buffer in
                defer { buffer.removeAll(keepingCapacity: true) }
                return buffer
            }
            guard !batch.isEmpty else { continue }
            let messages = ClusterMessage.eventBatches(batch, from: nodeID)
            do {
                try await database.write { db in
                    for message in messages { try Self.notify(message, in: db) }
                }
            } catch is CancellationError {
                return  // shutting down: the other nodes will not miss what this node says last
            } catch {
                logger.warning("events not relayed", metadata: ["events": "\(batch.count)", "error": "\(String(describing: error))"])
            }
        }
    }

    /// Tells the other nodes that shared state changed (after the change committed).
    func announce(_ topic: String) async {
        let message = ClusterMessage(kind: .refresh, from: nodeID, topic: topic)
        do {
            try await database.write { db in try Self.notify(message, in: db) }
        } catch {
            logger.warning("refresh not announced", metadata: ["topic": "\(topic)", "error": "\(String(describing: error))"])
        }
    }

    /// NOTIFY in the caller's transaction: delivered at its commit, not at all if it rolls back.
    static func notify(_ message: ClusterMessage, in db: any SQLConnection) throws {
        guard db.dialect == .postgres else { return }
        _ = try db.fetchAll(sql: "SELECT pg_notify(?, ?)", arguments: [ClusterSettings.channel, message.payload])
    }
}
