import Foundation
import Glibc
import Synchronization
import Testing

/// Which store a parameterised test runs on.
public enum TestStore: String, Sendable, CaseIterable, CustomTestStringConvertible {
    case sqlite
    case postgres

    public var testDescription: String { rawValue }
}

/// A throwaway PostgreSQL cluster for the tests (shared by the ocpp-serve and ocpp-report test targets): `initdb` into a temp directory, `pg_ctl` on a random loopback port
/// with trust authentication, stopped when the test process exits; one database per test (`CREATE DATABASE`).
/// With `OCPP_TEST_PG_URL` set (a URL whose user may create databases) that server is used instead.
/// Without PostgreSQL binaries the PostgreSQL cases fail, loudly: `.ci/run` installs Debian's `postgresql`.
public enum TestPostgres {
    public struct Cluster: Sendable {
        public var host: String
        public var port: Int
        public var user: String
        public var password: String?
        public var directory: String?
    }

    private static let cluster = Mutex<Result<Cluster, TestPostgresError>?>(nil)
    private static let counter = Mutex(0)

    public static let binDirectory: String = {
        let candidates = (15...18).reversed().map { "/usr/lib/postgresql/\($0)/bin" }
        return candidates.first { FileManager.default.isExecutableFile(atPath: "\($0)/initdb") } ?? "/usr/lib/postgresql/15/bin"
    }()

    /// A fresh, empty database's URL (`postgres://...`), for `--db`.
    public static func newDatabaseURL() throws -> String {
        let cluster = try sharedCluster()
        let name = "ocpp_test_\(ProcessInfo.processInfo.processIdentifier)_\(counter.withLock { n in n += 1; return n })"
        try psql(cluster, database: "postgres", "CREATE DATABASE \(name)")
        let credentials = cluster.user + (cluster.password.map { ":\($0)" } ?? "")
        return "postgres://\(credentials)@\(cluster.host):\(cluster.port)/\(name)"
    }

    /// `--db` for `store`: the SQLite file in `directory`, or a new PostgreSQL database.
    public static func databaseArgument(_ store: TestStore, directory: URL) throws -> String {
        switch store {
        case .sqlite: directory.appendingPathComponent("ocpp.sqlite").path
        case .postgres: try newDatabaseURL()
        }
    }

    /// Runs SQL through `psql` (output: unaligned tuples).
    @discardableResult
    public static func psql(_ cluster: Cluster, database: String, _ sql: String) throws -> String {
        var environment = ProcessInfo.processInfo.environment
        if let password = cluster.password { environment["PGPASSWORD"] = password }
        let psqlPath = FileManager.default.isExecutableFile(atPath: "\(binDirectory)/psql") ? "\(binDirectory)/psql" : "/usr/bin/psql"
        let (status, output) = try run(
            psqlPath, ["-h", cluster.host, "-p", "\(cluster.port)", "-U", cluster.user, "-d", database, "-v", "ON_ERROR_STOP=1", "-Atq", "-c", sql],
            environment: environment
        )
        guard status == 0 else { throw TestPostgresError("psql \(sql): \(output)") }
        return output
    }

    /// SQL on the database a `postgres://` URL names (tests reading what the server stored).
    public static func query(url: String, _ sql: String) throws -> String {
        let cluster = try sharedCluster()
        guard let database = URLComponents(string: url)?.path.dropFirst() else { throw TestPostgresError("bad URL \(url)") }
        return try psql(cluster, database: String(database), sql).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    public static func sharedCluster() throws -> Cluster {
        try cluster.withLock { state in
            if state == nil { state = Result { () throws(TestPostgresError) in try start() } }
            guard let state else { throw TestPostgresError("no cluster") }
            return try state.get()
        }
    }

    private static func start() throws(TestPostgresError) -> Cluster {
        if let url = ProcessInfo.processInfo.environment["OCPP_TEST_PG_URL"], let components = URLComponents(string: url),
            let host = components.host, let user = components.user
        {
            return Cluster(host: host, port: components.port ?? 5432, user: user, password: components.password, directory: nil)
        }
        let initdb = "\(binDirectory)/initdb"
        guard FileManager.default.isExecutableFile(atPath: initdb) else {
            throw TestPostgresError("PostgreSQL is not installed (no \(initdb)): apt-get install postgresql, or set OCPP_TEST_PG_URL")
        }
        do {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ocpp-pg-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            // initdb refuses to run as root: run the server as the `postgres` user then.
            let asRoot = getuid() == 0
            if asRoot { _ = try run("/bin/chown", ["postgres:postgres", directory]) }
            func command(_ tool: String, _ arguments: [String], detached: Bool = false) throws -> (Int32, String) {
                asRoot
                    ? try run("/usr/sbin/runuser", ["-u", "postgres", "--", tool] + arguments, detached: detached)
                    : try run(tool, arguments, detached: detached)
            }
            let data = "\(directory)/data"
            let (initStatus, initOutput) = try command(initdb, ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"])
            guard initStatus == 0 else { throw TestPostgresError("initdb failed: \(initOutput)") }
            for _ in 0..<5 {
                let port = Int.random(in: 20_000...60_000)
                let options = "-p \(port) -k \(directory) -c listen_addresses=127.0.0.1 -c fsync=on -c max_connections=300 -c shared_buffers=64MB"
                let (status, output) = try command("\(binDirectory)/pg_ctl", ["-D", data, "-l", "\(directory)/log", "-w", "-t", "30", "-o", options, "start"], detached: true)
                if status == 0 {
                    stopAtExit(data: data, asRoot: asRoot)
                    return Cluster(host: "127.0.0.1", port: port, user: "postgres", password: nil, directory: directory)
                }
                _ = output  // a taken port: try another
            }
            throw TestPostgresError("pg_ctl start failed on five random ports")
        } catch let error as TestPostgresError {
            throw error
        } catch {
            throw TestPostgresError("cannot start PostgreSQL: \(error)")
        }
    }

    private static let stopCommand = Mutex<[String]?>(nil)

    private static func stopAtExit(data: String, asRoot: Bool) {
        let stop = ["\(binDirectory)/pg_ctl", "-D", data, "-m", "immediate", "stop"]
        stopCommand.withLock { $0 = asRoot ? ["/usr/sbin/runuser", "-u", "postgres", "--"] + stop : stop }
        atexit {
            guard let command = TestPostgres.stopCommand.withLock({ $0 }), let tool = command.first else { return }
            _ = try? TestPostgres.run(tool, Array(command.dropFirst()))
        }
    }

    /// `detached`: output to /dev/null, for `pg_ctl start`, whose server inherits (and would hold open) a pipe.
    public static func run(_ tool: String, _ arguments: [String], environment: [String: String]? = nil, detached: Bool = false) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        if let environment { process.environment = environment }
        if detached {
            // Foundation's Process never saw pg_ctl's exit here (a zombie, the wait hung): the shell waits itself.
            let line = ([tool] + arguments).map { "'\($0)'" }.joined(separator: " ") + " >/dev/null 2>&1 </dev/null"
            return (system(line), "")
        }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }
}

public struct TestPostgresError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
