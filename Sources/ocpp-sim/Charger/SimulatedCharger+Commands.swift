import Foundation
import Logging
import Shared

/// Answers to central-system CALLs, as a real OCPP 1.6 charger gives them.
extension SimulatedCharger {
    /// What a command sets going after its CALLRESULT is sent.
    enum Effect: Sendable {
        case status(Int)
        case reboot(hard: Bool)
        case remoteStart(connectorId: Int, idTag: String, profile: ChargingProfile?)
        case stop(connectorId: Int, reason: Reason)
        case trigger(MessageTrigger, connectorId: Int?)
        case job(Job)
    }

    func handle(_ call: RPCCall) async {
        context.stats.update { $0.received += 1 }
        var effects: [Effect] = []
        let frame: String
        do {
            let validated = try PayloadValidator.validateRequest(call, mode: .strict, receivedAt: Timestamp(chargerNow))
            let response = try respond(validated, effects: &effects)
            frame = RPCCallResult(messageID: call.messageID, payload: response).serialized()
        } catch {
            logger.info("command refused", metadata: ["action": .string(call.action), "error": "\(error)"])
            frame = RPCCallError(messageID: call.messageID, error).serialized()
        }
        await write(frame)
        context.stats.update { $0.receivedAnswered += 1 }
        for effect in effects { await apply(effect) }
    }

    private func connectorInRange(_ c: Int) -> Bool { c >= 1 && c <= connectorCount }

