import Hummingbird
import Logging
import Shared

/// Security profiles per charger (issue 17): which profile a charger must connect with. Readable on the HTTP API (not
/// a secret); changed on the socket only, like passwords: a leaked API token must not be able to lower a charger's
/// profile and open the way to a weaker handshake.
extension ControlRouter {
    func addSecurityRoutes(to router: Router<ControlRequestContext>, transport: Transport) {
        router.get("/v1/chargers/:id/security") { _, context in
            let id = try Self.parameter(context, "id")
            try await checkScope(context, charger: id)
            let entry = credentials.entry(id)
            return try ControlJSON.response(ChargerSecurity(charger: id, profile: entry?.profile, password: entry?.current != nil))
        }
        router.put("/v1/chargers/:id/security") { request, context in
            let id = try Self.parameter(context, "id")
            let body = try await ControlJSON.decode(ChargerSecurityRequest.self, from: request, limit: maxBody)
            guard (1...3).contains(body.profile) else {
                throw ControlError(.badRequest, "profile must be 1, 2 or 3 (to drop a charger's settings: ocpp-ctl charger password clear \(id))")
            }
            guard transport == .socket else {
                throw ControlError(.forbidden, "security profiles are changed on the control socket only (ocpp-ctl charger security \(id) --profile N)")
            }
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
