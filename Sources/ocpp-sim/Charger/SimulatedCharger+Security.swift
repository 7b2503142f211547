import Crypto
import Foundation
import Logging
import NIOSSL
import Shared
import SwiftASN1
import X509

/// The 1.6 security extension as a charger implements it: certificate store, CSR and CertificateSigned, GetLog,
/// SignedUpdateFirmware, ExtendedTriggerMessage and SecurityEventNotification.
extension SimulatedCharger {
    /// Answers the security-extension CALLs; timed work goes to jobs run after the answer.
    func respondSecurity(_ request: ValidatedPayload, effects: inout [Effect]) throws(OCPPError) -> JSONValue {
        let payload = request.payload
        switch request.action {
        case .installCertificate:
            let r = try InstallCertificateRequest(json: payload)
            let status = certificates.install(
                r.certificate,
                as: r.certificateType,
                maxLength: configuration.integer("CertificateStoreMaxLength", default: 10)
            )
            if status == .accepted { securityLogLine("installed \(r.certificateType.rawValue)") }
            return InstallCertificateResponse(status: status).json
        case .getInstalledCertificateIds:
            let r = try GetInstalledCertificateIdsRequest(json: payload)
            let ids = certificates.ids(of: r.certificateType)
            return GetInstalledCertificateIdsResponse(certificateHashData: ids.isEmpty ? nil : ids, status: ids.isEmpty ? .notFound : .accepted).json
        case .deleteCertificate:
            let r = try DeleteCertificateRequest(json: payload)
            let status = certificates.delete(r.certificateHashData)
            if status == .accepted { securityLogLine("deleted certificate serial \(r.certificateHashData.serialNumber)") }
            return DeleteCertificateResponse(status: status).json
        case .extendedTriggerMessage:
            let r = try ExtendedTriggerMessageRequest(json: payload)
            if let c = r.connectorId, !(c == 0 || (c >= 1 && c <= connectorCount)) { return ExtendedTriggerMessageResponse(status: .rejected).json }
            switch r.requestedMessage {
            case .signChargePointCertificate: effects.append(.job(.signCertificate))
            case .logStatusNotification: effects.append(.job(.logStatus))
            case .bootNotification, .firmwareStatusNotification, .heartbeat, .meterValues, .statusNotification:
                effects.append(.trigger(MessageTrigger(rawValue: r.requestedMessage.rawValue), connectorId: r.connectorId))
            default:
                return ExtendedTriggerMessageResponse(status: .notImplemented).json
            }
            return ExtendedTriggerMessageResponse(status: .accepted).json
        case .certificateSigned:
            let r = try CertificateSignedRequest(json: payload)
            switch certificates.acceptSigned(
                r.certificateChain,
                chargerID: id,
                maxChainSize: configuration.integer("CertificateSignedMaxChainSize", default: 10_000)
            ) {
            case .accepted:
                securityLogLine("charge point certificate installed")
                effects.append(.job(.useChargerCertificate))
                return CertificateSignedResponse(status: .accepted).json
            case .rejected(let reason):
                logger.warning("CertificateSigned rejected", metadata: ["reason": .string(reason)])
                sendSecurityEvent("InvalidChargePointCertificate", techInfo: String(reason.prefix(255)))
                return CertificateSignedResponse(status: .rejected).json
            }
        case .getLog:
            let r = try GetLogRequest(json: payload)
            let stamp = Timestamp(chargerNow).description.filter(\.isNumber).prefix(14)
            let name = "\(r.logType == .securityLog ? "security" : "diagnostics")-\(id)-\(stamp).log"
            effects.append(
                .job(.uploadLog(requestId: r.requestId, location: r.log.remoteLocation, filename: name, security: r.logType == .securityLog))
            )
            return GetLogResponse(status: .accepted, filename: name).json
        case .signedUpdateFirmware:
            let r = try SignedUpdateFirmwareRequest(json: payload)
            guard (try? Certificate(pemEncoded: r.firmware.signingCertificate)) != nil else {
                sendSecurityEvent("InvalidFirmwareSigningCertificate", techInfo: "the signing certificate is not a PEM certificate")
                return SignedUpdateFirmwareResponse(status: .invalidCertificate).json
            }
            effects.append(.job(.signedFirmware(r)))
            return SignedUpdateFirmwareResponse(status: .accepted).json
        default:
            throw OCPPError(.notSupported, "\(request.action.rawValue) is not something a charge point answers")
        }
    }

