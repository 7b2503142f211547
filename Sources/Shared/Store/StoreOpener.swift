import GRDB
import Logging

/// Opens the store `--db` names, for either engine, behind the one `SQLStore` interface.
public enum StoreOpener {
    /// Opens (creating and migrating) the store for writing. SQLite settings as in `StoreDatabase.openForWriting`;
    /// PostgreSQL: connects (a failure here is a start-up error) and migrates.
    public static func openForWriting(
        _ location: StoreLocation, fullSync: Bool, checkpointsAutomatically: Bool = true, logger: Logger
    ) async throws -> any SQLStore {
        switch location {
        case .sqlite(let path):
            return SQLiteSQLStore(
                pool: try StoreDatabase.openForWriting(path: path, fullSync: fullSync, checkpointsAutomatically: checkpointsAutomatically)
            )
        case .postgres(let postgres):
            let store = try await PostgresSQLStore(location: postgres, logger: logger)
            do {
                try await store.migrate()
            } catch {
                await store.close()
                throw error
            }
            return store
        }
    }

    /// Opens an existing store for queries (ocpp-report, ocpp-ctl): SQLite read-only; PostgreSQL with reads in
    /// read-only transactions.
    public static func openForReading(_ location: StoreLocation, logger: Logger) async throws -> any SQLStore {
        switch location {
        case .sqlite(let path): return SQLiteSQLStore(pool: try StoreDatabase.openForReading(path: path))
        case .postgres(let postgres): return try await PostgresSQLStore(location: postgres, maxConnections: 2, logger: logger)
        }
    }
}
