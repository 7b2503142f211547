import ArgumentParser
import NIOHTTP1
import Shared

/// `agent add|list|remove`: the parties that set limits, each with a priority and a scope (managed on the socket).
struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Manage agents: the parties that set limits (operator, site, grid operator, scheduler, emergency ...).",
        discussion: """
            Every limit belongs to an agent. \(LimitHelp.kinds) An agent acts only on the chargers and groups in its \
            scope; an HTTP token created with `token create NAME --agent AGENT` acts as that agent. Agents are managed \
            on the control socket only.
            """,
        subcommands: [Add.self, List.self, Remove.self]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add an agent with a priority (higher wins among policy limits) and a scope.",
            discussion: "Example: ocpp-ctl agent add site --priority 50 --scope group:restaurant"
        )
        @OptionGroup(visibility: .hidden) var globals: GlobalOptions
        @Argument(help: "The agent's name (1-64 letters, digits or - _ . @).") var name: String
        @Option(help: ArgumentHelp("Priority: among policy limits the higher number wins; hard limits hold whatever the priority.", valueName: "N"))
        var priority: Int
        @Option(help: ArgumentHelp("Chargers it may limit: all, or charger ids and group:NAME, comma-separated. (default: all)", valueName: "SCOPE"))
        var scope: String?

        func run() async throws {
            let body = ControlClient.encode(AgentRequest(name: name, priority: priority, scope: scope))
            let agent = try ControlClient.decode(Agent.self, try await globals.client.send(.POST, "/v1/agents", body: body))
            if globals.json { return Output.json(agent) }
            Output.line("agent \(agent.name) priority \(agent.priority) scope \(agent.scope.description)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List agents: name, priority, scope.")
        @OptionGroup(visibility: .hidden) var globals: GlobalOptions

        func run() async throws {
            let agents = try await globals.client.get([Agent].self, "/v1/agents")
            if globals.json { return Output.json(agents) }
            Output.table(["NAME", "PRIORITY", "SCOPE"], agents.map { [$0.name, String($0.priority), $0.scope.description] })
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove an agent together with its limits and its tokens.")
        @OptionGroup(visibility: .hidden) var globals: GlobalOptions
        @Argument(help: "The agent's name.") var name: String

        func run() async throws {
            _ = try await globals.client.send(.DELETE, ControlAPI.agent(name))
            globals.json ? Output.json(["name": name, "status": "Removed"]) : Output.line("agent \(name) removed")
        }
    }
}
