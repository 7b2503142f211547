import Shared

/// One problem, open from its first sighting until it clears; de-duplicated by rule, charger and subject.
struct Alert: Sendable, Equatable {
    struct Key: Hashable, Sendable {
        var rule: AlertRule
        var chargerID: String?
        var subject: String
    }

    var id: Int64
    var key: Key
    var group: String?
    var message: String
    var detail: JSONValue
    var openedMs: Int64
    var lastSeenMs: Int64
    var resolvedMs: Int64?
    var repeats = 0

    var record: AlertRecord {
        AlertRecord(
            id: id,
            rule: key.rule.rawValue,
            charger: key.chargerID,
            subject: key.subject,
            group: group,
            state: resolvedMs == nil ? "open" : "resolved",
            message: message,
            opened: Timestamp(milliseconds: openedMs).description,
            resolved: resolvedMs.map { Timestamp(milliseconds: $0).description },
            repeats: repeats
        )
    }
}

/// What a sink receives: an alert opening or resolving, a test, or a summary of what the rate limit held back.
struct AlertMessage: Sendable {
    enum State: String, Sendable {
        case open, resolved, test, summary
    }

    var state: State
    /// The rule, or `test` / `summary`.
    var rule: String
    var chargerID: String?
    var subject: String
    var group: String?
    var message: String
    var alertID: Int64?
    var atMs: Int64
    var detail: JSONValue

    init(_ alert: Alert, state: State, atMs: Int64, message: String? = nil) {
        self.state = state
        rule = alert.key.rule.rawValue
        chargerID = alert.key.chargerID
        subject = alert.key.subject
        group = alert.group
        self.message = message ?? alert.message
        alertID = alert.id
        self.atMs = atMs
        detail = alert.detail
    }

    init(state: State, rule: String, message: String, atMs: Int64, detail: JSONValue = .object(JSONObject())) {
        self.state = state
        self.rule = rule
        self.message = message
        self.atMs = atMs
        self.detail = detail
        subject = ""
    }

    /// The alert as one JSON object, as webhooks and exec commands (stdin) receive it.
    func json(sink: String) -> JSONValue {
        [
            "state": .string(state.rawValue), "rule": .string(rule), "charger": chargerID.map(JSONValue.string) ?? .null,
            "subject": .string(subject), "group": group.map(JSONValue.string) ?? .null, "message": .string(message),
            "id": alertID.map { .number(JSONNumber($0)) } ?? .null, "at": .string(Timestamp(milliseconds: atMs).description),
            "sink": .string(sink), "detail": detail,
        ]
    }

    /// The same as `OCPP_ALERT_*` environment variables for exec sinks.
    func environment(sink: String) -> [String: String] {
        [
            "OCPP_ALERT_STATE": state.rawValue, "OCPP_ALERT_RULE": rule, "OCPP_ALERT_CHARGER": chargerID ?? "",
            "OCPP_ALERT_SUBJECT": subject, "OCPP_ALERT_GROUP": group ?? "", "OCPP_ALERT_MESSAGE": message,
            "OCPP_ALERT_ID": alertID.map(String.init) ?? "", "OCPP_ALERT_AT": Timestamp(milliseconds: atMs).description, "OCPP_ALERT_SINK": sink,
        ]
    }
}
