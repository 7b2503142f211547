import CoreMetrics

/// The alert metrics, declared in one place (P12), served on /metrics beside the server's (`ServerMetrics`); no-ops with `--metrics off`.
struct AlertMetrics: Sendable {
    let sent: Counter
    let failures: Counter

    init(sink: String) {
        sent = Counter(label: "ocpp_alerts_sent_total", dimensions: [("sink", sink)])
        failures = Counter(label: "ocpp_alert_sink_failures_total", dimensions: [("sink", sink)])
    }

    func recordSent() { sent.increment() }
    func recordFailure() { failures.increment() }

    static func recordOpen(_ count: Int) {
        Gauge(label: "ocpp_alerts_open").record(count)
    }
}
