import Foundation

/// Availability of one charger over a period: the share of connector time during which the charger was connected
/// to the server (connection events, server time) and neither the charger (connector 0) nor the connector was
/// Faulted or Unavailable (status history, charger time). The state before the first event in the period is the
/// last one before it; before any event at all the charger counts as connected and available.
enum Availability {
    static let downStatuses: Set<String> = ["Faulted", "Unavailable"]

    /// Percent, or nil for an empty period.
    static func percent(
        fromMs start: Int64,
        toMs end: Int64,
        connectors: [Int],
        statuses: [StatusChange],
        connection: [ConnectionEvent]
    ) -> Double? {
        guard end > start else { return nil }
        let ids = connectors.isEmpty ? [0] : connectors
        var total = 0.0
        for connector in ids {
            // Change points: (time, source, down?) where source 0 = connection, 1 = charger, 2 = connector.
            var points: [(Int64, Int, Bool)] = connection.map { ($0.atMs, 0, !$0.up) }
            for s in statuses where s.connectorID == 0 || s.connectorID == connector {
                points.append((s.atMs, s.connectorID == 0 ? 1 : 2, downStatuses.contains(s.status)))
            }
            points.sort { $0.0 < $1.0 }
            var down = [false, false, false]
            var upTime: Int64 = 0
            var cursor = start
            for (at, source, isDown) in points {
                if at > cursor {
                    let until = min(at, end)
                    if !down.contains(true) && until > cursor { upTime += until - cursor }
                    cursor = max(cursor, until)
                }
                down[source] = isDown
            }
            if end > cursor && !down.contains(true) { upTime += end - cursor }
            total += Double(upTime) / Double(end - start)
        }
        return 100 * total / Double(ids.count)
    }

    /// Entries into Faulted in the window, per error code (a repeated identical notification counts once).
    static func faults(_ statuses: [StatusChange]) -> [String: Int] {
        var last: [Int: (String, String)] = [:]
        var counts: [String: Int] = [:]
        for s in statuses {
            let previous = last[s.connectorID]
            last[s.connectorID] = (s.status, s.errorCode)
            guard s.inWindow, s.status == "Faulted" else { continue }
            if let previous, previous.0 == "Faulted", previous.1 == s.errorCode { continue }
            counts[s.errorCode, default: 0] += 1
        }
        return counts
    }
}
