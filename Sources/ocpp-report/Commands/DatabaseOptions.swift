import ArgumentParser
import Foundation

/// `--db`, shared by every subcommand.
struct DatabaseOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp("The SQLite database ocpp-serve writes (env OCPP_DB; default ocpp.sqlite). Opened read-only.", valueName: "path")
    )
    var db: String?

    var path: String { db ?? ProcessInfo.processInfo.environment["OCPP_DB"] ?? "ocpp.sqlite" }

    func validate() throws {
        if path.hasPrefix("postgres://") || path.hasPrefix("postgresql://") {
            throw ValidationError("--db: PostgreSQL is not supported yet; give an SQLite file path")
        }
    }
}
