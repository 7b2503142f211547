import Foundation
import Hummingbird
import Shared

/// No token, no access: every HTTP API request but the OpenAPI document, /health and /metrics needs `Authorization: Bearer TOKEN` of a
/// token created with `ocpp-ctl token create`; anything else is 401 before a route (or a charger) is reached.
struct BearerTokenMiddleware: RouterMiddleware {
    typealias Context = ControlRequestContext
    let queries: ControlQueries
    let writer: StoreWriter

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        // /metrics: Prometheus scrapes without a token; it holds counts and charger ids, no tags or tokens.
        if request.uri.path == "/v1/openapi.json" || request.uri.path == "/health" || request.uri.path == "/metrics" {
            return try await next(request, context)
        }
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") else {
            throw ControlError(.unauthorized, "missing bearer token: send Authorization: Bearer TOKEN (create one with `ocpp-ctl token create NAME`)")
        }
        let token = header.dropFirst("bearer ".count).trimmingCharacters(in: .whitespaces)
        guard let (name, rights) = try await queries.token(sha256: APITokens.sha256(token)) else {
            throw ControlError(.unauthorized, "invalid or revoked bearer token")
        }
        // Checked before any route: a read-only token changes nothing, whatever the route would do.
        if rights.readOnly && request.method != .get && request.method != .head {
            throw ControlError(.forbidden, "token \(name) is read-only: use a token created without --read-only to \(request.method.rawValue) \(request.uri.path)")
        }
        writer.submitDetached(.tokenUsed(name: name, atMs: Timestamp.nowMilliseconds()))
        var context = context
        context.tokenName = name
        context.rights = rights
        return try await next(request, context)
    }
}
