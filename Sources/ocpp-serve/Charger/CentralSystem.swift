import Foundation
import Logging
import Shared
import Synchronization

/// Answers every charger-initiated OCPP 1.6 message: reads the frame, validates it (lenient by default), applies
/// it to the store and builds the CALLRESULT. Transaction messages are answered only after their commit.
/// A class: every connection handler and its callbacks hold it.
final class CentralSystem: Sendable {
    let configuration: ServerConfiguration
    let writer: StoreWriter
    let database: any SQLStore
    let events: EventBus
    /// Checks meter values against the limits the charger holds; nil in tests that need no limit model.
    let limits: LimitManager?
    let logger: Logger
    let metrics: ServerMetrics
    let meterGauges: ChargerMeterGauges
    /// Signs chargers' CSRs; nil without `--csr-ca-cert`/`--csr-ca-key` (SignCertificate is then Rejected).
    let signer: CSRSigner?
    /// Sends CertificateSigned after an accepted SignCertificate; nil in tests that need no commands.
    let commander: ChargerCommander?

    init(
        configuration: ServerConfiguration, writer: StoreWriter, database: any SQLStore, events: EventBus, limits: LimitManager? = nil, logger: Logger,
        metrics: ServerMetrics = ServerMetrics(enabled: false), signer: CSRSigner? = nil, commander: ChargerCommander? = nil
    ) {
        self.signer = signer
        self.commander = commander
        self.metrics = metrics
        self.meterGauges = ChargerMeterGauges(metrics: metrics, limit: configuration.metricsChargers)
        self.configuration = configuration
        self.writer = writer
        self.database = database
        self.events = events
        self.limits = limits
        self.logger = logger
    }

    /// Actions whose answers are cached per charger, so a repeated message id is answered without a second effect.
    static let replayedActions: Set<String> = ["StartTransaction", "StopTransaction", "MeterValues", "DataTransfer"]

    /// Handles one text message from `charger`; calls `answer` exactly once with the text to send back (nil: none).
    ///
    /// Runs on the connection's event loop and waits for nothing: what needs no store is answered before this
    /// returns; MeterValues is answered from the writer's commit callback; the few actions that read the store or
    /// chain several steps (BootNotification, Authorize, Start/StopTransaction, DataTransfer) run in a short task.
    /// No task lives per connection (a task keeps the memory its deepest frames ever needed; issue 8).
    func handle(_ text: String, from charger: ChargerContext, calls: ChargerCallQueue?, answer: @escaping @Sendable (String?) -> Void) {
        let receivedMs = Timestamp.nowMilliseconds()
        let start = metrics.now()
        switch triage(text, from: charger, receivedMs: receivedMs) {
        case .answered(let reply):
            answer(reply)
        case .answerToCommand(let frame):
            metrics.answerToCommand()
            Task {
                if await calls?.deliver(frame) != true {
                    logger.warning("answer to no outstanding command", metadata: ["charger": "\(charger.chargerID)", "id": "\(frame.messageID)"])
                }
                answer(nil)
            }
        case .call(let call, let validated):
            process(validated, from: charger, receivedMs: receivedMs) { outcome in
                answer(self.conclude(call, outcome, charger.chargerID, cacheIn: charger))
                self.metrics.roundTrip(call.action, since: start)
            }
        }
    }

    /// What `triage` made of a message.
    enum Triage {
        /// Answered (or ignored, nil) without touching the store.
        case answered(String?)
        /// A CALLRESULT or CALLERROR for a command of the control plane.
        case answerToCommand(RPCFrame)
        /// A valid CALL to process.
        case call(RPCCall, ValidatedPayload)
    }

