import Foundation

/// Where `--db` (or `OCPP_DB`) points: an SQLite file (the embedded default) or a PostgreSQL URL.
public enum StoreLocation: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(PostgresLocation)

    /// `postgres://` or `postgresql://` URLs are PostgreSQL; anything else is an SQLite path.
    public init(parsing text: String) throws(StoreLocationError) {
        let lowered = text.lowercased()
        if lowered.hasPrefix("postgres://") || lowered.hasPrefix("postgresql://") {
            self = .postgres(try PostgresLocation(url: text))
        } else if lowered.contains("://") {
            throw StoreLocationError("--db \(text): unknown scheme; give an SQLite file path or postgres://user@host:port/db")
        } else {
            self = .sqlite(path: text)
        }
    }

    public var isPostgres: Bool {
        if case .postgres = self { true } else { false }
    }

    /// For logs: never the password.
    public var description: String {
        switch self {
        case .sqlite(let path): path
        case .postgres(let location): location.description
        }
    }
}

/// A parsed `postgres://user[:password]@host[:port]/database` URL.
public struct PostgresLocation: Sendable, Equatable, CustomStringConvertible {
    public var user: String
    public var password: String?
    public var host: String
    public var port: Int
    public var database: String

    public init(user: String, password: String? = nil, host: String, port: Int = 5432, database: String) {
        self.user = user
        self.password = password
        self.host = host
        self.port = port
        self.database = database
    }

    public init(url: String) throws(StoreLocationError) {
        let fix = "write postgres://user[:password]@host[:port]/database"
        guard let components = URLComponents(string: url), let host = components.host, !host.isEmpty else {
            throw StoreLocationError("--db: malformed PostgreSQL URL (no host); \(fix)")
        }
        guard let user = components.user, !user.isEmpty else {
            throw StoreLocationError("--db: the PostgreSQL URL names no user; \(fix)")
        }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty, !database.contains("/") else {
            throw StoreLocationError("--db: the PostgreSQL URL names no database; \(fix)")
        }
        if let port = components.port, !(1...65535).contains(port) {
            throw StoreLocationError("--db: PostgreSQL port \(port) is out of range; \(fix)")
        }
        self.init(user: user, password: components.password, host: host, port: components.port ?? 5432, database: database)
    }

    public var description: String { "postgres://\(user)@\(host):\(port)/\(database)" }
}

public struct StoreLocationError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
