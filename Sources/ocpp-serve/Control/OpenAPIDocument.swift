import Foundation
import Shared

/// The control API as an OpenAPI 3.1 document, built from the route list and the official OCPP 1.6 JSON schemas
/// (OpenAPI 3.1 takes JSON Schema as is), so the payload of each command is documented exactly as validated.
enum OpenAPIDocument {
    static func json(includeTokens: Bool) -> String {
        document(includeTokens: includeTokens).serialized()
    }

    /// Actions a client may send to chargers, with their request and response schemas.
    static var commandActions: [OCPPAction] {
        OCPPAction.allCases.filter { $0.initiator != .chargePoint }.sorted { $0.rawValue < $1.rawValue }
    }

    static func document(includeTokens: Bool) -> JSONValue {
        var schemas = JSONObject()
        for action in commandActions {
            for name in [action.requestSchemaName, action.responseSchemaName] {
                // The security-extension schemas refer to their own `definitions`: point those refs at where the
                // schema now sits in the document.
                if let text = OCPPSchemaTexts.v16[name]?.replacingOccurrences(of: "\"#/definitions/", with: "\"#/components/schemas/OCPP\(name)/definitions/"),
                    var schema = try? JSONParser.parse(text), case .object(var object) = schema
                {
                    object["$schema"] = nil
                    object["id"] = nil
                    schema = .object(object)
                    schemas["OCPP\(name)"] = schema
                }
            }
        }
        for (name, schema) in componentSchemas + limitSchemas + alertSchemas { schemas[name] = schema }

        var paths = JSONObject()
        paths["/v1/chargers"] = ["get": operation("List chargers", query: [("connected", "boolean")], answer: arrayOf("ChargerSummary"))]
        paths["/v1/chargers/{id}"] = ["get": operation("Everything known about one charger", path: ["id"], answer: ref("ChargerDetail"))]
        var commands = JSONObject()
        for action in commandActions {
            commands[action.rawValue] = ref("OCPP\(action.requestSchemaName)")
        }
        paths["/v1/chargers/{id}/commands/{action}"] = [
            "post": [
                "summary": "Send an OCPP 1.6 command to a connected charger and wait for its answer",
                "parameters": .array([
                    parameter("id", in: "path", type: "string"), parameter("action", in: "path", type: "string"),
                    parameter("timeout", in: "query", type: "number"), parameter("verbatim", in: "query", type: "boolean"),
                ]),
                "requestBody": ["content": ["application/json": ["schema": ["description": "The OCPP request payload of `action`", "oneOf": .array(commands.members.map(\.value))]]]],
                "responses": responses(ref("CommandResult")),
            ]
        ]
        paths["/v1/sessions"] = [
            "get": operation(
                "Transactions", query: [("active", "boolean"), ("charger", "string"), ("since", "string"), ("until", "string")],
                answer: arrayOf("SessionRecord")
            )
        ]
        paths["/v1/events"] = [
            "get": [
                "summary": "The event stream, one JSON object per line; follow=true keeps it open",
                "parameters": .array(
                    [("charger", "string"), ("since", "string"), ("limit", "integer"), ("follow", "boolean")].map { parameter($0.0, in: "query", type: $0.1) }
                ),
                "responses": ["200": ["description": "Events", "content": ["application/x-ndjson": ["schema": ["type": "object"]]]]],
            ]
        ]
        paths["/v1/security-events"] = [
            "get": operation(
                "SecurityEventNotifications chargers sent (newest `limit`, default 100, oldest first)",
                query: [("charger", "string"), ("since", "string"), ("limit", "integer")], answer: arrayOf("SecurityEventRecord")
            )
        ]
        paths["/v1/chargers/{id}/security"] = [
            "get": operation("The security profile a charger must connect with, and whether it has a password", path: ["id"], answer: ref("ChargerSecurity")),
            "put": operation(
                "Require a security profile of a charger (1 Basic, 2 wss + Basic, 3 wss + client certificate; 1 and 2 need a password); control socket only, 403 over HTTP",
                path: ["id"], body: ref("ChargerSecurityRequest"), answer: ref("ChargerSecurity")
            ),
        ]
        paths["/v1/tags"] = ["get": operation("The id-tag authorization list", answer: arrayOf("TagRecord"))]
        paths["/v1/tags/{tag}"] = [
            "put": operation("Add or update an id tag (Accepted)", path: ["tag"], body: ref("TagUpdate"), answer: ref("TagRecord")),
            "delete": operation("Remove an id tag", path: ["tag"], answer: nil),
        ]
        paths["/v1/tags/{tag}/block"] = ["post": operation("Block an id tag", path: ["tag"], answer: nil)]
        addLimitPaths(to: &paths, includeAgentManagement: includeTokens)
        paths["/v1/alerts"] = ["get": operation("Alerts (newest 500, or only open ones) and each sink's counters", query: [("open", "boolean")], answer: ref("AlertsAnswer"))]
        paths["/v1/alerts/test/{sink}"] = ["post": operation("Send a test alert through one sink (operator only)", path: ["sink"], answer: ref("AlertTestResult"))]
        if includeTokens {
            paths["/v1/tokens"] = [
                "get": operation("API tokens (control socket only)", answer: arrayOf("TokenRecord")),
                "post": operation("Create an API token; the secret is shown once", body: ref("TokenRequest"), answer: ref("TokenCreated")),
            ]
            paths["/v1/tokens/{name}"] = ["delete": operation("Revoke an API token", path: ["name"], answer: nil)]
        }
        return [
            "openapi": "3.1.0",
            "info": ["title": "ocpp-serve control API", "version": .string(ToolkitVersion.current)],
            "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
            "components": [
                "schemas": .object(schemas),
                "securitySchemes": ["bearer": ["type": "http", "scheme": "bearer"]],
            ],
            "security": [["bearer": []]],
            "paths": .object(paths),
        ]
    }