    private func respond(_ request: ValidatedPayload, effects: inout [Effect]) throws(OCPPError) -> JSONValue {
        let payload = request.payload
        switch request.action {
        case .changeAvailability:
            let r = try ChangeAvailabilityRequest(json: payload)
            guard r.connectorId == 0 || connectorInRange(r.connectorId) else { return ChangeAvailabilityResponse(status: .rejected).json }
            let operative = r.type == .operative
            var scheduled = false
            for c in (r.connectorId == 0 ? Array(connectors.indices) : [r.connectorId]) {
                if connectors[c].session != nil {
                    connectors[c].scheduledAvailability = r.type
                    scheduled = true
                    continue
                }
                connectors[c].operative = operative
                connectors[c].scheduledAvailability = nil
                effects.append(.status(c))
            }
            return ChangeAvailabilityResponse(status: scheduled ? .scheduled : .accepted).json
        case .changeConfiguration:
            let r = try ChangeConfigurationRequest(json: payload)
            if r.key.caseInsensitiveCompare("AuthorizationKey") == .orderedSame {
                // Whitepaper: hex of a 16-40 byte key; the charger keeps the bytes and reconnects with them.
                guard let key = AuthorizationKey.bytes(fromHex: r.value.utf8), AuthorizationKey.lengths.contains(key.count) else {
                    return ChangeConfigurationResponse(status: .rejected).json
                }
                authorizationKey = key
                effects.append(.job(.reconnectWithNewKey))
                return ChangeConfigurationResponse(status: .accepted).json
            }
            let status = configuration.change(r.key, to: r.value)
            if status == .accepted, r.key.caseInsensitiveCompare("HeartbeatInterval") == .orderedSame {
                heartbeatInterval = Double(configuration.integer("HeartbeatInterval", default: 300))
            }
            return ChangeConfigurationResponse(status: status).json
        case .clearCache:
            authCache.removeAll()
            return ClearCacheResponse(status: .accepted).json
        case .dataTransfer:
            let r = try DataTransferRequest(json: payload)
            guard r.vendorId == context.vendorId else { return DataTransferResponse(status: .unknownVendorId).json }
            return DataTransferResponse(status: .accepted, data: r.data.map { String($0.reversed()) }).json
        case .getConfiguration:
            let r = try GetConfigurationRequest(json: payload)
            return configuration.get(r.key).json
        case .remoteStartTransaction:
            let r = try RemoteStartTransactionRequest(json: payload)
            if let profile = r.chargingProfile, profile.chargingProfilePurpose != .txProfile {
                return RemoteStartTransactionResponse(status: .rejected).json
            }
            let free = { (c: Int) -> Bool in
                let connector = self.connectors[c]
                return connector.session == nil && connector.operative && self.connectors[0].operative
                    && [.available, .preparing, .reserved, .finishing].contains(connector.status)
                    && (connector.reservation == nil || connector.reservation?.idTag == r.idTag)
            }
            let target = r.connectorId.map { connectorInRange($0) && free($0) ? $0 : nil } ?? (1...max(connectorCount, 1)).first { connectorInRange($0) && free($0) }
            guard booted, let c = target else { return RemoteStartTransactionResponse(status: .rejected).json }
            effects.append(.remoteStart(connectorId: c, idTag: r.idTag, profile: r.chargingProfile))
            return RemoteStartTransactionResponse(status: .accepted).json
        case .remoteStopTransaction:
            let r = try RemoteStopTransactionRequest(json: payload)
            guard let c = connectors.firstIndex(where: { $0.session.map { serverTransactionIds[$0.localID] == r.transactionId } ?? false }) else {
                return RemoteStopTransactionResponse(status: .rejected).json
            }
            effects.append(.stop(connectorId: c, reason: .remote))
            return RemoteStopTransactionResponse(status: .accepted).json
        case .reset:
            let r = try ResetRequest(json: payload)
            effects.append(.reboot(hard: r.type == .hard))
            return ResetResponse(status: .accepted).json
        case .unlockConnector:
            let r = try UnlockConnectorRequest(json: payload)
            guard connectorInRange(r.connectorId) else { return UnlockConnectorResponse(status: .notSupported).json }
            if connectors[r.connectorId].session != nil {
                effects.append(.stop(connectorId: r.connectorId, reason: .unlockCommand))
            } else if case .finishing = connectors[r.connectorId].phase {
                connectors[r.connectorId].phase = .finishing(until: clock.now)
            }
            return UnlockConnectorResponse(status: .unlocked).json
        case .getDiagnostics:
            let r = try GetDiagnosticsRequest(json: payload)
            effects.append(.job(.diagnostics(location: r.location)))
            let stamp = Timestamp(chargerNow).description.filter(\.isNumber).prefix(14)
            return GetDiagnosticsResponse(fileName: "diagnostics-\(id)-\(stamp).log").json
        case .updateFirmware:
            let r = try UpdateFirmwareRequest(json: payload)
            effects.append(.job(.firmware(location: r.location, retrieveAt: r.retrieveDate.date.addingTimeInterval(-QuirkMode.clockOffset(quirks)))))
            return UpdateFirmwareResponse().json
        case .getLocalListVersion:
            return GetLocalListVersionResponse(listVersion: localListVersion).json
        case .sendLocalList:
            let r = try SendLocalListRequest(json: payload)
            return SendLocalListResponse(status: applyLocalList(r)).json
        case .reserveNow:
            let r = try ReserveNowRequest(json: payload)
            return ReserveNowResponse(status: reserve(r, effects: &effects)).json
        case .cancelReservation:
            let r = try CancelReservationRequest(json: payload)
            guard let c = connectors.firstIndex(where: { $0.reservation?.id == r.reservationId }) else {
                return CancelReservationResponse(status: .rejected).json
            }
            connectors[c].reservation = nil
            if connectors[c].status == .reserved { connectors[c].status = restingStatus(c) == .reserved ? .available : restingStatus(c) }
            effects.append(.status(c))
            return CancelReservationResponse(status: .accepted).json
        case .setChargingProfile:
            let r = try SetChargingProfileRequest(json: payload)
            guard r.connectorId == 0 || connectorInRange(r.connectorId) else { return SetChargingProfileResponse(status: .rejected).json }
            let running = connectors[r.connectorId].session.flatMap { serverTransactionIds[$0.localID] }
            let status = profiles.set(r, runningTransactionId: running)
            if status == .accepted, r.connectorId > 0 { advancePhysics(r.connectorId) }
            return SetChargingProfileResponse(status: status).json
        case .clearChargingProfile:
            let r = try ClearChargingProfileRequest(json: payload)
            return ClearChargingProfileResponse(status: profiles.clear(r)).json
        case .getCompositeSchedule:
            let r = try GetCompositeScheduleRequest(json: payload)
            guard r.connectorId == 0 || connectorInRange(r.connectorId) else { return GetCompositeScheduleResponse(status: .rejected).json }
            return compositeSchedule(connectorId: r.connectorId, duration: r.duration, unit: r.chargingRateUnit).response(connectorId: r.connectorId).json
        case .triggerMessage:
            let r = try TriggerMessageRequest(json: payload)
            if let c = r.connectorId, !(c == 0 || connectorInRange(c)) { return TriggerMessageResponse(status: .rejected).json }
            guard MessageTrigger.allCases.contains(r.requestedMessage) else { return TriggerMessageResponse(status: .notImplemented).json }
            effects.append(.trigger(r.requestedMessage, connectorId: r.connectorId))
            return TriggerMessageResponse(status: .accepted).json
        case .installCertificate, .getInstalledCertificateIds, .deleteCertificate, .extendedTriggerMessage, .certificateSigned, .getLog,
            .signedUpdateFirmware:
            return try respondSecurity(request, effects: &effects)
        default:
            throw OCPPError(.notSupported, "\(request.action.rawValue) is not something a charge point answers")
        }
    }

