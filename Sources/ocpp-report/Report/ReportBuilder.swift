import Foundation

/// Builds the `sessions` and `summary` reports from the store, inside one read (`DatabaseOptions.read`).
struct ReportBuilder {
    var store: ReportStore
    var analysis = SessionAnalysis()
    /// The present, for windows reaching into the future.
    var nowMs: Int64 = Int64((Date().timeIntervalSince1970 * 1000).rounded())

    func sessions(_ window: ReportWindow, charger: String?, detail: Bool = true) throws -> [SessionReport] {
        let facts = try store.transactions(window, charger: charger, detail: detail)
        guard !facts.isEmpty else { return [] }
        let intervals = try store.sampleIntervals()
        let chargers = Set(facts.map(\.chargerID))
        let received = facts.map(\.receivedMs)
        let skew = try clocks(
            chargers,
            events: try store.connectionEvents(chargers: chargers),
            fromMs: (received.min() ?? 0) - 86_400_000,
            toMs: (received.max() ?? 0) + 86_400_000
        )
        return facts.map { fact in
            analysis.analyse(
                fact,
                sampleIntervalSeconds: intervals[fact.chargerID],
                clockOffsetMs: skew[fact.chargerID]?.offset(atServerMs: fact.receivedMs)
            )
        }
    }

    /// Each charger's clock against the server's.
    func clocks(_ chargers: Set<String>, events: [String: [ConnectionEvent]], fromMs: Int64, toMs: Int64) throws -> [String: ClockSkew.Estimate] {
        let samples = try store.clockSamples(chargers: chargers, fromMs: fromMs, toMs: toMs)
        var skew: [String: ClockSkew.Estimate] = [:]
        for charger in chargers {
            let connects = (events[charger] ?? []).filter(\.connect).map(\.atMs)
            skew[charger] = ClockSkew.estimate(samples: samples[charger] ?? [], connects: connects)
        }
        return skew
    }

    func summary(_ window: ReportWindow, charger: String?) throws -> [ChargerReport] {
        let sessions = try self.sessions(window, charger: charger, detail: false)
        let chargers = try store.chargers(charger)
        let statuses = try store.statusHistory(window, charger: charger)
        let serverEvents = try store.connectionEvents(chargers: charger.map { [$0] })
        // Status notifications received around the window (a day either side) show the chargers' clocks.
        let serverRange =
            window.isAll ? (from: Int64.min / 4, to: Int64.max / 4) : (from: window.sinceMs - 86_400_000, to: window.untilMs + 86_400_000)
        let skew = try clocks(Set(chargers.map(\.id)), events: serverEvents, fromMs: serverRange.from, toMs: serverRange.to)
        // Connection events happen on the server's clock, statuses on the charger's: put both on the charger's.
        var events: [String: [ConnectionEvent]] = [:]
        for (id, list) in serverEvents {
            events[id] = list.map { event in
                var moved = event
                if let clock = skew[id] { moved.atMs = clock.chargerTime(serverMs: event.atMs) }
                return moved
            }
        }
        let latest = max(nowMs, try store.latestDataMs() ?? nowMs)
        var bySession: [String: [SessionReport]] = [:]
        for session in sessions { bySession[session.chargerID, default: []].append(session) }
        var known = Set(chargers.map(\.id))
        var rows: [(id: String, connectors: [Int], firstSeenMs: Int64)] = chargers
        for id in bySession.keys.sorted() where !known.contains(id) {
            known.insert(id)
            rows.append((id, [], window.sinceMs))
        }
        return rows.map { charger in
            let list = bySession[charger.id] ?? []
            var connectors = charger.connectors
            for s in list { if let c = s.connectorID, c > 0, !connectors.contains(c) { connectors.append(c) } }
            let firstSeen = skew[charger.id]?.chargerTime(serverMs: charger.firstSeenMs) ?? charger.firstSeenMs
            let start = window.isAll ? (list.map(\.startMs).min() ?? firstSeen) : max(window.sinceMs, firstSeen)
            let end = window.isAll ? latest : min(window.untilMs, latest)
            let seconds = list.reduce(0) { $0 + $1.durationSeconds }
            let connectorSeconds = Double(max(end - start, 0)) / 1000 * Double(max(connectors.count, 1))
            var flags: [DataQualityFlag: Int] = [:]
            for s in list { for f in s.flags { flags[f, default: 0] += 1 } }
            let history = statuses[charger.id] ?? []
            return ChargerReport(
                chargerID: charger.id,
                connectors: connectors.count,
                sessions: list.count,
                energyWh: list.reduce(0) { $0 + ($1.energyWh ?? 0) },
                chargingSeconds: seconds,
                utilisationPercent: connectorSeconds > 0 ? 100 * seconds / connectorSeconds : nil,
                availabilityPercent: Availability.percent(
                    fromMs: start,
                    toMs: end,
                    connectors: connectors,
                    statuses: history,
                    connection: events[charger.id] ?? []
                ),
                faults: Availability.faults(history),
                flagCounts: flags
            )
        }
    }
}
