import Foundation

/// Chargers that share one supply (a site, a feeder): its capacity, in A per phase or W in total, is shared between
/// the sessions charging in it. A charger belongs to at most one group.
public struct ChargerGroup: Codable, Sendable, Hashable {
    public var name: String
    public var capacity: Decimal
    public var unit: LimitUnit
    /// Phases of the supply (1 or 3): converts between A per phase and W.
    public var phases: Int
    public var members: [String]

    public init(name: String, capacity: Decimal, unit: LimitUnit, phases: Int = 3, members: [String] = []) {
        self.name = name
        self.capacity = capacity
        self.unit = unit
        self.phases = phases
        self.members = members
    }
}
