import Foundation
import Logging
import Shared

/// Boot, status, sessions and meter values.
extension SimulatedCharger {
    var bootPayload: JSONValue {
        [
            "chargePointVendor": .string(template.vendor), "chargePointModel": .string(template.model),
            "chargePointSerialNumber": .string(String((id + "-CP").suffix(25))), "chargeBoxSerialNumber": .string(String(id.suffix(25))),
            "firmwareVersion": .string(firmwareVersion), "meterType": "ocpp-sim meter",
        ]
    }

    /// A CALLRESULT arrived for `call`: act on what it says.
    func accepted(_ call: OutgoingCall, payload: JSONValue) async {
        switch call.action {
        case "BootNotification":
            let interval = payload["interval"]?.numberValue?.int ?? 0
            guard payload["status"]?.stringValue == "Accepted" else {
                booted = false
                needsBoot = true
                jobSink.yield(.bootRetry(after: Double(interval > 0 ? interval : 30)))
                return
            }
            let first = needsBoot && !everBooted
            // A triggered BootNotification is not a start-up; one after a connect that needed a boot is.
            let startedUp = needsBoot
            needsBoot = false
            booted = true
            everBooted = true
            if interval > 0 {
                heartbeatInterval = Double(interval)
                configuration.force("HeartbeatInterval", String(interval))
            }
            if first { context.stats.booted() }
            if context.securityEvents && startedUp { sendSecurityEvent("StartupOfTheDevice") }
            for i in connectors.indices { sendStatus(i) }
            if installAfterBoot {
                installAfterBoot = false
                firmwareStatus = .installed
                enqueue(OutgoingCall("FirmwareStatusNotification", ["status": "Installed"]))
            }
            if rebootsLeft > 0 {
                rebootsLeft -= 1
                logger.info("rebooting right after boot (reboot-loop fault)")
                jobSink.yield(.reboot(hard: true))
            }
        case "StopTransaction":
            if let local = call.localTransaction, let i = records.firstIndex(where: { $0.localID == local }) { records[i].record.stopAnswered = true }
        case "Authorize":
            remember(idTag: call.payload["idTag"]?.stringValue, info: payload["idTagInfo"])
        case "StartTransaction":
            guard let local = call.localTransaction else { return }
            remember(idTag: call.payload["idTag"]?.stringValue, info: payload["idTagInfo"])
            if let serverID = payload["transactionId"]?.numberValue?.int {
                serverTransactionIds[local] = serverID
                if let i = records.firstIndex(where: { $0.localID == local }) { records[i].record.transactionId = serverID }
            }
            guard let c = connectors.firstIndex(where: { $0.session?.localID == local }) else { return }
            if let profile = connectors[c].session?.pendingProfile, let serverID = serverTransactionIds[local] {
                connectors[c].session?.pendingProfile = nil
                _ = profiles.set(profile, connectorId: c, runningTransactionId: serverID)
            }
            let status = payload["idTagInfo"]?["status"]?.stringValue ?? "Accepted"
            if status != "Accepted" && configuration.boolean("StopTransactionOnInvalidId") {
                stopTransaction(c, reason: .deAuthorized)
            }
        default:
            break
        }
    }

    private func remember(idTag: String?, info: JSONValue?) {
        guard let idTag, let info, configuration.boolean("AuthorizationCacheEnabled"), let parsed = try? IdTagInfo(json: info) else { return }
        authCache[idTag] = parsed
    }

    // MARK: - Status

    /// Reports connector `i`'s status now, or after reconnecting when offline.
    func sendStatus(_ i: Int) {
        guard online && booted else {
            connectors[i].statusUnsent = true
            return
        }
        connectors[i].statusUnsent = false
        let c = connectors[i]
        enqueue(OutgoingCall("StatusNotification", [
            "connectorId": .number(JSONNumber(i)), "errorCode": .string(c.errorCode.rawValue), "status": .string(c.status.rawValue),
            "timestamp": timestamp,
        ]))
    }

