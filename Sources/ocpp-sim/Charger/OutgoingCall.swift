import Shared

/// A CALL a simulated charger wants to send. Transaction messages survive disconnects and reboots and are retried
/// on failure (S§3.7: TransactionMessageAttempts × TransactionMessageRetryInterval); others go when online or never.
struct OutgoingCall: Sendable {
    var action: String
    var payload: JSONValue
    var transactional: Bool
    /// The simulator's transaction whose central-system id replaces `transactionId` at send time (messages queued
    /// while StartTransaction.conf has not arrived yet).
    var localTransaction: Int?
    var attempts = 0
    /// Kept across a reconnect so the central system can recognise a repeat.
    var messageID: String?
    var waiter: CheckedContinuation<JSONValue?, Never>?
    /// Its round trip counts in the latency figures (in load mode only the load's own messages do: not the boot's
    /// status reports, which come as a burst outside the offered rate).
    var measured = true

    init(_ action: String, _ payload: JSONValue, transactional: Bool = false, localTransaction: Int? = nil,
         waiter: CheckedContinuation<JSONValue?, Never>? = nil) {
        self.action = action
        self.payload = payload
        self.transactional = transactional
        self.localTransaction = localTransaction
        self.waiter = waiter
    }
}
