import Foundation

/// The summary a run prints: text for people, `--json` for scripts and tests.
struct FleetReport: Codable, Sendable {
    struct Messages: Codable, Sendable {
        var sent: Int
        var answered: Int
        var callErrors: Int
        var invalidAnswers: Int
        var timeouts: Int
        /// Transaction messages dropped after TransactionMessageAttempts failures.
        var discarded: Int
    }

    struct Latency: Codable, Sendable {
        var p50: Double
        var p90: Double
        var p99: Double
        var max: Double
    }

    var chargers: Int
    var template: String
    var scenario: String
    var speed: Double
    var seed: UInt64
    var quirks: [String]
    var wallSeconds: Double
    var booted: Int
    /// Seconds from start until every charger's first BootNotification was accepted.
    var allBootedSeconds: Double?
    var messages: Messages
    /// CALLs the central system sent the chargers, and how many were answered.
    var centralSystemCalls: Int
    var centralSystemCallsAnswered: Int
    /// Round trips of the chargers' CALLs, in milliseconds.
    var latencyMs: Latency
    var sessionCount: Int
    var energyKWh: Double
    /// The simulator's own CPU time (user + system) and peak resident memory.
    var cpuSeconds: Double
    var maxRSSKiB: Int
    var sessions: [FleetStats.SessionRecord]
    var problems: [String]

    /// Every CALL got a valid answer and every charger booted.
    var succeeded: Bool {
        booted == chargers && messages.callErrors == 0 && messages.invalidAnswers == 0 && messages.timeouts == 0 && messages.discarded == 0
    }

    static func percentiles(_ micros: [Int32]) -> Latency {
        let sorted = micros.sorted()
        func at(_ p: Double) -> Double {
            guard !sorted.isEmpty else { return 0 }
            let index = Swift.min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)
            return (Double(sorted[Swift.max(index, 0)]) / 10).rounded() / 100
        }
        return Latency(p50: at(0.5), p90: at(0.9), p99: at(0.99), max: at(1))
    }

    var text: String {
        var lines: [String] = []
        lines.append("chargers \(chargers) (\(template)), booted \(booted)" + (allBootedSeconds.map { String(format: ", all booted after %.2f s", $0) } ?? ""))
        lines.append("scenario \(scenario), speed \(MeterFormat.decimal(speed, places: 2))x, seed \(seed), wall time \(String(format: "%.1f", wallSeconds)) s"
            + (quirks.isEmpty ? "" : ", quirks \(quirks.joined(separator: ","))"))
        lines.append("sessions \(sessionCount), energy \(String(format: "%.3f", energyKWh)) kWh")
        lines.append("messages sent \(messages.sent), answered \(messages.answered), CALLERRORs \(messages.callErrors), invalid answers \(messages.invalidAnswers), timeouts \(messages.timeouts), discarded \(messages.discarded)")
        lines.append("central-system calls received \(centralSystemCalls), answered \(centralSystemCallsAnswered)")
        lines.append(String(format: "round trip ms: p50 %.2f  p90 %.2f  p99 %.2f  max %.2f", latencyMs.p50, latencyMs.p90, latencyMs.p99, latencyMs.max))
        lines.append(String(format: "simulator: CPU %.2f s, peak RSS %d KiB", cpuSeconds, maxRSSKiB))
        for problem in problems.prefix(10) { lines.append("problem: \(problem)") }
        return lines.joined(separator: "\n")
    }
}
