import Shared

/// One write the store writer applies inside a group commit. Each runs in its own savepoint, so one failing
/// write never takes the rest of its batch down.
enum StoreOperation: Sendable {
    case frame(StoredFrame)
    case boot(chargerID: String, BootNotificationRequest, registration: String, interval: Int, atMs: Int64)
    case status(chargerID: String, StatusNotificationRequest, receivedMs: Int64)
    case startTransaction(chargerID: String, StartTransactionRequest, idTagStatus: String, receivedMs: Int64)
    case stopTransaction(chargerID: String, StopTransactionRequest, receivedMs: Int64)
    case meterValues(chargerID: String, MeterValuesRequest, receivedMs: Int64)
    case dataTransfer(chargerID: String, direction: String, DataTransferRequest, status: String, atMs: Int64)
    case firmwareStatus(chargerID: String, status: String, atMs: Int64)
    case diagnosticsStatus(chargerID: String, status: String, atMs: Int64)
    /// A SecurityEventNotification: `atMs` by the charger's clock, `receivedMs` by ours.
    case securityEvent(chargerID: String, type: String, atMs: Int64, receivedMs: Int64, techInfo: String?)
    case logStatus(chargerID: String, status: String, atMs: Int64)
    /// Connection state and last activity; creates the charger row with `registrationIfNew` the first time.
    case seen(chargerID: String, atMs: Int64, online: Bool, registrationIfNew: String)
    /// The last activity of many online chargers at once (housekeeping's periodic flush): a few multi-row statements
    /// rather than one per charger, which on PostgreSQL held a whole commit for a round trip per charger.
    case lastSeen([LastSeen])
    case event(ServerEvent)
    case purgeFrames(beforeMs: Int64)
    /// A command to a charger, logged before it is sent; answers `.inserted` with the command's id.
    case commandSent(chargerID: String, action: String, payload: String, origin: String, messageID: String, atMs: Int64)
    case commandAnswered(commandID: Int64, outcome: String, response: String?, atMs: Int64)
    /// Configuration keys a charger reported; `replaceAll` when it reported every key (GetConfiguration without keys).
    case configuration(chargerID: String, [KeyValue], replaceAll: Bool, atMs: Int64)
    case tagUpsert(tag: String, expiryMs: Int64?, parent: String?, atMs: Int64)
    case tagStatus(tag: String, status: String)
    case tagRemove(tag: String)
    case tokenCreate(name: String, sha256: String, rights: TokenRights, atMs: Int64)
    /// Agents, groups and limits (`LimitStore`).
    case limits(LimitWrite)
    case tokenRevoke(name: String)
    case tokenUsed(name: String, atMs: Int64)
    /// A charger's Basic-auth key (hashed), replaced whole; nil deletes it (`ChargerCredentials`).
    case chargerKey(chargerID: String, entry: ChargerCredentials.Entry?, atMs: Int64)
}

extension StoreOperation {
    /// One charger's row in `lastSeen`.
    struct LastSeen: Sendable, Equatable {
        var chargerID: String
        var atMs: Int64
        var registrationIfNew: String
    }
}

/// What a write produced that the caller needs for its answer.
enum StoreResult: Sendable, Equatable {
    case done
    /// The transaction id issued (or re-issued for a retried identical StartTransaction).
    case started(transactionID: Int, retried: Bool)
    /// How a StopTransaction was matched: the transaction it closed (nil: stored as an orphan) and whether the
    /// transaction had been flagged stale.
    case stopped(transactionID: Int?, wasStale: Bool, resolvedFrom: Int?)
    /// Open transactions flagged stale by a BootNotification.
    case booted(staleTransactions: Int)
    case inserted(rowID: Int64)
    /// Rows an update or delete touched (0: nothing matched).
    case changed(rows: Int)
}

/// A frame as it crossed the wire, stored verbatim with the repairs lenient reading applied.
struct StoredFrame: Sendable {
    var chargerID: String
    var direction: Direction
    var atMs: Int64
    var messageType: Int?
    var action: String?
    var messageID: String?
    var text: String
    var repairs: [Repair]

    enum Direction: String, Sendable {
        case inbound = "in"
        case outbound = "out"
    }
}
