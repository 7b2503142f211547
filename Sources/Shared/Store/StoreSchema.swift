import GRDB

/// The database layout every tool agrees on: ocpp-serve writes it, ocpp-ctl and ocpp-report read it.
///
/// Times are INTEGER milliseconds since 1970 UTC (`*_ms`): cheap to index and to aggregate by month. Sampled values
/// are stored in base units (`MeterUnits`) with the received text and unit beside them. Migrations are append-only.
public enum StoreSchema {
    /// The WHERE term of the partial index `meter_values_report`. A query uses that index only when its own WHERE
    /// repeats this term word for word (SQLite's rule for partial indexes), so report queries interpolate it.
    /// Migration v4 reads it: changing it needs a new migration that recreates the index. Comparisons joined by OR,
    /// not `IN (...)`: SQLite evaluates this for every inserted sample, and an IN list builds a temporary table each time.
    public static let reportMeasurands =
        "(measurand = 'Energy.Active.Import.Register' OR measurand = 'Power.Active.Import' OR measurand = 'SoC')"

    /// Every migration, in order; both engines run the same list (`migrator` for SQLite, `migratePostgres`).
    ///
    /// Adding one (or porting a GRDB-style `migrator.registerMigration("v8-x") { db in try db.execute(sql: S) }` from
    /// another branch): append `StoreMigration("v8-x", sql: S)` at the end, with S unchanged in SQLite's dialect.
    /// `postgresDDL(_:)` translates the types (INTEGER, INTEGER PRIMARY KEY, REAL, BLOB), `WITHOUT ROWID`, `IFNULL`
    /// and `COLLATE NOCASE`. For anything else SQLite-only (`INSERT OR REPLACE`, `strftime`, triggers, PRAGMA) give the
    /// PostgreSQL text as `postgres:`. Never edit a shipped entry: both engines record ids and skip applied ones.
    public static let migrations: [StoreMigration] = [
        StoreMigration("v1", sql: """
                    CREATE TABLE chargers (
                        id TEXT PRIMARY KEY NOT NULL,
                        registration TEXT NOT NULL DEFAULT 'Accepted' CHECK (registration IN ('Accepted','Pending','Rejected')),
                        vendor TEXT, model TEXT, serial_number TEXT, charge_box_serial_number TEXT, firmware_version TEXT,
                        iccid TEXT, imsi TEXT, meter_type TEXT, meter_serial_number TEXT,
                        heartbeat_interval INTEGER,
                        first_seen_ms INTEGER NOT NULL, last_boot_ms INTEGER, last_seen_ms INTEGER,
                        online INTEGER NOT NULL DEFAULT 0,
                        firmware_status TEXT, firmware_status_ms INTEGER,
                        diagnostics_status TEXT, diagnostics_status_ms INTEGER
                    );
                    CREATE TABLE connectors (
                        charger_id TEXT NOT NULL REFERENCES chargers(id) ON DELETE CASCADE,
                        connector_id INTEGER NOT NULL,
                        status TEXT NOT NULL, error_code TEXT NOT NULL, info TEXT, vendor_id TEXT, vendor_error_code TEXT,
                        status_ms INTEGER NOT NULL,
                        PRIMARY KEY (charger_id, connector_id)
                    ) WITHOUT ROWID;
                    CREATE TABLE status_history (
                        id INTEGER PRIMARY KEY,
                        charger_id TEXT NOT NULL, connector_id INTEGER NOT NULL,
                        status TEXT NOT NULL, error_code TEXT NOT NULL, info TEXT, vendor_id TEXT, vendor_error_code TEXT,
                        at_ms INTEGER NOT NULL, received_ms INTEGER NOT NULL
                    );
                    CREATE INDEX status_history_by_charger ON status_history(charger_id, at_ms);
                    CREATE TABLE id_tags (
                        id_tag TEXT PRIMARY KEY NOT NULL COLLATE NOCASE,
                        status TEXT NOT NULL DEFAULT 'Accepted' CHECK (status IN ('Accepted','Blocked','Expired','Invalid')),
                        expiry_ms INTEGER, parent_id_tag TEXT COLLATE NOCASE,
                        created_ms INTEGER NOT NULL
                    );
                    CREATE TABLE transactions (
                        id INTEGER PRIMARY KEY,
                        charger_id TEXT NOT NULL, connector_id INTEGER,
                        id_tag TEXT, start_id_tag_status TEXT,
                        start_ms INTEGER, meter_start INTEGER, reservation_id INTEGER,
                        stop_ms INTEGER, meter_stop INTEGER, stop_reason TEXT, stop_id_tag TEXT,
                        stale INTEGER NOT NULL DEFAULT 0, orphan INTEGER NOT NULL DEFAULT 0, charger_transaction_id INTEGER,
                        created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL
                    );
                    CREATE UNIQUE INDEX transactions_retried_start
                        ON transactions(charger_id, connector_id, id_tag, start_ms, meter_start) WHERE orphan = 0;
                    CREATE INDEX transactions_open ON transactions(charger_id, connector_id) WHERE stop_ms IS NULL;
                    CREATE INDEX transactions_by_start ON transactions(start_ms);
                    CREATE TABLE meter_values (
                        id INTEGER PRIMARY KEY,
                        charger_id TEXT NOT NULL, connector_id INTEGER NOT NULL, transaction_id INTEGER,
                        at_ms INTEGER NOT NULL,
                        measurand TEXT NOT NULL, phase TEXT NOT NULL DEFAULT '', location TEXT NOT NULL, context TEXT NOT NULL,
                        format TEXT NOT NULL, value REAL, unit TEXT NOT NULL, raw_value TEXT NOT NULL, raw_unit TEXT
                    );
                    CREATE UNIQUE INDEX meter_values_unique
                        ON meter_values(charger_id, connector_id, IFNULL(transaction_id, 0), at_ms, measurand, phase, location, context);
                    CREATE INDEX meter_values_by_transaction ON meter_values(transaction_id, at_ms);
                    CREATE INDEX meter_values_by_time ON meter_values(at_ms);
                    CREATE TABLE data_transfers (
                        id INTEGER PRIMARY KEY,
                        charger_id TEXT NOT NULL, direction TEXT NOT NULL, vendor_id TEXT NOT NULL, message_id TEXT, data TEXT,
                        status TEXT, at_ms INTEGER NOT NULL
                    );
                    CREATE TABLE frames (
                        id INTEGER PRIMARY KEY,
                        charger_id TEXT NOT NULL, direction TEXT NOT NULL CHECK (direction IN ('in','out')),
                        at_ms INTEGER NOT NULL, message_type INTEGER, action TEXT, message_id TEXT,
                        text TEXT NOT NULL, repairs TEXT
                    );
                    CREATE INDEX frames_by_time ON frames(at_ms);
                    CREATE INDEX frames_by_charger ON frames(charger_id, at_ms);
                    CREATE TABLE events (
                        id INTEGER PRIMARY KEY,
                        at_ms INTEGER NOT NULL, charger_id TEXT, kind TEXT NOT NULL, detail TEXT
                    );
                    CREATE INDEX events_by_time ON events(at_ms);
                    """),
        StoreMigration("v2-control", sql: """
                    CREATE TABLE commands (
                        id INTEGER PRIMARY KEY,
                        charger_id TEXT NOT NULL, action TEXT NOT NULL, payload TEXT NOT NULL, origin TEXT NOT NULL,
                        message_id TEXT, sent_ms INTEGER NOT NULL,
                        answered_ms INTEGER, outcome TEXT, response TEXT
                    );
                    CREATE INDEX commands_by_charger ON commands(charger_id, sent_ms);
                    CREATE TABLE charger_configuration (
                        charger_id TEXT NOT NULL, key TEXT NOT NULL, value TEXT, readonly INTEGER NOT NULL DEFAULT 0,
                        read_ms INTEGER NOT NULL,
                        PRIMARY KEY (charger_id, key)
                    ) WITHOUT ROWID;
                    CREATE TABLE api_tokens (
                        name TEXT PRIMARY KEY NOT NULL,
                        sha256 TEXT NOT NULL UNIQUE,
                        created_ms INTEGER NOT NULL, last_used_ms INTEGER
                    );
                    """),
        // ocpp-report (issue 7): per-transaction aggregates by measurand read one covering index range per session
        // (summary over a month of meter values stays in SQLite); connection events per charger for availability.
        StoreMigration("v3-report-indexes", sql: """
                    CREATE INDEX meter_values_report
                        ON meter_values(measurand, phase, transaction_id, at_ms, value, location) WHERE transaction_id IS NOT NULL;
                    CREATE INDEX events_by_kind ON events(kind, charger_id, at_ms);
                    """),
        // Issue 8: what each stored sample costs the writer. Every index below is written per sampled value, a dozen
        // per MeterValues, and index inserts were most of the writer's time. So:
        // - one unique index per sample instead of two: every row is in exactly one of two partial indexes, in a
        //   transaction (which also serves a session's curve, by time) or outside one (by charger and connector).
        //   They replace `meter_values_unique` (eight columns led by the charger id) and `meter_values_by_transaction`;
        // - the report's covering index holds only the measurands ocpp-report aggregates (`reportMeasurands`), so
        //   voltages, currents, frequency and temperature skip it; queries repeat that term to use it;
        // - no index by time alone (ocpp-report's latest-data check reads the newest rows by id);
        // - raw frames are indexed by time only (retention purges by time; a look at one charger's frames filters a
        //   time range): an index by charger dirtied one page per charger in every commit.
        StoreMigration("v4-meter-value-indexes", sql: """
                    DELETE FROM meter_values WHERE transaction_id IS NOT NULL AND id NOT IN (
                        SELECT min(id) FROM meter_values WHERE transaction_id IS NOT NULL
                        GROUP BY transaction_id, at_ms, measurand, phase, location, context);
                    DROP INDEX meter_values_unique;
                    DROP INDEX meter_values_by_transaction;
                    DROP INDEX meter_values_by_time;
                    DROP INDEX meter_values_report;
                    DROP INDEX frames_by_charger;
                    CREATE UNIQUE INDEX meter_values_in_transaction
                        ON meter_values(transaction_id, at_ms, measurand, phase, location, context) WHERE transaction_id IS NOT NULL;
                    CREATE UNIQUE INDEX meter_values_outside_transaction
                        ON meter_values(charger_id, connector_id, at_ms, measurand, phase, location, context) WHERE transaction_id IS NULL;
                    CREATE INDEX meter_values_report
                        ON meter_values(measurand, phase, transaction_id, at_ms, value, location)
                        WHERE transaction_id IS NOT NULL AND \(reportMeasurands);
                    """),
        // Issue 14: the limit model. Values are TEXT (exact decimals, as the agent typed them); a charger is in at
        // most one group; an agent's limits go with it; a token may belong to an agent (NULL: the operator's, all scope).
        StoreMigration("v5-limits", sql: """
                    CREATE TABLE agents (
                        name TEXT PRIMARY KEY NOT NULL, priority INTEGER NOT NULL, scope TEXT NOT NULL, created_ms INTEGER NOT NULL
                    );
                    CREATE TABLE charger_groups (
                        name TEXT PRIMARY KEY NOT NULL, capacity TEXT NOT NULL, unit TEXT NOT NULL CHECK (unit IN ('A','W')),
                        phases INTEGER NOT NULL DEFAULT 3, created_ms INTEGER NOT NULL
                    );
                    CREATE TABLE group_members (
                        charger_id TEXT PRIMARY KEY NOT NULL,
                        group_name TEXT NOT NULL REFERENCES charger_groups(name) ON DELETE CASCADE
                    ) WITHOUT ROWID;
                    CREATE TABLE limits (
                        id INTEGER PRIMARY KEY,
                        agent TEXT NOT NULL REFERENCES agents(name) ON DELETE CASCADE,
                        target_charger TEXT, target_connector INTEGER NOT NULL DEFAULT 0,
                        target_group TEXT REFERENCES charger_groups(name) ON DELETE CASCADE,
                        value TEXT NOT NULL, unit TEXT NOT NULL CHECK (unit IN ('A','W')), hard INTEGER NOT NULL,
                        from_ms INTEGER, until_ms INTEGER, recurrence TEXT, created_ms INTEGER NOT NULL,
                        CHECK ((target_charger IS NULL) <> (target_group IS NULL))
                    );
                    ALTER TABLE api_tokens ADD COLUMN agent TEXT REFERENCES agents(name) ON DELETE CASCADE;
                    """),
        // Issue 16: alerts. One row per problem; an open row is what keeps a restarted server from sending it again.
        StoreMigration("v6-alerts", sql: """
                    CREATE TABLE alerts (
                        id INTEGER PRIMARY KEY,
                        rule TEXT NOT NULL, charger_id TEXT, subject TEXT NOT NULL DEFAULT '', group_name TEXT,
                        state TEXT NOT NULL CHECK (state IN ('open','resolved')),
                        message TEXT NOT NULL, detail TEXT NOT NULL DEFAULT '{}',
                        opened_ms INTEGER NOT NULL, last_seen_ms INTEGER NOT NULL, resolved_ms INTEGER,
                        repeats INTEGER NOT NULL DEFAULT 0
                    );
                    CREATE UNIQUE INDEX alerts_open ON alerts (rule, ifnull(charger_id, ''), subject) WHERE state = 'open';
                    CREATE INDEX alerts_opened ON alerts (opened_ms);
                    """),
        // Issue 17, Security Profile 1: a charger's Basic-auth key, hashed (PBKDF2-HMAC-SHA256, per-charger salt;
        // never the key itself). `previous_*` is the key before a rotation, accepted until the charger connects with the
        // new one. A row means the charger must authenticate at `profile` or above (no fallback to plain).
        StoreMigration("v7-charger-security", sql: """
                    CREATE TABLE charger_security (
                        charger_id TEXT PRIMARY KEY NOT NULL,
                        profile INTEGER NOT NULL DEFAULT 1 CHECK (profile BETWEEN 1 AND 3),
                        key_hash BLOB NOT NULL, key_salt BLOB NOT NULL, key_rounds INTEGER NOT NULL, key_length INTEGER NOT NULL,
                        previous_hash BLOB, previous_salt BLOB, previous_rounds INTEGER, previous_length INTEGER,
                        updated_ms INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    """),
        // Issue 17, security extension: SecurityEventNotifications as the charger sent them (`at_ms` by its clock,
        // `received_ms` by ours), and the last LogStatusNotification per charger beside its firmware status.
        StoreMigration("v8-security", sql: """
                    CREATE TABLE security_events (
                        id INTEGER PRIMARY KEY,
                        charger_id TEXT NOT NULL, type TEXT NOT NULL, at_ms INTEGER NOT NULL, received_ms INTEGER NOT NULL,
                        tech_info TEXT
                    );
                    CREATE INDEX security_events_by_charger ON security_events (charger_id, received_ms);
                    CREATE INDEX security_events_received ON security_events (received_ms);
                    ALTER TABLE chargers ADD COLUMN log_status TEXT;
                    ALTER TABLE chargers ADD COLUMN log_status_ms INTEGER;
                    """),
        // Issue 17, Security Profile 3: a charger authenticated by its client certificate needs no key, so the key
        // columns become nullable (SQLite cannot drop NOT NULL in place: the table is rebuilt, rows kept).
        StoreMigration("v9-tls", sql: """
                    CREATE TABLE charger_security_v9 (
                        charger_id TEXT PRIMARY KEY NOT NULL,
                        profile INTEGER NOT NULL DEFAULT 1 CHECK (profile BETWEEN 1 AND 3),
                        key_hash BLOB, key_salt BLOB, key_rounds INTEGER, key_length INTEGER,
                        previous_hash BLOB, previous_salt BLOB, previous_rounds INTEGER, previous_length INTEGER,
                        updated_ms INTEGER NOT NULL,
                        CHECK (key_hash IS NOT NULL OR profile = 3)
                    ) WITHOUT ROWID;
                    INSERT INTO charger_security_v9 SELECT charger_id, profile, key_hash, key_salt, key_rounds, key_length,
                        previous_hash, previous_salt, previous_rounds, previous_length, updated_ms FROM charger_security;
                    DROP TABLE charger_security;
                    ALTER TABLE charger_security_v9 RENAME TO charger_security;
                    """),
        // Issue 17: a token limited to reading (GET only) and/or to a list of chargers (comma-separated; NULL: all).
        StoreMigration("v10-token-rights", sql: """
                    ALTER TABLE api_tokens ADD COLUMN read_only INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE api_tokens ADD COLUMN chargers TEXT;
                    """),
        // Issue 18: several ocpp-serve nodes on one PostgreSQL. Which node holds which charger (a lease that runs out
        // when its node stops renewing it), and commands routed between nodes (requests and answers stay here, NOTIFY
        // only wakes the other node: its payloads are limited to 8000 bytes). Created on SQLite too (one list, one
        // node): empty there.
        StoreMigration("v11-nodes", sql: """
                    CREATE TABLE nodes (
                        id TEXT PRIMARY KEY NOT NULL,
                        started_ms INTEGER NOT NULL, heartbeat_ms INTEGER NOT NULL,
                        listen TEXT, leader INTEGER NOT NULL DEFAULT 0
                    );
                    CREATE TABLE charger_leases (
                        charger_id TEXT PRIMARY KEY NOT NULL,
                        node_id TEXT NOT NULL, epoch INTEGER NOT NULL,
                        acquired_ms INTEGER NOT NULL, expires_ms INTEGER NOT NULL
                    );
                    CREATE INDEX charger_leases_by_node ON charger_leases(node_id);
                    CREATE TABLE remote_commands (
                        id INTEGER PRIMARY KEY,
                        charger_id TEXT NOT NULL, origin_node TEXT NOT NULL, target_node TEXT NOT NULL,
                        request TEXT NOT NULL, created_ms INTEGER NOT NULL, deadline_ms INTEGER NOT NULL,
                        claimed_ms INTEGER, answered_ms INTEGER, response TEXT
                    );
                    CREATE INDEX remote_commands_by_target ON remote_commands(target_node, claimed_ms);
                    """),
    ]

    /// The SQLite migrator (GRDB): one registered migration per entry, under the same id as before the store
    /// interface, so existing databases see nothing new.
    public static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        for migration in migrations {
            migrator.registerMigration(migration.id) { db in try db.execute(sql: migration.sqlite) }
        }
        return migrator
    }
}

/// One schema change: its id and its SQL for each engine.
public struct StoreMigration: Sendable {
    public let id: String
    public let sqlite: String
    public let postgres: String

    /// `postgres` defaults to `StoreSchema.postgresDDL(sql)`.
    public init(_ id: String, sql: String, postgres: String? = nil) {
        self.id = id
        self.sqlite = sql
        self.postgres = postgres ?? StoreSchema.postgresDDL(sql)
    }
}
