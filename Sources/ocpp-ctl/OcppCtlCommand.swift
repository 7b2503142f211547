import ArgumentParser
import Foundation
import Shared

@main
struct OcppCtlCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ocpp-ctl",
        abstract: "Drive ocpp-serve and its chargers from a shell or a script, over the server's control socket.",
        discussion: """
            Exit codes: 0 done (the charger accepted: Accepted, Unlocked, or an answer without status); 1 the charger \
            answered but did not accept (Rejected, NotSupported, Failed, Scheduled, ...) or with a CALLERROR; 2 usage \
            error; 3 the charger is unknown or not connected; 4 no answer within --timeout; 5 the server cannot be \
            reached on the socket.
            Commands to one charger are delivered one at a time, in order (OCPP-J allows one outstanding CALL).
            The options above go before or after any command: ocpp-ctl --json reset CP01 = ocpp-ctl reset CP01 --json.
            """,
        version: ToolkitVersion.current,
        subcommands: [
            ChargersCommand.self, ChargerCommand.self, SessionsCommand.self, EventsCommand.self, TagsCommand.self, TokenCommand.self,
            AgentCommand.self, GroupCommand.self, LimitCommand.self, LimitsCommand.self, ExplainCommand.self, AlertsCommand.self,
            ResetCommand.self, UnlockCommand.self, AvailabilityCommand.self, ConfigCommand.self, ClearCacheCommand.self,
            StartCommand.self, StopCommand.self, TriggerCommand.self, DataTransferCommand.self, ProfileCommand.self,
            ScheduleCommand.self, FirmwareCommand.self, DiagnosticsCommand.self, ReserveCommand.self, CancelReservationCommand.self,
            LocalListCommand.self, CertCommand.self, LogCommand.self, SecurityEventsCommand.self, CallCommand.self, ShellCommand.self,
        ]
    )

    @OptionGroup var globals: GlobalOptions

    /// ArgumentParser exits 64 on usage errors; the toolkit's contract says 2 (cli.md). Failures print one line.
    static func main() async {
        let status = await execute(Array(CommandLine.arguments.dropFirst()))
        Foundation.exit(status)
    }

    /// Parses and runs one command line; returns the exit status. `ocpp-ctl shell` runs each typed line through it.
    static func execute(_ arguments: [String]) async -> Int32 {
        var err = StandardError()
        do {
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            return 0
        } catch let failure as CtlFailure {
            print("ocpp-ctl: \(failure.description)", to: &err)
            return failure.exitCode
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                print(UsageError.line(tool: "ocpp-ctl", message: message(for: error)), to: &err)
                return 2
            }
            if code == .success {
                // --help and --version
                let text = fullMessage(for: error)
                if !text.isEmpty { Output.line(text) }
                return 0
            }
            if error is ExitCode { return code.rawValue }
            print("ocpp-ctl: \(message(for: error))", to: &err)
            return code.rawValue
        }
    }
}
