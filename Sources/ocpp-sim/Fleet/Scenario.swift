import Foundation
import Yams

/// What the simulated drivers do. Times are simulated seconds; ranges are `[min, max]`, drawn per session from the
/// seeded generator.
struct Scenario: Codable, Sendable, Hashable {
    var name: String
    /// Sessions each charger runs before it only stays connected; nil: no end.
    var sessionsPerCharger: Int?
    /// Time between a connector becoming free and the next vehicle arriving.
    var arrivalGap: [Double]
    var startSoC: [Double]
    var targetSoC: [Double]
    /// Vehicle names (`leaf`, `etron`), chosen in turn per session.
    var vehicles: [String]
    /// How long a full vehicle stays plugged in before the driver ends the session.
    var dwell: [Double]
    /// Chance that the driver ends a session early (after 10 to 60 minutes).
    var earlyLeaveChance: Double
    /// ID tags the drivers present, in turn; empty: `<charger id>-TAG`.
    var idTags: [String]
    /// Load mode: the fleet's aggregate rate of charger-initiated messages per second (real time); no sessions.
    var rate: Double?

    static func named(_ name: String) -> Scenario? {
        builtIn.first { $0.name == name.lowercased() }
    }

    static func load(path: String) throws -> Scenario {
        try YAMLDecoder().decode(Scenario.self, from: String(contentsOfFile: path, encoding: .utf8))
    }

    static let builtIn: [Scenario] = [
        Scenario(
            name: "charge", sessionsPerCharger: nil, arrivalGap: [120, 3_600], startSoC: [10, 50], targetSoC: [80, 100], vehicles: ["leaf", "etron"],
            dwell: [0, 900], earlyLeaveChance: 0.1, idTags: [], rate: nil
        ),
        Scenario(
            name: "once", sessionsPerCharger: 1, arrivalGap: [5, 30], startSoC: [20, 40], targetSoC: [80, 90], vehicles: ["leaf", "etron"],
            dwell: [0, 60], earlyLeaveChance: 0, idTags: [], rate: nil
        ),
        Scenario(
            // Sessions started remotely (RemoteStartTransaction) still get a vehicle to charge.
            name: "idle", sessionsPerCharger: 0, arrivalGap: [0, 0], startSoC: [20, 40], targetSoC: [90, 100], vehicles: ["leaf", "etron"], dwell: [300, 900],
            earlyLeaveChance: 0, idTags: [], rate: nil
        ),
        Scenario(
            name: "load", sessionsPerCharger: 0, arrivalGap: [0, 0], startSoC: [20, 40], targetSoC: [90, 100], vehicles: ["leaf", "etron"], dwell: [300, 900],
            earlyLeaveChance: 0, idTags: [], rate: 1_000
        ),
    ]

    var summary: String {
        switch name {
        case "charge": "vehicles arrive at random, charge to 80-100 % SoC (or leave early) and leave; no end"
        case "once": "one session per charger, then the run ends when every transaction message is delivered"
        case "idle": "boot, status and heartbeats only"
        case "load": "a fixed aggregate message rate (--rate): Start, MeterValues (10 sampled values), Heartbeat, StatusNotification, Stop"
        default: "from a file"
        }
    }
}

extension Array where Element == Double {
    /// `[min, max]` as a closed range (one value: exactly it; none: 0).
    var range: ClosedRange<Double> {
        guard let first else { return 0...0 }
        let last = self.count > 1 ? self[1] : first
        return Swift.min(first, last)...Swift.max(first, last)
    }
}
