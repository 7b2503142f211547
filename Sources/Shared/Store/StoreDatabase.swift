import GRDB

/// Opens the SQLite store: WAL (readers never block the writer), migrations applied, foreign keys on.
public enum StoreDatabase {
    /// The writer connection's page cache.
    public static let writerCacheKiB = 65_536

    /// Opens (creating and migrating) the database at `path` for writing.
    /// `fullSync`: fsync at every commit, so a committed write survives power loss; otherwise WAL + NORMAL, which
    /// survives a process crash. Set after opening, because GRDB sets NORMAL while enabling WAL (conventions P10).
    /// `checkpointsAutomatically: false` leaves WAL checkpoints to the caller.
    public static func openForWriting(path: String, fullSync: Bool, checkpointsAutomatically: Bool = true) throws -> DatabasePool {
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        let pool = try DatabasePool(path: path, configuration: configuration)
        try StoreSchema.migrator.migrate(pool)
        try pool.writeWithoutTransaction { db in
            try db.execute(sql: fullSync ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL")
            // The writer inserts into several indexes at spots spread by charger and transaction; with SQLite's
            // default 2 MiB cache those pages are read back from the WAL on nearly every insert (issue 8).
            try db.execute(sql: "PRAGMA cache_size = -\(writerCacheKiB)")
            // A server checkpoints from its own connection (ocpp-serve's WALCheckpointer), never inside a commit.
            if !checkpointsAutomatically { try db.execute(sql: "PRAGMA wal_autocheckpoint = 0") }
        }
        return pool
    }

    /// Opens an existing database read-only: safe beside a running server (reports, queries).
    public static func openForReading(path: String) throws -> DatabasePool {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(5)
        return try DatabasePool(path: path, configuration: configuration)
    }

    /// The `synchronous` setting in force (0 OFF, 1 NORMAL, 2 FULL), for tests.
    public static func synchronousLevel(_ pool: DatabasePool) throws -> Int {
        try pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
    }
}
