import ArgumentParser
import NIOHTTP1
import Shared

/// `alerts [--open]` and `alerts test SINK`: what the server reported to its alert sinks, and a sink check.
struct AlertsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerts",
        abstract:
            "List alerts (faults, offline chargers, refused handshakes, limits, stale transactions, reboot loops, command timeouts) or test a sink.",
        discussion: """
            Rules, thresholds and sinks are set in the server's config file (alerts: section, see ocpp-serve --help). \
            Each problem is one alert while it lasts (REPEATS counts how often it was seen again) and gets a resolved \
            message when it clears. --json prints {"alerts":[...],"sinks":[...]}, with each sink's counters since the \
            server started: sent, failures, held (by its rate limit), queued.
            """,
        subcommands: [List.self, Test.self],
        defaultSubcommand: List.self
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the newest 500 alerts, oldest first, then the sinks' counters.")
        @OptionGroup(visibility: .hidden) var globals: GlobalOptions
        @Flag(help: "Only alerts still open.") var open = false

        func run() async throws {
            let answer = try await globals.client.get(AlertsAnswer.self, ControlAPI.alerts(openOnly: open))
            if globals.json { return Output.json(answer) }
            Output.table(
                ["ID", "STATE", "RULE", "CHARGER", "SUBJECT", "GROUP", "OPENED", "RESOLVED", "REPEATS", "MESSAGE"],
                answer.alerts.map { alert in
                    [
                        String(alert.id), alert.state, alert.rule, Output.dash(alert.charger), Output.dash(alert.subject), Output.dash(alert.group),
                        alert.opened, Output.dash(alert.resolved), String(alert.repeats), alert.message,
                    ]
                }
            )
            if !answer.sinks.isEmpty {
                Output.line("")
                Output.table(
                    ["SINK", "TYPE", "SENT", "FAILURES", "HELD", "QUEUED", "LAST ERROR"],
                    answer.sinks.map {
                        [$0.name, $0.type, String($0.sent), String($0.failures), String($0.held), String($0.queued), Output.dash($0.lastError)]
                    }
                )
            }
        }
    }

    struct Test: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send a test alert through one sink now; exit 0 if it took it, 1 if not (the reason is printed)."
        )
        @OptionGroup(visibility: .hidden) var globals: GlobalOptions
        @Argument(help: "The sink's name in the config file.") var sink: String

        func run() async throws {
            let result = try ControlClient.decode(AlertTestResult.self, try await globals.client.send(.POST, ControlAPI.alertTest(sink)))
            if globals.json {
                Output.json(result)
            } else if result.delivered {
                Output.line("\(sink): delivered")
            }
            if !result.delivered { throw CtlFailure(1, "\(sink): not delivered: \(result.error ?? "unknown error")") }
        }
    }
}
