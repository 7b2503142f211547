import Shared

/// Something that happened, for the event stream (`ocpp-ctl events`), alerts and metrics.
struct ServerEvent: Sendable {
    enum Kind: String, Sendable, CaseIterable {
        case connect, disconnect, replaced, boot, status, fault, transactionStart, transactionStop, offline, online
        case repairs, rejected, firmwareStatus, diagnosticsStatus, dataTransfer, staleTransactions
        /// A security-extension notification (SecurityEventNotification, LogStatusNotification, …).
        case notification
        /// Security extension: a SecurityEventNotification, a LogStatusNotification, a SignedFirmwareStatusNotification,
        /// and the outcome of a SignCertificate (CSR signed and sent, or refused).
        case securityEvent, logStatus, signedFirmwareStatus, certificateSigning
        /// A command sent to a charger from the control plane, and its outcome.
        case commandSent, commandAnswered
        /// The limit model: a charger refused a profile, or accepted one and keeps drawing more (issue 14).
        case limitRejected = "limit-rejected"
        case limitIgnored = "limit-ignored"
        /// The database stopped answering commits, or answers again (issue 18).
        case storeUnavailable = "store-unavailable"
        case storeAvailable = "store-available"
    }

    var atMs: Int64
    var chargerID: String?
    var kind: Kind
    var detail: JSONValue
    /// Several nodes: the node that published an event relayed from another node (nil: published here).
    var origin: String? = nil

    /// One JSON object per event: `{"at": …, "charger": …, "event": …, …detail}`.
    var json: JSONValue { json(kindName: kind.rawValue) }

    /// The JSON with `kindName` as the event name (stored events may carry kinds this build does not know).
    func json(kindName: String) -> JSONValue {
        var object = JSONObject()
        object["at"] = .string(Timestamp(milliseconds: atMs).description)
        if let chargerID { object["charger"] = .string(chargerID) }
        object["event"] = .string(kindName)
        if case .object(let members) = detail {
            object.members.append(contentsOf: members.members)
        }
        if let origin { object["node"] = .string(origin) }
        return .object(object)
    }
}
