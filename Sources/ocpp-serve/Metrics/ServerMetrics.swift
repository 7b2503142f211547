import CoreMetrics
import Metrics
import Shared
import Synchronization

/// Every metric ocpp-serve exports (`GET /metrics`), declared in this one file so that no name is ever made both
/// labeled and unlabeled, or as two types (swift-prometheus stops the process on either; conventions P12).
///
/// Label values come from closed sets only: OCPP action names (anything else is `other`), CALLERROR codes, repair
/// kinds, status values. The per-charger live gauges (`ChargerMeterGauges`) are the one exception, bounded by the
/// connected fleet and `--metrics-chargers`.
///
/// Handles are created once, per action where needed, so the hot path does a lookup and an atomic add; nothing is
/// allocated per message. Without `MetricsSystem.bootstrap` (tests, `--metrics off`) every handle is a no-op.
final class ServerMetrics: Sendable {
    /// False with `--metrics off`: clock reads and meter-value parsing for metrics are skipped too.
    let enabled: Bool

    // Names (also read by the dashboard test through a live /metrics).
    static let chargersConnected = "ocpp_chargers_connected"
    static let connectionsOpened = "ocpp_connections_opened_total"
    static let connectionsClosed = "ocpp_connections_closed_total"
    static let connectionsRefused = "ocpp_connections_refused_total"
    static let messagesIn = "ocpp_messages_in_total"
    static let messagesOut = "ocpp_messages_out_total"
    static let callErrors = "ocpp_callerrors_total"
    static let repairs = "ocpp_repairs_total"
    static let roundTrip = "ocpp_message_roundtrip_seconds"
    static let commandLatency = "ocpp_command_seconds"
    static let storeBatchSize = "ocpp_store_batch_size"
    static let storeCommit = "ocpp_store_commit_seconds"
    static let transactionsStarted = "ocpp_transactions_started_total"
    static let transactionsStopped = "ocpp_transactions_stopped_total"
    static let transactionsActive = "ocpp_transactions_active"
    static let energyDelivered = "ocpp_energy_delivered_wh_total"
    static let faults = "ocpp_faults_total"
    static let connectors = "ocpp_connectors"
    static let power = "ocpp_power_watts"
    static let current = "ocpp_current_amperes"
    static let stateOfCharge = "ocpp_soc_percent"
    static let energyRegister = "ocpp_energy_register_wh"
    static let chargerSeriesDropped = "ocpp_metrics_chargers_dropped_total"
    static let storeUp = "ocpp_store_up"
    static let storeOutages = "ocpp_store_outages_total"

