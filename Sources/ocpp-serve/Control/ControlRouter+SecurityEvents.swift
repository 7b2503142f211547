import Hummingbird
import Shared

extension ControlRouter {
    /// `GET /v1/security-events?charger=&since=&limit=`: the SecurityEventNotifications chargers sent.
    func addSecurityEventRoutes(to router: Router<ControlRequestContext>) {
        router.get("/v1/security-events") { request, context in
            let limitText = request.uri.queryParameters.get("limit")
            guard let limit = limitText.map({ Int($0) }) ?? 100, limit >= 0 else { throw ControlError(.badRequest, "limit must be a whole number") }
            var records = try await queries.securityEvents(
                charger: request.uri.queryParameters.get("charger"), sinceMs: try Self.time(request, "since"), limit: min(limit, 10_000)
            )
            if let visible = await visibleChargers(context) { records = records.filter { visible($0.charger) } }
            return try ControlJSON.response(records)
        }
    }
}
