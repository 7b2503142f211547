import Hummingbird
import Logging
import Shared

/// Security profiles per charger (issue 17): which profile a charger must connect with. Not a secret, so also on the
/// HTTP API, where an agent's token may change only chargers in its scope.
extension ControlRouter {
    func addSecurityRoutes(to router: Router<ControlRequestContext>, transport: Transport) {
        router.get("/v1/chargers/:id/security") { _, context in
            let id = try Self.parameter(context, "id")
            let entry = credentials.entry(id)
            return try ControlJSON.response(ChargerSecurity(charger: id, profile: entry?.profile, password: entry?.current != nil))
        }
        router.put("/v1/chargers/:id/security") { request, context in
            let id = try Self.parameter(context, "id")
            let body = try await ControlJSON.decode(ChargerSecurityRequest.self, from: request, limit: maxBody)
            guard (1...3).contains(body.profile) else {
                throw ControlError(.badRequest, "profile must be 1, 2 or 3 (to drop a charger's settings: ocpp-ctl charger password clear \(id))")
            }
            try await checkScope(context, charger: id)
            let previous: Int?
            do { previous = try await credentials.setProfile(id, profile: body.profile) } catch ChargerCredentials.ProfileChange.needsPassword {
                throw ControlError(
                    .badRequest,
                    "profile \(body.profile) authenticates with HTTP Basic: set a password first (ocpp-ctl charger password set \(id) --generate)"
                )
            }
            let origin = Self.origin(request, context, transport)
            logger.notice(
                "charger security profile set",
                metadata: [
                    "charger": "\(id)", "profile": "\(body.profile)", "previous": "\(previous.map { "\($0)" } ?? "none")",
                    "origin": "\(origin)",
                ]
            )
            let entry = credentials.entry(id)
            return try ControlJSON.response(
                ChargerSecurity(charger: id, profile: entry?.profile, password: entry?.current != nil, previousProfile: previous)
            )
        }
    }
}