    /// Buckets in seconds for the latency histograms: a commit with fsync takes about 0.2-5 ms here, an answer to a
    /// Heartbeat well under 1 ms; the swift-prometheus default starts at 5 ms.
    static let latencyBuckets: [Duration] = [
        .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
        .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500),
        .seconds(5), .seconds(10), .seconds(30),
    ]
    /// Operations per group commit (at most `maxBatch`, 512).
    static let batchBuckets: [Double] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]

    /// Counters per action and outcome, made once; looked up by the action's name without allocating.
    struct ActionCounters: Sendable {
        let callResult: Counter
        let callError: Counter
    }

    private let inbound: [String: ActionCounters]
    private let inboundOther: ActionCounters
    /// Frames that were not CALLs the server could answer: ignored, malformed, answers to commands.
    private let inboundIgnored: Counter
    private let inboundAnswers: Counter
    private let roundTrips: [String: Timer]
    private let roundTripOther: Timer
    private let callErrorsSent: [String: Counter]
    private let callErrorsReceived: [String: Counter]
    private let repairCounters: [Repair.Kind: Counter]
    private let commandTimers: [String: Timer]
    private let commandOutcomes: [String: (callResult: Counter, callError: Counter, timeout: Counter, disconnected: Counter)]
    private let faultCounters: [String: Counter]

    private let connected: Meter
    /// 1 while commits succeed, 0 from the first failed commit until the next successful one.
    private let storeUp: Meter
    private let storeOutages: Counter
    private let opened: Counter
    private let closed: Counter
    private let refusedSubprotocol: Counter
    private let refusedPath: Counter
    private let refusedAuth: Counter
    private let refusedTransport: Counter
    private let refusedCertificate: Counter
    private let refusedTLS: Counter
    private let batchSize: Recorder
    private let commit: Timer
    private let started: Counter
    private let stopped: Counter
    private let active: Gauge
    let energy: FloatingPointCounter
    private let connectorsByStatus: [String: Gauge]
    let dropped: Counter

    init(enabled: Bool = true) {
        self.enabled = enabled
        let chargerActions = OCPPAction.allCases.filter { $0.initiator != .centralSystem }.map(\.rawValue)
        let serverActions = OCPPAction.allCases.filter { $0.initiator != .chargePoint }.map(\.rawValue)
        func pair(_ action: String) -> ActionCounters {
            ActionCounters(
                callResult: Counter(label: Self.messagesIn, dimensions: [("action", action), ("result", "callresult")]),
                callError: Counter(label: Self.messagesIn, dimensions: [("action", action), ("result", "callerror")])
            )
        }
        inbound = Dictionary(uniqueKeysWithValues: chargerActions.map { ($0, pair($0)) })
        inboundOther = pair("other")
        inboundIgnored = Counter(label: Self.messagesIn, dimensions: [("action", "none"), ("result", "ignored")])
        inboundAnswers = Counter(label: Self.messagesIn, dimensions: [("action", "none"), ("result", "answer")])
        roundTrips = Dictionary(uniqueKeysWithValues: chargerActions.map { ($0, Timer(label: Self.roundTrip, dimensions: [("action", $0)])) })
        roundTripOther = Timer(label: Self.roundTrip, dimensions: [("action", "other")])
        let codes = CallErrorCode.allCases.map(\.rawValue) + ["other"]
        callErrorsSent = Dictionary(
            uniqueKeysWithValues: codes.map { ($0, Counter(label: Self.callErrors, dimensions: [("code", $0), ("direction", "sent")])) }
        )
        callErrorsReceived = Dictionary(
            uniqueKeysWithValues: codes.map { ($0, Counter(label: Self.callErrors, dimensions: [("code", $0), ("direction", "received")])) }
        )
        repairCounters = Dictionary(
            uniqueKeysWithValues: Repair.Kind.allCases.map { ($0, Counter(label: Self.repairs, dimensions: [("kind", $0.rawValue)])) }
        )
        commandTimers = Dictionary(
            uniqueKeysWithValues: (serverActions + ["other"]).map { ($0, Timer(label: Self.commandLatency, dimensions: [("action", $0)])) }
        )
        commandOutcomes = Dictionary(
            uniqueKeysWithValues: (serverActions + ["other"]).map { action in
                func out(_ result: String) -> Counter { Counter(label: Self.messagesOut, dimensions: [("action", action), ("result", result)]) }
                return (action, (out("callresult"), out("callerror"), out("timeout"), out("disconnected")))
            }
        )
        faultCounters = Dictionary(
            uniqueKeysWithValues: (ChargePointErrorCode.allCases.map(\.rawValue) + ["other"]).map {
                ($0, Counter(label: Self.faults, dimensions: [("error_code", $0)]))
            }
        )
        connected = Meter(label: Self.chargersConnected)
        opened = Counter(label: Self.connectionsOpened)
        closed = Counter(label: Self.connectionsClosed)
        refusedSubprotocol = Counter(label: Self.connectionsRefused, dimensions: [("reason", "subprotocol")])
        refusedPath = Counter(label: Self.connectionsRefused, dimensions: [("reason", "path")])
        refusedAuth = Counter(label: Self.connectionsRefused, dimensions: [("reason", "auth")])
        refusedTransport = Counter(label: Self.connectionsRefused, dimensions: [("reason", "transport")])
        refusedCertificate = Counter(label: Self.connectionsRefused, dimensions: [("reason", "certificate")])
        refusedTLS = Counter(label: Self.connectionsRefused, dimensions: [("reason", "tls")])
        batchSize = Recorder(label: Self.storeBatchSize, aggregate: true)
        commit = Timer(label: Self.storeCommit)
        started = Counter(label: Self.transactionsStarted)
        stopped = Counter(label: Self.transactionsStopped)
        active = Gauge(label: Self.transactionsActive)
        energy = FloatingPointCounter(label: Self.energyDelivered)
        connectorsByStatus = Dictionary(
            uniqueKeysWithValues: (ChargePointStatus.allCases.map(\.rawValue) + ["other"]).map {
                ($0, Gauge(label: Self.connectors, dimensions: [("status", $0)]))
            }
        )
        dropped = Counter(label: Self.chargerSeriesDropped)
        storeUp = Meter(label: Self.storeUp)
        storeOutages = Counter(label: Self.storeOutages)
        storeUp.set(1)
    }

    // MARK: Hot path

    /// A CALL from a charger was answered: with a CALLRESULT, or a CALLERROR with `code`.
    @inline(__always)
    func answered(_ action: String, error code: CallErrorCode?) {
        let counters = inbound[action] ?? inboundOther
        if let code {
            counters.callError.increment()
            (callErrorsSent[code.rawValue] ?? callErrorsSent["other"])?.increment()
        } else {
            counters.callResult.increment()
        }
    }

    /// Time from a CALL's arrival to its answer; `start` is nil with metrics off.
    @inline(__always)
    func roundTrip(_ action: String, since start: ContinuousClock.Instant?) {
        guard let start else { return }
        let elapsed = ContinuousClock.now - start
        let components = elapsed.components
        (roundTrips[action] ?? roundTripOther).recordNanoseconds(components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000)
    }

    /// A start instant only when metrics are on (a clock read costs about 25 ns).
    @inline(__always)
    func now() -> ContinuousClock.Instant? { enabled ? ContinuousClock.now : nil }

    func repaired(_ repairs: [Repair]) {
        for repair in repairs { repairCounters[repair.kind]?.increment() }
    }

    // MARK: Connections, transactions

    func ignored() { inboundIgnored.increment() }
    func answerToCommand() { inboundAnswers.increment() }
    func connectionOpened() {
        opened.increment()
        connected.increment()
    }
    func connectionClosed() {
        closed.increment()
        connected.decrement()
    }
    /// Why a handshake was refused: the `reason` label of `ocpp_connections_refused_total`.
    enum RefusalReason: Sendable {
        case path, subprotocol
        /// Security Profile 1: missing, malformed or wrong Basic credentials (HTTP 401).
        case auth
        /// Security Profile 2/3: a charger that must use TLS came over plain ws (no fallback, HTTP 401).
        case transport
        /// Security Profile 3: missing, untrusted, expired or another charger's client certificate (HTTP 401).
        case certificate
        /// The TLS handshake itself failed (TLS version, cipher suite, the charger distrusting our certificate).
        case tls
    }

    func refused(_ reason: RefusalReason) {
        switch reason {
        case .path: refusedPath.increment()
        case .subprotocol: refusedSubprotocol.increment()
        case .auth: refusedAuth.increment()
        case .transport: refusedTransport.increment()
        case .certificate: refusedCertificate.increment()
        case .tls: refusedTLS.increment()
        }
    }
    func transactionStarted() { started.increment() }
    func transactionStopped() { stopped.increment() }

    // MARK: Commands, store, status

    /// A command's answer (or its absence): latency and outcome by action.
    func command(_ action: String, outcome: CommandOutcome, seconds: Double, errorCode: String? = nil) {
        let key = commandOutcomes[action] == nil ? "other" : action
        guard let counters = commandOutcomes[key] else { return }
        switch outcome {
        case .callResult: counters.callResult.increment()
        case .callError:
            counters.callError.increment()
            (errorCode.flatMap { callErrorsReceived[$0] } ?? callErrorsReceived["other"])?.increment()
        case .timeout: counters.timeout.increment()
        case .disconnected: counters.disconnected.increment()
        }
        if outcome == .callResult || outcome == .callError { commandTimers[key]?.recordSeconds(seconds) }
    }

    enum CommandOutcome: Sendable {
        case callResult, callError, timeout, disconnected
    }

    /// The database stopped answering (first failed commit of an outage) or answers again.
    func storeAvailability(_ available: Bool) {
        storeUp.set(available ? 1 : 0)
        if !available { storeOutages.increment() }
    }

    func committed(batch: Int, nanoseconds: Int64) {
        batchSize.record(batch)
        commit.recordNanoseconds(nanoseconds)
    }

    func fault(_ errorCode: ChargePointErrorCode) {
        (faultCounters[errorCode.rawValue] ?? faultCounters["other"])?.increment()
    }

    /// Scrape-time gauges from the store: open transactions and connectors by status.
    func setStoreGauges(activeTransactions: Int, connectors: [String: Int]) {
        active.record(activeTransactions)
        var other = 0
        for (status, count) in connectors where connectorsByStatus[status] == nil { other += count }
        for (status, gauge) in connectorsByStatus {
            gauge.record(status == "other" ? other : connectors[status] ?? 0)
        }
    }
}
