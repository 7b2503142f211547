import Hummingbird
import Logging
import Shared

/// Security Profile 1 keys, on the control socket only (like tokens): a secret never crosses the HTTP API.
extension ControlRouter {
    /// Letters and digits of a generated password (the whitepaper's maximum, 40: about 238 bits).
    static let generatedPasswordLength = 40
    /// A rotated key is 20 characters so that its hex form, the ChangeConfiguration value, is 40 characters: the
    /// AuthorizationKey length every charger accepts (20 bytes, J§6.2), still about 119 random bits.
    static let rotatedKeyLength = 20

    func addPasswordRoutes(to router: Router<ControlRequestContext>) {
        router.put("/v1/chargers/:id/password") { request, context in
            let id = try Self.parameter(context, "id")
            let body = try await ControlJSON.decode(ChargerPasswordRequest.self, from: request, limit: maxBody)
            let password: String
            switch (body.password, body.generate ?? false) {
            case (let given?, false):
                if let problem = AuthorizationKey.problem(with: given) { throw ControlError(.badRequest, problem) }
                password = given
            case (nil, true):
                password = AuthorizationKey.generate(length: Self.generatedPasswordLength)
            default:
                throw ControlError(.badRequest, "give either a password or generate")
            }
            try await credentials.set(id, key: Array(password.utf8))
            logger.notice("charger password set", metadata: ["charger": "\(id)", "generated": "\(body.generate ?? false)"])
            return try ControlJSON.response(ChargerPasswordSet(charger: id, password: body.generate == true ? password : nil))
        }
        router.delete("/v1/chargers/:id/password") { _, context in
            let id = try Self.parameter(context, "id")
            guard credentials.entry(id) != nil else { throw ControlError(.notFound, "charger \(id) has no password") }
            try await credentials.set(id, key: nil)
            logger.notice("charger password cleared", metadata: ["charger": "\(id)"])
            return Response(status: .noContent)
        }
        router.post("/v1/chargers/:id/password/rotate") { request, context in
            let id = try Self.parameter(context, "id")
            let timeout = request.uri.queryParameters.get("timeout").flatMap { Double($0) }.map { min(max($0, 1), ControlAPI.maxTimeout) }
                ?? ControlAPI.defaultTimeout
            let key = Array(AuthorizationKey.generate(length: Self.rotatedKeyLength).utf8)
            credentials.beginRotation(id, key: key)
            let payload: JSONValue = .object(["key": .string("AuthorizationKey"), "value": .string(AuthorizationKey.hex(key))])
            let origin = Self.origin(request, context, .socket)
            logger.info("command", metadata: ["charger": "\(id)", "action": "ChangeConfiguration AuthorizationKey", "origin": "\(origin)"])
            let result: CommandResult
            do {
                result = try await commander.send(to: id, action: "ChangeConfiguration", payload: payload, timeout: timeout, validate: true, origin: origin)
            } catch let error as ControlError {
                // No answer: the charger may have either key. Both are stored (the new one current, the old one
                // accepted until the charger connects with the new), so a restart locks it out with neither.
                try await credentials.endRotation(id, accepted: error.error == .timeout || error.error == .disconnected)
                throw error
            } catch {
                try await credentials.endRotation(id, accepted: false)
                throw error
            }
            try await credentials.endRotation(id, accepted: result.status == "Accepted")
            logger.notice("charger key rotation", metadata: ["charger": "\(id)", "status": "\(result.status)"])
            return try ControlJSON.response(result)
        }
    }
}
