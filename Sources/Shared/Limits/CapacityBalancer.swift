import Foundation

/// Shares a group's capacity between the sessions charging in it: equal shares, none above what its session can
/// take (its own limit), and what a capped session leaves unused goes to the others (water-filling).
public enum CapacityBalancer {
    public struct Demand: Sendable, Hashable {
        public var key: String
        /// The most this session can take, in the capacity's unit; nil = no cap of its own.
        public var cap: Decimal?

        public init(key: String, cap: Decimal?) {
            self.key = key
            self.cap = cap
        }
    }

    /// Each demand's share of `capacity`, rounded down to 0.1 so the sum never exceeds the capacity.
    public static func share(_ capacity: Decimal, among demands: [Demand]) -> [String: Decimal] {
        var remaining = max(capacity, 0)
        var result: [String: Decimal] = [:]
        // Smallest caps first: each takes at most an equal part of what is left, the rest moves on.
        let ordered = demands.sorted { ($0.cap ?? .greatestFiniteMagnitude, $0.key) < ($1.cap ?? .greatestFiniteMagnitude, $1.key) }
        for (index, demand) in ordered.enumerated() {
            let fair = CompositeSchedule.roundedDown(remaining / Decimal(ordered.count - index))
            // A cap finer than 0.1 (a converted limit) is rounded down too, like every share.
            let given = min(fair, CompositeSchedule.roundedDown(max(demand.cap ?? fair, 0)))
            result[demand.key] = given
            remaining -= given
        }
        return result
    }
}