    /// Reads, records and validates a message; answers at once what needs no processing (malformed frames,
    /// repeated transaction messages, invalid payloads).
    private func triage(_ text: String, from charger: ChargerContext, receivedMs: Int64) -> Triage {
        let chargerID = charger.chargerID
        switch RPCFrameParser.parse(text, mode: configuration.validation) {
        case .ignore(let reason):
            record(.inbound, chargerID, receivedMs, text, type: nil, action: nil, id: nil, repairs: [])
            logger.debug("ignored message", metadata: ["charger": "\(chargerID)", "reason": "\(reason)"])
            metrics.ignored()
            return .answered(nil)
        case .invalidResponse(let id, let reason):
            record(.inbound, chargerID, receivedMs, text, type: nil, action: nil, id: id, repairs: [])
            logger.warning("malformed answer", metadata: ["charger": "\(chargerID)", "reason": "\(reason)"])
            metrics.ignored()
            return .answered(nil)
        case .reject(let error):
            record(.inbound, chargerID, receivedMs, text, type: MessageType.call.rawValue, action: nil, id: error.messageID, repairs: [])
            logger.warning("malformed frame", metadata: ["charger": "\(chargerID)", "error": "\(error.code.rawValue)", "reason": "\(error.description)"])
            return .answered(reply(error.serialized(), chargerID, type: .callError, action: nil, id: error.messageID, code: error.code))
        case .frame(.callResult(let result), _, let repairs):
            record(.inbound, chargerID, receivedMs, text, type: MessageType.callResult.rawValue, action: nil, id: result.messageID, repairs: repairs)
            return .answerToCommand(.callResult(result))
        case .frame(.callError(let error), _, let repairs):
            record(.inbound, chargerID, receivedMs, text, type: MessageType.callError.rawValue, action: nil, id: error.messageID, repairs: repairs)
            return .answerToCommand(.callError(error))
        case .frame(.call(let call), _, let frameRepairs):
            if let cached = charger.cachedReply(messageID: call.messageID, action: call.action, payload: call.payload) {
                record(.inbound, chargerID, receivedMs, text, type: 2, action: call.action, id: call.messageID, repairs: frameRepairs)
                logger.info("repeated message answered from cache", metadata: ["charger": "\(chargerID)", "action": "\(call.action)", "id": "\(call.messageID)"])
                return .answered(reply(cached, chargerID, type: .callResult, action: call.action, id: call.messageID))
            }
            var repairs = frameRepairs
            let validated: ValidatedPayload
            do {
                validated = try PayloadValidator.validateRequest(call, mode: configuration.validation, receivedAt: Timestamp(milliseconds: receivedMs))
            } catch {
                record(.inbound, chargerID, receivedMs, text, type: 2, action: call.action, id: call.messageID, repairs: repairs)
                return .answered(refuse(call, error, chargerID))
            }
            repairs += validated.repairs
            record(.inbound, chargerID, receivedMs, text, type: 2, action: call.action, id: call.messageID, repairs: repairs)
            if !repairs.isEmpty {
                metrics.repaired(repairs)
                events.publish(
                    ServerEvent(atMs: receivedMs, chargerID: chargerID, kind: .repairs, detail: ["action": .string(call.action), "repairs": .array(repairs.map(\.json))])
                )
            }
            return .call(call, validated)
        }
    }

    /// The CALLRESULT for a processed CALL (kept for a repeated message id), or the CALLERROR its failure earns.
    private func conclude(_ call: RPCCall, _ outcome: Result<JSONValue, any Error>, _ chargerID: String, cacheIn charger: ChargerContext) -> String {
        switch outcome {
        case .success(let payload):
            let answer = RPCCallResult(messageID: call.messageID, payload: payload).serialized()
            if Self.replayedActions.contains(call.action) {
                charger.cacheReply(messageID: call.messageID, action: call.action, payload: call.payload, text: answer)
            }
            return reply(answer, chargerID, type: .callResult, action: call.action, id: call.messageID)
        case .failure(let error as OCPPError):
            return refuse(call, error, chargerID)
        case .failure(let error):
            // Store failures and the like: never acknowledge, let the charger retry; details stay in the log.
            logger.error("CALL failed", metadata: ["charger": "\(chargerID)", "action": "\(call.action)", "error": "\(error)"])
            let text = RPCCallError(messageID: call.messageID, code: .internalError, description: "the central system could not process the message").serialized()
            return reply(text, chargerID, type: .callError, action: call.action, id: call.messageID, code: .internalError)
        }
    }

    private func refuse(_ call: RPCCall, _ error: OCPPError, _ chargerID: String) -> String {
        logger.warning(
            "CALL refused",
            metadata: ["charger": "\(chargerID)", "action": "\(call.action)", "error": "\(error.code.rawValue)", "reason": "\(error.description)"]
        )
        let text = RPCCallError(messageID: call.messageID, error).serialized()
        return reply(text, chargerID, type: .callError, action: call.action, id: call.messageID, code: error.code)
    }

