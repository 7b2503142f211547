import ArgumentParser
import Shared

@main
struct OcppReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ocpp-report",
        abstract: "Session, power-curve and summary reports from ocpp-serve's database, as CSV, JSON or SVG.",
        discussion: """
            Read-only: an SQLite database is opened read-only and may be read while ocpp-serve writes to it (WAL); \
            on PostgreSQL (--db postgres://user@host:port/db) a report reads in one read-only transaction. Either \
            way a report sees one snapshot, and cron can export a month while chargers keep reporting. Both engines \
            give the same output for the same data. Times are RFC 3339 in UTC; energies in kWh or \
            Wh and powers in kW or W as each field's name says. CSV has a header row; JSON is an array of objects \
            with the same field names. Exit status: 0 done, 1 failed (no database or cannot connect, unknown transaction, cannot write \
            --output), 2 usage error.
            Examples:
              ocpp-report --db /var/lib/ocpp/ocpp.sqlite sessions --month 2026-11 --output sessions-2026-11.csv
              ocpp-report summary --since 2026-11-01 --until 2026-12-01 --format json
              ocpp-report --db postgres://ocpp@db.example:5432/ocpp summary --month 2026-11
              ocpp-report curve 4711 --format svg --output 4711.svg
            """,
        version: ToolkitVersion.current,
        subcommands: [SessionsCommand.self, CurveCommand.self, SummaryCommand.self]
    )

    @OptionGroup var database: DatabaseOptions

    /// ArgumentParser exits 64 on usage errors; the toolkit's contract says 2 (cli.md). Failures print one line.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asynchronous = command as? any AsyncParsableCommand { try await asynchronous.run() } else { try command.run() }
        } catch let failure as ReportError {
            var err = StandardError()
            print("ocpp-report: \(failure.description)", to: &err)
            Self.exit(withError: ExitCode(1))
        } catch  where exitCode(for: error) == .validationFailure {
            var err = StandardError()
            print(UsageError.line(tool: "ocpp-report", message: message(for: error)), to: &err)
            Self.exit(withError: ExitCode(2))
        } catch let error as ExitCode {
            Self.exit(withError: error)
        } catch  where exitCode(for: error) == .success {
            Self.exit(withError: error)
        } catch {
            var err = StandardError()
            print("ocpp-report: \(error)", to: &err)
            Self.exit(withError: ExitCode(1))
        }
    }
}
