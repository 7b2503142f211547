/// One alert as listed by `GET /v1/alerts`: a problem (rule + charger + subject) from when it was opened until it
/// cleared. Sinks receive the same fields as JSON (plus `state`: open, resolved, test or summary).
public struct AlertRecord: Codable, Sendable, Equatable {
    public var id: Int64
    /// fault, offline, handshake, limit, stale-transaction, reboot-loop, command-timeout, security-event.
    public var rule: String
    public var charger: String?
    /// What within the charger: `connector 2`, `transaction 17`, an action; empty for the charger as a whole.
    public var subject: String
    public var group: String?
    /// open or resolved.
    public var state: String
    public var message: String
    public var opened: String
    public var resolved: String?
    /// How often the problem was seen again while open (de-duplicated, not sent again).
    public var repeats: Int

    public init(
        id: Int64,
        rule: String,
        charger: String?,
        subject: String,
        group: String?,
        state: String,
        message: String,
        opened: String,
        resolved: String?,
        repeats: Int
    ) {
        self.id = id
        self.rule = rule
        self.charger = charger
        self.subject = subject
        self.group = group
        self.state = state
        self.message = message
        self.opened = opened
        self.resolved = resolved
        self.repeats = repeats
    }
}

/// A configured sink's counters since the server started (the same numbers go to `/metrics` once the metrics
/// branch bootstraps Prometheus).
public struct AlertSinkStatus: Codable, Sendable, Equatable {
    public var name: String
    /// exec or webhook.
    public var type: String
    public var sent: Int
    public var failures: Int
    /// Messages not sent because of the sink's rate limit (each burst later summarised in one message).
    public var held: Int
    /// Messages waiting for the sink.
    public var queued: Int
    public var lastError: String?

    public init(name: String, type: String, sent: Int, failures: Int, held: Int, queued: Int, lastError: String?) {
        self.name = name
        self.type = type
        self.sent = sent
        self.failures = failures
        self.held = held
        self.queued = queued
        self.lastError = lastError
    }
}

/// The answer to `GET /v1/alerts[?open=true]`.
public struct AlertsAnswer: Codable, Sendable, Equatable {
    public var alerts: [AlertRecord]
    public var sinks: [AlertSinkStatus]

    public init(alerts: [AlertRecord], sinks: [AlertSinkStatus]) {
        self.alerts = alerts
        self.sinks = sinks
    }
}

/// The answer to `POST /v1/alerts/test/{sink}`: whether the sink took a test alert.
public struct AlertTestResult: Codable, Sendable, Equatable {
    public var sink: String
    public var delivered: Bool
    public var error: String?

    public init(sink: String, delivered: Bool, error: String?) {
        self.sink = sink
        self.delivered = delivered
        self.error = error
    }
}