    /// Sends a SecurityEventNotification (and keeps it in the security log GetLog uploads).
    func sendSecurityEvent(_ type: String, techInfo: String? = nil) {
        securityLogLine("security event \(type)" + (techInfo.map { ": \($0)" } ?? ""))
        var payload: JSONObject = ["type": .string(type), "timestamp": timestamp]
        if let techInfo { payload["techInfo"] = .string(techInfo) }
        enqueue(OutgoingCall("SecurityEventNotification", .object(payload)))
    }

    func securityLogLine(_ text: String) {
        securityLog.append("\(Timestamp(chargerNow).description) \(text)")
        if securityLog.count > 1000 { securityLog.removeFirst(securityLog.count - 1000) }
    }

    /// ExtendedTriggerMessage SignChargePointCertificate: a new key and CSR (CN = charge point id, O = CpoName).
    func requestCertificate() async {
        let csr: String
        do {
            csr = try certificates.makeCSR(chargerID: id, cpoName: configuration.value("CpoName") ?? "")
        } catch {
            logger.error("cannot make a CSR", metadata: ["error": "\(error)"])
            return
        }
        let answer = await request("SignCertificate", ["csr": .string(csr)])
        logger.info("SignCertificate answered", metadata: ["status": .string(answer?["status"]?.stringValue ?? "no answer")])
    }

    /// The one place a newly signed certificate takes effect: it becomes the identity of the next handshake (written
    /// to --certificate-dir), and the connection is closed so the connection loop reconnects with it.
    /// TLS (--client-cert/--client-key, h-tls): build the client TLS configuration from `certificates.chargerChain`
    /// and `certificates.chargerKey` here.
    func useChargerCertificate() async {
        guard let key = certificates.chargerKey, !certificates.chargerChain.isEmpty else { return }
        if let directory = context.certificateDirectory {
            do {
                let chain = try certificates.chargerChain.map { try $0.serializeAsPEM().pemString }.joined(separator: "\n") + "\n"
                let base = URL(fileURLWithPath: directory)
                try chain.write(to: base.appendingPathComponent("\(id).pem"), atomically: true, encoding: .utf8)
                try (key.pemRepresentation + "\n").write(to: base.appendingPathComponent("\(id).key.pem"), atomically: true, encoding: .utf8)
            } catch {
                logger.warning("cannot write the signed certificate", metadata: ["error": "\(error)"])
            }
        }
        // From the next connection on, wss:// presents the new certificate (Security Profile 3).
        do {
            let pair = ClientIdentity.Pair(
                chain: try certificates.chargerChain.map { try NIOSSLCertificate(bytes: try $0.serializeAsPEM().derBytes, format: .der) },
                key: try NIOSSLPrivateKey(bytes: Array(key.pemRepresentation.utf8), format: .pem)
            )
            if let identity { identity.use(pair) } else { identity = ClientIdentity(pair) }
        } catch {
            logger.warning("cannot use the signed certificate for TLS", metadata: ["error": "\(error)"])
        }
        // Wait (bounded) for the CALL in flight to be answered, so the reconnect loses no message.
        for _ in 0..<500 where inflight != nil { try? await Task.sleep(for: .milliseconds(10)) }
        logger.info("reconnecting with the new charge point certificate")
        await disconnect()
    }

