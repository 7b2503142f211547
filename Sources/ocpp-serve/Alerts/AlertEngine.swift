import AsyncHTTPClient
import Logging
import ServiceLifecycle
import Shared

/// Turns server events into alerts: opens one per problem (rule, charger, subject) while it lasts, stores it, sends
/// it to the sinks whose filter takes it, and sends `resolved` when the problem clears. Open alerts are loaded at
/// start, so a restarted server does not send them again. Sinks work on their own queues: nothing here waits for one.
actor AlertEngine: Service {
    private let settings: AlertSettings
    private let store: AlertStore
    private let logger: Logger
    private let stream: AsyncStream<ServerEvent>
    let sinks: [AlertSinkRunner]
    private var open: [Alert.Key: Alert] = [:]
    /// When each charger was last seen going away (and whether it went silent while connected); cleared when it is back.
    private var offlineSince: [String: (atMs: Int64, silent: Bool)] = [:]
    private let registry: ChargerRegistry
    private var boots: [String: [Int64]] = [:]
    /// Alerts that have no clearing event resolve after `quietSeconds` without a repeat.
    private static let quietRules: Set<AlertRule> = [.handshake, .limit, .rebootLoop, .commandTimeout, .securityEvent]

    init(
        settings: AlertSettings,
        database: any SQLStore,
        events: EventBus,
        registry: ChargerRegistry,
        logger: Logger,
        httpClient: HTTPClient = .shared
    ) {
        self.settings = settings
        store = AlertStore(database: database)
        self.registry = registry
        self.logger = logger
        sinks = settings.sinks.map { sink in
            let delivery: any AlertDelivery =
                switch sink.kind {
                case .exec(let command): ExecDelivery(command: command, timeoutSeconds: sink.timeoutSeconds)
                case .webhook(let url, let headers):
                    WebhookDelivery(
                        url: url,
                        headers: headers,
                        timeoutSeconds: sink.timeoutSeconds,
                        attempts: sink.attempts,
                        retryDelaySeconds: sink.retryDelaySeconds,
                        client: httpClient
                    )
                }
            return AlertSinkRunner(settings: sink, delivery: delivery, logger: logger)
        }
        // Subscribed now, before the charger port opens, so no event is missed.
        // Other nodes' connects and disconnects too (several nodes): whether a charger is offline is the fleet's
        // question, answered by the leader; every other rule stays with the node that saw the event.
        stream = events.subscribe(includeRemote: true) { event in
            switch event.kind {
            case .fault, .status, .connect, .disconnect, .offline, .online, .boot, .rejected, .limitRejected, .limitIgnored, .commandAnswered,
                .transactionStop, .securityEvent:
                true
            default: false
            }
        }
    }

    func run() async throws {
        let startMs = Timestamp.nowMilliseconds()
        do {
            for alert in try await store.openAlerts() { open[alert.key] = alert }
            // Chargers that were around before the restart are expected back within the offline threshold.
            for charger in try await store.chargersSeen(since: startMs - 7 * 86_400_000) { offlineSince[charger] = (startMs, false) }
        } catch {
            logger.error("cannot read alerts", metadata: ["error": "\(error)"])
        }
        AlertMetrics.recordOpen(open.count)
        let sinks = self.sinks
        let events = stream
        let (stopped, stop) = AsyncStream.makeStream(of: Void.self)
        await withDiscardingTaskGroup { group in
            group.addTask { await Self.runSinks(sinks, stopped: stopped) }
            group.addTask {
                try? await cancelWhenGracefulShutdown {
                    for await event in events { await self.handle(event) }
                }
                for sink in sinks { sink.finish() }
                stop.finish()
            }
            group.addTask {
                while !Task.isShuttingDownGracefully && !Task.isCancelled {
                    do {
                        try await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(self.settings.checkSeconds)) }
                    } catch {
                        break
                    }
                    await self.tick()
                }
            }
        }
    }

    /// Runs the sinks' workers; once `stopped` ends (shutdown) they get `shutdownGrace` to deliver what is queued,
    /// then are cancelled, so a dead or hanging sink does not hold up the exit.
    static func runSinks(_ sinks: [AlertSinkRunner], stopped: AsyncStream<Void>) async {
        guard !sinks.isEmpty else { return }
        await withTaskGroup(of: Bool.self) { group in
            for sink in sinks {
                group.addTask {
                    await sink.run()
                    return false
                }
            }
            group.addTask {
                for await _ in stopped {}
                try? await Task.sleep(for: shutdownGrace)
                return true
            }
            var running = sinks.count
            while let deadline = await group.next() {
                if !deadline { running -= 1 }
                if deadline || running == 0 { break }
            }
            group.cancelAll()
        }
    }

    static let shutdownGrace = Duration.seconds(3)

    func records(openOnly: Bool) async throws -> AlertsAnswer {
        var records = try await store.records(openOnly: openOnly, limit: 500)
        // Repeats are counted in memory while an alert is open.
        for index in records.indices where records[index].state == "open" {
            if let alert = open.values.first(where: { $0.id == records[index].id }) { records[index].repeats = alert.repeats }
        }
        return AlertsAnswer(alerts: records, sinks: sinks.map(\.status))
    }

    // MARK: - Rules

    /// Several nodes: only the leader raises offline alerts, for chargers connected to no node.
    struct ClusterHooks: Sendable {
        var isLeader: @Sendable () -> Bool
        var connectedAnywhere: @Sendable () async -> Set<String>
    }

    private var clusterHooks: ClusterHooks?

    func setCluster(_ hooks: ClusterHooks) {
        clusterHooks = hooks
    }

    func handle(_ event: ServerEvent) async {
        guard let charger = event.chargerID else { return }
        let at = event.atMs
        if event.origin != nil {
            // Another node's event: only the offline bookkeeping (that node raises its own alerts).
            switch event.kind {
            case .disconnect, .offline:
                if offlineSince[charger] == nil { offlineSince[charger] = (at, event.kind == .offline) }
            case .connect, .online, .boot:
                await back(charger, at: at)
            default:
                break
            }
            return
        }
        let connector = event.detail["connector"]?.numberValue?.int
        switch event.kind {
        case .fault:
            let status = event.detail["status"]?.stringValue ?? "?"
            let code = event.detail["errorCode"]?.stringValue ?? "?"
            var text = "\(charger) connector \(connector ?? 0) \(status): \(code)"
            if let vendor = event.detail["vendorErrorCode"]?.stringValue { text += ", vendor error \(vendor)" }
            if let info = event.detail["info"]?.stringValue { text += " (\(info))" }
            await raise(.fault, charger, subject: "connector \(connector ?? 0)", message: text, detail: event.detail, at: at)
        case .status:
            if event.detail["status"]?.stringValue != "Faulted", event.detail["errorCode"]?.stringValue == "NoError" {
                await clear(
                    .fault,
                    charger,
                    subject: "connector \(connector ?? 0)",
                    at: at,
                    message: "\(charger) connector \(connector ?? 0) recovered"
                )
            }
        case .disconnect, .offline:
            if offlineSince[charger] == nil { offlineSince[charger] = (at, event.kind == .offline) }
        case .connect, .online:
            await back(charger, at: at)
            if event.kind == .connect {
                await clear(.handshake, charger, subject: "websocket", at: at, message: "\(charger) connected")
            }
        case .boot:
            await back(charger, at: at)
            if event.detail["registration"]?.stringValue == "Rejected" {
                await raise(
                    .handshake,
                    charger,
                    subject: "boot",
                    message: "\(charger) BootNotification rejected (unknown charger)",
                    detail: event.detail,
                    at: at
                )
            } else {
                await clear(.handshake, charger, subject: "boot", at: at, message: "\(charger) BootNotification accepted")
            }
            let windowMs = Int64(settings.rebootWindowSeconds) * 1000
            var times = (boots[charger] ?? []).filter { at - $0 < windowMs }
            times.append(at)
            boots[charger] = times
            if times.count >= settings.reboots {
                await raise(
                    .rebootLoop,
                    charger,
                    subject: "",
                    message: "\(charger) booted \(times.count) times in \(settings.rebootWindowSeconds / 60) min",
                    detail: ["boots": .number(JSONNumber(times.count)), "windowSeconds": .number(JSONNumber(settings.rebootWindowSeconds))],
                    at: at
                )
            }
        case .rejected:
            let reason = event.detail["reason"]?.stringValue ?? "refused"
            await raise(.handshake, charger, subject: "websocket", message: "\(charger) handshake refused: \(reason)", detail: event.detail, at: at)
        case .limitRejected, .limitIgnored:
            let what =
                event.kind == .limitRejected
                ? "refused a charging profile (\(event.detail["status"]?.stringValue ?? "?"))"
                : "draws \(event.detail["drawn"].map { $0.serialized() } ?? "?") above its limit \(event.detail["limit"].map { $0.serialized() } ?? "?") \(event.detail["unit"]?.stringValue ?? "")"
            await raise(
                .limit,
                charger,
                subject: "connector \(connector ?? 0)",
                message: "\(charger) connector \(connector ?? 0) \(what)",
                detail: event.json,
                at: at
            )
        case .commandAnswered:
            let action = event.detail["action"]?.stringValue ?? "?"
            if event.detail["status"]?.stringValue == "Timeout" {
                await raise(
                    .commandTimeout,
                    charger,
                    subject: "",
                    message: "\(charger) did not answer \(action) in time",
                    detail: event.detail,
                    at: at
                )
            } else {
                await clear(.commandTimeout, charger, subject: "", at: at, message: "\(charger) answered \(action)")
            }
        case .securityEvent:
            let type = event.detail["type"]?.stringValue ?? "?"
            guard settings.alertsOn(securityEvent: type) else { return }
            let info = event.detail["techInfo"]?.stringValue.map { ": \($0)" } ?? ""
            await raise(.securityEvent, charger, subject: type, message: "\(charger) security event \(type)\(info)", detail: event.detail, at: at)
        case .transactionStop:
            if let id = event.detail["transactionId"]?.numberValue?.int64 {
                await clear(.staleTransaction, charger, subject: "transaction \(id)", at: at, message: "\(charger) transaction \(id) stopped")
            }
        default:
            break
        }
    }

    /// The periodic rules: offline thresholds, stale transactions, quiet periods; and the sinks' summaries.
    func tick() async {
        let now = Timestamp.nowMilliseconds()
        // A replaced connection reports a disconnect after its successor connected: connected chargers are not offline.
        var connected = Set(await registry.connectedContexts.map(\.chargerID))
        if let clusterHooks { connected.formUnion(await clusterHooks.connectedAnywhere()) }
        for (charger, entry) in offlineSince where !entry.silent && connected.contains(charger) { offlineSince[charger] = nil }
        let raisesOffline = clusterHooks?.isLeader() ?? true
        for (charger, entry) in offlineSince where raisesOffline && now - entry.atMs >= Int64(settings.offlineAfterSeconds) * 1000 {
            let since = entry.atMs
            await raise(
                .offline,
                charger,
                subject: "",
                message: "\(charger) offline for \((now - since) / 1000) s",
                detail: ["since": .string(Timestamp(milliseconds: since).description)],
                at: now,
                countsAsRepeat: false
            )
        }
        if !settings.disabledRules.contains(.staleTransaction) {
            do {
                let stale = try await store.openTransactions(startedBefore: now - Int64(settings.staleTransactionSeconds) * 1000)
                var subjects = Set<Alert.Key>()
                for transaction in stale {
                    let key = Alert.Key(rule: .staleTransaction, chargerID: transaction.charger, subject: "transaction \(transaction.id)")
                    subjects.insert(key)
                    await raise(
                        .staleTransaction,
                        transaction.charger,
                        subject: key.subject,
                        message:
                            "\(transaction.charger) transaction \(transaction.id) on connector \(transaction.connector) open for \((now - transaction.startMs) / 3_600_000) h",
                        detail: ["transactionId": .number(JSONNumber(transaction.id)), "connector": .number(JSONNumber(transaction.connector))],
                        at: now,
                        countsAsRepeat: false
                    )
                }
                for key in open.keys where key.rule == .staleTransaction && !subjects.contains(key) {
                    await clear(.staleTransaction, key.chargerID, subject: key.subject, at: now, message: "transaction no longer open")
                }
            } catch {
                logger.warning("stale transaction check failed", metadata: ["error": "\(error)"])
            }
        }
        let quietMs = Int64(settings.quietSeconds) * 1000
        for (key, alert) in open where Self.quietRules.contains(key.rule) && now - alert.lastSeenMs >= quietMs {
            await clear(key.rule, key.chargerID, subject: key.subject, at: now, message: "no repeat for \(settings.quietSeconds / 60) min")
        }
        for sink in sinks { sink.flush() }
    }

    private func back(_ charger: String, at: Int64) async {
        offlineSince[charger] = nil
        await clear(.offline, charger, subject: "", at: at, message: "\(charger) back online")
    }

    // MARK: - Opening and clearing

    /// Opens an alert unless one is open for the same problem (then only counts the repeat).
    private func raise(
        _ rule: AlertRule,
        _ charger: String?,
        subject: String,
        message: String,
        detail: JSONValue,
        at: Int64,
        countsAsRepeat: Bool = true
    ) async {
        guard !settings.disabledRules.contains(rule) else { return }
        let key = Alert.Key(rule: rule, chargerID: charger, subject: subject)
        if open[key] != nil {
            if countsAsRepeat {
                open[key]?.repeats += 1
                open[key]?.lastSeenMs = at
            }
            return
        }
        var group: String?
        if let charger { group = await store.group(of: charger) }
        var alert = Alert(id: 0, key: key, group: group, message: message, detail: detail, openedMs: at, lastSeenMs: at)
        // Re-checked after the awaits: another event may have opened it meanwhile.
        guard open[key] == nil else { return }
        open[key] = alert
        do {
            alert.id = try await store.insert(alert)
            open[key]?.id = alert.id
        } catch {
            // Still sent: an alert matters more than its row; a restart may send it once more.
            logger.error("cannot store alert", metadata: ["charger": "\(charger ?? "-")", "rule": "\(rule.rawValue)", "error": "\(error)"])
        }
        logger.notice(
            "alert",
            metadata: ["charger": "\(charger ?? "-")", "rule": "\(rule.rawValue)", "subject": "\(subject)", "message": "\(message)"]
        )
        AlertMetrics.recordOpen(open.count)
        dispatch(AlertMessage(alert, state: .open, atMs: at), rule: rule)
    }

    private func clear(_ rule: AlertRule, _ charger: String?, subject: String, at: Int64, message: String) async {
        let key = Alert.Key(rule: rule, chargerID: charger, subject: subject)
        guard var alert = open.removeValue(forKey: key) else { return }
        alert.resolvedMs = at
        do {
            try await store.resolve(alert)
        } catch {
            logger.error("cannot store resolved alert", metadata: ["charger": "\(charger ?? "-")", "rule": "\(rule.rawValue)", "error": "\(error)"])
        }
        logger.notice("alert resolved", metadata: ["charger": "\(charger ?? "-")", "rule": "\(rule.rawValue)", "subject": "\(subject)"])
        AlertMetrics.recordOpen(open.count)
        dispatch(AlertMessage(alert, state: .resolved, atMs: at, message: "resolved: \(message) (\(alert.message))"), rule: rule)
    }

    private func dispatch(_ message: AlertMessage, rule: AlertRule) {
        for sink in sinks { sink.enqueue(message, rule: rule) }
    }

    /// `ocpp-ctl alerts test SINK`.
    nonisolated func test(sink name: String) async -> AlertTestResult? {
        guard let sink = sinks.first(where: { $0.settings.name == name }) else { return nil }
        return await sink.test(atMs: Timestamp.nowMilliseconds())
    }
}
