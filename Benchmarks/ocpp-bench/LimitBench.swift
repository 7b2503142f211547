import Foundation
import Shared

/// `--limits N`: the pure part of re-balancing a group of N chargers, one session each, as ocpp-serve does it when a
/// session starts: shares (arbitration of each session's own limits, water-filling), then each member's profiles
/// planned and compared with what it holds. Prints the time per re-balance and how many profiles changed (the CALLs
/// it would send).
struct LimitBench {
    var chargers: Int
    var rounds: Int

    func run() {
        let ids = (1...chargers).map { String(format: "BAL%04d", $0) }
        let now = Timestamp.nowMilliseconds()
        // A realistic mix: a hard daily cap on a tenth of the chargers, an operator policy on another tenth.
        var rules: [LimitRule] = []
        for (i, id) in ids.enumerated() where i % 10 == 0 {
            rules.append(LimitRule(id: Int64(i), agent: "site", target: .charger(id), value: 32, unit: .a, hard: true,
                recurrence: LimitRecurrence(kind: .daily, startMinute: 1080, endMinute: 1200, timeZone: "Europe/Berlin")))
        }
        for (i, id) in ids.enumerated() where i % 10 == 5 {
            rules.append(LimitRule(id: Int64(i), agent: "operator", target: .charger(id), value: 16, unit: .a, hard: false))
        }
        let model = LimitModel(
            agents: [Agent(name: "site", priority: 50), Agent(name: "operator", priority: 10)],
            groups: [ChargerGroup(name: "site", capacity: Decimal(chargers) * 11_000, unit: .w, members: ids)], rules: rules
        )
        var sessions: [String: [Int: Int]] = [:]
        for (i, id) in ids.enumerated() { sessions[id] = [1: i + 1] }

        func plans(_ shares: [String: [Int: (transactionId: Int, value: Decimal)]]) -> [String: [ManagedProfile]] {
            var result: [String: [ManagedProfile]] = [:]
            for id in ids {
                let state = ProfilePlanner.ChargerState(
                    chargerID: id, unit: .w, phases: 3, rules: model.chargerRules(id), priorities: model.priorities, shares: shares[id] ?? [:]
                )
                result[id] = ProfilePlanner.plan(state, now: now)
            }
            return result
        }
        // Before: N-1 sessions (the last not started yet); after: all N.
        var before = sessions
        before[ids[ids.count - 1]] = nil
        let held = plans(model.shares(group: "site", sessions: before, at: now) ?? [:])

        var times: [Double] = []
        var calls = 0
        for _ in 0..<rounds {
            let start = ContinuousClock.now
            let shares = model.shares(group: "site", sessions: sessions, at: now) ?? [:]
            let planned = plans(shares)
            calls = 0
            for id in ids {
                let old = Dictionary(uniqueKeysWithValues: (held[id] ?? []).map { ($0.role, $0.profile) })
                for managed in planned[id] ?? [] {
                    if let previous = old[managed.role],
                        ProfilePlanner.sameEffect(previous, managed.profile, now: now, phases: 3) || ProfilePlanner.isSmallIncrease(from: previous, to: managed.profile)
                    {
                        continue
                    }
                    calls += 1
                }
            }
            times.append(Double((ContinuousClock.now - start) / .microseconds(1)) / 1000)
        }
        times.sort()
        print(String(format: "re-balance of a %d-charger group (one session each, one starting): median %.1f ms, min %.1f ms; %d SetChargingProfile CALLs",
            chargers, times[times.count / 2], times[0], calls))
    }
}
