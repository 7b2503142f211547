import ArgumentParser
import Shared

@main
struct OcppSimCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ocpp-sim",
        abstract: "Simulated OCPP 1.6J chargers (not yet implemented: see issue 6).",
        version: ToolkitVersion.current
    )

    func run() throws {
        var err = StandardError()
        print("ocpp-sim: not implemented yet", to: &err)
        throw ExitCode(1)
    }

    /// ArgumentParser exits 64 on usage errors; the toolkit's contract says 2 (cli.md).
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch where exitCode(for: error) == .validationFailure {
            var err = StandardError()
            print(UsageError.line(tool: "ocpp-sim", message: message(for: error)), to: &err)
            Self.exit(withError: ExitCode(2))
        } catch {
            Self.exit(withError: error)
        }
    }
}
