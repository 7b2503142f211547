import Foundation

/// A cap that is not an agent's limit, treated as hard: a group's share of its capacity.
public struct LimitCap: Codable, Sendable, Hashable {
    public var label: String
    public var value: Decimal
    public var unit: LimitUnit

    public init(label: String, value: Decimal, unit: LimitUnit) {
        self.label = label
        self.value = value
        self.unit = unit
    }
}

/// How one limit fared in an arbitration, for `ocpp-ctl explain`.
public struct LimitVerdict: Codable, Sendable, Hashable {
    public enum Outcome: String, Codable, Sendable, Hashable {
        /// This limit is the one in force.
        case decides
        /// In force but higher than the limit that decides.
        case higher
        /// A policy limit set aside by a policy of a higher-priority agent.
        case overridden
        /// Not in force at that moment (outside its window or time range).
        case inactive
    }

    /// The limit's id; nil for a capacity share.
    public var limit: Int64?
    public var label: String
    public var agent: String?
    public var priority: Int?
    /// `hard`, `policy` or `capacity`.
    public var kind: String
    /// In the decision's unit.
    public var value: Decimal
    public var outcome: Outcome
    public var reason: String
}

/// The limit in force on a connector at one moment and who decided it (provenance), with every other limit and
/// why it lost.
public struct LimitDecision: Codable, Sendable, Hashable {
    public var atMs: Int64
    /// nil: nothing limits it.
    public var value: Decimal?
    public var unit: LimitUnit
    /// The deciding limit's id (nil for a capacity share or no limit).
    public var decidedBy: Int64?
    /// The deciding limit's label, `group NAME share …`, or `no limit`.
    public var decider: String
    public var verdicts: [LimitVerdict]

    public init(atMs: Int64, value: Decimal?, unit: LimitUnit, decidedBy: Int64?, decider: String, verdicts: [LimitVerdict]) {
        self.atMs = atMs
        self.value = value
        self.unit = unit
        self.decidedBy = decidedBy
        self.decider = decider
        self.verdicts = verdicts
    }
}

/// A stretch of constant limit in an arbitrated schedule: [startMs, endMs), with its provenance.
public struct LimitSegment: Codable, Sendable, Hashable {
    public var startMs: Int64
    public var endMs: Int64
    /// nil: unlimited.
    public var value: Decimal?
    public var decidedBy: Int64?
    public var decider: String

    public init(startMs: Int64, endMs: Int64, value: Decimal?, decidedBy: Int64?, decider: String) {
        self.startMs = startMs
        self.endMs = endMs
        self.value = value
        self.decidedBy = decidedBy
        self.decider = decider
    }
}