    /// Agents, groups, limits, explain and the verification status (issue 14).
    private static func addLimitPaths(to paths: inout JSONObject, includeAgentManagement: Bool) {
        var agents: JSONObject = ["get": operation("Agents: name, priority, scope", answer: arrayOf("Agent"))]
        if includeAgentManagement {
            agents["post"] = operation("Add an agent (control socket only)", body: ref("AgentRequest"), answer: ref("Agent"))
            paths["/v1/agents/{name}"] = ["delete": operation("Remove an agent with its limits and tokens (control socket only)", path: ["name"], answer: nil)]
        }
        paths["/v1/agents"] = .object(agents)
        paths["/v1/groups"] = [
            "get": operation("Groups with their capacity and members", answer: arrayOf("ChargerGroup")),
            "post": operation("Add a group (operator only)", body: ref("GroupRequest"), answer: ref("ChargerGroup")),
        ]
        paths["/v1/groups/{name}"] = ["delete": operation("Remove a group and its limits (operator only)", path: ["name"], answer: nil)]
        paths["/v1/groups/{name}/members"] = [
            "post": operation("Move chargers into the group (operator only)", path: ["name"], body: ref("GroupAssignRequest"), answer: ref("ChargerGroup"))
        ]
        paths["/v1/groups/{name}/members/{charger}"] = ["delete": operation("Take a charger out of the group", path: ["name", "charger"], answer: nil)]
        paths["/v1/limits"] = [
            "get": operation("Limits, optionally of one target (charger id or group:NAME)", query: [("target", "string")], answer: arrayOf("LimitRule")),
            "post": operation(
                "Set a limit; a token acts for its own agent and only within its scope (403 otherwise, nothing stored or sent)",
                body: ref("LimitRequest"), answer: ref("LimitRule")
            ),
        ]
        paths["/v1/limits/{id}"] = ["delete": operation("Remove a limit (a token only its own agent's)", path: ["id"], answer: nil)]
        paths["/v1/limits/status"] = [
            "get": operation("Managed profiles per charger, their answers, and whether the meter values keep to them", query: [("charger", "string")],
                answer: arrayOf("LimitStatusRecord"))
        ]
        paths["/v1/explain/{charger}"] = [
            "get": operation("The limit in force on a connector now or at a time, who decided it, and the limits that lost",
                path: ["charger"], query: [("connector", "integer"), ("at", "string")], answer: ref("LimitExplanation"))
        ]
    }

