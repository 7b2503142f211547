import ArgumentParser
import Foundation
import Logging
import Shared

/// `--db`, shared by every subcommand: an SQLite file or a PostgreSQL URL.
struct DatabaseOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "The database ocpp-serve writes: an SQLite file (opened read-only) or postgres://user[:password]@host[:port]/db (read in read-only transactions). Environment: OCPP_DB; default ocpp.sqlite.",
            valueName: "path-or-url"
        )
    )
    var db: String?

    var text: String { db ?? ProcessInfo.processInfo.environment["OCPP_DB"] ?? "ocpp.sqlite" }

    func location() throws -> StoreLocation {
        do { return try StoreLocation(parsing: text) } catch { throw ValidationError(error.description) }
    }

    func validate() throws {
        _ = try location()
    }

    /// Opens the store, runs `body` in one read (one snapshot of the database for the whole report) and closes it.
    func read<T: Sendable>(_ body: @escaping @Sendable (ReportStore) throws -> T) async throws -> T {
        let location = try location()
        if case .sqlite(let path) = location, !FileManager.default.fileExists(atPath: path) { throw ReportError.noDatabase(path) }
        var logger = Logger(label: "ocpp-report")
        logger.logLevel = .error
        let store: any SQLStore
        do {
            store = try await StoreOpener.openForReading(location, logger: logger)
        } catch {
            throw ReportError.unavailable(location.description, String(reflecting: error))
        }
        do {
            let result = try await store.read { connection in try body(ReportStore(connection)) }
            await store.close()
            return result
        } catch {
            await store.close()
            throw error
        }
    }
}
