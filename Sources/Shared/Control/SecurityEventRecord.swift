/// One SecurityEventNotification a charger sent, as listed by `GET /v1/security-events` (`ocpp-ctl security-events`).
public struct SecurityEventRecord: Codable, Sendable, Equatable {
    public var id: Int64
    public var charger: String
    /// The event type (StartupOfTheDevice, InvalidFirmwareSignature, …; free text up to 50 characters).
    public var type: String
    /// When the charger says it happened (its clock).
    public var at: String
    /// When the central system received it.
    public var received: String
    public var techInfo: String?

    public init(id: Int64, charger: String, type: String, at: String, received: String, techInfo: String?) {
        self.id = id
        self.charger = charger
        self.type = type
        self.at = at
        self.received = received
        self.techInfo = techInfo
    }
}