    func setStatus(_ i: Int, _ status: ChargePointStatus, error: ChargePointErrorCode = .noError) {
        guard connectors[i].status != status || connectors[i].errorCode != error else { return }
        connectors[i].status = status
        connectors[i].errorCode = error
        sendStatus(i)
    }

    /// The status an idle connector shows.
    func restingStatus(_ i: Int) -> ChargePointStatus {
        if !connectors[i].operative || !connectors[0].operative { return .unavailable }
        if connectors[i].reservation != nil { return .reserved }
        return .available
    }

    // MARK: - The driver's side

    func driveLoop(_ c: Int) async {
        while !Task.isCancelled {
            let wait = await step(c)
            try? await clock.sleep(wait)
        }
    }

    var sampleInterval: Double {
        Double(configuration.integer("MeterValueSampleInterval", default: 60))
    }

    /// Advances connector `c`'s state machine; returns the simulated seconds until it wants to run again.
    private func step(_ c: Int) async -> Double {
        let now = clock.now
        switch connectors[c].phase {
        case .charging:
            guard connectors[c].session != nil else {
                connectors[c].phase = .idle(nextArrival: nil)
                return 1
            }
            tick(c)
            return sampleInterval > 0 ? sampleInterval : 60
        case .finishing(let until):
            guard now >= until else { return until.timeIntervalSince(now) }
            if let scheduled = connectors[c].scheduledAvailability {
                connectors[c].operative = scheduled == .operative
                connectors[c].scheduledAvailability = nil
            }
            connectors[c].phase = .idle(nextArrival: nil)
            setStatus(c, restingStatus(c))
            checkFinished()
            return 1
        case .faulted(let until):
            guard now >= until else { return until.timeIntervalSince(now) }
            // Repaired: the vehicle that was waiting plugs in (at most one fault per session).
            connectors[c].phase = .idle(nextArrival: now)
            setStatus(c, restingStatus(c))
            return 1
        case .idle(let next):
            let scenario = context.scenario
            if let target = scenario.sessionsPerCharger {
                if sessionsStarted >= target { return 30 }
                // A counted run takes its connectors in turn, so the same seed always picks the same one.
                if c != (index + sessionsStarted) % connectorCount + 1 { return 5 }
            }
            guard booted, connectors[c].operative, connectors[0].operative, [.available, .reserved].contains(connectors[c].status) else { return 5 }
            guard let next else {
                let gap = connectors[c].rng.uniform(scenario.arrivalGap.range)
                connectors[c].phase = .idle(nextArrival: now.addingTimeInterval(gap))
                if connectors[c].rng.chance(context.faults.faultChance) {
                    let codes: [ChargePointErrorCode] = [.groundFailure, .overCurrentFailure, .highTemperature, .powerMeterFailure, .evCommunicationError]
                    let code = codes[Int(connectors[c].rng.next() % UInt64(codes.count))]
                    connectors[c].phase = .faulted(until: now.addingTimeInterval(connectors[c].rng.uniform(60...600)))
                    setStatus(c, .faulted, error: code)
                    return 1
                }
                return max(gap, 0.5)
            }
            guard now >= next else { return next.timeIntervalSince(now) }
            if template.exclusiveDC, connectors[c].isDC, connectors.contains(where: { $0.id != c && $0.isDC && $0.session != nil }) { return 30 }
            await plugIn(c)
            return 1
        }
    }

    private func plugIn(_ c: Int) async {
        sessionsStarted += 1
        let reservation = connectors[c].reservation
        let tags = context.scenario.idTags
        let tag = reservation?.idTag ?? (tags.isEmpty ? String((id + "-TAG").suffix(20)) : tags[(sessionsStarted - 1 + index) % tags.count])
        connectors[c].phase = .charging
        setStatus(c, .preparing)
        let authorized = await authorize(tag)
        guard connectors[c].session == nil else { return }
        guard authorized else {
            logger.info("id tag not accepted; the driver leaves", metadata: ["idTag": .string(tag)])
            sessionsEnded += 1
            connectors[c].phase = .finishing(until: clock.now.addingTimeInterval(10))
            setStatus(c, .finishing)
            return
        }
        startTransaction(c, idTag: tag, reservationId: reservation?.id, scenario: true)
    }

