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
        /// The data directory and server options of a cluster these tests started (nil for `OCPP_TEST_PG_URL`).
        public var data: String?
        public var options: String?
    }

    private static let cluster = Mutex<Result<Cluster, TestPostgresError>?>(nil)
    private static let counter = Mutex(0)

    public static let binDirectory: String = {
        let candidates = (15...18).reversed().map { "/usr/lib/postgresql/\($0)/bin" }
        return candidates.first { FileManager.default.isExecutableFile(atPath: "\($0)/initdb") } ?? "/usr/lib/postgresql/15/bin"
    }()

    /// A fresh, empty database's URL (`postgres://...`), for `--db`.
    public static func newDatabaseURL() throws -> String {
        try newDatabaseURL(in: sharedCluster())
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

    /// A cluster of the test's own, which it may stop and start again (the outage test); stopped at exit.
    public static func privateCluster() throws -> Cluster {
        try startCluster()
    }

    /// A database URL in `cluster` (a new database).
    public static func newDatabaseURL(in cluster: Cluster) throws -> String {
        let name = "ocpp_test_\(ProcessInfo.processInfo.processIdentifier)_\(counter.withLock { n in n += 1; return n })"
        try psql(cluster, database: "postgres", "CREATE DATABASE \(name)")
        let credentials = cluster.user + (cluster.password.map { ":\($0)" } ?? "")
        return "postgres://\(credentials)@\(cluster.host):\(cluster.port)/\(name)"
    }

    /// Stops a cluster `privateCluster` started (`pg_ctl stop -m fast`: connections are cut, as in an outage).
    public static func stop(_ cluster: Cluster) throws {
        guard let data = cluster.data else { throw TestPostgresError("not a cluster of the tests") }
        let (status, output) = try command("\(binDirectory)/pg_ctl", ["-D", data, "-m", "fast", "-w", "stop"])
        guard status == 0 else { throw TestPostgresError("pg_ctl stop: \(output)") }
    }

    /// Starts a stopped `privateCluster` again on the same port.
    public static func restart(_ cluster: Cluster) throws {
        guard let data = cluster.data, let options = cluster.options, let directory = cluster.directory else {
            throw TestPostgresError("not a cluster of the tests")
        }
        let (status, _) = try command(
            "\(binDirectory)/pg_ctl", ["-D", data, "-l", "\(directory)/log", "-w", "-t", "30", "-o", options, "start"], detached: true
        )
        guard status == 0 else { throw TestPostgresError("pg_ctl start failed again on port \(cluster.port)") }
    }

    /// initdb refuses to run as root: the cluster's tools then run as the `postgres` user.
    private static func command(_ tool: String, _ arguments: [String], detached: Bool = false) throws -> (Int32, String) {
        getuid() == 0
            ? try run("/usr/sbin/runuser", ["-u", "postgres", "--", tool] + arguments, detached: detached)
            : try run(tool, arguments, detached: detached)
    }

    private static func start() throws(TestPostgresError) -> Cluster {
        if let url = ProcessInfo.processInfo.environment["OCPP_TEST_PG_URL"], let components = URLComponents(string: url),
            let host = components.host, let user = components.user
        {
            return Cluster(host: host, port: components.port ?? 5432, user: user, password: components.password, directory: nil)
        }
        return try startCluster()
    }

    private static func startCluster() throws(TestPostgresError) -> Cluster {
        let initdb = "\(binDirectory)/initdb"
        guard FileManager.default.isExecutableFile(atPath: initdb) else {
            throw TestPostgresError("PostgreSQL is not installed (no \(initdb)): apt-get install postgresql, or set OCPP_TEST_PG_URL")
        }
        do {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ocpp-pg-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let asRoot = getuid() == 0
            if asRoot { _ = try run("/bin/chown", ["postgres:postgres", directory]) }
            let data = "\(directory)/data"
            let (initStatus, initOutput) = try command(initdb, ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"])
            guard initStatus == 0 else { throw TestPostgresError("initdb failed: \(initOutput)") }
            for _ in 0..<5 {
                let port = Int.random(in: 20_000...60_000)
                let options = "-p \(port) -k \(directory) -c listen_addresses=127.0.0.1 -c fsync=on -c max_connections=300 -c shared_buffers=64MB"
                let (status, output) = try command("\(binDirectory)/pg_ctl", ["-D", data, "-l", "\(directory)/log", "-w", "-t", "30", "-o", options, "start"], detached: true)
                if status == 0 {
                    stopAtExit(data: data, asRoot: asRoot)
                    return Cluster(host: "127.0.0.1", port: port, user: "postgres", password: nil, directory: directory, data: data, options: options)
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

    private static let stopCommands = Mutex<[[String]]>([])

    private static func stopAtExit(data: String, asRoot: Bool) {
        let stop = ["\(binDirectory)/pg_ctl", "-D", data, "-m", "immediate", "stop"]
        let first = stopCommands.withLock { commands in
            commands.append(asRoot ? ["/usr/sbin/runuser", "-u", "postgres", "--"] + stop : stop)
            return commands.count == 1
        }
        guard first else { return }
        atexit {
            for command in TestPostgres.stopCommands.withLock({ $0 }) {
                guard let tool = command.first else { continue }
                _ = try? TestPostgres.run(tool, Array(command.dropFirst()))
            }
        }
    }

    /// `detached`: output to /dev/null, for `pg_ctl start`, whose server inherits (and would hold open) a pipe.
    /// Runs a tool through `system` and returns its exit status and output. Not Foundation's `Process`: with many test
    /// processes starting at once it sometimes never saw a short-lived child exit (psql and pg_ctl left as zombies and
    /// the test waiting for ever); the shell waits for its own child. `detached`: output to /dev/null, for
    /// `pg_ctl start`, whose server would otherwise hold the output open.
    public static func run(_ tool: String, _ arguments: [String], environment: [String: String]? = nil, detached: Bool = false) throws -> (Int32, String) {
        func quoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        let variables = (environment ?? [:]).filter { $0.key.hasPrefix("PG") }.map { "\($0.key)=\(quoted($0.value))" }
        let command = (variables.isEmpty ? [] : ["env"] + variables) + ([tool] + arguments).map(quoted)
        if detached {
            let status = system(command.joined(separator: " ") + " >/dev/null 2>&1 </dev/null")
            return (status == -1 ? -1 : (status >> 8) & 0xFF, "")
        }
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("ocpp-test-run-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: output) }
        let status = system(command.joined(separator: " ") + " >\(quoted(output)) 2>&1 </dev/null")
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        // system returns a wait status: the exit code is in its second byte.
        let exitCode = status == -1 ? Int32(-1) : (status >> 8) & 0xFF
        return (exitCode, text)
    }
}

public struct TestPostgresError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
