import Hummingbird
import Shared

extension ControlRouter {
    /// `GET /v1/security-events?charger=&since=&limit=`: the SecurityEventNotifications chargers sent.
    func addSecurityRoutes(to router: Router<ControlRequestContext>) {
        router.get("/v1/security-events") { request, _ in
            let limitText = request.uri.queryParameters.get("limit")
            guard let limit = limitText.map({ Int($0) }) ?? 100, limit >= 0 else { throw ControlError(.badRequest, "limit must be a whole number") }
            return try ControlJSON.response(
                try await queries.securityEvents(
                    charger: request.uri.queryParameters.get("charger"),
                    sinceMs: try Self.time(request, "since"),
                    limit: min(limit, 10_000)
                )
            )
        }
    }
}