    /// Local rules first when LocalPreAuthorize is on or the charger is offline (LocalAuthorizeOffline,
    /// AllowOfflineTxForUnknownId), else Authorize.req.
    func authorize(_ tag: String) async -> Bool {
        let now = Timestamp(chargerNow)
        func local() -> IdTagInfo? {
            let info = (configuration.boolean("LocalAuthListEnabled") ? localList[tag] : nil) ?? authCache[tag]
            guard let info else { return nil }
            if let expiry = info.expiryDate, expiry < now { return IdTagInfo(status: .expired) }
            return info
        }
        if configuration.boolean("LocalPreAuthorize"), local()?.status == .accepted { return true }
        if online && booted, let answer = await request("Authorize", ["idTag": .string(tag)]) {
            return answer["idTagInfo"]?["status"]?.stringValue == "Accepted"
        }
        if let info = local() { return configuration.boolean("LocalAuthorizeOffline") && info.status == .accepted }
        return configuration.boolean("AllowOfflineTxForUnknownId")
    }

    /// Vehicles in turn per connector, starting at a different one per charger.
    func pickVehicle(_ c: Int) -> VehicleModel {
        let names = context.scenario.vehicles.isEmpty ? ["leaf"] : context.scenario.vehicles
        let name = names[(connectors[c].sessions + index + c - 1) % names.count]
        connectors[c].sessions += 1
        return VehicleModel.named(name) ?? VehicleModel.builtIn[0]
    }

    func startTransaction(_ c: Int, idTag: String, reservationId: Int?, scenario: Bool, profile: ChargingProfile? = nil) {
        nextLocalTransaction += 1
        let local = nextLocalTransaction
        let vehicle = pickVehicle(c)
        let full = quirks.contains(.zeroEnergy)
        let startSoC = full ? 100 : connectors[c].rng.uniform(context.scenario.startSoC.range).rounded()
        let target = full ? 100 : max(startSoC + 1, connectors[c].rng.uniform(context.scenario.targetSoC.range).rounded())
        let now = clock.now
        let meterStart = Int(connectors[c].registerWh.rounded())
        var session = ChargingSession(
            localID: local, connectorId: c, idTag: idTag, vehicle: vehicle, soc: startSoC, startSoC: startSoC, targetSoC: target,
            started: now, meterStart: meterStart, reservationId: reservationId, updated: now
        )
        session.scenario = scenario
        session.pendingProfile = profile
        if connectors[c].rng.chance(context.scenario.earlyLeaveChance) {
            session.earlyLeaveAt = now.addingTimeInterval(connectors[c].rng.uniform(600...3_600))
        }
        if full { session.leaveAt = now.addingTimeInterval(connectors[c].rng.uniform(60...300)) }
        connectors[c].session = session
        connectors[c].phase = .charging
        if connectors[c].reservation?.id == reservationId { connectors[c].reservation = nil }
        var payload: JSONObject = [
            "connectorId": .number(JSONNumber(c)), "idTag": .string(idTag), "meterStart": .number(JSONNumber(meterStart)), "timestamp": timestamp,
        ]
        if let reservationId { payload["reservationId"] = .number(JSONNumber(reservationId)) }
        enqueue(OutgoingCall("StartTransaction", .object(payload), transactional: true, localTransaction: local))
        records.append((local, FleetStats.SessionRecord(
            charger: id, connectorId: c, transactionId: nil, idTag: idTag, vehicle: vehicle.name, start: Timestamp(chargerNow).description, stop: "",
            meterStart: meterStart, meterStop: meterStart, energyWh: 0, startSoC: startSoC, endSoC: startSoC, maxPowerW: 0, stopReason: "",
            stopSent: false
        )))
        advancePhysics(c)
        updateChargingStatus(c)
    }

