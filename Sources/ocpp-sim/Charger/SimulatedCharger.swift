import Foundation
import HTTPTypes
import HummingbirdWSClient
import Logging
import NIOSSL
import NIOWebSocket
import Shared

/// One simulated charger: a WebSocket client offering `ocpp1.6` that boots, reports status, runs sessions and answers
/// every central-system CALL as a real charger would. All its state lives in this actor; timed behaviour runs in
/// child tasks of `run()` that sleep on the simulated clock.
actor SimulatedCharger {
    /// The answer to one CALL this charger sent.
    enum Answer: Sendable {
        case result(JSONValue)
        case error(RPCCallError)
        case invalid(String)
        case timeout
        case disconnected
    }

    /// Timed work started by a command or an answer, run as a child task of `run()`.
    enum Job: Sendable {
        case bootRetry(after: Double)
        case reboot(hard: Bool)
        case firmware(location: String, retrieveAt: Date)
        case diagnostics(location: String)
        case reservationExpiry(connectorId: Int, reservationId: Int)
        /// A new AuthorizationKey was accepted: reconnect with it once nothing is in flight.
        case reconnectWithNewKey
        /// Security extension: send a CSR (SignCertificate), a LogStatusNotification, upload a log, install signed
        /// firmware, reconnect with a newly signed certificate.
        case signCertificate
        case logStatus
        case uploadLog(requestId: Int, location: String, filename: String, security: Bool)
        case signedFirmware(SignedUpdateFirmwareRequest)
        case useChargerCertificate
    }

    struct Inflight {
        var messageID: String
        var sentAt: ContinuousClock.Instant
        var early: Answer?
        var continuation: CheckedContinuation<Answer, Never>?
    }

    let id: String
    let index: Int
    let context: FleetContext
    var template: ChargerTemplate { context.template }
    var clock: SimClock { context.clock }
    var logger: Logger
    var rng: SeededRandom
    let rewriter: QuirkRewriter
    let quirks: Set<QuirkMode>

    var configuration: ConfigurationStore
    var connectors: [ConnectorRuntime]
    var profiles: ChargingProfileStore
    var localList: [String: IdTagInfo] = [:]
    var localListVersion = 0
    var authCache: [String: IdTagInfo] = [:]
    var firmwareVersion: String
    var firmwareStatus: FirmwareStatus = .idle
    var diagnosticsStatus: DiagnosticsStatus = .idle
    var installAfterBoot = false
    /// Security Profile 1 key (raw bytes), sent as the Basic password; nil: no credentials.
    var authorizationKey: [UInt8]?
    /// Security extension: certificates, the security log GetLog uploads, the last log upload.
    var certificates = CertificateStore()
    var securityLog: [String] = []
    var logStatus: UploadLogStatusEnumType = .idle
    var logRequestId: Int?
    /// Security Profile 3: the client certificate presented on wss:// (reloadable, `ClientIdentity`).
    var identity: ClientIdentity?

    // Connection and boot.
    var outbound: WebSocketOutboundWriter?
    var online: Bool { outbound != nil }
    var needsBoot = true
    var booted = false
    var rebootsLeft: Int
    var rebootPending: Double?
    var heartbeatInterval = 300.0
    var holdsGate = false

    // Outgoing CALLs: BootNotification first, then everything else in order.
    var priority: [OutgoingCall] = []
    var outbox: [OutgoingCall] = []
    var inflight: Inflight?
    var senderWake: CheckedContinuation<Void, Never>?
    /// Load mode waits here until everything it queued was answered (one message in flight per charger).
    var drainedWaiters: [CheckedContinuation<Void, Never>] = []
    var nextMessageNumber = 0
    /// Message ids are `<run>-<n>`: unique across runs and reboots, so a central system's answer cache never
    /// mistakes a new message for a repeat (the run part is not seeded: ids do not change behaviour).
    let messagePrefix = String(UInt32.random(in: 0x100_0000...UInt32.max), radix: 36)

    // Transactions.
    var nextLocalTransaction = 0
    var serverTransactionIds: [Int: Int] = [:]
    var sessionsStarted = 0
    var sessionsEnded = 0
    var finished = false
    /// The run is ending: loops stop, waiters are released, the socket closes.
    var stopping = false
    /// Load mode: set while the load loop takes a step, so the calls it queues are the ones measured.
    var takingLoadStep = false
    var everBooted = false
    /// Every session this charger ran, by the simulator's transaction number, for the run's report.
    var records: [(localID: Int, record: FleetStats.SessionRecord)] = []

    let jobs: AsyncStream<Job>
    let jobSink: AsyncStream<Job>.Continuation

    init(id: String, index: Int, context: FleetContext) {
        self.id = id
        self.index = index
        self.context = context
        var logger = context.logger
        logger[metadataKey: "charger"] = .string(id)
        self.logger = logger
        self.rng = SeededRandom(seed: context.seed, stream: UInt64(index) << 8)
        self.quirks = context.quirks
        self.rewriter = QuirkRewriter(quirks: context.quirks)
        var configuration = ConfigurationStore(template: context.template)
        configuration.force("CpoName", context.cpoName)
        self.configuration = configuration
        let streams = { (connector: Int) in SeededRandom(seed: context.seed, stream: UInt64(index) << 8 | UInt64(connector + 1)) }
        var list = [ConnectorRuntime(id: 0, spec: nil, registerWh: 0, rng: streams(0))]
        for (i, spec) in context.template.connectors.enumerated() {
            list.append(ConnectorRuntime(id: i + 1, spec: spec, registerWh: context.template.meterStart + Double(i) * 100_000, rng: streams(i + 1)))
        }
        self.connectors = list
        let units = Set(context.template.allowedUnits.compactMap { $0 == "Current" ? ChargingRateUnitType.a : $0 == "Power" ? .w : nil })
        self.profiles = ChargingProfileStore(
            configuration: .init(
                smartChargingSupported: true, connectorCount: context.template.connectors.count, maxStackLevel: 8, maxPeriods: 24,
                maxInstalled: 16, allowedUnits: units
            )
        )
        self.firmwareVersion = context.template.firmware
        self.authorizationKey = context.password
        if let files = context.clientCertificate {
            do { identity = try ClientIdentity(chargerID: id, certificatePattern: files.certificate, keyPattern: files.key) } catch {
                logger.error("client certificate not loaded; connecting without one", metadata: ["error": "\(error)"])
            }
        }
        self.rebootsLeft = context.faults.rebootLoop
        (self.jobs, self.jobSink) = AsyncStream.makeStream(of: Job.self)
    }

    /// The charger's own clock: simulated time plus its skew (clock-skew quirk).
    var chargerNow: Date { clock.now.addingTimeInterval(QuirkMode.clockOffset(quirks)) }
    var timestamp: JSONValue { .string(Timestamp(chargerNow).description) }
    var connectorCount: Int { connectors.count - 1 }

    /// Runs until cancelled.
    func run() async {
        await withDiscardingTaskGroup { group in
            group.addTask { await self.connectionLoop() }
            group.addTask { await self.senderLoop() }
            group.addTask { await self.callTimeoutLoop() }
            group.addTask { await self.heartbeatLoop() }
            group.addTask { await self.clockAlignedLoop() }
            if let rate = context.scenario.rate {
                group.addTask { await self.loadLoop(rate: rate) }
            } else {
                for connector in 1...max(connectorCount, 1) where connector <= connectorCount {
                    group.addTask { await self.driveLoop(connector) }
                }
            }
            if let every = context.faults.dropEvery, every > 0 {
                group.addTask { await self.dropLoop(every: every) }
            }
            for await job in jobs {
                group.addTask { await self.perform(job) }
            }
        }
    }

    // MARK: - Connection

    private func connectionLoop() async {
        var failures = 0
        let encodedID = id.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"])) ?? id
        // Several URLs: after a failed connection attempt the next node is tried (a node that died is left; a drop
        // alone is retried on the same node first, as a charger behind a load balancer would).
        var switches = 0
        let maxMessage = context.maxMessage
        while !Task.isCancelled && !stopping {
            let url = context.url(for: encodedID, index: index, attempt: switches)
            await context.gate.enter()
            holdsGate = true
            // Built per attempt: the key may have changed (ChangeConfiguration AuthorizationKey).
            var headers = HTTPFields()
            headers[.secWebSocketProtocol] = "ocpp1.6"
            if let key = authorizationKey { headers[.authorization] = BasicAuthorization(user: id, password: key).header }
            let configuration = WebSocketClientConfiguration(maxFrameSize: context.maxMessage, additionalHeaders: headers)
            // Built per attempt too: the client certificate may have been reloaded.
            let tls = url.hasPrefix("wss://") ? ClientIdentity.tlsConfiguration(trustRoots: context.tlsTrustRoots, identity: identity) : nil
            do {
                try await WebSocketClient.connect(url: url, configuration: configuration, tlsConfiguration: tls, logger: logger) { inbound, outbound, _ in
                    await self.attached(outbound)
                    for try await message in inbound.messages(maxSize: maxMessage) {
                        if case .text(let text) = message { await self.received(text) }
                    }
                }
                failures = 0
            } catch where !stopping && !Task.isCancelled {
                failures += 1
                switches += 1
                if failures == 1 || failures % 10 == 0 {
                    logger.warning("connection failed", metadata: ["error": "\(error)", "attempts": "\(failures)"])
                }
            } catch {
                // The run is ending: the connection was cancelled on purpose.
            }
            await releaseGate()
            detached()
            if Task.isCancelled || stopping { break }
            let delay: Double
            if let reboot = rebootPending {
                rebootPending = nil
                delay = reboot / clock.speed
            } else {
                delay = min(0.25 * Double(1 << min(failures, 5)), 5) + rng.uniform(0...0.25)
            }
            try? await Task.sleep(for: .milliseconds(Int(max(delay, 0.01) * 1000)))
        }
    }

    private func releaseGate() async {
        if holdsGate {
            holdsGate = false
            await context.gate.leave()
        }
    }

    private func attached(_ writer: WebSocketOutboundWriter) async {
        await releaseGate()
        outbound = writer
        context.stats.update {
            $0.connected += 1
            $0.connections += 1
        }
        logger.debug("connected")
        if needsBoot {
            booted = false
            priority = [OutgoingCall("BootNotification", bootPayload)]
        } else {
            for i in connectors.indices where connectors[i].statusUnsent { sendStatus(i) }
        }
        wakeSender()
    }

    private func detached() {
        guard outbound != nil else { return }
        outbound = nil
        context.stats.update { $0.connected -= 1 }
        logger.debug("disconnected")
        if let current = inflight {
            inflight = nil
            current.continuation?.resume(returning: .disconnected)
        }
        priority.removeAll()
    }

    /// Ends the run for this charger: no reconnect, every waiting CALL and loop released, the socket closed.
    func shutdown() async {
        stopping = true
        jobSink.finish()
        wakeSender()
        if let current = inflight {
            inflight = nil
            current.continuation?.resume(returning: .disconnected)
        }
        for call in priority + outbox { call.waiter?.resume(returning: nil) }
        priority.removeAll()
        outbox.removeAll { $0.waiter != nil }
        releaseDrainedWaiters()
        await disconnect()
    }

    func releaseDrainedWaiters() {
        for waiter in drainedWaiters { waiter.resume() }
        drainedWaiters.removeAll()
    }

    /// Closes the socket (a reboot, or the drop-connection fault); the connection loop reconnects.
    func disconnect() async {
        guard let outbound else { return }
        try? await outbound.close(.goingAway, reason: nil)
    }

    private func dropLoop(every: Double) async {
        while !Task.isCancelled {
            try? await clock.sleep(every * rng.uniform(0.5...1.5))
            if Task.isCancelled { return }
            logger.info("dropping the connection (fault injection)")
            await disconnect()
        }
    }

    // MARK: - Receiving

    private func received(_ text: String) async {
        logger.trace("received", metadata: ["frame": .string(text)])
        switch RPCFrameParser.parse(text, mode: .strict) {
        case .frame(.call(let call), _, _):
            await handle(call)
        case .frame(.callResult(let result), _, _):
            deliver(.result(result.payload), to: result.messageID)
        case .frame(.callError(let error), _, _):
            deliver(.error(error), to: error.messageID)
        case .reject(let error):
            await write(error.serialized())
        case .invalidResponse(let messageID, let reason):
            if let messageID { deliver(.invalid(reason), to: messageID) }
        case .ignore:
            break
        }
    }

    func write(_ frame: String) async {
        guard let outbound else { return }
        do {
            try await outbound.write(.text(frame))
        } catch {
            logger.debug("write failed", metadata: ["error": "\(error)"])
        }
    }

    private func deliver(_ answer: Answer, to messageID: String) {
        guard var current = inflight, current.messageID == messageID else {
            logger.debug("answer for no pending CALL", metadata: ["messageId": .string(messageID)])
            return
        }
        if let continuation = current.continuation {
            inflight = nil
            continuation.resume(returning: answer)
        } else {
            current.early = answer
            inflight = current
        }
    }

    // MARK: - Sending

    /// Queues a CALL. Transaction messages are kept while offline; other messages are dropped when the charger
    /// is not connected and booted (a real charger reports its state again on reconnect).
    func enqueue(_ call: OutgoingCall) {
        if stopping || (!call.transactional && !(online && booted)) {
            call.waiter?.resume(returning: nil)
            return
        }
        var call = call
        call.measured = !context.stats.steadyStateOnly || takingLoadStep
        outbox.append(call)
        wakeSender()
    }

    /// Sends a CALL and waits for its answer payload (nil: CALLERROR, timeout or not connected).
    func request(_ action: String, _ payload: JSONValue) async -> JSONValue? {
        await withCheckedContinuation { continuation in
            enqueue(OutgoingCall(action, payload, waiter: continuation))
        }
    }

    func wakeSender() {
        senderWake?.resume()
        senderWake = nil
    }

    private func nextCall() async -> OutgoingCall? {
        while !Task.isCancelled && !stopping {
            if online {
                if !priority.isEmpty { return priority.removeFirst() }
                if booted && !outbox.isEmpty { return outbox.removeFirst() }
            }
            await withCheckedContinuation { senderWake = $0 }
        }
        return nil
    }

    private func senderLoop() async {
        while let call = await nextCall() {
            let (answer, sent, sentAt) = await transmit(call)
            await settle(sent, answer: answer, sentAt: sentAt)
            checkFinished()
            if outbox.isEmpty && priority.isEmpty { releaseDrainedWaiters() }
        }
    }

    private func transmit(_ original: OutgoingCall) async -> (Answer, OutgoingCall, ContinuousClock.Instant) {
        var call = original
        let sentAt = ContinuousClock.now
        guard online else { return (.disconnected, call, sentAt) }
        if call.messageID == nil {
            nextMessageNumber += 1
            call.messageID = messagePrefix + "-" + String(nextMessageNumber)
        }
        let messageID = call.messageID ?? ""
        var payload = call.payload
        if let local = call.localTransaction, case .object(var object) = payload {
            if let serverID = serverTransactionIds[local] {
                object["transactionId"] = .number(JSONNumber(serverID))
            } else if call.action == "StopTransaction" {
                object["transactionId"] = -1
            } else {
                object["transactionId"] = nil
            }
            payload = .object(object)
        }
        payload = rewriter.apply(action: call.action, to: payload)
        let frame = RPCCall(messageID: messageID, action: call.action, payload: payload).serialized()
        inflight = Inflight(messageID: messageID, sentAt: sentAt, early: nil, continuation: nil)
        context.stats.update { $0.sent += 1 }
        logger.trace("sending", metadata: ["frame": .string(frame)])
        await write(frame)
        return (await waitForAnswer(messageID), call, sentAt)
    }

    /// Expires the CALL in flight once it waited `callTimeout`: one timer per charger rather than one per CALL
    /// (a timer task per message was a tenth of the simulator's CPU in load mode). Expiry is late by at most a tick.
    private func callTimeoutLoop() async {
        let timeout = context.callTimeout
        let tick = min(max(timeout / 4, .milliseconds(20)), .seconds(1))
        while !Task.isCancelled {
            try? await Task.sleep(for: tick)
            if let current = inflight, ContinuousClock.now - current.sentAt >= timeout { timeoutInflight(current.messageID) }
        }
    }

    private func waitForAnswer(_ messageID: String) async -> Answer {
        await withCheckedContinuation { continuation in
            if let current = inflight, current.messageID == messageID {
                if let early = current.early {
                    inflight = nil
                    continuation.resume(returning: early)
                } else {
                    inflight?.continuation = continuation
                }
            } else {
                continuation.resume(returning: .disconnected)
            }
        }
    }

    private func timeoutInflight(_ messageID: String) {
        // At the end of a run the timers are cancelled, not expired: shutdown() answers the CALL as disconnected.
        guard !stopping, let current = inflight, current.messageID == messageID, let continuation = current.continuation else { return }
        inflight = nil
        continuation.resume(returning: .timeout)
    }

    private func settle(_ call: OutgoingCall, answer: Answer, sentAt: ContinuousClock.Instant) async {
        switch answer {
        case .result(let payload):
            var invalid = false
            if let action = OCPPAction(rawValue: call.action) {
                do {
                    _ = try PayloadValidator.validateResponse(payload, to: action, mode: .strict)
                } catch {
                    invalid = true
                    context.stats.problem("\(id): invalid \(call.action) answer: \(error)")
                }
            }
            context.stats.answered(after: .now - sentAt, error: false, invalid: invalid, measured: call.measured)
            await accepted(call, payload: payload)
            call.waiter?.resume(returning: payload)
        case .error(let error):
            context.stats.answered(after: .now - sentAt, error: true, invalid: false, measured: call.measured)
            context.stats.problem("\(id): \(call.action) answered with CALLERROR \(error.rawCode): \(error.description)")
            await failed(call)
        case .invalid(let reason):
            context.stats.answered(after: .now - sentAt, error: true, invalid: true, measured: call.measured)
            context.stats.problem("\(id): malformed answer to \(call.action): \(reason)")
            await failed(call)
        case .timeout:
            context.stats.update { $0.timeouts += 1 }
            context.stats.problem("\(id): no answer to \(call.action) within \(context.callTimeout)")
            await failed(call)
        case .disconnected:
            if call.transactional {
                outbox.insert(call, at: 0)
            } else {
                call.waiter?.resume(returning: nil)
            }
        }
    }

    /// A transaction message that failed is retried after TransactionMessageRetryInterval × attempts and dropped
    /// after TransactionMessageAttempts (S§3.7); other messages are not retried.
    private func failed(_ original: OutgoingCall) async {
        var call = original
        guard call.transactional else {
            call.waiter?.resume(returning: nil)
            return
        }
        call.attempts += 1
        call.messageID = nil
        let attempts = configuration.integer("TransactionMessageAttempts", default: 3)
        if call.attempts >= max(attempts, 1) {
            context.stats.update { $0.discarded += 1 }
            logger.warning("transaction message discarded", metadata: ["action": .string(call.action), "attempts": "\(call.attempts)"])
            call.waiter?.resume(returning: nil)
            return
        }
        let interval = Double(configuration.integer("TransactionMessageRetryInterval", default: 30)) * Double(call.attempts)
        outbox.insert(call, at: 0)
        try? await clock.sleep(interval)
    }

    // MARK: - Jobs

    private func perform(_ job: Job) async {
        switch job {
        case .bootRetry(let after):
            try? await clock.sleep(max(after, 1))
            if online, needsBoot, priority.isEmpty, inflight == nil {
                priority.append(OutgoingCall("BootNotification", bootPayload))
                wakeSender()
            }
        case .reboot(let hard):
            await reboot(hard: hard)
        case .firmware(let location, let retrieveAt):
            await updateFirmware(location: location, retrieveAt: retrieveAt)
        case .diagnostics(let location):
            await uploadDiagnostics(location: location)
        case .reservationExpiry(let connectorId, let reservationId):
            await reservationExpiry(connectorId: connectorId, reservationId: reservationId)
        case .signCertificate:
            await requestCertificate()
        case .logStatus:
            sendLogStatus()
        case .uploadLog(let requestId, let location, let filename, let security):
            await uploadLog(requestId: requestId, location: location, filename: filename, security: security)
        case .signedFirmware(let request):
            await installSignedFirmware(request)
        case .useChargerCertificate:
            await useChargerCertificate()
        case .reconnectWithNewKey:
            // Wait (bounded) for the CALL in flight to be answered, so the reconnect loses no message.
            for _ in 0..<500 where inflight != nil { try? await Task.sleep(for: .milliseconds(10)) }
            logger.info("reconnecting with the new AuthorizationKey")
            await disconnect()
        }
    }

    private func heartbeatLoop() async {
        while !Task.isCancelled {
            try? await clock.sleep(max(heartbeatInterval, 1))
            if Task.isCancelled { return }
            if online && booted { enqueue(OutgoingCall("Heartbeat", [:])) }
        }
    }

    /// ClockAlignedDataInterval: MeterValuesAlignedData samples (context Sample.Clock) on every connector at each
    /// multiple of the interval since midnight UTC (900: quarter hours), on the charger's clock.
    private func clockAlignedLoop() async {
        while !Task.isCancelled && !stopping {
            let interval = Double(configuration.integer("ClockAlignedDataInterval", default: 0))
            guard interval > 0 else {
                try? await clock.sleep(60)
                continue
            }
            let now = chargerNow.timeIntervalSince1970
            let next = (now / interval).rounded(.down) * interval + interval
            try? await clock.sleep(next - now)
            if Task.isCancelled || !(online && booted) { continue }
            for c in 1...max(connectorCount, 1) where c <= connectorCount {
                advancePhysics(c)
                sendMeterValues(c, context: "Sample.Clock", measurands: configuration.list("MeterValuesAlignedData"))
            }
        }
    }

    /// Marks the charger done once its scenario's sessions have ended and every transaction message is delivered.
    func checkFinished() {
        guard !finished, let target = context.scenario.sessionsPerCharger, sessionsEnded >= target, booted,
            outbox.allSatisfy({ !$0.transactional }), !connectors.contains(where: { $0.session != nil })
        else { return }
        finished = true
        context.stats.update { $0.finished += 1 }
    }
}