    /// Processes a valid CALL and calls `then` with the answer payload, or an OCPPError for a CALLERROR.
    private func process(
        _ validated: ValidatedPayload, from charger: ChargerContext, receivedMs: Int64, then: @escaping @Sendable (Result<JSONValue, any Error>) -> Void
    ) {
        let action = validated.action
        if action.initiator == .centralSystem {
            return then(.failure(OCPPError(.notSupported, "\(action.rawValue) is sent by a central system, not to it")))
        }
        if action != .bootNotification, charger.registration == "Rejected" {
            return then(.failure(OCPPError(.securityError, "the charger is not accepted by this central system: send BootNotification")))
        }
        switch action {
        case .meterValues:
            // The bulk of a charger's traffic: answered from the commit callback, without a task.
            do {
                let request = try MeterValuesRequest(json: validated.payload)
                let limits = limits.flatMap { $0.watched.withLock { $0.contains(charger.chargerID) } ? $0 : nil }
                writer.submit(.meterValues(chargerID: charger.chargerID, request, receivedMs: receivedMs)) { result in
                    then(result.map { _ in MeterValuesResponse().json })
                    if case .success = result { self.meterGauges.observe(charger.chargerID, request) }
                    // Only chargers holding managed profiles pay for the check (a task and an actor hop).
                    if let limits, case .success = result {
                        Task { await limits.observe(charger.chargerID, request) }
                    }
                }
            } catch {
                then(.failure(error))
            }
        case .bootNotification, .authorize, .startTransaction, .stopTransaction, .dataTransfer:
            Task {
                do {
                    then(.success(try await self.awaitingAction(validated, from: charger, receivedMs: receivedMs)))
                } catch {
                    then(.failure(error))
                }
            }
        default:
            then(Result { try answerAtOnce(validated, charger.chargerID, receivedMs) })
        }
    }

    /// The actions that read the store or chain several writes.
    private func awaitingAction(_ validated: ValidatedPayload, from charger: ChargerContext, receivedMs: Int64) async throws -> JSONValue {
        switch validated.action {
        case .bootNotification: return try await boot(validated, charger, receivedMs)
        case .authorize: return try await authorize(validated, receivedMs)
        case .startTransaction: return try await startTransaction(validated, charger.chargerID, receivedMs)
        case .stopTransaction: return try await stopTransaction(validated, charger.chargerID, receivedMs)
        default: return try await dataTransfer(validated, charger.chargerID, receivedMs)
        }
    }

    private func boot(_ validated: ValidatedPayload, _ charger: ChargerContext, _ receivedMs: Int64) async throws -> JSONValue {
        let registration = charger.registration
        let interval = registration == "Accepted" ? configuration.heartbeatInterval : configuration.retryInterval
        let boot = try BootNotificationRequest(json: validated.payload)
        let result = try await writer.submit(.boot(chargerID: charger.chargerID, boot, registration: registration, interval: interval, atMs: receivedMs))
        return booted(charger, boot, result, registration: registration, interval: interval, receivedMs: receivedMs)
    }

    private func booted(
        _ charger: ChargerContext, _ boot: BootNotificationRequest, _ result: StoreResult, registration: String, interval: Int, receivedMs: Int64
    ) -> JSONValue {
        let chargerID = charger.chargerID
        charger.booted(registration: registration, heartbeatInterval: interval)
        events.publish(
            ServerEvent(
                atMs: receivedMs, chargerID: chargerID, kind: .boot,
                detail: ["registration": .string(registration), "vendor": .string(boot.chargePointVendor), "model": .string(boot.chargePointModel),
                    "firmware": boot.firmwareVersion.map(JSONValue.string) ?? .null]
            )
        )
        if case .booted(let stale) = result, stale > 0 {
            events.publish(ServerEvent(atMs: receivedMs, chargerID: chargerID, kind: .staleTransactions, detail: ["count": .number(JSONNumber(stale))]))
        }
        return BootNotificationResponse(status: RegistrationStatus(rawValue: registration), currentTime: Timestamp(milliseconds: receivedMs), interval: interval).json
    }