    /// Charges connector `c` up to now and returns the energy delivered.
    @discardableResult
    func advancePhysics(_ c: Int) -> Double {
        guard var session = connectors[c].session, let spec = connectors[c].spec else { return 0 }
        let store = profiles
        let template = self.template
        let vehicle = session.vehicle
        let target = session.targetSoC
        let skew = QuirkMode.clockOffset(quirks)
        let transactionStart = Timestamp(session.started.addingTimeInterval(skew))
        let blocked = template.exclusiveDC && spec.dc && connectors.contains { $0.id != c && $0.isDC && ($0.session?.point.power ?? 0) > 0 }
        let jitter = spec.dc ? 0 : connectors[c].rng.uniform(-0.01...0.01)
        let hasProfiles = !store.installed.isEmpty && !quirks.contains(.ignoreProfiles)
        let delivered = session.advance(to: clock.now) { soc, t in
            var limit: (value: Decimal, unit: ChargingRateUnitType, phases: Int)?
            if hasProfiles {
                let at = Timestamp(t.addingTimeInterval(skew))
                limit = CompositeSchedule(store: store, connectorId: c, start: at, duration: 1, transactionStart: transactionStart).limit(at: at)
            }
            return ChargingSession.operatingPoint(
                spec: spec, template: template, vehicle: vehicle, soc: soc, targetSoC: target, limit: limit, blocked: blocked, voltageJitter: jitter
            )
        }
        connectors[c].registerWh += delivered
        if quirks.contains(.registerReset), !session.registerResetDone, session.energyWh > 1_000 {
            session.registerResetDone = true
            connectors[c].registerWh = delivered
            logger.info("energy register reset (register-reset quirk)")
        }
        connectors[c].session = session
        if let i = records.firstIndex(where: { $0.localID == session.localID }) {
            records[i].record.energyWh = session.energyWh
            records[i].record.endSoC = (session.soc * 10).rounded() / 10
            records[i].record.maxPowerW = (session.maxPower * 10).rounded() / 10
        }
        return delivered
    }

    private func updateChargingStatus(_ c: Int) {
        guard let point = connectors[c].session?.point else { return }
        setStatus(c, point.suspendedByEV ? .suspendedEV : point.suspendedByEVSE ? .suspendedEVSE : .charging)
    }

    /// One sample interval of a running session: physics, status, stop conditions, MeterValues.
    private func tick(_ c: Int) {
        advancePhysics(c)
        guard var session = connectors[c].session else { return }
        let now = clock.now
        if session.soc >= session.targetSoC, session.leaveAt == nil {
            session.leaveAt = now.addingTimeInterval(connectors[c].rng.uniform(context.scenario.dwell.range))
        }
        connectors[c].session = session
        if let leave = session.leaveAt, now >= leave {
            return stopTransaction(c, reason: .evDisconnected)
        }
        if let early = session.earlyLeaveAt, now >= early {
            return stopTransaction(c, reason: .local)
        }
        updateChargingStatus(c)
        if quirks.contains(.meterGaps), !session.gapDone, session.energyWh > 0 {
            connectors[c].session?.gapDone = true
            connectors[c].session?.samplesToSkip = 4
        }
        if let skip = connectors[c].session?.samplesToSkip, skip > 0 {
            connectors[c].session?.samplesToSkip = skip - 1
            return
        }
        guard sampleInterval > 0 else { return }
        sendMeterValues(c, context: "Sample.Periodic", measurands: configuration.list("MeterValuesSampledData"))
    }

    func sendMeterValues(_ c: Int, context readingContext: String, measurands: [String]) {
        let samples = sampledValues(c, measurands: measurands, context: readingContext)
        guard !samples.isEmpty else { return }
        var payload: JSONObject = [
            "connectorId": .number(JSONNumber(c)), "meterValue": [["timestamp": timestamp, "sampledValue": .array(samples)]],
        ]
        let local = connectors[c].session?.localID
        if let local, let serverID = serverTransactionIds[local] { payload["transactionId"] = .number(JSONNumber(serverID)) }
        enqueue(OutgoingCall("MeterValues", .object(payload), transactional: local != nil, localTransaction: local))
    }