    /// The composite schedule as this charger computes it, in a unit it supports (an A-only charger answers in A
    /// whatever was asked, as the ABB Terra 54 does).
    func compositeSchedule(connectorId: Int, duration: Int, unit: ChargingRateUnitType?) -> CompositeSchedule {
        let allowed = profiles.configuration.allowedUnits
        let answerUnit = unit.flatMap { allowed.contains($0) ? $0 : nil } ?? (allowed.count == 1 ? allowed.first : unit)
        let phases = connectorId > 0 ? (connectors[connectorId].isDC ? 3 : connectors[connectorId].spec?.phases ?? 3) : 3
        let transactionStart = connectorId > 0 ? connectors[connectorId].session.map { Timestamp($0.started.addingTimeInterval(QuirkMode.clockOffset(quirks))) } : nil
        return CompositeSchedule(
            store: profiles, connectorId: connectorId, start: Timestamp(chargerNow), duration: duration, chargingRateUnit: answerUnit,
            transactionStart: transactionStart,
            options: .init(nominalVoltage: Decimal(template.voltage), defaultPhases: phases, unlimitedAmps: Decimal(template.unlimitedAmps))
        )
    }

    private func applyLocalList(_ r: SendLocalListRequest) -> UpdateStatus {
        guard configuration.boolean("LocalAuthListEnabled") else { return .notSupported }
        let entries = r.localAuthorizationList ?? []
        guard entries.count <= configuration.integer("SendLocalListMaxLength", default: 1_000) else { return .failed }
        var list = localList
        if r.updateType == .full {
            list = [:]
        } else if r.listVersion <= localListVersion {
            return .versionMismatch
        }
        for entry in entries {
            if let info = entry.idTagInfo { list[entry.idTag] = info } else { list[entry.idTag] = nil }
        }
        guard list.count <= configuration.integer("LocalAuthListMaxLength", default: 10_000) else { return .failed }
        localList = list
        localListVersion = r.listVersion
        return .accepted
    }

    private func reserve(_ r: ReserveNowRequest, effects: inout [Effect]) -> ReservationStatus {
        guard r.connectorId == 0 || connectorInRange(r.connectorId) else { return .rejected }
        if r.connectorId == 0 && !configuration.boolean("ReserveConnectorZeroSupported") { return .rejected }
        for c in connectors.indices where connectors[c].reservation?.id == r.reservationId {
            connectors[c].reservation = nil
            if connectors[c].status == .reserved {
                connectors[c].status = .available
                effects.append(.status(c))
            }
        }
        let c = r.connectorId
        let connector = connectors[c]
        if connector.status == .faulted { return .faulted }
        if !connector.operative || connector.status == .unavailable { return .unavailable }
        if c > 0 && (connector.session != nil || ![.available, .reserved].contains(connector.status) || connector.reservation != nil) { return .occupied }
        let expiry = r.expiryDate.date.addingTimeInterval(-QuirkMode.clockOffset(quirks))
        connectors[c].reservation = ConnectorRuntime.Reservation(id: r.reservationId, idTag: r.idTag, expiry: expiry)
        if c > 0 {
            connectors[c].status = .reserved
            effects.append(.status(c))
        }
        effects.append(.job(.reservationExpiry(connectorId: c, reservationId: r.reservationId)))
        return .accepted
    }

    private func apply(_ effect: Effect) async {
        switch effect {
        case .status(let c):
            let resting = restingStatus(c)
            if connectors[c].session == nil, case .idle = connectors[c].phase, connectors[c].status != .faulted { connectors[c].status = resting }
            if c == 0 { connectors[0].status = connectors[0].operative ? .available : .unavailable }
            sendStatus(c)
        case .reboot(let hard):
            jobSink.yield(.reboot(hard: hard))
        case .remoteStart(let c, let idTag, let profile):
            if configuration.boolean("AuthorizeRemoteTxRequests") {
                setStatus(c, .preparing)
                guard await authorize(idTag) else {
                    setStatus(c, restingStatus(c))
                    return
                }
            }
            guard connectors[c].session == nil else { return }
            startTransaction(c, idTag: idTag, reservationId: connectors[c].reservation?.idTag == idTag ? connectors[c].reservation?.id : nil,
                             scenario: false, profile: profile)
        case .stop(let c, let reason):
            stopTransaction(c, reason: reason)
        case .trigger(let message, let connectorId):
            trigger(message, connectorId: connectorId)
        case .job(let job):
            jobSink.yield(job)
        }
    }

