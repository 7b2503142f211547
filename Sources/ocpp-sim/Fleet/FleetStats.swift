import Foundation
import Synchronization

/// What a run observed, shared by every charger of the fleet: message counts, round trips, sessions.
final class FleetStats: Sendable {
    /// One transaction as the simulator ran it: the figures a central system should have stored.
    struct SessionRecord: Codable, Sendable, Hashable {
        var charger: String
        var connectorId: Int
        var transactionId: Int?
        var idTag: String
        var vehicle: String
        var start: String
        var stop: String
        var meterStart: Int
        var meterStop: Int
        /// Energy the vehicle received, from the simulated physics (Wh, not rounded).
        var energyWh: Double
        var startSoC: Double
        var endSoC: Double
        var maxPowerW: Double
        var stopReason: String
        /// Whether StopTransaction was sent (never-stop quirk: false).
        var stopSent: Bool
        /// Whether the central system answered the StopTransaction (a run cut short by --duration may end first).
        var stopAnswered = false
    }

    struct State {
        var sent = 0
        var answered = 0
        var callErrors = 0
        var invalidAnswers = 0
        var timeouts = 0
        var discarded = 0
        var received = 0
        var receivedAnswered = 0
        var latenciesMicros: [Int32] = []
        var connected = 0
        var connections = 0
        var booted = 0
        var allBootedAfter: Double?
        var sessions: [SessionRecord] = []
        var finished = 0
        var problems: [String] = []
    }

    let state = Mutex(State())
    let chargers: Int
    /// Load mode: round trips count only once every charger has booted, and only those of the load's own messages,
    /// so the boot burst (a BootNotification and status reports per charger) does not blur the figures at the
    /// offered rate.
    let steadyStateOnly: Bool
    private let started = ContinuousClock.now

    /// Load mode: after every charger booted, round trips answered within this many seconds are not counted either
    /// (the central system working off the boot burst).
    let warmupSeconds: Double

    init(chargers: Int, steadyStateOnly: Bool = false, warmupSeconds: Double = 0) {
        self.chargers = chargers
        self.steadyStateOnly = steadyStateOnly
        self.warmupSeconds = warmupSeconds
    }

    func update(_ body: (inout State) -> Void) {
        state.withLock { body(&$0) }
    }

    /// A CALL's answer arrived after `elapsed`.
    func answered(after elapsed: Duration, error: Bool, invalid: Bool, measured: Bool = true) {
        let micros = elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000
        let sinceStart = ContinuousClock.now - started
        let seconds = Double(sinceStart.components.seconds) + Double(sinceStart.components.attoseconds) / 1e18
        state.withLock {
            $0.answered += 1
            if measured && (!steadyStateOnly || seconds >= ($0.allBootedAfter ?? .infinity) + warmupSeconds) {
                $0.latenciesMicros.append(Int32(clamping: micros))
            }
            if error { $0.callErrors += 1 }
            if invalid { $0.invalidAnswers += 1 }
        }
    }

    func problem(_ text: String) {
        state.withLock { if $0.problems.count < 50 { $0.problems.append(text) } }
    }

    func booted() {
        let elapsed = ContinuousClock.now - started
        state.withLock {
            $0.booted += 1
            if $0.booted == chargers, $0.allBootedAfter == nil {
                $0.allBootedAfter = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            }
        }
    }

    var finishedCount: Int { state.withLock { $0.finished } }
}
