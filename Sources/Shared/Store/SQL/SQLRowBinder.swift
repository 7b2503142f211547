import GRDBSQLite
import PostgresNIO

/// Binds one row's parameters in order, straight into the engine's form: `sqlite3_bind_*` on a prepared SQLite
/// statement, or PostgreSQL wire bindings. No argument array is built (the writer binds a dozen rows per message).
public struct SQLRowBinder {
    let sqlite: OpaquePointer?
    var index: Int32 = 0
    var postgres: PostgresBindings?

    init(sqlite statement: OpaquePointer) {
        sqlite = statement
        postgres = nil
    }

    init(postgresCapacity: Int) {
        sqlite = nil
        postgres = PostgresBindings(capacity: postgresCapacity)
    }

    /// SQLite copies the bytes before the call returns.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    private mutating func bindNull() {
        if let sqlite { sqlite3_bind_null(sqlite, index) } else { postgres?.appendNull() }
    }

    /// Every parameter is bound on every execution (NULL included), so a previous row's values never linger.
    public mutating func bind(_ value: String?) {
        index += 1
        guard let value else { return bindNull() }
        if let sqlite {
            var text = value
            text.withUTF8 { bytes in
                _ = bytes.withMemoryRebound(to: CChar.self) { chars in
                    sqlite3_bind_text(sqlite, index, chars.baseAddress, Int32(chars.count), Self.transient)
                }
            }
        } else {
            postgres?.append(value)
        }
    }

    public mutating func bind(_ value: Int64?) {
        index += 1
        guard let value else { return bindNull() }
        if let sqlite { sqlite3_bind_int64(sqlite, index, value) } else { postgres?.append(value) }
    }

    public mutating func bind(_ value: Int?) {
        bind(value.map(Int64.init))
    }

    public mutating func bind(_ value: Double?) {
        index += 1
        guard let value else { return bindNull() }
        if let sqlite { sqlite3_bind_double(sqlite, index, value) } else { postgres?.append(value) }
    }

    public mutating func bind(_ value: [UInt8]?) {
        index += 1
        guard let value else { return bindNull() }
        if let sqlite {
            value.withUnsafeBytes { bytes in _ = sqlite3_bind_blob(sqlite, index, bytes.baseAddress, Int32(bytes.count), Self.transient) }
        } else {
            postgres?.append(ByteBuffer(bytes: value))
        }
    }

    public mutating func bind(_ value: SQLValue) {
        switch value {
        case .null:
            index += 1
            bindNull()
        case .integer(let v): bind(v)
        case .real(let v): bind(v)
        case .text(let v): bind(v)
        case .blob(let v): bind(v)
        case .integers, .reals: preconditionFailure("arrays are read from PostgreSQL, never bound")
        }
    }
}
