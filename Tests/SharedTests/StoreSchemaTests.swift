import GRDB
import Testing

@testable import Shared

/// Migration v4 (issue 8) on a database that already holds meter values: duplicates the new unique index would
/// refuse are dropped, every row keeps exactly one unique index, and the report index holds only its measurands.
@Suite struct StoreSchemaTests {
    /// Migration v9-tls (issue 17, profile 3): keys become optional for profile 3 only; rows of v7 survive.
    @Test func v9KeepsChargerKeysAndAllowsAKeylessProfileThreeOnly() throws {
        let queue = try DatabaseQueue()
        try StoreSchema.migrator.migrate(queue, upTo: "v7-charger-security")
        try queue.write { db in
            try db.execute(
                sql: """
                    INSERT INTO charger_security(charger_id, profile, key_hash, key_salt, key_rounds, key_length, updated_ms)
                    VALUES ('CP1', 2, x'01', x'02', 1000, 20, 5)
                    """
            )
        }
        try StoreSchema.migrator.migrate(queue)
        try queue.write { db in
            let row = try #require(try Row.fetchOne(db, sql: "SELECT * FROM charger_security WHERE charger_id = 'CP1'"))
            let kept: [Int?] = [row["profile"], row["key_rounds"], row["key_length"], row["updated_ms"]]
            #expect(kept == [2, 1000, 20, 5])
            try db.execute(sql: "INSERT INTO charger_security(charger_id, profile, updated_ms) VALUES ('CP3', 3, 6)")
            #expect(throws: DatabaseError.self) {
                try db.execute(sql: "INSERT INTO charger_security(charger_id, profile, updated_ms) VALUES ('CP2', 2, 7)")
            }
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM charger_security") == 2)
        }
    }

    @Test func v4KeepsOneRowPerSampleAndIndexesOnlyReportMeasurands() throws {
        let queue = try DatabaseQueue()
        try StoreSchema.migrator.migrate(queue, upTo: "v3-report-indexes")
        try queue.write { db in
            let insert = """
                INSERT INTO meter_values(charger_id, connector_id, transaction_id, at_ms, measurand, phase, location, context, format, value, unit,
                    raw_value)
                VALUES (?, ?, ?, ?, ?, '', 'Outlet', 'Sample.Periodic', 'Raw', ?, 'Wh', ?)
                """
            // The same sample of transaction 7 reported on two connectors: allowed by v1's index, one row after v4.
            try db.execute(sql: insert, arguments: ["CP1", 1, 7, 1000, "Energy.Active.Import.Register", 10.0, "10"])
            try db.execute(sql: insert, arguments: ["CP1", 2, 7, 1000, "Energy.Active.Import.Register", 10.0, "10"])
            try db.execute(sql: insert, arguments: ["CP1", 1, 7, 1000, "Voltage", 230.0, "230"])
            try db.execute(sql: insert, arguments: ["CP1", 1, nil, 1000, "Energy.Active.Import.Register", 5.0, "5"])
        }
        try StoreSchema.migrator.migrate(queue)
        try queue.write { db in
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM meter_values") == 3)
            let indexes = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'meter_values' ORDER BY name")
            #expect(indexes == ["meter_values_in_transaction", "meter_values_outside_transaction", "meter_values_report"])
            // A repeated sample, in and outside a transaction, is ignored by ON CONFLICT DO NOTHING.
            for transaction in [7, nil] as [Int?] {
                try db.execute(
                    sql: """
                        INSERT INTO meter_values(charger_id, connector_id, transaction_id, at_ms, measurand, phase, location, context, format,
                            value, unit, raw_value)
                        VALUES ('CP1', 1, ?, 1000, 'Energy.Active.Import.Register', '', 'Outlet', 'Sample.Periodic', 'Raw', 10, 'Wh', '10')
                        ON CONFLICT DO NOTHING
                        """,
                    arguments: [transaction]
                )
            }
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM meter_values") == 3)
            let reported = try Int.fetchOne(
                db,
                sql: """
                    SELECT count(*) FROM meter_values INDEXED BY meter_values_report
                    WHERE transaction_id IS NOT NULL AND \(StoreSchema.reportMeasurands)
                    """
            )
            #expect(reported == 1)
        }
    }
}
