import Foundation
import Logging
import Shared
import X509

/// The charger-initiated messages of the 1.6 security extension.
extension CentralSystem {
    /// SecurityEventNotification: stored in `security_events` and published (alerts watch it); answered with {}.
    func securityEvent(_ validated: ValidatedPayload, _ chargerID: String, _ receivedMs: Int64) throws(OCPPError) -> JSONValue {
        let request = try SecurityEventNotificationRequest(json: validated.payload)
        writer.submitDetached(
            .securityEvent(
                chargerID: chargerID,
                type: request.type,
                atMs: request.timestamp.milliseconds,
                receivedMs: receivedMs,
                techInfo: request.techInfo
            )
        )
        var detail: JSONObject = ["type": .string(request.type), "timestamp": .string(request.timestamp.description)]
        if let techInfo = request.techInfo { detail["techInfo"] = .string(techInfo) }
        events.publish(ServerEvent(atMs: receivedMs, chargerID: chargerID, kind: .securityEvent, detail: .object(detail)))
        return SecurityEventNotificationResponse().json
    }

    /// LogStatusNotification: the charger's last log-upload status, kept beside its firmware status.
    func logStatus(_ validated: ValidatedPayload, _ chargerID: String, _ receivedMs: Int64) throws(OCPPError) -> JSONValue {
        let request = try LogStatusNotificationRequest(json: validated.payload)
        writer.submitDetached(.logStatus(chargerID: chargerID, status: request.status.rawValue, atMs: receivedMs))
        publishStatus(.logStatus, request.status.rawValue, requestID: request.requestId, chargerID, receivedMs)
        return LogStatusNotificationResponse().json
    }

    /// SignedFirmwareStatusNotification: the firmware status as for FirmwareStatusNotification, with its request id.
    func signedFirmwareStatus(_ validated: ValidatedPayload, _ chargerID: String, _ receivedMs: Int64) throws(OCPPError) -> JSONValue {
        let request = try SignedFirmwareStatusNotificationRequest(json: validated.payload)
        writer.submitDetached(.firmwareStatus(chargerID: chargerID, status: request.status.rawValue, atMs: receivedMs))
        publishStatus(.signedFirmwareStatus, request.status.rawValue, requestID: request.requestId, chargerID, receivedMs)
        return SignedFirmwareStatusNotificationResponse().json
    }

    /// A status notification's event: the status and, when the charger gave one, the request it answers.
    private func publishStatus(_ kind: ServerEvent.Kind, _ status: String, requestID: Int?, _ chargerID: String, _ receivedMs: Int64) {
        var detail: JSONObject = ["status": .string(status)]
        if let requestID { detail["requestId"] = .number(JSONNumber(requestID)) }
        events.publish(ServerEvent(atMs: receivedMs, chargerID: chargerID, kind: kind, detail: .object(detail)))
    }

    /// SignCertificate: Accepted when a CA is configured and the CSR checks out (signature, CN = charge point id,
    /// O = CPO name if set); the certificate is then issued and sent with CertificateSigned. Rejected otherwise, with
    /// a log line saying why.
    func signCertificate(_ validated: ValidatedPayload, _ chargerID: String, _ receivedMs: Int64) throws(OCPPError) -> JSONValue {
        let request = try SignCertificateRequest(json: validated.payload)
        guard let signer else {
            refuseCSR(chargerID, receivedMs, reason: "no CA to sign with: start ocpp-serve with --csr-ca-cert FILE --csr-ca-key FILE")
            return SignCertificateResponse(status: .rejected).json
        }
        let csr: CertificateSigningRequest
        do throws(CSRSigner.Refusal) {
            csr = try signer.check(request.csr, chargerID: chargerID)
        } catch {
            refuseCSR(chargerID, receivedMs, reason: error.description)
            return SignCertificateResponse(status: .rejected).json
        }
        // A task: the CALLRESULT goes first; the command waits its turn behind any other command to this charger.
        Task { await self.issueCertificate(csr, signer: signer, chargerID: chargerID) }
        return SignCertificateResponse(status: .accepted).json
    }

    private func refuseCSR(_ chargerID: String, _ atMs: Int64, reason: String) {
        logger.warning("SignCertificate rejected", metadata: ["charger": "\(chargerID)", "reason": "\(reason)"])
        events.publish(
            ServerEvent(atMs: atMs, chargerID: chargerID, kind: .certificateSigning, detail: ["status": "Rejected", "reason": .string(reason)])
        )
    }

    /// Signs the CSR and sends the chain (CertificateSigned); the outcome becomes a certificateSigning event.
    func issueCertificate(_ csr: CertificateSigningRequest, signer: CSRSigner, chargerID: String) async {
        let chain: String
        do {
            chain = try signer.sign(csr)
        } catch {
            logger.error("cannot sign the CSR", metadata: ["charger": "\(chargerID)", "error": "\(error)"])
            refuseCSR(chargerID, Timestamp.nowMilliseconds(), reason: "signing failed: \(error)")
            return
        }
        guard let commander else { return }
        let serial = (try? CertificateHashDataType(pem: chain).serialNumber) ?? "?"
        do {
            let result = try await commander.send(
                to: chargerID,
                action: OCPPAction.certificateSigned.rawValue,
                payload: CertificateSignedRequest(certificateChain: chain).json,
                timeout: ControlAPI.defaultTimeout,
                validate: true,
                origin: "server:SignCertificate"
            )
            events.publish(
                ServerEvent(
                    atMs: Timestamp.nowMilliseconds(),
                    chargerID: chargerID,
                    kind: .certificateSigning,
                    detail: ["status": .string(result.status), "serial": .string(serial), "validDays": .number(JSONNumber(signer.validityDays))]
                )
            )
        } catch {
            logger.warning("CertificateSigned not delivered", metadata: ["charger": "\(chargerID)", "error": "\(error)"])
        }
    }
}
