import Foundation
import Logging
import NIOSSL

/// What every charger of one run shares.
struct FleetContext: Sendable {
    struct Faults: Sendable, Hashable {
        /// Chance per session that the connector reports Faulted (with an error code) before the vehicle arrives.
        var faultChance: Double = 0
        /// Drop the WebSocket connection every so many simulated seconds.
        var dropEvery: Double?
        /// Reboot right after each of the first N accepted BootNotifications.
        var rebootLoop = 0
    }

    /// One URL per central-system node (`--url` repeated); each charger starts on its own and moves on at failures.
    var baseURLs: [String]
    var template: ChargerTemplate
    var scenario: Scenario
    var clock: SimClock
    var seed: UInt64
    var quirks: Set<QuirkMode>
    var faults: Faults
    var stats: FleetStats
    /// How long a CALL waits for its answer (real time).
    var callTimeout: Duration
    var maxMessage: Int
    var gate: ConnectGate
    var logger: Logger
    /// Vendor id the chargers answer DataTransfer for.
    var vendorId = "org.ocpp-tools.sim"
    /// Security Profile 1: the AuthorizationKey every charger starts with, sent as HTTP Basic (user = charger id).
    var password: [UInt8]?
    /// Security extension: the CpoName key's start value (O of the CSR), StartupOfTheDevice at boot, and where signed
    /// certificates are written.
    var cpoName = ""
    var securityEvents = false
    var certificateDirectory: String?
    /// `wss://`: trusted roots for the server certificate (`--tls-ca`; nil: the system's).
    var tlsTrustRoots: [NIOSSLCertificate]?
    /// Security Profile 3: client certificate and key files (`{id}` = charger id), read per charger.
    var clientCertificate: (certificate: String, key: String)?

    /// The URL charger `index` uses at its `attempt`-th switch: its home node first (spreading the fleet evenly),
    /// then the next ones in turn (failover when a node is down).
    func url(for id: String, index: Int, attempt: Int = 0) -> String {
        guard !baseURLs.isEmpty else { return id }
        let base = baseURLs[(index + attempt) % baseURLs.count]
        return base.hasSuffix("/") ? base + id : base + "/" + id
    }
}

/// Limits how many WebSocket handshakes are in flight at once, so 10 000 chargers do not hit a server's listen
/// backlog in one burst.
actor ConnectGate {
    private let limit: Int
    private var inFlight = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(limit: Int) {
        self.limit = max(1, limit)
    }

    func enter() async {
        if inFlight < limit {
            inFlight += 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    /// Lets every waiter through (the run is ending).
    func open() {
        inFlight = Int.min / 2
        for waiter in waiting { waiter.resume() }
        waiting.removeAll()
    }

    func leave() {
        if waiting.isEmpty {
            inFlight -= 1
        } else {
            waiting.removeFirst().resume()
        }
    }
}
