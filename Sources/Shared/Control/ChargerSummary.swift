/// One row of `ocpp-ctl chargers`: what an operator scans a fleet for.
public struct ChargerSummary: Codable, Sendable, Equatable {
    public var id: String
    public var connected: Bool
    public var registration: String
    public var vendor: String?
    public var model: String?
    public var firmware: String?
    /// RFC 3339 UTC.
    public var lastSeen: String?
    public var connectors: [ConnectorState]
    /// Several ocpp-serve nodes: the node the charger is connected to (nil on a single node or when not connected).
    public var node: String?

    public init(
        id: String, connected: Bool, registration: String, vendor: String?, model: String?, firmware: String?, lastSeen: String?,
        connectors: [ConnectorState], node: String? = nil
    ) {
        self.node = node
        self.id = id
        self.connected = connected
        self.registration = registration
        self.vendor = vendor
        self.model = model
        self.firmware = firmware
        self.lastSeen = lastSeen
        self.connectors = connectors
    }
}

/// The last StatusNotification of one connector (0 = the charger as a whole).
public struct ConnectorState: Codable, Sendable, Equatable {
    public var connector: Int
    public var status: String
    public var errorCode: String
    public var info: String?
    public var vendorErrorCode: String?
    /// When the charger says the status began (RFC 3339 UTC).
    public var since: String

    public init(connector: Int, status: String, errorCode: String, info: String?, vendorErrorCode: String?, since: String) {
        self.connector = connector
        self.status = status
        self.errorCode = errorCode
        self.info = info
        self.vendorErrorCode = vendorErrorCode
        self.since = since
    }
}
