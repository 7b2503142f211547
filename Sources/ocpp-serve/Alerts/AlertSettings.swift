/// The `alerts:` section of the config file: rule thresholds and sinks. Durations are seconds or `30s`, `5m`, `2h`.
struct AlertSettings: Sendable, Equatable {
    /// A charger disconnected (or silent) this long is reported offline; its return sends `resolved`.
    var offlineAfterSeconds = 300
    /// A transaction still open this long is reported stale.
    var staleTransactionSeconds = 24 * 3600
    /// `reboots` boots within `rebootWindowSeconds` are a reboot loop.
    var reboots = 3
    var rebootWindowSeconds = 600
    /// Alerts about events that have no "cleared" event (limit, command-timeout, reboot-loop, handshake) resolve after
    /// this long without a repeat.
    var quietSeconds = 3600
    /// How often the offline and stale-transaction rules are checked.
    var checkSeconds = 30
    /// SecurityEventNotification types that raise a `security-event` alert; `*` for every type.
    var securityEventTypes: Set<String> = AlertSettings.criticalSecurityEvents
    /// The whitepaper's events that call for a person rather than a log line.
    static let criticalSecurityEvents: Set<String> = [
        "FailedToAuthenticateAtCentralSystem", "CentralSystemFailedToAuthenticate", "SecurityLogWasCleared", "AttemptedReplayAttacks",
        "TamperDetectionActivated", "InvalidFirmwareSignature", "InvalidFirmwareSigningCertificate", "InvalidCentralSystemCertificate",
        "InvalidChargePointCertificate", "InvalidTLSVersion", "InvalidTLSCipherSuite",
    ]

    func alertsOn(securityEvent type: String) -> Bool {
        securityEventTypes.contains("*") || securityEventTypes.contains(type)
    }

    /// Rules switched off everywhere.
    var disabledRules: Set<AlertRule> = []
    var sinks: [SinkSettings] = []

    struct SinkSettings: Sendable, Equatable {
        enum Kind: Sendable, Equatable {
            /// Run through `/bin/sh -c`, the alert as JSON on stdin and as OCPP_ALERT_* variables.
            case exec(command: String)
            /// POST the alert as JSON.
            case webhook(url: String, headers: [String: String])
        }

        var name: String
        var kind: Kind
        /// Only these rules (empty: all).
        var rules: Set<AlertRule> = []
        /// Only chargers in these groups (empty: all chargers, grouped or not).
        var groups: Set<String> = []
        /// Seconds one delivery may take (a command is killed after it; a request abandoned).
        var timeoutSeconds = 10.0
        /// Webhook attempts per message (back-off 1 s, 2 s, 4 s, … between them).
        var attempts = 3
        var retryDelaySeconds = 1.0
        /// Messages per minute; what is over is counted and summarised in one message when the minute allows.
        var maxPerMinute = 20

        var typeName: String {
            switch kind {
            case .exec: "exec"
            case .webhook: "webhook"
            }
        }

        func accepts(rule: AlertRule, group: String?) -> Bool {
            (rules.isEmpty || rules.contains(rule)) && (groups.isEmpty || group.map(groups.contains) == true)
        }
    }
}