    private func authorize(_ validated: ValidatedPayload, _ receivedMs: Int64) async throws -> JSONValue {
        let request = try AuthorizeRequest(json: validated.payload)
        return AuthorizeResponse(idTagInfo: try await idTagInfo(request.idTag, nowMs: receivedMs)).json
    }

    private func startTransaction(_ validated: ValidatedPayload, _ chargerID: String, _ receivedMs: Int64) async throws -> JSONValue {
        let start = try StartTransactionRequest(json: validated.payload)
        let info = try await idTagInfo(start.idTag, nowMs: receivedMs)
        let result = try await writer.submit(.startTransaction(chargerID: chargerID, start, idTagStatus: info.status.rawValue, receivedMs: receivedMs))
        guard case .started(let transactionID, let retried) = result else { throw OCPPError(.internalError, "no transaction id") }
        if !retried {
            metrics.transactionStarted()
            events.publish(
                ServerEvent(
                    atMs: receivedMs, chargerID: chargerID, kind: .transactionStart,
                    detail: ["transactionId": .number(JSONNumber(transactionID)), "connector": .number(JSONNumber(start.connectorId)),
                        "idTag": .string(start.idTag), "meterStart": .number(JSONNumber(start.meterStart)), "idTagStatus": .string(info.status.rawValue)]
                )
            )
        }
        return StartTransactionResponse(idTagInfo: info, transactionId: transactionID).json
    }

    private func stopTransaction(_ validated: ValidatedPayload, _ chargerID: String, _ receivedMs: Int64) async throws -> JSONValue {
        let stop = try StopTransactionRequest(json: validated.payload)
        let result = try await writer.submit(.stopTransaction(chargerID: chargerID, stop, receivedMs: receivedMs))
        var detail: JSONObject = ["transactionId": .number(JSONNumber(stop.transactionId)), "meterStop": .number(JSONNumber(stop.meterStop)),
            "reason": .string(stop.reason?.rawValue ?? "Local")]
        if case .stopped(let resolved, let wasStale, let resolvedFrom) = result {
            if resolved == nil { detail["orphan"] = true }
            if wasStale { detail["wasStale"] = true }
            if let resolved, resolvedFrom != nil { detail["transactionId"] = .number(JSONNumber(resolved)); detail["claimedTransactionId"] = .number(JSONNumber(stop.transactionId)) }
        }
        if case .stopped(let resolved, let wasStale, _) = result, resolved != nil, !wasStale { metrics.transactionStopped() }
        events.publish(ServerEvent(atMs: receivedMs, chargerID: chargerID, kind: .transactionStop, detail: .object(detail)))
        var info: IdTagInfo?
        if let tag = stop.idTag { info = try await idTagInfo(tag, nowMs: receivedMs) }
        return StopTransactionResponse(idTagInfo: info).json
    }

    private func dataTransfer(_ validated: ValidatedPayload, _ chargerID: String, _ receivedMs: Int64) async throws -> JSONValue {
        let request = try DataTransferRequest(json: validated.payload)
        let status: DataTransferStatus = configuration.dataTransferVendors.contains(request.vendorId) ? .accepted : .unknownVendorId
        _ = try await writer.submit(.dataTransfer(chargerID: chargerID, direction: "in", request, status: status.rawValue, atMs: receivedMs))
        events.publish(ServerEvent(atMs: receivedMs, chargerID: chargerID, kind: .dataTransfer, detail: ["vendorId": .string(request.vendorId), "status": .string(status.rawValue)]))
        return DataTransferResponse(status: status).json
    }