    private static var alertSchemas: [(String, JSONValue)] {
        let integer: JSONValue = ["type": "integer"]
        return [
            ("AlertRecord", object(
                [("id", integer), ("rule", string), ("charger", optionalString), ("subject", string), ("group", optionalString),
                 ("state", ["enum": ["open", "resolved"]]), ("message", string), ("opened", string), ("resolved", optionalString), ("repeats", integer)],
                required: ["id", "rule", "subject", "state", "message", "opened", "repeats"]
            )),
            ("AlertSinkStatus", object(
                [("name", string), ("type", ["enum": ["exec", "webhook"]]), ("sent", integer), ("failures", integer), ("held", integer),
                 ("queued", integer), ("lastError", optionalString)],
                required: ["name", "type", "sent", "failures", "held", "queued"]
            )),
            ("AlertsAnswer", object(
                [("alerts", ["type": "array", "items": ref("AlertRecord")]), ("sinks", ["type": "array", "items": ref("AlertSinkStatus")])],
                required: ["alerts", "sinks"]
            )),
            ("AlertTestResult", object([("sink", string), ("delivered", boolean), ("error", optionalString)], required: ["sink", "delivered"])),
            ("SecurityEventRecord", object(
                [("id", integer), ("charger", string), ("type", string), ("at", string), ("received", string), ("techInfo", optionalString)],
                required: ["id", "charger", "type", "at", "received"]
            )),
        ]
    }

