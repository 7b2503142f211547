/// What an alert is about; the raw values are the names in the config file, the JSON and `ocpp-ctl alerts`.
enum AlertRule: String, Sendable, CaseIterable, Codable {
    /// A connector reported Faulted or an error code other than NoError; resolved when it reports NoError again.
    case fault
    /// A charger disconnected or silent for longer than `offline-after`; resolved when it is back.
    case offline
    /// A refused WebSocket handshake (wrong subprotocol) or a BootNotification answered Rejected (unknown charger).
    case handshake
    /// A charger refused a charging profile (limit-rejected) or draws above one it accepted (limit-ignored).
    case limit
    /// A transaction open for longer than `stale-transaction-after`; resolved when it stops.
    case staleTransaction = "stale-transaction"
    /// `reboots` BootNotifications within `reboot-window`.
    case rebootLoop = "reboot-loop"
    /// A command sent to the charger got no answer in time; resolved by the next answered command.
    case commandTimeout = "command-timeout"
    /// A SecurityEventNotification whose type is in `security-events` (security extension); subject: the type.
    case securityEvent = "security-event"
}
