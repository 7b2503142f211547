import ArgumentParser
import Shared

/// `schedule ID --connector N --duration SECONDS [--unit A|W]` [GetCompositeSchedule].
struct ScheduleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedule",
        abstract: "Print the limits the charger will apply: its composite schedule from now. [GetCompositeSchedule]",
        discussion: "Connector 0 gives the charger's overall schedule. Output: start, unit, then one line per period: offset seconds, limit, phases."
    )
    @OptionGroup(visibility: .hidden) var globals: GlobalOptions
    @OptionGroup var target: ChargerTarget
    @Option(help: "Connector (0 = whole charger).") var connector: Int
    @Option(help: "Seconds from now to cover.") var duration: Int
    @Option(help: "Unit to express limits in: A or W. (default: the charger's choice)") var unit: String?

    func validate() throws {
        guard connector >= 0 else { throw ValidationError("--connector must be 0 or more") }
        guard duration > 0 else { throw ValidationError("--duration must be a positive number of seconds") }
        if let unit, unit != "A", unit != "W" { throw ValidationError("--unit must be A or W") }
    }

    func run() async throws {
        var payload: JSONObject = ["connectorId": .number(JSONNumber(connector)), "duration": .number(JSONNumber(duration))]
        if let unit { payload["chargingRateUnit"] = .string(unit) }
        let result = try await ChargerCall.send(globals, target.id, OCPPAction.getCompositeSchedule.rawValue, .object(payload), verbatim: false)
        if globals.json || result.error != nil || result.status != "Accepted" {
            Output.result(result, json: globals.json)
        } else if let schedule = result.response["chargingSchedule"] {
            Output.line(
                "\(result.charger) connector \(connector) from \(result.response["scheduleStart"]?.stringValue ?? schedule["startSchedule"]?.stringValue ?? "now")"
                    + " unit \(schedule["chargingRateUnit"]?.stringValue ?? "?")"
                    + (schedule["duration"].map { " for \($0.serialized()) s" } ?? "")
            )
            Output.table(
                ["OFFSET S", "LIMIT", "PHASES"],
                (schedule["chargingSchedulePeriod"]?.arrayValue ?? []).map {
                    [$0["startPeriod"]?.serialized() ?? "?", $0["limit"]?.serialized() ?? "?", $0["numberPhases"]?.serialized() ?? "-"]
                }
            )
        } else {
            Output.line("\(result.charger) connector \(connector): no limits (Accepted without a schedule)")
        }
        if result.exitCode != 0 { throw ExitCode(result.exitCode) }
    }
}
