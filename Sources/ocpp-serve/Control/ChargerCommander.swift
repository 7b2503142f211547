import Foundation
import Logging
import Shared

/// Sends one command to a charger for the control plane (socket or HTTP): checks the payload against the OCPP
/// schema, logs the command, waits for the charger's turn and answer within the timeout, records the outcome, and
/// keeps what the answer tells about the charger (configuration keys).
struct ChargerCommander: Sendable {
    let registry: ChargerRegistry
    let writer: StoreWriter
    let events: EventBus
    let database: any SQLStore
    let logger: Logger
    /// Command latency and outcomes by action (/metrics).
    var metrics: ServerMetrics? = nil
    /// Several nodes: a charger held by another node is reached through it (`ClusterNode.route`).
    var cluster: ClusterNode? = nil

    /// - Parameters:
    ///   - validate: false for `call`, which sends any action and payload verbatim.
    ///   - origin: who asked (`socket:alice`, `token:scheduler`), kept in the command log and the event stream.
    ///   - routed: false for a command another node routed here: it is not routed on again.
    func send(
        to chargerID: String, action: String, payload: JSONValue, timeout: Double, validate: Bool, origin: String, routed: Bool = true
    ) async throws(ControlError) -> CommandResult {
        let known = OCPPAction(rawValue: action)
        if validate {
            guard let known else { throw ControlError(.badRequest, "unknown OCPP 1.6 action \(action); use `call` to send it verbatim") }
            guard known.initiator != .chargePoint else { throw ControlError(.badRequest, "\(action) is sent by chargers, not to them") }
            do throws(OCPPError) {
                let checked = try PayloadValidator.validateRequest(RPCCall(messageID: "-", action: action, payload: payload), mode: .strict)
                guard checked.repairs.isEmpty else { throw OCPPError(.formationViolation, "payload needs repairs") }
            } catch {
                let at = error.path.map { " at \($0.isEmpty ? "/" : $0)" } ?? ""
                throw ControlError(.badRequest, "invalid \(action) payload\(at): \(error.description)")
            }
        }
        guard let connection = await registry.connection(chargerID) else {
            if routed, let cluster, let node = await cluster.holder(of: chargerID), node != cluster.nodeID {
                // Logged, sent and recorded by the node that holds the charger; its outcome comes back as if local.
                let request = RemoteCommand.Request(action: action, payload: payload, timeout: timeout, validate: validate, origin: origin)
                let asked = ContinuousClock.now
                switch try await cluster.route(chargerID, to: node, request) {
                case .answered(let result):
                    return result
                case .moved:
                    // The charger reconnected elsewhere before the request was claimed: dispatch again, in the time left.
                    let left = timeout - Double((ContinuousClock.now - asked) / .milliseconds(1)) / 1000
                    guard left > 0.1 else { throw ControlError(.timeout, "no answer within \(timeout) s") }
                    return try await send(to: chargerID, action: action, payload: payload, timeout: left, validate: validate, origin: origin)
                }
            }
            let exists = (try? await database.read { db in try db.fetchValue(Bool.self, sql: "SELECT 1 FROM chargers WHERE id = ?", arguments: [chargerID]) }) ?? nil
            throw exists == true
                ? ControlError(.notConnected, "charger \(chargerID) is not connected")
                : ControlError(.unknownCharger, "unknown charger \(chargerID)")
        }

        let messageID = UUID().uuidString.lowercased()
        let text = RPCCall(messageID: messageID, action: action, payload: payload).serialized()
        // A key sent to a charger is a secret: the command log, the frame log and the configuration keep it redacted.
        let logged = Self.redacted(action: action, payload)
        let loggedText = logged == payload ? text : RPCCall(messageID: messageID, action: action, payload: logged).serialized()
        let sentMs = Timestamp.nowMilliseconds()
        let commandID: Int64?
        do {
            if case .inserted(let id) = try await writer.submit(
                .commandSent(chargerID: chargerID, action: action, payload: logged.serialized(), origin: origin, messageID: messageID, atMs: sentMs)
            ) {
                commandID = id
            } else {
                commandID = nil
            }
        } catch {
            throw ControlError(.internalError, "cannot log the command: \(error)")
        }
        events.publish(
            ServerEvent(
                atMs: sentMs, chargerID: chargerID, kind: .commandSent,
                detail: ["action": .string(action), "origin": .string(origin), "command": commandID.map { .number(JSONNumber($0)) } ?? .null]
            )
        )

        let answer: RPCFrame
        let asked = ContinuousClock.now
        func count(_ outcome: ServerMetrics.CommandOutcome, code: String? = nil) {
            let elapsed = (ContinuousClock.now - asked).components
            metrics?.command(action, outcome: outcome, seconds: Double(elapsed.seconds) + Double(elapsed.attoseconds) * 1e-18, errorCode: code)
        }
        do {
            answer = try await Self.withTimeout(seconds: timeout) {
                try await connection.calls.call(messageID: messageID) {
                    writer.submitDetached(
                        .frame(
                            StoredFrame(
                                chargerID: chargerID, direction: .outbound, atMs: Timestamp.nowMilliseconds(), messageType: MessageType.call.rawValue,
                                action: action, messageID: messageID, text: loggedText, repairs: []
                            )
                        )
                    )
                    try await connection.send(text)
                }
            }
        } catch let failure as ControlError {
            count(.timeout)
            finish(commandID, chargerID, action, origin, outcome: "Timeout", response: nil)
            throw failure
        } catch {
            count(.disconnected)
            finish(commandID, chargerID, action, origin, outcome: "Disconnected", response: nil)
            throw ControlError(.disconnected, "charger \(chargerID) disconnected before answering \(action)")
        }

        let result: CommandResult
        switch answer {
        case .callError(let error):
            count(.callError, code: error.rawCode)
            result = CommandResult(
                charger: chargerID, action: action, status: CommandResult.callError, response: .object(JSONObject()),
                error: .init(code: error.rawCode, description: error.description, details: error.details), commandID: commandID
            )
            finish(commandID, chargerID, action, origin, outcome: CommandResult.callError, response: error.serialized())
        case .callResult(let callResult):
            count(.callResult)
            // The answer; `payload` stays the request, which `remember` needs beside it.
            var answer = callResult.payload
            var repairs: [String]?
            if let known {
                do {
                    let validated = try PayloadValidator.validateResponse(answer, to: known, mode: .lenient)
                    answer = validated.payload
                    repairs = validated.repairs.isEmpty ? nil : validated.repairs.map(\.description)
                } catch {
                    logger.warning(
                        "answer does not match its schema",
                        metadata: ["charger": "\(chargerID)", "action": "\(action)", "reason": "\(error.description)"]
                    )
                    repairs = ["invalid answer: \(error.description)"]
                }
            }
            result = CommandResult(
                charger: chargerID, action: action, status: CommandResult.status(of: answer), response: answer, commandID: commandID, repairs: repairs
            )
            finish(commandID, chargerID, action, origin, outcome: result.status, response: callResult.payload.serialized())
            remember(result, requestPayload: logged, chargerID: chargerID)
        case .call:
            throw ControlError(.internalError, "a CALL cannot answer a CALL")
        }
        return result
    }