    /// LogStatusNotification with the current upload status (ExtendedTriggerMessage).
    func sendLogStatus() {
        var payload: JSONObject = ["status": .string(logStatus.rawValue)]
        if let logRequestId { payload["requestId"] = .number(JSONNumber(logRequestId)) }
        enqueue(OutgoingCall("LogStatusNotification", .object(payload)))
    }

    /// GetLog: Uploading, a PUT of the log to an http(s) location, then Uploaded or UploadFailure.
    func uploadLog(requestId: Int, location: String, filename: String, security: Bool) async {
        logRequestId = requestId
        logStatus = .uploading
        sendLogStatus()
        try? await clock.sleep(1)
        let lines = security ? securityLog : ["\(Timestamp(chargerNow).description) diagnostics of \(id) firmware \(firmwareVersion)"]
        let body = Data((lines.joined(separator: "\n") + "\n").utf8)
        do {
            try await HTTPTransfer.upload(body, filename: filename, to: location)
            logStatus = .uploaded
        } catch {
            logger.info("log upload failed", metadata: ["error": "\(error)"])
            logStatus = .uploadFailure
        }
        sendLogStatus()
    }

    /// SignedUpdateFirmware: at the retrieve time Downloading, the download (http/https), Downloaded, the signature
    /// check with the signing certificate's key (SHA-256 with RSA or ECDSA), SignatureVerified, Installing, Installed;
    /// or InvalidSignature with an InvalidFirmwareSignature security event.
    func installSignedFirmware(_ r: SignedUpdateFirmwareRequest) async {
        try? await clock.sleep(until: r.firmware.retrieveDateTime.date.addingTimeInterval(-QuirkMode.clockOffset(quirks)))
        func report(_ status: FirmwareStatusEnumType) {
            // FirmwareStatusNotification (TriggerMessage) knows only the core values.
            if FirmwareStatus.allCases.map(\.rawValue).contains(status.rawValue) { firmwareStatus = FirmwareStatus(rawValue: status.rawValue) }
            enqueue(
                OutgoingCall("SignedFirmwareStatusNotification", ["status": .string(status.rawValue), "requestId": .number(JSONNumber(r.requestId))])
            )
        }
        report(.downloading)
        let firmware: Data
        do {
            firmware = try await HTTPTransfer.download(r.firmware.location)
        } catch {
            logger.info("firmware download failed", metadata: ["error": "\(error)"])
            return report(.downloadFailed)
        }
        report(.downloaded)
        try? await clock.sleep(1)
        guard Self.signatureIsValid(firmware, signature: r.firmware.signature, certificatePEM: r.firmware.signingCertificate) else {
            report(.invalidSignature)
            sendSecurityEvent("InvalidFirmwareSignature", techInfo: "requestId \(r.requestId)")
            return
        }
        report(.signatureVerified)
        if let install = r.firmware.installDateTime {
            try? await clock.sleep(until: install.date.addingTimeInterval(-QuirkMode.clockOffset(quirks)))
        }
        report(.installing)
        try? await clock.sleep(1)
        firmwareVersion = template.firmware + "+signed"
        report(.installed)
        sendSecurityEvent("FirmwareUpdated", techInfo: "version \(firmwareVersion)")
    }

    /// The base64 signature over `data`, checked with the certificate's key: RSA PKCS#1 v1.5 or ECDSA (DER), SHA-256.
    static func signatureIsValid(_ data: Data, signature: String, certificatePEM: String) -> Bool {
        guard let signatureBytes = Data(base64Encoded: signature, options: .ignoreUnknownCharacters),
            let certificate = try? Certificate(pemEncoded: certificatePEM)
        else { return false }
        let key = certificate.publicKey
        let isEC = P256.Signing.PublicKey(key) != nil || P384.Signing.PublicKey(key) != nil || P521.Signing.PublicKey(key) != nil
        let algorithm: Certificate.SignatureAlgorithm = isEC ? .ecdsaWithSHA256 : .sha256WithRSAEncryption
        return key.isValidSignature(signatureBytes, for: data, signatureAlgorithm: algorithm)
    }
}
