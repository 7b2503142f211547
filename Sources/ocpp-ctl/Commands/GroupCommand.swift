import ArgumentParser
import NIOHTTP1
import Shared

/// `group add|assign|unassign|list|remove`: chargers sharing one supply whose capacity the server divides between
/// the sessions charging in it.
struct GroupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "group",
        abstract: "Manage charger groups: chargers on one supply (a site, a feeder) sharing its capacity.",
        discussion: """
            The server divides a group's capacity between the sessions charging in it and sends each its share as a \
            TxProfile; a limit on group:NAME (ocpp-ctl limit set group:NAME ...) lowers the capacity while in force. \
            A charger belongs to at most one group and must have connected once to be assigned. \(LimitHelp.units) \
            Groups are managed by the operator (the socket, or a token without an agent).
            """,
        subcommands: [Add.self, Assign.self, Unassign.self, List.self, Remove.self]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a group with its capacity.",
            discussion: "Example: ocpp-ctl group add restaurant --capacity 63 --unit A --phases 3"
        )
        @OptionGroup(visibility: .hidden) var globals: GlobalOptions
        @Argument(help: "The group's name (1-64 letters, digits or - _ . @).") var name: String
        @Option(help: ArgumentHelp("The supply's capacity, in --unit (more than 0).", valueName: "VALUE")) var capacity: String
        @Option(help: ArgumentHelp("A (amperes per phase), W or kW (in total).", valueName: "UNIT")) var unit: String
        @Option(help: ArgumentHelp("Phases of the supply, 1 or 3; converts between A and W. (default: 3)", valueName: "1|3")) var phases: Int?

        func run() async throws {
            let value = try DecimalArgument.parse(capacity, flag: "--capacity")
            let body = ControlClient.encode(GroupRequest(name: name, capacity: value, unit: unit, phases: phases))
            let group = try ControlClient.decode(ChargerGroup.self, try await globals.client.send(.POST, "/v1/groups", body: body))
            if globals.json { return Output.json(group) }
            Output.line("group \(group.name) capacity \(group.capacity) \(group.unit.rawValue) phases \(group.phases)")
        }
    }

    struct Assign: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Put chargers in a group (moving them out of any other group).")
        @OptionGroup(visibility: .hidden) var globals: GlobalOptions
        @Argument(help: "The group's name.") var name: String
        @Argument(help: "Charger ids (each must have connected once; exit 3 otherwise).") var chargers: [String]

        func validate() throws {
            guard !chargers.isEmpty else { throw ValidationError("name at least one charger: group assign NAME CHARGER...") }
        }

        func run() async throws {
            let body = ControlClient.encode(GroupAssignRequest(chargers: chargers))
            let group = try ControlClient.decode(ChargerGroup?.self, try await globals.client.send(.POST, ControlAPI.groupMembers(name), body: body))
            if globals.json { return Output.json(group) }
            Output.line("group \(name): \((group?.members ?? chargers).joined(separator: " "))")
        }
    }

    struct Unassign: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Take chargers out of a group.")
        @OptionGroup(visibility: .hidden) var globals: GlobalOptions
        @Argument(help: "The group's name.") var name: String
        @Argument(help: "Charger ids.") var chargers: [String]

        func validate() throws {
            guard !chargers.isEmpty else { throw ValidationError("name at least one charger: group unassign NAME CHARGER...") }
        }

        func run() async throws {
            // One request per charger: stops at the first that is not in the group, with the server's message.
            for charger in chargers {
                _ = try await globals.client.send(.DELETE, ControlAPI.groupMembers(name) + "/" + ControlAPI.segment(charger))
            }
            if globals.json { return Output.json(["group": JSONValue.string(name), "removed": .array(chargers.map { .string($0) })]) }
            Output.line("group \(name): removed \(chargers.joined(separator: " "))")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List groups: name, capacity, unit, phases, members.")
        @OptionGroup(visibility: .hidden) var globals: GlobalOptions

        func run() async throws {
            let groups = try await globals.client.get([ChargerGroup].self, "/v1/groups")
            if globals.json { return Output.json(groups) }
            Output.table(
                ["NAME", "CAPACITY", "UNIT", "PHASES", "MEMBERS"],
                groups.map { [$0.name, "\($0.capacity)", $0.unit.rawValue, String($0.phases), Output.dash($0.members.joined(separator: ","))] }
            )
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a group (its chargers stay; its group limits go).")
        @OptionGroup(visibility: .hidden) var globals: GlobalOptions
        @Argument(help: "The group's name.") var name: String

        func run() async throws {
            _ = try await globals.client.send(.DELETE, ControlAPI.group(name))
            globals.json ? Output.json(["name": name, "status": "Removed"]) : Output.line("group \(name) removed")
        }
    }
}
