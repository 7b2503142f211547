import Foundation

/// Arbitration between the limits of several agents on one connector (or charger, or group total):
///
/// - every hard limit in force holds: the result is never above the lowest of them (nobody lifts a fuse);
/// - of the policy limits in force, only those of the highest-priority agent count (an emergency override at
///   priority 100 lifts the operator's 16 A policy at priority 10), the lowest of them if it set several;
/// - the limit in force is the lower of the two; on a tie the hard limit is named as the decider.
///
/// `decide` is the rule at one instant; `schedule` applies it at every instant where some limit starts or stops,
/// so the piecewise schedule and its provenance come from the same function.
public enum LimitArbiter {
    public static func decide(
        rules: [LimitRule], priorities: [String: Int], caps: [LimitCap] = [], at t: Int64, unit: LimitUnit, phases: Int
    ) -> LimitDecision {
        struct Candidate {
            var rule: LimitRule?
            var cap: LimitCap?
            var value: Decimal
            var priority: Int?
            var label: String { rule?.label ?? cap?.label ?? "" }
        }
        var verdicts: [LimitVerdict] = []
        var hard: [Candidate] = caps.map { Candidate(rule: nil, cap: $0, value: $0.unit.convert($0.value, to: unit, phases: phases)) }
        var policy: [Candidate] = []
        for rule in rules {
            let value = rule.unit.convert(rule.value, to: unit, phases: phases)
            let priority = priorities[rule.agent] ?? 0
            guard rule.isActive(at: t) else {
                verdicts.append(verdict(rule, nil, value, priority, .inactive, "not in force at \(Timestamp(milliseconds: t)) (\(rule.shapeDescription))"))
                continue
            }
            let candidate = Candidate(rule: rule, cap: nil, value: value, priority: priority)
            if rule.hard { hard.append(candidate) } else { policy.append(candidate) }
        }
        let topPriority = policy.compactMap(\.priority).max()
        let lowestHard = hard.min { $0.value < $1.value }
        let counted = policy.filter { $0.priority == topPriority }
        let lowestPolicy = counted.min { $0.value < $1.value }

        let decider: Candidate?
        switch (lowestHard, lowestPolicy) {
        case (let h?, let p?): decider = h.value <= p.value ? h : p
        case (let h?, nil): decider = h
        case (nil, let p?): decider = p
        case (nil, nil): decider = nil
        }
        let deciderLabel = decider?.label ?? "no limit"
        func isDecider(_ c: Candidate) -> Bool {
            guard let decider else { return false }
            if let rule = c.rule { return rule.id == decider.rule?.id && decider.rule != nil }
            return c.cap == decider.cap && decider.cap != nil
        }
        for candidate in hard + policy {
            let outcome: LimitVerdict.Outcome
            let reason: String
            if isDecider(candidate) {
                outcome = .decides
                if candidate.rule?.hard == false, let h = lowestHard {
                    reason = "lowest limit in force (hard limits are higher: \(h.label))"
                } else if candidate.rule?.hard == false {
                    reason = "policy of the highest-priority agent in force (priority \(candidate.priority ?? 0))"
                } else {
                    reason = "lowest hard limit in force; hard limits are never lifted"
                }
            } else if candidate.rule?.hard == false, candidate.priority != topPriority, let top = lowestPolicy {
                outcome = .overridden
                reason = "policy set aside by \(top.rule?.agent ?? "?") (priority \(top.priority ?? 0) > \(candidate.priority ?? 0))"
            } else if candidate.rule?.hard == false, let h = lowestHard, h.value < candidate.value {
                outcome = .higher
                reason = "a hard limit is lower and is never lifted: \(h.label)"
            } else {
                outcome = .higher
                reason = "higher than the limit in force (\(deciderLabel))"
            }
            if let rule = candidate.rule {
                verdicts.append(verdict(rule, nil, candidate.value, candidate.priority, outcome, reason))
            } else if let cap = candidate.cap {
                verdicts.append(verdict(nil, cap, candidate.value, nil, outcome, reason))
            }
        }
        let order: [LimitVerdict.Outcome: Int] = [.decides: 0, .higher: 1, .overridden: 2, .inactive: 3]
        verdicts.sort { (order[$0.outcome] ?? 4, $0.value) < (order[$1.outcome] ?? 4, $1.value) }
        return LimitDecision(atMs: t, value: decider?.value, unit: unit, decidedBy: decider?.rule?.id, decider: deciderLabel, verdicts: verdicts)
    }

    /// The limit in force over [from, to) as constant stretches; adjacent stretches differ in value or decider.
    public static func schedule(
        rules: [LimitRule], priorities: [String: Int], caps: [LimitCap] = [], from: Int64, to: Int64, unit: LimitUnit, phases: Int
    ) -> [LimitSegment] {
        guard from < to else { return [] }
        var points: Set<Int64> = [from]
        for rule in rules { points.formUnion(rule.boundaries(from: from, to: to)) }
        let sorted = points.sorted()
        var segments: [LimitSegment] = []
        for (index, point) in sorted.enumerated() {
            let end = index + 1 < sorted.count ? sorted[index + 1] : to
            let decision = decide(rules: rules, priorities: priorities, caps: caps, at: point, unit: unit, phases: phases)
            if var last = segments.last, last.value == decision.value, last.decidedBy == decision.decidedBy, last.decider == decision.decider {
                last.endMs = end
                segments[segments.count - 1] = last
                continue
            }
            segments.append(LimitSegment(startMs: point, endMs: end, value: decision.value, decidedBy: decision.decidedBy, decider: decision.decider))
        }
        return segments
    }

    private static func verdict(
        _ rule: LimitRule?, _ cap: LimitCap?, _ value: Decimal, _ priority: Int?, _ outcome: LimitVerdict.Outcome, _ reason: String
    ) -> LimitVerdict {
        LimitVerdict(
            limit: rule?.id, label: rule?.label ?? cap?.label ?? "", agent: rule?.agent, priority: rule == nil ? nil : priority,
            kind: rule.map(\.kindName) ?? "capacity", value: value, outcome: outcome, reason: reason
        )
    }
}