    /// Sampled values for the configured measurands (items may name a phase: `Current.Import.L2`).
    func sampledValues(_ c: Int, measurands: [String], context readingContext: String) -> [JSONValue] {
        guard c > 0, c < connectors.count else { return [] }
        let connector = connectors[c]
        let point = connector.session?.point ?? .idle
        let dc = connector.isDC
        let phases = dc ? 0 : (connector.spec?.phases ?? 1)
        var out: [JSONValue] = []
        func add(_ measurand: String, _ value: String, unit: String?, phase: String? = nil, location: String = "Outlet") {
            var sample: JSONObject = ["value": .string(value), "context": .string(readingContext), "measurand": .string(measurand)]
            if let phase { sample["phase"] = .string(phase) }
            sample["location"] = .string(location)
            if let unit { sample["unit"] = .string(unit) }
            out.append(.object(sample))
        }
        for item in measurands {
            var measurand = item
            var onlyPhase: String?
            if let dot = item.lastIndex(of: "."), ["L1", "L2", "L3", "N"].contains(String(item[item.index(after: dot)...])) {
                measurand = String(item[..<dot])
                onlyPhase = String(item[item.index(after: dot)...])
            }
            let phaseList: [String] = (1...max(phases, 1)).map { "L\($0)" }.filter { onlyPhase == nil || $0 == onlyPhase }
            switch measurand {
            case "Energy.Active.Import.Register":
                add(measurand, MeterFormat.decimal(connector.registerWh, places: 0), unit: "Wh")
            case "Power.Active.Import":
                add(measurand, MeterFormat.decimal(point.power, places: 1), unit: "W")
            case "Current.Import":
                if dc {
                    add(measurand, MeterFormat.decimal(point.current, places: 2), unit: "A")
                } else {
                    for (n, phase) in phaseList.enumerated() {
                        let number = Int(phase.dropFirst()) ?? (n + 1)
                        let drawn = number <= point.phases ? point.current : 0
                        add(measurand, MeterFormat.decimal(drawn, places: 2), unit: "A", phase: phase)
                    }
                }
            case "Voltage":
                if dc {
                    add(measurand, MeterFormat.decimal(point.voltage, places: 1), unit: "V")
                } else {
                    let volts = point.voltage > 0 ? point.voltage : template.voltage
                    for phase in phaseList { add(measurand, MeterFormat.decimal(volts, places: 1), unit: "V", phase: phase + "-N") }
                }
            case "Current.Offered":
                add(measurand, MeterFormat.decimal(connector.session == nil ? connector.spec?.maxCurrent ?? 0 : point.offeredCurrent, places: 1), unit: "A")
            case "Power.Offered":
                add(measurand, MeterFormat.decimal(connector.session == nil ? connector.spec?.maxPower ?? 0 : point.offeredPower, places: 0), unit: "W")
            case "SoC":
                if let session = connector.session { add(measurand, MeterFormat.decimal(session.soc, places: 0), unit: "Percent", location: "EV") }
            case "Frequency":
                add(measurand, "50", unit: "Hertz")
            case "Temperature":
                add(measurand, MeterFormat.decimal(25 + point.power / 2_000, places: 1), unit: "Celsius", location: "Body")
            default:
                break
            }
        }
        return out
    }

