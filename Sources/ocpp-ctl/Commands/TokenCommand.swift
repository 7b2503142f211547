import ArgumentParser
import NIOHTTP1
import Shared

/// `token create|list|revoke`: bearer tokens of the HTTP API (`ocpp-serve --http`), managed on the socket only.
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Manage bearer tokens of the HTTP API (stored hashed; the secret is shown once, at creation).",
        subcommands: [Create.self, List.self, Revoke.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a token and print it (only now: the server keeps its SHA-256).")
        @OptionGroup(visibility: .hidden) var globals: GlobalOptions
        @Argument(help: "A name for the token's holder (letters, digits, - _ . @), recorded with every command it sends.") var name: String
        @Option(
            help: ArgumentHelp(
                "The agent the token acts for: only chargers in its scope, limits as that agent (see agent list). (default: an operator token, every charger)",
                valueName: "AGENT"
            )
        ) var agent: String?
        @Flag(name: .customLong("read-only"), help: "Queries only (GET): commands, limits and tag changes get HTTP 403.") var readOnly = false
        @Option(
            help: ArgumentHelp("Only these chargers, comma-separated: others get 403 and are left out of lists. (default: every charger)", valueName: "IDS")
        ) var chargers: String?

        func validate() throws {
            if let chargers, chargers.split(separator: ",", omittingEmptySubsequences: false).contains(where: { $0.isEmpty }) {
                throw ValidationError("--chargers takes charger ids separated by commas, e.g. --chargers CP01,CP02")
            }
        }

        func run() async throws {
            let ids = chargers.map { $0.split(separator: ",").map(String.init) }
            let body = ControlClient.encode(TokenRequest(name: name, agent: agent, readOnly: readOnly ? true : nil, chargers: ids))
            let created = try ControlClient.decode(TokenCreated.self, try await globals.client.send(.POST, "/v1/tokens", body: body))
            globals.json ? Output.json(created) : Output.line(created.token)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tokens: name, agent, rights, chargers, created, last used.")
        @OptionGroup(visibility: .hidden) var globals: GlobalOptions

        func run() async throws {
            let tokens = try await globals.client.get([TokenRecord].self, "/v1/tokens")
            if globals.json { return Output.json(tokens) }
            let rows = tokens.map {
                [$0.name, Output.dash($0.agent), $0.readOnly ? "read" : "read-write", $0.chargers?.joined(separator: ",") ?? "all", $0.created, Output.dash($0.lastUsed)]
            }
            Output.table(["NAME", "AGENT", "RIGHTS", "CHARGERS", "CREATED", "LAST USED"], rows)
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a token: requests with it get 401 from now on.")
        @OptionGroup(visibility: .hidden) var globals: GlobalOptions
        @Argument(help: "The token's name.") var name: String

        func run() async throws {
            _ = try await globals.client.send(.DELETE, ControlAPI.token(name))
            globals.json ? Output.json(["name": name, "status": "Revoked"]) : Output.line("\(name) revoked")
        }
    }
}
