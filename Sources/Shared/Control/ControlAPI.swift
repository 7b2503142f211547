import Foundation

/// The control protocol between ocpp-ctl (or any HTTP client) and ocpp-serve: JSON over HTTP/1.1, served on the
/// Unix-domain socket (`--socket`, no token: file permissions guard it) and, with `--http`, on TCP (bearer token).
///
/// Routes (all bodies and answers JSON; errors are `ControlError` with a matching HTTP status):
/// - `GET  /v1/chargers[?connected=true]` → `[ChargerSummary]`
/// - `GET  /v1/chargers/{id}` → `ChargerDetail`
/// - `POST /v1/chargers/{id}/commands/{Action}[?timeout=SECONDS]`, body: the OCPP request payload → `CommandResult`
///   (HTTP 200 whenever the charger answered, also with Rejected or a CALLERROR)
/// - `GET  /v1/sessions[?active=true&charger=ID&since=T&until=T]` → `[SessionRecord]`
/// - `GET  /v1/events[?charger=ID&since=T&limit=N&follow=true]` → one JSON event per line (`application/x-ndjson`);
///   with `follow` the last `limit` events since the server started, then live events until the client leaves
/// - `GET  /v1/tags`, `PUT /v1/tags/{tag}` (body `TagUpdate`), `POST /v1/tags/{tag}/block`, `DELETE /v1/tags/{tag}`
/// - `GET  /v1/tokens`, `POST /v1/tokens` (body `TokenRequest` → `TokenCreated`), `DELETE /v1/tokens/{name}`: socket only
/// - `GET  /v1/agents`, `POST /v1/agents` (body `AgentRequest`), `DELETE /v1/agents/{name}`
/// - `GET  /v1/groups`, `POST /v1/groups` (body `GroupRequest`), `POST /v1/groups/{name}/members` (body
///   `GroupAssignRequest`), `DELETE /v1/groups/{name}`
/// - `GET  /v1/limits[?target=ID|group:NAME]` → `[LimitRule]`, `POST /v1/limits` (body `LimitRequest`) → `LimitRule`,
///   `DELETE /v1/limits/{id}`; `GET /v1/limits/status[?charger=ID]` → `[LimitStatusRecord]`
/// - `GET  /v1/explain/{charger}[?connector=N&at=T]` → `LimitExplanation`
/// - `GET  /v1/alerts[?open=true]` → `AlertsAnswer`; `POST /v1/alerts/test/{sink}` → `AlertTestResult`
/// - `GET  /v1/openapi.json`: this API as an OpenAPI 3.1 document
///
/// The socket client names its user in `userHeader`; commands are recorded with that origin (`socket:alice`) or the
/// token name (`token:scheduler`).
public enum ControlAPI {
    public static let version = "v1"
    public static let userHeader = "X-OCPP-User"
    /// Default seconds a charger command waits for its turn and its answer.
    public static let defaultTimeout = 30.0
    /// Longest wait a client may ask for.
    public static let maxTimeout = 3600.0

    /// Where ocpp-serve listens and ocpp-ctl connects when neither `--socket` nor `OCPP_SOCKET` says otherwise:
    /// `$XDG_RUNTIME_DIR/ocpp-serve.sock` (a per-user directory), else `/tmp/ocpp-serve-UID.sock`.
    public static func defaultSocketPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let runtime = environment["XDG_RUNTIME_DIR"], !runtime.isEmpty { return runtime + "/ocpp-serve.sock" }
        return "/tmp/ocpp-serve-\(getuid()).sock"
    }

    /// Percent-encodes one path segment (charger ids may hold `/`, spaces, `%`).
    public static func segment(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                out += "%" + String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]], as: UTF8.self)
            }
        }
        return out
    }

    public static func chargers(connectedOnly: Bool) -> String { "/v1/chargers" + (connectedOnly ? "?connected=true" : "") }
    public static func charger(_ id: String) -> String { "/v1/chargers/\(segment(id))" }
    public static func command(_ id: String, action: String, timeout: Double?) -> String {
        "/v1/chargers/\(segment(id))/commands/\(segment(action))" + (timeout.map { "?timeout=\($0)" } ?? "")
    }
    /// Security Profile 1 key of a charger (socket only): PUT sets, DELETE clears, POST `.../rotate` rotates over OCPP.
    public static func chargerPassword(_ id: String) -> String { "/v1/chargers/\(segment(id))/password" }
    public static func chargerSecurity(_ id: String) -> String { "/v1/chargers/\(segment(id))/security" }
    public static func tag(_ tag: String) -> String { "/v1/tags/\(segment(tag))" }
    public static func token(_ name: String) -> String { "/v1/tokens/\(segment(name))" }
    public static func agent(_ name: String) -> String { "/v1/agents/\(segment(name))" }
    public static func group(_ name: String) -> String { "/v1/groups/\(segment(name))" }
    public static func groupMembers(_ name: String) -> String { "/v1/groups/\(segment(name))/members" }
    public static func limit(_ id: Int64) -> String { "/v1/limits/\(id)" }
    public static func explain(_ charger: String) -> String { "/v1/explain/\(segment(charger))" }
    public static func alerts(openOnly: Bool) -> String { "/v1/alerts" + (openOnly ? "?open=true" : "") }
    public static func alertTest(_ sink: String) -> String { "/v1/alerts/test/\(segment(sink))" }
    /// SecurityEventNotifications received, oldest first (the newest `limit`).
    public static func securityEvents(charger: String?, since: String?, limit: Int? = nil) -> String {
        "/v1/security-events" + query([("charger", charger), ("since", since), ("limit", limit.map(String.init))])
    }

    /// A query string from the items whose value is not nil (`?a=1&b=x`), values percent-encoded.
    public static func query(_ items: [(String, String?)]) -> String {
        let present = items.compactMap { key, value in value.map { "\(key)=\(segment($0))" } }
        return present.isEmpty ? "" : "?" + present.joined(separator: "&")
    }
}
