import ArgumentParser
import NIOHTTP1
import Shared

/// `charger password set|clear|rotate ID`: the charger's Security Profile 1 key (HTTP Basic at the WebSocket
/// handshake), managed on the control socket only.
struct ChargerPasswordCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "password",
        abstract: "Manage a charger's HTTP Basic password (security profile 1); the server keeps only a PBKDF2 hash.",
        discussion: """
            Once a charger has a password it must send it (user = charge point id) on every connection: no fallback to
            plain. The password is the charger's AuthorizationKey; the server accepts it as the raw key or as the key's
            hex text (either case), as chargers differ on the whitepaper's hexBinary rule.
            """,
        subcommands: [SetPassword.self, Clear.self, Rotate.self]
    )

    struct SetPassword: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set",
            abstract: "Set a charger's password: given (16-40 printable ASCII characters) or generated (40 letters and digits, printed once)."
        )
        @OptionGroup(visibility: .hidden) var globals: GlobalOptions
        @Argument(help: "Charge point id.") var id: String
        @Option(help: "The password, as configured on the charger (16-40 printable ASCII characters, no spaces).") var password: String?
        @Flag(help: "Generate a random 40-character password and print it (the only time it is shown).") var generate = false

        func validate() throws {
            guard (password != nil) != generate else { throw ValidationError("give either --password P or --generate") }
            if let password, let problem = AuthorizationKey.problem(with: password) { throw ValidationError("--password: \(problem)") }
        }

        func run() async throws {
            let body = ControlClient.encode(ChargerPasswordRequest(password: password, generate: generate ? true : nil))
            let set = try ControlClient.decode(ChargerPasswordSet.self, try await globals.client.send(.PUT, ControlAPI.chargerPassword(id), body: body))
            if globals.json { return Output.json(set) }
            Output.line(set.password ?? "password set for \(id)")
        }
    }

    struct Clear: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove a charger's password and security profile: it may connect without credentials again (unless the server minimum, --security-profile, requires them)."
        )
        @OptionGroup(visibility: .hidden) var globals: GlobalOptions
        @Argument(help: "Charge point id.") var id: String

        func run() async throws {
            _ = try await globals.client.send(.DELETE, ControlAPI.chargerPassword(id))
            globals.json ? Output.json(["charger": id, "status": "Cleared"]) : Output.line("password cleared for \(id)")
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Give a connected charger a new random key over OCPP [ChangeConfiguration AuthorizationKey, value in hex].",
            discussion: """
                The new key is 20 letters and digits, sent as 40 hex characters. When the charger answers Accepted, the
                old key stays valid until the charger connects with the new one, then is forgotten. The key is never
                printed or logged (the command log shows "(redacted)"). Exit 1 if the charger does not accept.
                """
        )
        @OptionGroup(visibility: .hidden) var globals: GlobalOptions
        @Argument(help: "Charge point id.") var id: String

        func run() async throws {
            let client = globals.client
            let path = ControlAPI.chargerPassword(id) + "/rotate?timeout=\(client.timeout)"
            let result = try ControlClient.decode(CommandResult.self, try await client.send(.POST, path, waitSeconds: client.timeout))
            Output.result(result, json: globals.json)
            if result.exitCode != 0 { throw ExitCode(result.exitCode) }
        }
    }
}