    /// The payload as logged: ChangeConfiguration AuthorizationKey's value (Security Profile 1/2 key) replaced.
    static func redacted(action: String, _ payload: JSONValue) -> JSONValue {
        guard action == OCPPAction.changeConfiguration.rawValue, case .object(var object) = payload,
            payload["key"]?.stringValue?.caseInsensitiveCompare("AuthorizationKey") == .orderedSame
        else { return payload }
        object["value"] = .string("(redacted)")
        return .object(object)
    }

    /// Runs `body`, cancelling it after `seconds` with a `.timeout` error.
    static func withTimeout<T: Sendable>(seconds: Double, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: .milliseconds(Int64(seconds * 1000)))
                throw ControlError(.timeout, "no answer within \(seconds) s")
            }
            defer { group.cancelAll() }
            guard let first = try await group.next() else { throw CancellationError() }
            return first
        }
    }

    private func finish(_ commandID: Int64?, _ chargerID: String, _ action: String, _ origin: String, outcome: String, response: String?) {
        let atMs = Timestamp.nowMilliseconds()
        if let commandID {
            writer.submitDetached(.commandAnswered(commandID: commandID, outcome: outcome, response: response, atMs: atMs))
        }
        events.publish(
            ServerEvent(
                atMs: atMs, chargerID: chargerID, kind: .commandAnswered,
                detail: [
                    "action": .string(action), "status": .string(outcome), "origin": .string(origin),
                    "command": commandID.map { .number(JSONNumber($0)) } ?? .null,
                ]
            )
        )
    }

    /// Keeps what an answer says about the charger: its configuration keys, an accepted key change, a DataTransfer.
    private func remember(_ result: CommandResult, requestPayload: JSONValue, chargerID: String) {
        let atMs = Timestamp.nowMilliseconds()
        switch OCPPAction(rawValue: result.action) {
        case .getConfiguration:
            guard let response = try? GetConfigurationResponse(json: result.response) else { return }
            let askedForAll = (requestPayload["key"]?.arrayValue ?? []).isEmpty
            writer.submitDetached(.configuration(chargerID: chargerID, response.configurationKey ?? [], replaceAll: askedForAll, atMs: atMs))
        case .changeConfiguration:
            guard result.status == "Accepted" || result.status == "RebootRequired",
                let request = try? ChangeConfigurationRequest(json: requestPayload)
            else { return }
            writer.submitDetached(
                .configuration(chargerID: chargerID, [KeyValue(key: request.key, readonly: false, value: request.value)], replaceAll: false, atMs: atMs)
            )
        case .dataTransfer:
            guard let request = try? DataTransferRequest(json: requestPayload) else { return }
            writer.submitDetached(.dataTransfer(chargerID: chargerID, direction: "out", request, status: result.status, atMs: atMs))
        default:
            break
        }
    }
}