    private static var limitSchemas: [(String, JSONValue)] {
        let number: JSONValue = ["type": "number"]
        let optionalNumber: JSONValue = ["type": .array(["number", "null"])]
        let integer: JSONValue = ["type": "integer"]
        let unit: JSONValue = ["enum": ["A", "W"]]
        let target = object([("charger", string), ("connector", integer), ("group", string)], required: [])
        let scope = object([("all", boolean), ("chargers", ["type": "array", "items": string]), ("groups", ["type": "array", "items": string])], required: ["all"])
        let recurrence = object(
            [("kind", ["enum": ["daily", "weekly"]]), ("startMinute", integer), ("endMinute", integer), ("days", ["type": "array", "items": integer]),
             ("timeZone", string)],
            required: ["kind", "startMinute", "endMinute", "timeZone"]
        )
        let verdict = object(
            [("limit", ["type": .array(["integer", "null"])]), ("label", string), ("agent", optionalString), ("priority", ["type": .array(["integer", "null"])]),
             ("kind", ["enum": ["hard", "policy", "capacity"]]), ("value", number), ("outcome", ["enum": ["decides", "higher", "overridden", "inactive"]]),
             ("reason", string)],
            required: ["label", "kind", "value", "outcome", "reason"]
        )
        return [
            ("Agent", object([("name", string), ("priority", integer), ("scope", scope)], required: ["name", "priority", "scope"])),
            ("AgentRequest", object([("name", string), ("priority", integer), ("scope", ["type": "string", "description": "all, or charger ids and group:NAME, comma-separated"])],
                required: ["name", "priority"])),
            ("ChargerGroup", object([("name", string), ("capacity", number), ("unit", unit), ("phases", integer), ("members", ["type": "array", "items": string])],
                required: ["name", "capacity", "unit", "phases", "members"])),
            ("GroupRequest", object([("name", string), ("capacity", number), ("unit", ["enum": ["A", "W", "kW"]]), ("phases", ["enum": [1, 3]])],
                required: ["name", "capacity", "unit"])),
            ("GroupAssignRequest", object([("chargers", ["type": "array", "items": string])], required: ["chargers"])),
            ("LimitRequest", object(
                [("target", ["type": "string", "description": "a charger id or group:NAME"]), ("connector", integer), ("agent", optionalString),
                 ("max", number), ("unit", ["enum": ["A", "W", "kW"]]), ("hard", boolean), ("forSeconds", integer), ("from", string), ("until", string),
                 ("daily", ["type": "string", "description": "HH:MM-HH:MM"]), ("weekly", ["type": "string", "description": "DAYS@HH:MM-HH:MM, e.g. mon-fri@07:00-09:00"]),
                 ("tz", ["type": "string", "description": "IANA time zone of the window (default UTC)"])],
                required: ["target", "max", "unit"])),
            ("LimitRule", object(
                [("id", integer), ("agent", string), ("target", target), ("max", number), ("unit", unit), ("kind", ["enum": ["hard", "policy"]]),
                 ("from", string), ("until", string), ("recurrence", recurrence), ("created", string), ("shape", string)],
                required: ["id", "agent", "target", "max", "unit", "kind", "created", "shape"])),
            ("LimitVerdict", verdict),
            ("LimitExplanation", object(
                [("charger", string), ("connector", integer), ("at", string), ("group", optionalString), ("limit", optionalNumber), ("unit", unit),
                 ("decidedBy", ["type": .array(["integer", "null"])]), ("decider", string), ("verdicts", ["type": "array", "items": ref("LimitVerdict")]),
                 ("compliance", optionalString)],
                required: ["charger", "connector", "at", "unit", "decider", "verdicts"])),
            ("LimitStatusRecord", object(
                [("charger", string), ("connected", boolean), ("group", optionalString), ("unit", string), ("unitSource", string),
                 ("profiles", ["type": "array", "items": object([("role", string), ("connector", integer), ("limitNow", optionalNumber), ("status", string)],
                    required: ["role", "connector", "status"])]),
                 ("compliance", ["enum": ["unknown", "ok", "over", "ignored"]]), ("drawn", optionalNumber), ("limit", optionalNumber), ("composite", optionalString)],
                required: ["charger", "connected", "unit", "unitSource", "profiles", "compliance"])),
        ]
    }

    private static func ref(_ name: String) -> JSONValue { ["$ref": .string("#/components/schemas/\(name)")] }
    private static func arrayOf(_ name: String) -> JSONValue { ["type": "array", "items": ref(name)] }

    private static func parameter(_ name: String, in location: String, type: String) -> JSONValue {
        ["name": .string(name), "in": .string(location), "required": .bool(location == "path"), "schema": ["type": .string(type)]]
    }

    private static func responses(_ answer: JSONValue?) -> JSONValue {
        var object = JSONObject()
        if let answer {
            object["200"] = ["description": "OK", "content": ["application/json": ["schema": answer]]]
        } else {
            object["204"] = ["description": "Done"]
        }
        for (code, text) in [("400", "Bad request"), ("401", "No valid token"), ("403", "Outside the token's scope or rights"), ("404", "Unknown charger or item"),
            ("409", "Charger not connected"), ("504", "No answer in time")] {
            object[code] = ["description": .string(text), "content": ["application/json": ["schema": ref("ControlError")]]]
        }
        return .object(object)
    }

    private static func operation(
        _ summary: String, path: [String] = [], query: [(String, String)] = [], body: JSONValue? = nil, answer: JSONValue?
    ) -> JSONValue {
        var object: JSONObject = ["summary": .string(summary)]
        let parameters = path.map { parameter($0, in: "path", type: "string") } + query.map { parameter($0.0, in: "query", type: $0.1) }
        if !parameters.isEmpty { object["parameters"] = .array(parameters) }
        if let body { object["requestBody"] = ["content": ["application/json": ["schema": body]]] }
        object["responses"] = responses(answer)
        return .object(object)
    }