    /// Ends the session on connector `c`: StopTransaction (with the StopTxnSampledData samples), Finishing.
    func stopTransaction(_ c: Int, reason: Reason) {
        advancePhysics(c)
        guard let session = connectors[c].session else { return }
        let meterStop = Int(connectors[c].registerWh.rounded())
        let endSamples = sampledValues(c, measurands: configuration.list("StopTxnSampledData"), context: "Transaction.End")
        let sendStop = !quirks.contains(.neverStop)
        if sendStop {
            var payload: JSONObject = [
                "transactionId": -1, "idTag": .string(session.idTag), "meterStop": .number(JSONNumber(meterStop)), "timestamp": timestamp,
                "reason": .string(reason.rawValue),
            ]
            if !endSamples.isEmpty && !quirks.contains(.lateFinalMeter) {
                payload["transactionData"] = [["timestamp": timestamp, "sampledValue": .array(endSamples)]]
            }
            enqueue(OutgoingCall("StopTransaction", .object(payload), transactional: true, localTransaction: session.localID))
            if quirks.contains(.lateFinalMeter) {
                var late: JSONObject = ["connectorId": .number(JSONNumber(c)), "meterValue": [["timestamp": timestamp, "sampledValue": .array(endSamples)]]]
                late["transactionId"] = -1
                enqueue(OutgoingCall("MeterValues", .object(late), transactional: true, localTransaction: session.localID))
            }
        }
        if let i = records.firstIndex(where: { $0.localID == session.localID }) {
            records[i].record.meterStop = meterStop
            records[i].record.stop = Timestamp(chargerNow).description
            records[i].record.stopReason = reason.rawValue
            records[i].record.stopSent = sendStop
        }
        _ = profiles.transactionEnded(connectorId: c)
        connectors[c].session = nil
        if session.scenario { sessionsEnded += 1 }
        connectors[c].phase = .finishing(until: clock.now.addingTimeInterval(connectors[c].rng.uniform(10...60)))
        setStatus(c, .finishing)
        logger.debug("session ended", metadata: ["connector": "\(c)", "energyWh": "\(Int(session.energyWh))", "reason": .string(reason.rawValue)])
    }

    // MARK: - Load mode

    /// A fixed share of the fleet's aggregate message rate, in real time: StartTransaction, MeterValues with ten
    /// sampled values, a Heartbeat every tenth message, StatusNotification, StopTransaction, over and over.
    /// Closed loop: the next message waits for the previous answer, so a rate above what the central system answers
    /// measures its capacity instead of growing a queue here; a charger that fell behind sends at once.
    func loadLoop(rate: Double) async {
        let interval = Duration.milliseconds(max(1, Int64(Double(context.stats.chargers) / max(rate, 0.001) * 1000)))
        var next = ContinuousClock.now + interval * rng.uniform(0...1)
        var k = 0
        let measurands = ["Energy.Active.Import.Register", "Power.Active.Import", "Current.Import.L1", "Current.Import.L2", "Current.Import.L3",
                          "Voltage.L1", "Voltage.L2", "Voltage.L3", "Frequency", "Temperature"]
        while !Task.isCancelled {
            let now = ContinuousClock.now
            if next > now {
                try? await Task.sleep(until: next, clock: .continuous)
                next += interval
            } else {
                next = now + interval
            }
            guard online && booted else { continue }
            takingLoadStep = true
            loadStep(k, measurands: measurands)
            takingLoadStep = false
            k += 1
            if !(outbox.isEmpty && priority.isEmpty && inflight == nil) {
                await withTaskCancellationHandler {
                    await withCheckedContinuation { drainedWaiters.append($0) }
                } onCancel: {
                    Task { await self.releaseDrainedWaiters() }
                }
            }
        }
    }

    private func loadStep(_ k: Int, measurands: [String]) {
        let c = 1
        switch k % 20 {
        case 0:
            if connectors[c].session != nil { stopTransaction(c, reason: .local) }
            startTransaction(c, idTag: String((id + "-TAG").suffix(20)), reservationId: nil, scenario: false)
        case 9:
            enqueue(OutgoingCall("Heartbeat", [:]))
        case 18:
            sendStatus(c)
        case 19:
            if connectors[c].session != nil { stopTransaction(c, reason: .local) } else { enqueue(OutgoingCall("Heartbeat", [:])) }
        default:
            if connectors[c].session != nil {
                connectors[c].registerWh += 100
                sendMeterValues(c, context: "Sample.Periodic", measurands: measurands)
            } else {
                enqueue(OutgoingCall("Heartbeat", [:]))
            }
        }
    }
}