    /// The actions answered without waiting for the store.
    private func answerAtOnce(_ validated: ValidatedPayload, _ chargerID: String, _ receivedMs: Int64) throws -> JSONValue {
        let now = Timestamp(milliseconds: receivedMs)
        switch validated.action {
        case .heartbeat:
            return HeartbeatResponse(currentTime: now).json

        case .statusNotification:
            let status = try StatusNotificationRequest(json: validated.payload)
            writer.submitDetached(.status(chargerID: chargerID, status, receivedMs: receivedMs))
            var detail: JSONObject = ["connector": .number(JSONNumber(status.connectorId)), "status": .string(status.status.rawValue), "errorCode": .string(status.errorCode.rawValue)]
            if let info = status.info { detail["info"] = .string(info) }
            if let code = status.vendorErrorCode { detail["vendorErrorCode"] = .string(code) }
            events.publish(ServerEvent(atMs: receivedMs, chargerID: chargerID, kind: .status, detail: .object(detail)))
            if status.status == .faulted || status.errorCode != .noError {
                metrics.fault(status.errorCode)
                events.publish(ServerEvent(atMs: receivedMs, chargerID: chargerID, kind: .fault, detail: .object(detail)))
            }
            return StatusNotificationResponse().json

        case .diagnosticsStatusNotification:
            let request = try DiagnosticsStatusNotificationRequest(json: validated.payload)
            writer.submitDetached(.diagnosticsStatus(chargerID: chargerID, status: request.status.rawValue, atMs: receivedMs))
            events.publish(ServerEvent(atMs: receivedMs, chargerID: chargerID, kind: .diagnosticsStatus, detail: ["status": .string(request.status.rawValue)]))
            return DiagnosticsStatusNotificationResponse().json

        case .firmwareStatusNotification:
            let request = try FirmwareStatusNotificationRequest(json: validated.payload)
            writer.submitDetached(.firmwareStatus(chargerID: chargerID, status: request.status.rawValue, atMs: receivedMs))
            events.publish(ServerEvent(atMs: receivedMs, chargerID: chargerID, kind: .firmwareStatus, detail: ["status": .string(request.status.rawValue)]))
            return FirmwareStatusNotificationResponse().json

        case .signCertificate:
            return try signCertificate(validated, chargerID, receivedMs)

        case .securityEventNotification:
            return try securityEvent(validated, chargerID, receivedMs)

        case .logStatusNotification:
            return try logStatus(validated, chargerID, receivedMs)

        case .signedFirmwareStatusNotification:
            return try signedFirmwareStatus(validated, chargerID, receivedMs)

        default:
            // Security-extension notifications (SecurityEventNotification, LogStatusNotification,
            // SignedFirmwareStatusNotification): recorded with the raw frame and as an event, answered with {}.
            events.publish(ServerEvent(atMs: receivedMs, chargerID: chargerID, kind: .notification, detail: ["action": .string(validated.action.rawValue), "payload": validated.payload]))
            return .object(JSONObject())
        }
    }

    /// The idTagInfo for a tag (CiString20: compared case-insensitively): the tag list decides; an expired entry
    /// is `Expired`; an unknown tag follows the unknown-tag policy.
    func idTagInfo(_ idTag: String, nowMs: Int64) async throws -> IdTagInfo {
        let entry: (status: String, expiryMs: Int64?, parent: String?)? = try await database.readWaiting { db in
            try db.fetchOne(sql: "SELECT status, expiry_ms, parent_id_tag FROM id_tags WHERE id_tag = ?", arguments: [idTag])
                .map { ($0["status"], $0["expiry_ms"], $0["parent_id_tag"]) }
        }
        guard let entry else {
            return IdTagInfo(status: configuration.unknownTags == .accept ? .accepted : .invalid)
        }
        var status = AuthorizationStatus(rawValue: entry.status)
        if status == .accepted, let expiryMs = entry.expiryMs, expiryMs <= nowMs { status = .expired }
        return IdTagInfo(expiryDate: entry.expiryMs.map(Timestamp.init(milliseconds:)), parentIdTag: entry.parent, status: status)
    }

    private func record(
        _ direction: StoredFrame.Direction, _ chargerID: String, _ atMs: Int64, _ text: String,
        type: Int?, action: String?, id: String?, repairs: [Repair]
    ) {
        writer.submitDetached(.frame(StoredFrame(chargerID: chargerID, direction: direction, atMs: atMs, messageType: type, action: action, messageID: id, text: text, repairs: repairs)))
    }

    /// Records and counts an answer; `code` for a CALLERROR.
    private func reply(_ text: String, _ chargerID: String, type: MessageType, action: String?, id: String, code: CallErrorCode? = nil) -> String {
        metrics.answered(action ?? "other", error: type == .callError ? code ?? .genericError : nil)
        record(.outbound, chargerID, Timestamp.nowMilliseconds(), text, type: type.rawValue, action: action, id: id, repairs: [])
        return text
    }
}
