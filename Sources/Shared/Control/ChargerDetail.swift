/// Everything known about one charger (`ocpp-ctl charger ID`): boot information, connectors, open transactions,
/// the configuration last read with GetConfiguration, and the latest commands sent to it.
public struct ChargerDetail: Codable, Sendable, Equatable {
    public var summary: ChargerSummary
    public var serialNumber: String?
    public var chargeBoxSerialNumber: String?
    public var iccid: String?
    public var imsi: String?
    public var meterType: String?
    public var meterSerialNumber: String?
    public var heartbeatInterval: Int?
    public var firstSeen: String?
    public var lastBoot: String?
    public var firmwareStatus: String?
    public var diagnosticsStatus: String?
    /// The last LogStatusNotification (security extension: GetLog uploads).
    public var logStatus: String?
    public var activeTransactions: [SessionRecord]
    public var configuration: [ConfigurationEntry]
    public var recentCommands: [CommandRecord]
    /// The security profile registered for the charger (1-3; nil: none, the server minimum applies).
    public var securityProfile: Int?

    public init(
        summary: ChargerSummary, serialNumber: String? = nil, chargeBoxSerialNumber: String? = nil, iccid: String? = nil, imsi: String? = nil,
        meterType: String? = nil, meterSerialNumber: String? = nil, heartbeatInterval: Int? = nil, firstSeen: String? = nil,
        lastBoot: String? = nil, firmwareStatus: String? = nil, diagnosticsStatus: String? = nil, activeTransactions: [SessionRecord] = [],
        configuration: [ConfigurationEntry] = [], recentCommands: [CommandRecord] = [], logStatus: String? = nil,
        securityProfile: Int? = nil
    ) {
        self.logStatus = logStatus
        self.securityProfile = securityProfile
        self.summary = summary
        self.serialNumber = serialNumber
        self.chargeBoxSerialNumber = chargeBoxSerialNumber
        self.iccid = iccid
        self.imsi = imsi
        self.meterType = meterType
        self.meterSerialNumber = meterSerialNumber
        self.heartbeatInterval = heartbeatInterval
        self.firstSeen = firstSeen
        self.lastBoot = lastBoot
        self.firmwareStatus = firmwareStatus
        self.diagnosticsStatus = diagnosticsStatus
        self.activeTransactions = activeTransactions
        self.configuration = configuration
        self.recentCommands = recentCommands
    }
}

/// One configuration key as the charger last reported it.
public struct ConfigurationEntry: Codable, Sendable, Equatable {
    public var key: String
    public var value: String?
    public var readonly: Bool
    /// When it was read (or changed with an accepted ChangeConfiguration), RFC 3339 UTC.
    public var readAt: String

    public init(key: String, value: String?, readonly: Bool, readAt: String) {
        self.key = key
        self.value = value
        self.readonly = readonly
        self.readAt = readAt
    }
}

/// One command from the command log: who sent what, when, and what came back.
public struct CommandRecord: Codable, Sendable, Equatable {
    public var id: Int64
    public var charger: String
    public var action: String
    public var origin: String
    public var sentAt: String
    public var answeredAt: String?
    /// The answer's status, `CallError`, `Timeout` or `Disconnected`; nil while waiting.
    public var outcome: String?

    public init(id: Int64, charger: String, action: String, origin: String, sentAt: String, answeredAt: String?, outcome: String?) {
        self.id = id
        self.charger = charger
        self.action = action
        self.origin = origin
        self.sentAt = sentAt
        self.answeredAt = answeredAt
        self.outcome = outcome
    }
}
