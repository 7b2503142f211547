import ArgumentParser
import NIOHTTP1
import Shared

/// `charger security ID [--profile 1|2|3]`: the OCPP security profile a charger must connect with (issue 17).
struct ChargerSecurityCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "security",
        abstract: "Show or set the security profile a charger must connect with (1 Basic, 2 wss + Basic, 3 wss + client certificate).",
        discussion: """
            No fallback: a charger at profile 2 or 3 that connects over plain ws, or at 3 without a valid client \
            certificate whose CN is its id, is refused with HTTP 401 (the server log says why). Profiles 1 and 2 need a \
            password first (charger password set); profile 3 needs none. The server minimum (ocpp-serve \
            --security-profile) applies when higher. To remove a charger's settings: charger password clear ID.
            """
    )
    @OptionGroup(visibility: .hidden) var globals: GlobalOptions
    @Argument(help: "Charge point id.") var id: String
    @Option(help: "The profile to require: 1, 2 or 3 (on the control socket only). Without it, the current settings are shown.") var profile: Int?

    func validate() throws {
        if let profile, !(1...3).contains(profile) { throw ValidationError("--profile expects 1, 2 or 3 (got \(profile))") }
    }

    func run() async throws {
        let client = globals.client
        let security: ChargerSecurity
        if let profile {
            let body = ControlClient.encode(ChargerSecurityRequest(profile: profile))
            security = try ControlClient.decode(ChargerSecurity.self, try await client.send(.PUT, ControlAPI.chargerSecurity(id), body: body))
        } else {
            security = try await client.get(ChargerSecurity.self, ControlAPI.chargerSecurity(id))
        }
        if globals.json { return Output.json(security) }
        let current = security.profile.map { "security profile \($0)" } ?? "no security profile registered (server minimum applies)"
        let previous = profile == nil ? "" : " (was \(security.previousProfile.map { "\($0)" } ?? "none"))"
        Output.line("\(id): \(current)\(previous), password \(security.password ? "set" : "not set")")
    }
}
