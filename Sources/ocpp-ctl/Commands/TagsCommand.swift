import ArgumentParser
import NIOHTTP1
import Shared

/// `tags list|add|block|remove`: the id tags the server checks on Authorize and StartTransaction.
struct TagsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tags",
        abstract: "Manage the id-tag authorization list the server checks on Authorize and StartTransaction.",
        subcommands: [List.self, Add.self, Block.self, Remove.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List id tags: tag, status, expiry, parent.")
        @OptionGroup(visibility: .hidden) var globals: GlobalOptions

        func run() async throws {
            let tags = try await globals.client.get([TagRecord].self, "/v1/tags")
            if globals.json { return Output.json(tags) }
            Output.table(["TAG", "STATUS", "EXPIRES", "PARENT"], tags.map { [$0.tag, $0.status, Output.dash($0.expires), Output.dash($0.parent)] })
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add an id tag as Accepted (or re-accept and update an existing one).")
        @OptionGroup(visibility: .hidden) var globals: GlobalOptions
        @Argument(help: "The id tag (at most 20 characters; matched case-insensitively).") var tag: String
        @Option(help: "Expiry time (RFC 3339, +30d, ...).") var expires: String?
        @Option(help: "Parent id tag (group).") var parent: String?

        func validate() throws {
            guard tag.count <= 20, !tag.isEmpty else { throw ValidationError("id tags are 1 to 20 characters (OCPP IdToken)") }
        }

        func run() async throws {
            let expiry = try expires.map { try TimeArgument.parse($0, flag: "--expires").description }
            let body = ControlClient.encode(TagUpdate(expires: expiry, parent: parent))
            let record = try ControlClient.decode(TagRecord.self, try await globals.client.send(.PUT, ControlAPI.tag(tag), body: body))
            if globals.json { return Output.json(record) }
            Output.line("\(record.tag) Accepted")
        }
    }

    struct Block: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Block an id tag (answered Blocked from now on).")
        @OptionGroup(visibility: .hidden) var globals: GlobalOptions
        @Argument(help: "The id tag.") var tag: String

        func run() async throws {
            _ = try await globals.client.send(.POST, ControlAPI.tag(tag) + "/block")
            globals.json ? Output.json(TagRecord(tag: tag, status: "Blocked", expires: nil, parent: nil)) : Output.line("\(tag) Blocked")
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove an id tag (unknown tags follow the server's --unknown-tags policy).")
        @OptionGroup(visibility: .hidden) var globals: GlobalOptions
        @Argument(help: "The id tag.") var tag: String

        func run() async throws {
            _ = try await globals.client.send(.DELETE, ControlAPI.tag(tag))
            globals.json ? Output.json(["tag": tag, "status": "Removed"]) : Output.line("\(tag) removed")
        }
    }
}
