import ArgumentParser
import Shared

/// `local-list version ID` [GetLocalListVersion]; `local-list send ID --version N --full|--differential TAG...` [SendLocalList].
struct LocalListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "local-list", abstract: "Read the version of, or send, the charger's local authorization list.", subcommands: [Version.self, Send.self]
    )

    struct Version: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the local list version (0 = empty, -1 = not supported). [GetLocalListVersion]")
        @OptionGroup(visibility: .hidden) var globals: GlobalOptions
        @OptionGroup var target: ChargerTarget

        func run() async throws {
            let result = try await ChargerCall.send(globals, target.id, OCPPAction.getLocalListVersion.rawValue, [:], verbatim: false)
            if globals.json || result.error != nil {
                Output.result(result, json: globals.json)
            } else {
                Output.line(result.response["listVersion"]?.serialized() ?? "?")
            }
            if result.exitCode != 0 { throw ExitCode(result.exitCode) }
        }
    }

    struct Send: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send a local authorization list, full or differential. [SendLocalList]",
            discussion: """
                TAG is `TAG` (Accepted), `TAG:STATUS` (Accepted, Blocked, Expired, Invalid) or `TAG:STATUS:EXPIRY`; \
                `--remove TAG` removes a tag from the charger's list (differential only). --from-server adds the \
                server's own tag list (`ocpp-ctl tags list`).
                """
        )
        @OptionGroup(visibility: .hidden) var globals: GlobalOptions
        @OptionGroup var target: ChargerTarget
        @Option(help: "List version (greater than the charger's).") var version: Int
        @Flag(help: "Replace the whole list.") var full = false
        @Flag(help: "Add, change or remove the given tags only.") var differential = false
        @Flag(help: "Add every tag of the server's authorization list.") var fromServer = false
        @Option(help: "Remove this tag from the charger's list (with --differential; repeatable).") var remove: [String] = []
        @Argument(help: "Tags.") var tags: [String] = []

        func validate() throws {
            guard full != differential else { throw ValidationError("give exactly one of --full and --differential") }
            guard version >= 0 else { throw ValidationError("--version must be 0 or more") }
            if full, !remove.isEmpty { throw ValidationError("--remove needs --differential (a full list simply leaves the tag out)") }
        }

        static let statuses = ["accepted": "Accepted", "blocked": "Blocked", "expired": "Expired", "invalid": "Invalid"]

        static func entry(_ text: String) throws -> JSONValue {
            let parts = text.split(separator: ":", maxSplits: 2).map(String.init)
            guard let tag = parts.first, !tag.isEmpty, tag.count <= 20 else { throw CtlFailure.usage("bad TAG \(text): tags are 1 to 20 characters") }
            var info: JSONObject = [:]
            if parts.count > 2 { info["expiryDate"] = .string(try TimeArgument.parse(parts[2], flag: "TAG expiry").description) }
            guard let status = parts.count > 1 ? statuses[parts[1].lowercased()] : "Accepted" else {
                throw CtlFailure.usage("bad status in \(text): use Accepted, Blocked, Expired or Invalid")
            }
            info["status"] = .string(status)
            return ["idTag": .string(tag), "idTagInfo": .object(info)]
        }

        func run() async throws {
            var entries = try tags.map(Self.entry) + remove.map { ["idTag": .string($0)] }
            if fromServer {
                for tag in try await globals.client.get([TagRecord].self, "/v1/tags") {
                    var info: JSONObject = [:]
                    if let expires = tag.expires { info["expiryDate"] = .string(expires) }
                    if let parent = tag.parent { info["parentIdTag"] = .string(parent) }
                    info["status"] = .string(tag.status)
                    entries.append(["idTag": .string(tag.tag), "idTagInfo": .object(info)])
                }
            }
            var payload: JSONObject = ["listVersion": .number(JSONNumber(version))]
            if !entries.isEmpty { payload["localAuthorizationList"] = .array(entries) }
            payload["updateType"] = .string(full ? "Full" : "Differential")
            try await ChargerCall.run(globals, target.id, .sendLocalList, .object(payload))
        }
    }
}
