import ArgumentParser
import NIOHTTP1
import Shared

/// `limit set|list|remove`: an agent's limits on chargers, connectors and groups; the server arbitrates them and
/// keeps the resulting charging profiles on the chargers.
struct LimitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "limit",
        abstract: "Set, list and remove limits; the server arbitrates them and keeps the chargers' profiles in line.",
        discussion: """
            \(LimitHelp.kinds) \(LimitHelp.units) \(LimitHelp.shapes) See `ocpp-ctl explain CHARGER` for the limit \
            in force and who decided it, and `ocpp-ctl limits` for what the chargers were sent and whether they obey.
            """,
        subcommands: [Set.self, List.self, Remove.self]
    )

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set a limit on a charger, a connector or a group (group:NAME), for an agent.",
            discussion: """
                \(LimitHelp.kinds) \(LimitHelp.units) \(LimitHelp.shapes) Over --url with an agent's token, --agent \
                may be left out (the token's agent) and must otherwise name that agent. Exit 3 for an unknown charger, \
                2 for an unknown agent or group or a limit that cannot be kept.
                Example, a restaurant's generator from 18:00 to 20:00 local time: ocpp-ctl limit set CP01 --agent site \
                --hard --max 32 --unit A --daily 18:00-20:00 --tz Europe/Berlin
                """
        )
        @OptionGroup(visibility: .hidden) var globals: GlobalOptions
        @Argument(help: ArgumentHelp("A charger id, or group:NAME for a group's total capacity.", valueName: "TARGET")) var target: String
        @Option(help: ArgumentHelp("The agent the limit belongs to (see agent list). (default over --url: the token's agent)", valueName: "NAME"))
        var agent: String?
        @Option(help: ArgumentHelp("The limit, in --unit (a multiple of 0.1; 0 pauses charging).", valueName: "VALUE")) var max: String
        @Option(help: ArgumentHelp("A (amperes per phase), W or kW (in total).", valueName: "UNIT")) var unit: String
        @Option(help: ArgumentHelp("Limit one connector only (default: the whole charger).", valueName: "N")) var connector: Int?
        @Flag(help: "A hard limit: never exceeded, never lifted by any agent. (default: policy)") var hard = false
        @Option(name: .customLong("for"), help: ArgumentHelp("Lasts this long from --from or now: 90s, 30m, 2h, 1d.", valueName: "DURATION"))
        var duration: String?
        @Option(help: ArgumentHelp("Ends at this time (RFC 3339, +2h, ...).", valueName: "T")) var until: String?
        @Option(help: ArgumentHelp("Starts at this time (default: now).", valueName: "T")) var from: String?
        @Option(help: ArgumentHelp("In force every day in this window, HH:MM-HH:MM local time in --tz.", valueName: "HH:MM-HH:MM")) var daily: String?
        @Option(
            help: ArgumentHelp(
                "In force on these days in this window, DAYS@HH:MM-HH:MM (mon-fri@07:00-09:00, sat,sun@10:00-16:00).",
                valueName: "DAYS@HH:MM-HH:MM"
            )
        ) var weekly: String?
        @Option(help: ArgumentHelp("IANA time zone of --daily/--weekly windows, e.g. Europe/Berlin. (default: UTC)", valueName: "ZONE"))
        var tz: String?

        func validate() throws {
            if duration != nil, until != nil { throw ValidationError("give --for or --until, not both") }
            if daily != nil, weekly != nil { throw ValidationError("give --daily or --weekly, not both") }
        }

        func run() async throws {
            let value = try DecimalArgument.parse(max, flag: "--max")
            let seconds = try duration.map { text in
                guard let seconds = LimitRequest.seconds(text) else {
                    throw CtlFailure.usage("--for expects a duration like 90s, 30m, 2h or 1d (got \(text))")
                }
                return seconds
            }
            let request = LimitRequest(
                target: target,
                connector: connector,
                agent: agent,
                max: value,
                unit: unit,
                hard: hard,
                forSeconds: seconds,
                from: try from.map { try TimeArgument.parse($0, flag: "--from").description },
                until: try until.map { try TimeArgument.parse($0, flag: "--until").description },
                daily: daily,
                weekly: weekly,
                tz: tz
            )
            let rule = try ControlClient.decode(
                LimitRule.self,
                try await globals.client.send(.POST, "/v1/limits", body: ControlClient.encode(request))
            )
            if globals.json { return Output.json(rule) }
            Output.line(LimitCommand.line(rule))
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List limits: id, agent, target, max, unit, kind (hard or policy), shape (when in force).",
            discussion: "With TARGET, the limits on that charger (and its connectors) or on group:NAME."
        )
        @OptionGroup(visibility: .hidden) var globals: GlobalOptions
        @Argument(help: "A charger id or group:NAME. (default: all)") var target: String?

        func run() async throws {
            let rules = try await globals.client.get([LimitRule].self, "/v1/limits" + ControlAPI.query([("target", target)]))
            if globals.json { return Output.json(rules) }
            Output.table(
                ["ID", "AGENT", "TARGET", "MAX", "UNIT", "KIND", "SHAPE"],
                rules.map { [String($0.id), $0.agent, $0.target.description, "\($0.value)", $0.unit.rawValue, $0.kindName, $0.shapeDescription] }
            )
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a limit by its id (see limit list); the chargers' profiles follow.")
        @OptionGroup(visibility: .hidden) var globals: GlobalOptions
        @Argument(help: "The limit's id.") var id: Int64

        func run() async throws {
            _ = try await globals.client.send(.DELETE, ControlAPI.limit(id))
            globals.json ? Output.json(["id": JSONValue.number(JSONNumber(Int(id))), "status": "Removed"]) : Output.line("limit \(id) removed")
        }
    }

    /// `limit 7: CP01 32 A hard daily 18:00-20:00 Europe/Berlin (agent site)`.
    static func line(_ rule: LimitRule) -> String {
        "limit \(rule.id): \(rule.target.description) \(rule.value) \(rule.unit.rawValue) \(rule.kindName) \(rule.shapeDescription) (agent \(rule.agent))"
    }
}
