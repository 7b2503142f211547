import Foundation

/// Simulated time: `speed` simulated seconds pass per real second, from `origin` (the wall clock at start unless
/// given). Every timer of a simulated charger and every timestamp it sends read this clock, so `--speed 60` runs a day
/// in 24 minutes, recurring charging profiles included.
struct SimClock: Sendable {
    let origin: Date
    let speed: Double
    private let realStart: ContinuousClock.Instant

    init(origin: Date = Date(), speed: Double = 1) {
        self.origin = origin
        self.speed = max(speed, 0.000_001)
        self.realStart = .now
    }

    /// The simulated present.
    var now: Date {
        let elapsed = ContinuousClock.now - realStart
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return origin.addingTimeInterval(seconds * speed)
    }

    /// Sleeps for `seconds` of simulated time.
    func sleep(_ seconds: Double) async throws {
        guard seconds > 0 else { return try Task.checkCancellation() }
        try await Task.sleep(for: .milliseconds(max(1, Int64(seconds / speed * 1000))))
    }

    /// Sleeps until the simulated instant `date` (returns at once when it is past).
    func sleep(until date: Date) async throws {
        try await sleep(date.timeIntervalSince(now))
    }
}
