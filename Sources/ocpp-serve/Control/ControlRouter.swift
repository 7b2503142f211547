import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Shared

/// The control plane's routes (see `ControlAPI` for the list), one set for both transports: the Unix socket
/// (trusted by file permissions; token management allowed) and the HTTP API (bearer token; no token management).
struct ControlRouter: Sendable {
    enum Transport: Sendable {
        case socket, http
    }

    let commander: ChargerCommander
    let queries: ControlQueries
    let writer: StoreWriter
    let events: EventBus
    let limits: LimitManager
    let alerts: AlertEngine
    let credentials: ChargerCredentials
    let logger: Logger
    let maxBody: Int
    /// `GET /metrics`; nil with `--metrics off`.
    var metrics: MetricsEndpoint? = nil

    func build(for transport: Transport) -> Router<ControlRequestContext> {
        let router = Router(context: ControlRequestContext.self)
        if transport == .http {
            router.add(middleware: BearerTokenMiddleware(queries: queries, writer: writer))
        }
        router.get("/health") { _, _ in "ok\n" }
        if let metrics {
            router.get("/metrics") { _, _ in await metrics.response() }
        }
        router.get("/v1/openapi.json") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.json(includeTokens: transport == .socket)))
            )
        }
        router.get("/v1/chargers") { request, context in
            var chargers = try await queries.chargers(connectedOnly: Self.flag(request, "connected"))
            if let visible = await visibleChargers(context) { chargers = chargers.filter { visible($0.id) } }
            return try ControlJSON.response(chargers)
        }
        router.get("/v1/chargers/:id") { _, context in
            let id = try Self.parameter(context, "id")
            try await checkScope(context, charger: id)
            guard let detail = try await queries.charger(id) else { throw ControlError(.unknownCharger, "unknown charger \(id)") }
            return try ControlJSON.response(detail)
        }
        router.post("/v1/chargers/:id/commands/:action") { request, context in
            let id = try Self.parameter(context, "id")
            let action = try Self.parameter(context, "action")
            let timeout = try Self.timeout(request)
            var body = request
            let buffer = try await body.collectBody(upTo: maxBody)
            let payload: JSONValue
            do {
                payload = buffer.readableBytes == 0 ? .object(JSONObject()) : try JSONParser.parse(Array(buffer.readableBytesView))
            } catch {
                throw ControlError(.badRequest, "the body is not JSON: \(error)")
            }
            let validate = request.uri.queryParameters.get("verbatim").map { $0 != "true" } ?? true
            try await checkScope(context, charger: id)
            let origin = Self.origin(request, context, transport)
            logger.info("command", metadata: ["charger": "\(id)", "action": "\(action)", "origin": "\(origin)"])
            let result = try await commander.send(to: id, action: action, payload: payload, timeout: timeout, validate: validate, origin: origin)
            return try ControlJSON.response(result)
        }
        router.get("/v1/sessions") { request, context in
            var sessions = try await queries.sessions(
                active: Self.flag(request, "active"), charger: request.uri.queryParameters.get("charger"),
                sinceMs: try Self.time(request, "since"), untilMs: try Self.time(request, "until")
            )
            if let visible = await visibleChargers(context) { sessions = sessions.filter { visible($0.charger) } }
            return try ControlJSON.response(sessions)
        }
        router.get("/v1/events") { request, context in
            try await eventsResponse(request, visible: await visibleChargers(context))
        }
        addLimitRoutes(to: router, transport: transport)
        addSecurityRoutes(to: router, transport: transport)
        addAlertRoutes(to: router)
        addSecurityEventRoutes(to: router)
        router.get("/v1/tags") { _, _ in try ControlJSON.response(try await queries.tags()) }
        router.put("/v1/tags/:tag") { request, context in
            let tag = try Self.parameter(context, "tag")
            let update = try await ControlJSON.decode(TagUpdate.self, from: request, limit: maxBody)
            var expiryMs: Int64?
            if let expires = update.expires {
                guard let parsed = Timestamp(parsing: expires) else { throw ControlError(.badRequest, "expires must be RFC 3339, e.g. 2027-01-01T00:00:00Z") }
                expiryMs = parsed.milliseconds
            }
            guard tag.count <= 20, update.parent.map({ $0.count <= 20 }) ?? true else {
                throw ControlError(.badRequest, "id tags are at most 20 characters (OCPP IdToken)")
            }
            _ = try await writer.submit(.tagUpsert(tag: tag, expiryMs: expiryMs, parent: update.parent, atMs: Timestamp.nowMilliseconds()))
            logger.info("tag added", metadata: ["tag": "\(tag)"])
            return try ControlJSON.response(TagRecord(tag: tag, status: "Accepted", expires: update.expires, parent: update.parent))
        }
        router.post("/v1/tags/:tag/block") { _, context in
            let tag = try Self.parameter(context, "tag")
            guard try await writer.submit(.tagStatus(tag: tag, status: "Blocked")) != .changed(rows: 0) else {
                throw ControlError(.notFound, "no id tag \(tag)")
            }
            return Response(status: .noContent)
        }
        router.delete("/v1/tags/:tag") { _, context in
            let tag = try Self.parameter(context, "tag")
            guard try await writer.submit(.tagRemove(tag: tag)) != .changed(rows: 0) else { throw ControlError(.notFound, "no id tag \(tag)") }
            return Response(status: .noContent)
        }
        if transport == .socket {
            addPasswordRoutes(to: router)
            router.get("/v1/tokens") { _, _ in try ControlJSON.response(try await queries.tokens()) }
            router.post("/v1/tokens") { request, _ in
                let body = try await ControlJSON.decode(TokenRequest.self, from: request, limit: maxBody)
                guard APITokens.isValidName(body.name) else {
                    throw ControlError(.badRequest, "token names are 1-64 letters, digits or - _ . @")
                }
                if let chargers = body.chargers {
                    guard !chargers.isEmpty, chargers.allSatisfy({ !$0.isEmpty && !$0.contains(",") }) else {
                        throw ControlError(.badRequest, "--chargers takes one or more charger ids, comma-separated")
                    }
                }
                let rights = TokenRights(agent: body.agent, readOnly: body.readOnly ?? false, chargers: body.chargers.map(Set.init))
                if let agent = body.agent, await limits.model.agents[agent] == nil {
                    throw ControlError(.badRequest, "unknown agent \(agent): create it first with `ocpp-ctl agent add \(agent) --priority N`")
                }
                let token = APITokens.generate()
                do {
                    _ = try await writer.submit(
                        .tokenCreate(name: body.name, sha256: APITokens.sha256(token), rights: rights, atMs: Timestamp.nowMilliseconds())
                    )
                } catch {
                    throw ControlError(.badRequest, "a token named \(body.name) exists: revoke it first")
                }
                logger.notice(
                    "API token created",
                    metadata: ["token": "\(body.name)", "readOnly": "\(rights.readOnly)", "chargers": "\(rights.chargersText ?? "all")"]
                )
                return try ControlJSON.response(TokenCreated(name: body.name, token: token), status: .created)
            }
            router.delete("/v1/tokens/:name") { _, context in
                let name = try Self.parameter(context, "name")
                guard try await writer.submit(.tokenRevoke(name: name)) != .changed(rows: 0) else { throw ControlError(.notFound, "no token \(name)") }
                logger.notice("API token revoked", metadata: ["token": "\(name)"])
                return Response(status: .noContent)
            }
        } else {
            router.on("/v1/tokens", method: .get) { _, _ -> Response in throw Self.tokensOverHTTP }
            router.on("/v1/tokens", method: .post) { _, _ -> Response in throw Self.tokensOverHTTP }
            router.on("/v1/tokens/:name", method: .delete) { _, _ -> Response in throw Self.tokensOverHTTP }
            for method in [HTTPRequest.Method.put, .delete] {
                router.on("/v1/chargers/:id/password", method: method) { _, _ -> Response in throw Self.passwordsOverHTTP }
            }
            router.on("/v1/chargers/:id/password/rotate", method: .post) { _, _ -> Response in throw Self.passwordsOverHTTP }
        }
        return router
    }

    static let passwordsOverHTTP = ControlError(.forbidden, "charger passwords are managed on the control socket only (ocpp-ctl charger password ...)")
    static let tokensOverHTTP = ControlError(.forbidden, "tokens are managed on the control socket only (ocpp-ctl token ...)")

    /// `events`: stored events (newest `limit`, oldest first), or with `follow` the recent in-memory ones and then
    /// live events as they happen, one JSON object per line, flushed per event.
    private func eventsResponse(_ request: Request, visible: (@Sendable (String) -> Bool)?) async throws -> Response {
        let charger = request.uri.queryParameters.get("charger")
        let limitText = request.uri.queryParameters.get("limit")
        guard let limit = limitText.map({ Int($0) }) ?? 50, limit >= 0 else { throw ControlError(.badRequest, "limit must be a whole number") }
        let headers: HTTPFields = [.contentType: "application/x-ndjson"]
        if !Self.flag(request, "follow") {
            var stored = try await queries.events(charger: charger, sinceMs: try Self.time(request, "since"), limit: limit)
            if let visible {
                // Events without a charger (server-wide) are the operator's too.
                stored = stored.filter { if case .string(let id) = $0["charger"] { visible(id) } else { false } }
            }
            let text = stored.map { $0.serialized() + "\n" }.joined()
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        let stream = events.subscribe(replaying: limit, includeRemote: true) { event in
            (charger == nil || event.chargerID == charger) && (visible == nil || event.chargerID.map { visible?($0) ?? false } ?? false)
        }
        return Response(
            status: .ok, headers: headers,
            body: .init { writer in
                for await event in stream {
                    try await writer.write(ByteBuffer(string: event.json.serialized() + "\n"))
                }
                try await writer.finish(nil)
            }
        )
    }

    static func parameter(_ context: ControlRequestContext, _ name: String) throws -> String {
        guard let raw = context.parameters.get(name), let decoded = raw.removingPercentEncoding, !decoded.isEmpty else {
            throw ControlError(.badRequest, "missing \(name) in the path")
        }
        return decoded
    }

    static func flag(_ request: Request, _ name: String) -> Bool {
        guard let value = request.uri.queryParameters.get(name) else { return false }
        return value == "true" || value == "1" || value.isEmpty
    }

    static func time(_ request: Request, _ name: String) throws -> Int64? {
        guard let text = request.uri.queryParameters.get(name) else { return nil }
        guard let parsed = Timestamp(parsing: text) else { throw ControlError(.badRequest, "\(name) must be RFC 3339, e.g. 2026-10-06T14:35:55Z") }
        return parsed.milliseconds
    }

    private static func timeout(_ request: Request) throws -> Double {
        guard let text = request.uri.queryParameters.get("timeout") else { return ControlAPI.defaultTimeout }
        guard let seconds = Double(text), seconds > 0, seconds <= ControlAPI.maxTimeout else {
            throw ControlError(.badRequest, "timeout must be between 0 and \(Int(ControlAPI.maxTimeout)) seconds")
        }
        return seconds
    }

    static func origin(_ request: Request, _ context: ControlRequestContext, _ transport: Transport) -> String {
        switch transport {
        case .http: "token:\(context.tokenName ?? "?")"
        case .socket: "socket:\(HTTPField.Name(ControlAPI.userHeader).flatMap { request.headers[$0] } ?? "unknown")"
        }
    }
}