    private func trigger(_ message: MessageTrigger, connectorId: Int?) {
        switch message {
        case .bootNotification:
            enqueue(OutgoingCall("BootNotification", bootPayload))
        case .heartbeat:
            enqueue(OutgoingCall("Heartbeat", [:]))
        case .statusNotification:
            for c in connectorId.map({ [$0] }) ?? Array(connectors.indices) { sendStatus(c) }
        case .meterValues:
            for c in connectorId.map({ [$0] }) ?? Array(1...max(connectorCount, 1)) where connectorInRange(c) {
                advancePhysics(c)
                sendMeterValues(c, context: "Trigger", measurands: configuration.list("MeterValuesSampledData"))
            }
        case .firmwareStatusNotification:
            enqueue(OutgoingCall("FirmwareStatusNotification", ["status": .string(firmwareStatus.rawValue)]))
        case .diagnosticsStatusNotification:
            enqueue(OutgoingCall("DiagnosticsStatusNotification", ["status": .string(diagnosticsStatus.rawValue)]))
        default:
            break
        }
    }

    // MARK: - Timed work

    /// Reset: running transactions end (SoftReset/HardReset), the socket closes, and the charger boots again after
    /// 5 simulated seconds (at least 50 ms). A hard reset also loses the installed charging profiles.
    func reboot(hard: Bool) async {
        // Security extension: the reset is logged and reported (delivered before the socket closes on a soft reset).
        if context.securityEvents { sendSecurityEvent("ResetOrReboot", techInfo: hard ? "Hard" : "Soft") }
        for c in connectors.indices where connectors[c].session != nil {
            stopTransaction(c, reason: hard ? .hardReset : .softReset)
            connectors[c].phase = .idle(nextArrival: nil)
        }
        for c in connectors.indices where connectors[c].status != .unavailable && connectors[c].status != .faulted {
            connectors[c].status = restingStatus(c)
        }
        // A soft reset lets queued messages (the StopTransaction just sent among them) be answered first, for as long
        // as one CALL may wait: cut short, the charger would send them again after the boot, a repeat the central
        // system has to recognise. A hard reset drops the socket at once; its messages go after the next boot.
        let drainEnd = ContinuousClock.now + context.callTimeout
        while !hard && online && (inflight != nil || !outbox.isEmpty) && ContinuousClock.now < drainEnd {
            try? await Task.sleep(for: .milliseconds(10))
        }
        // Charging profiles live in volatile memory on many chargers: a hard reset loses them, and the central
        // system has to send them again after the boot.
        if hard { _ = profiles.clear(ClearChargingProfileRequest()) }
        needsBoot = true
        booted = false
        rebootPending = 5
        logger.info("rebooting", metadata: ["type": hard ? "Hard" : "Soft"])
        await disconnect()
    }

    private static func transferSupported(_ location: String) -> Bool {
        guard let scheme = URL(string: location)?.scheme?.lowercased() else { return false }
        return ["ftp", "ftps", "http", "https"].contains(scheme)
    }

    /// UpdateFirmware: at the retrieve date Downloading, Downloaded, Installing, a reboot, then Installed once booted
    /// with the new firmware version. No file is fetched.
    func updateFirmware(location: String, retrieveAt: Date) async {
        try? await clock.sleep(until: retrieveAt)
        func report(_ status: FirmwareStatus) {
            firmwareStatus = status
            enqueue(OutgoingCall("FirmwareStatusNotification", ["status": .string(status.rawValue)]))
        }
        report(.downloading)
        try? await clock.sleep(30)
        guard Self.transferSupported(location) else { return report(.downloadFailed) }
        report(.downloaded)
        try? await clock.sleep(5)
        report(.installing)
        try? await clock.sleep(10)
        firmwareVersion = template.firmware + "+update"
        installAfterBoot = true
        await reboot(hard: false)
    }

    /// GetDiagnostics: Uploading, then Uploaded (no file is sent) or UploadFailed for an unsupported scheme.
    func uploadDiagnostics(location: String) async {
        diagnosticsStatus = .uploading
        enqueue(OutgoingCall("DiagnosticsStatusNotification", ["status": "Uploading"]))
        try? await clock.sleep(10)
        diagnosticsStatus = Self.transferSupported(location) ? .uploaded : .uploadFailed
        enqueue(OutgoingCall("DiagnosticsStatusNotification", ["status": .string(diagnosticsStatus.rawValue)]))
    }

    func reservationExpiry(connectorId c: Int, reservationId: Int) async {
        guard let expiry = connectors[c].reservation?.expiry else { return }
        try? await clock.sleep(until: expiry)
        guard connectors[c].reservation?.id == reservationId else { return }
        connectors[c].reservation = nil
        if connectors[c].status == .reserved { setStatus(c, restingStatus(c)) }
    }
}
