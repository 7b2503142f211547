import Foundation

/// One observation of a charger's clock: the timestamp of a StatusNotification and when the server received it.
struct ClockSample: Sendable, Hashable {
    var chargerMs: Int64
    var serverMs: Int64
}

/// Estimates how far a charger's clock is from the server's (charger minus server, ms).
///
/// Status notifications are sent as things happen, so their timestamps, set against the server's receipt times, show
/// the charger's clock. A real charger's clock runs at the server's rate: its skew is the median offset over the
/// connection (the median ignores the odd notification that waited in a queue). A clock running at a clearly
/// different rate (a simulator at `--speed`) is compared with the server's when the charger first connected, by
/// extrapolating along its own rate.
enum ClockSkew {
    /// Offsets per connection: each connection's start (server time) with the offset measured on it.
    struct Estimate: Sendable {
        var connections: [(startMs: Int64, offsetMs: Double?)]
        var overallMs: Double?
        /// Charger ms per server ms (1 for real clocks) and the server time the extrapolation starts from.
        var rate: Double = 1
        var originMs: Int64 = 0

        /// A server time on the charger's clock (to set connection events beside status notifications).
        func chargerTime(serverMs: Int64) -> Int64 {
            if rate != 1 { return originMs + Int64((overallMs ?? 0) + rate * Double(serverMs - originMs)) }
            return serverMs + Int64(offset(atServerMs: serverMs) ?? 0)
        }

        /// The offset that applies to something the server received at `serverMs`.
        func offset(atServerMs serverMs: Int64) -> Double? {
            let connection = connections.last { $0.startMs <= serverMs }
            return connection?.offsetMs ?? overallMs
        }
    }

    /// `samples` in receipt order; `connects` the server times of the charger's connections, oldest first.
    static func estimate(samples: [ClockSample], connects: [Int64]) -> Estimate {
        guard !samples.isEmpty else { return Estimate(connections: [], overallMs: nil) }
        var rate = clockRate(samples)
        if rate < 0.5 || rate > 2 {
            // Clearly not real time: measure the rate over the longest baseline, where latency matters least.
            if let first = samples.first, let last = samples.last, last.serverMs - first.serverMs >= 1000 {
                rate = Double(last.chargerMs - first.chargerMs) / Double(last.serverMs - first.serverMs)
            }
            let origin = connects.last { $0 <= samples[0].serverMs } ?? samples[0].serverMs
            let offsets = samples.map { Double($0.chargerMs - origin) - rate * Double($0.serverMs - origin) }
            return Estimate(connections: [], overallMs: median(offsets), rate: rate, originMs: origin)
        }
        let overall = median(samples.map { Double($0.chargerMs - $0.serverMs) })
        var connections: [(startMs: Int64, offsetMs: Double?)] = []
        for (i, start) in connects.enumerated() {
            let end = i + 1 < connects.count ? connects[i + 1] : Int64.max
            let inside = samples.filter { $0.serverMs >= start && $0.serverMs < end }
            connections.append((start, inside.isEmpty ? nil : median(inside.map { Double($0.chargerMs - $0.serverMs) })))
        }
        return Estimate(connections: connections, overallMs: overall)
    }

    /// Charger ms per server ms: the median slope between notifications at least 200 ms apart (server time); 1 when
    /// there are none.
    static func clockRate(_ samples: [ClockSample]) -> Double {
        var slopes: [Double] = []
        var anchor = samples[0]
        for sample in samples.dropFirst() where sample.serverMs - anchor.serverMs >= 200 {
            slopes.append(Double(sample.chargerMs - anchor.chargerMs) / Double(sample.serverMs - anchor.serverMs))
            anchor = sample
        }
        return median(slopes) ?? 1
    }

    static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }
}
