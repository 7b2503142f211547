import ArgumentParser
import Shared

/// `explain CHARGER [--connector N] [--at T]`: the limit in force, who decided it, and why every other limit lost.
struct ExplainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Explain the limit in force on a charger or connector: who decided it and why the other limits lost.",
        discussion: """
            One line per limit on the charger, its connector and its group: decides (the limit in force), higher (in \
            force but above it), overridden (a policy limit set aside by a higher-priority agent's policy), inactive \
            (outside its time range or window at that moment). \(LimitHelp.kinds) A group's share of its capacity \
            counts as a hard cap. \(LimitHelp.shapes)
            """
    )
    @OptionGroup(visibility: .hidden) var globals: GlobalOptions
    @Argument(help: "The charger's id.") var charger: String
    @Option(help: ArgumentHelp("The connector (0 = the whole charger). (default: 0)", valueName: "N")) var connector: Int?
    @Option(help: ArgumentHelp("The moment to explain: RFC 3339, now, +2h, ... (default: now)", valueName: "T")) var at: String?

    func validate() throws {
        if let connector, connector < 0 { throw ValidationError("--connector must be 0 (the whole charger) or a connector number") }
    }

    func run() async throws {
        let moment = try at.map { try TimeArgument.parse($0, flag: "--at").description }
        let path = ControlAPI.explain(charger) + ControlAPI.query([("connector", connector.map(String.init)), ("at", moment)])
        let explanation = try await globals.client.get(LimitExplanation.self, path)
        if globals.json { return Output.json(explanation) }
        for text in Self.lines(explanation) { Output.line(text) }
    }

    static func lines(_ e: LimitExplanation) -> [String] {
        let place = e.connector == 0 ? "\(e.charger) (whole charger)" : "\(e.charger) connector \(e.connector)"
        var out: [String] = []
        if let limit = e.limit {
            out.append("\(place) at \(e.at): \(limit) \(e.unit.rawValue)")
            out.append("decided by: \(e.decider)")
        } else {
            out.append("\(place) at \(e.at): no limit in force")
        }
        if let group = e.group { out.append("group: \(group)") }
        if let compliance = e.compliance { out.append("compliance: \(compliance)") }
        let rows = e.verdicts.map { verdict in
            ["  " + verdict.outcome.rawValue, verdict.label, "\(verdict.value) \(e.unit.rawValue)", verdict.reason]
        }
        return out + Output.aligned(rows)
    }
}
