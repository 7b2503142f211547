import ArgumentParser
import Shared

@main
struct OcppReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ocpp-report",
        abstract: "Session and power-curve reports from the database (not yet implemented: see issue 7).",
        version: ToolkitVersion.current
    )

    func run() throws {
        var err = StandardError()
        print("ocpp-report: not implemented yet", to: &err)
        throw ExitCode(1)
    }

    /// ArgumentParser exits 64 on usage errors; the toolkit's contract says 2 (cli.md).
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch where exitCode(for: error) == .validationFailure {
            var err = StandardError()
            print(UsageError.line(tool: "ocpp-report", message: message(for: error)), to: &err)
            Self.exit(withError: ExitCode(2))
        } catch {
            Self.exit(withError: error)
        }
    }
}
