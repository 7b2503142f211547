/// One transaction (`ocpp-ctl sessions`). Energy is meterStop − meterStart in kWh, nil while open.
public struct SessionRecord: Codable, Sendable, Equatable {
    public var id: Int64
    public var charger: String
    public var connector: Int?
    public var idTag: String?
    public var start: String?
    public var stop: String?
    public var meterStartWh: Int64?
    public var meterStopWh: Int64?
    public var energyKWh: Double?
    public var stopReason: String?
    /// Open when its charger booted again: its StopTransaction may never come.
    public var stale: Bool

    public init(
        id: Int64, charger: String, connector: Int?, idTag: String?, start: String?, stop: String?, meterStartWh: Int64?, meterStopWh: Int64?,
        energyKWh: Double?, stopReason: String?, stale: Bool
    ) {
        self.id = id
        self.charger = charger
        self.connector = connector
        self.idTag = idTag
        self.start = start
        self.stop = stop
        self.meterStartWh = meterStartWh
        self.meterStopWh = meterStopWh
        self.energyKWh = energyKWh
        self.stopReason = stopReason
        self.stale = stale
    }
}