    private static func object(_ properties: [(String, JSONValue)], required: [String]) -> JSONValue {
        var members = JSONObject()
        for (name, schema) in properties { members[name] = schema }
        return ["type": "object", "properties": .object(members), "required": .array(required.map(JSONValue.string))]
    }

    private static let string: JSONValue = ["type": "string"]
    private static let optionalString: JSONValue = ["type": .array(["string", "null"])]
    private static let boolean: JSONValue = ["type": "boolean"]

    private static var componentSchemas: [(String, JSONValue)] {
        let connector = object(
            [("connector", ["type": "integer"]), ("status", string), ("errorCode", string), ("info", optionalString),
             ("vendorErrorCode", optionalString), ("since", string)],
            required: ["connector", "status", "errorCode", "since"]
        )
        let summary = object(
            [("id", string), ("connected", boolean), ("registration", string), ("vendor", optionalString), ("model", optionalString),
             ("firmware", optionalString), ("lastSeen", optionalString), ("connectors", ["type": "array", "items": connector]),
             ("node", optionalString)],
            required: ["id", "connected", "registration", "connectors"]
        )
        let session = object(
            [("id", ["type": "integer"]), ("charger", string), ("connector", ["type": "integer"]), ("idTag", optionalString),
             ("start", optionalString), ("stop", optionalString), ("meterStartWh", ["type": "integer"]), ("meterStopWh", ["type": "integer"]),
             ("energyKWh", ["type": "number"]), ("stopReason", optionalString), ("stale", boolean)],
            required: ["id", "charger", "stale"]
        )
        return [
            ("ConnectorState", connector), ("ChargerSummary", summary), ("SessionRecord", session),
            ("ChargerDetail", object([("summary", ref("ChargerSummary")), ("activeTransactions", ["type": "array", "items": ref("SessionRecord")]),
                ("configuration", ["type": "array", "items": object([("key", string), ("value", optionalString), ("readonly", boolean), ("readAt", string)], required: ["key", "readonly", "readAt"])]),
                ("recentCommands", ["type": "array", "items": ["type": "object"]]),
                ("securityProfile", ["type": .array([.string("integer"), .string("null")]), "minimum": 1, "maximum": 3])], required: ["summary"])),
            ("CommandResult", object([("charger", string), ("action", string), ("status", string), ("response", ["type": "object"]),
                ("error", object([("code", string), ("description", string), ("details", ["type": "object"])], required: ["code", "description"])),
                ("commandID", ["type": "integer"]), ("repairs", ["type": "array", "items": string])], required: ["charger", "action", "status", "response"])),
            ("ControlError", object([("error", ["enum": .array(ControlError.Code.allCases.map { .string($0.rawValue) })]), ("message", string)], required: ["error", "message"])),
            ("ChargerSecurity", object([("charger", string), ("profile", ["type": .array([.string("integer"), .string("null")]), "minimum": 1, "maximum": 3]),
                ("password", boolean), ("previousProfile", ["type": .array([.string("integer"), .string("null")])])], required: ["charger", "password"])),
            ("ChargerSecurityRequest", object([("profile", ["type": "integer", "minimum": 1, "maximum": 3])], required: ["profile"])),
            ("TagRecord", object([("tag", string), ("status", string), ("expires", optionalString), ("parent", optionalString)], required: ["tag", "status"])),
            ("TagUpdate", object([("expires", optionalString), ("parent", optionalString)], required: [])),
            ("TokenRecord", object(
                [("name", string), ("created", string), ("lastUsed", optionalString), ("agent", optionalString), ("readOnly", boolean),
                 ("chargers", ["type": .array(["array", "null"]), "items": string])],
                required: ["name", "created", "readOnly"]
            )),
            ("TokenRequest", object(
                [("name", string), ("agent", optionalString), ("readOnly", ["type": .array(["boolean", "null"])]), ("chargers", ["type": .array(["array", "null"]), "items": string])],
                required: ["name"]
            )),
            ("TokenCreated", object([("name", string), ("token", string)], required: ["name", "token"])),
        ]
    }
}
