import Foundation
import Logging
import Shared
import Synchronization
import TestSupport
import Testing

/// The real `ocpp-serve` binary, started on a random loopback port with a database in a fresh temp directory.
final class ServerProcess: Sendable {
    let process: Process
    let port: Int
    let directory: URL
    let databasePath: String
    /// What `--db` got: `databasePath`, or a PostgreSQL URL (`store: .postgres`).
    let databaseArgument: String
    let store: TestStore
    /// The control socket for ocpp-ctl, in the server's directory.
    let socketPath: String
    /// The HTTP API port when started with `--http 127.0.0.1:0`.
    let httpPort: Int?
    /// The wss port when started with `--tls-cert` (and `--tls-listen 127.0.0.1:0`).
    let tlsPort: Int?
    private let stderrLines: Locked<[String]>

    static var binDirectory: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    }

    static func binary(_ name: String) -> URL {
        // `swift test` builds the executables next to the test bundle (…/debug/ocpp-toolsPackageTests.xctest).
        var dir = binDirectory
        for _ in 0..<4 where !FileManager.default.fileExists(atPath: dir.appendingPathComponent(name).path) {
            dir = dir.deletingLastPathComponent()
        }
        return dir.appendingPathComponent(name)
    }

    /// Starts the server; `directory` reuses an SQLite database, `db` any database (restart after a crash). `store`:
    /// which engine a new database is on (PostgreSQL: a new database in the tests' cluster, `TestPostgres`). `umask`
    /// starts it under that file mode mask (through sh) instead of the test process's.
    init(store: TestStore = .sqlite, arguments: [String] = [], directory: URL? = nil, db: String? = nil, umask: String? = nil) async throws {
        let directory = directory ?? FileManager.default.temporaryDirectory.appendingPathComponent("ocpp-serve-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.directory = directory
        self.databasePath = directory.appendingPathComponent("ocpp.sqlite").path
        self.socketPath = directory.appendingPathComponent("ctl.sock").path
        let databaseArgument = try db ?? TestPostgres.databaseArgument(store, directory: directory)
        self.databaseArgument = databaseArgument
        self.store = databaseArgument.hasPrefix("postgres") ? .postgres : .sqlite
        let process = Process()
        process.executableURL = Self.binary("ocpp-serve")
        process.arguments = ["--listen", "127.0.0.1:0", "--db", databaseArgument, "--socket", socketPath, "--log-level", "warning"] + arguments
        if let umask, let arguments = process.arguments, let binary = process.executableURL?.path {
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "umask \(umask) && exec \"$0\" \"$@\"", binary] + arguments
        }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let (lines, continuation) = AsyncStream.makeStream(of: String.self)
        let buffer = Locked(Data())
        out.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty {
                continuation.finish()
                handle.readabilityHandler = nil
                return
            }
            let complete: [String] = buffer.withLock { buffer in
                buffer.append(data)
                var found: [String] = []
                while let newline = buffer.firstIndex(of: 0x0A) {
                    found.append(String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self))
                    buffer.removeSubrange(buffer.startIndex...newline)
                }
                return found
            }
            for line in complete { continuation.yield(line) }
        }
        let stderrLines = Locked<[String]>([])
        // A read may end inside a line (a busy server, a full pipe): only whole lines are listed, the rest waits.
        let partial = Locked(Data())
        err.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty {
                handle.readabilityHandler = nil
                let rest = partial.withLock { $0 }
                if !rest.isEmpty { stderrLines.withLock { $0.append(String(decoding: rest, as: UTF8.self)) } }
                return
            }
            let complete: [String] = partial.withLock { buffer in
                buffer.append(data)
                guard let last = buffer.lastIndex(of: 0x0A) else { return [] }
                let text = String(decoding: buffer[buffer.startIndex..<last], as: UTF8.self)
                buffer = Data(buffer[buffer.index(after: last)...])
                return text.split(separator: "\n").map(String.init)
            }
            if !complete.isEmpty { stderrLines.withLock { $0.append(contentsOf: complete) } }
        }
        self.stderrLines = stderrLines
        try process.run()
        self.process = process
        var port: Int?
        var httpPort: Int?
        var tlsPort: Int?
        let wantsHTTP = arguments.contains("--http")
        let wantsTLS = arguments.contains("--tls-cert")
        let deadline = ContinuousClock.now + .seconds(30)
        for await line in lines {
            if line.hasPrefix("listening on port "), let p = Int(line.dropFirst("listening on port ".count)) {
                port = p
            }
            if line.hasPrefix("http API listening on port "), let p = Int(line.dropFirst("http API listening on port ".count)) {
                httpPort = p
            }
            if line.hasPrefix("tls listening on port "), let p = Int(line.dropFirst("tls listening on port ".count)) {
                tlsPort = p
            }
            if port != nil && (httpPort != nil || !wantsHTTP) && (tlsPort != nil || !wantsTLS) { break }
            if ContinuousClock.now > deadline { break }
        }
        self.httpPort = httpPort
        self.tlsPort = tlsPort
        guard let port else {
            process.terminate()
            throw ServerProcessError.didNotStart(stderrLines.withLock { $0.joined(separator: "\n") })
        }
        self.port = port
        // The control socket is bound by its own service, shortly after the charger port.
        for _ in 0..<100 where !arguments.contains("none") && !FileManager.default.fileExists(atPath: socketPath) {
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    var url: String { "ws://127.0.0.1:\(port)/ocpp" }

    /// Restarts on the same database (after `stop` or `kill`).
    func restart(arguments: [String] = []) async throws -> ServerProcess {
        try await ServerProcess(arguments: arguments, directory: directory, db: databaseArgument)
    }

    /// The server's database for reading what it stored, on either engine.
    func openDatabase() async throws -> any SQLStore {
        try await StoreOpener.openForReading(StoreLocation(parsing: databaseArgument), logger: Logger(label: "test"))
    }

    /// The server's database for writing beside it (tests that seed rows), on either engine.
    func openDatabaseForWriting() async throws -> any SQLStore {
        try await StoreOpener.openForWriting(StoreLocation(parsing: databaseArgument), fullSync: false, logger: Logger(label: "test"))
    }

    var stderr: [String] { stderrLines.withLock { $0 } }

    /// SIGTERM and wait; returns the exit status.
    func stop() async -> Int32 {
        if process.isRunning { process.terminate() }
        return await waitForExit()
    }

    /// SIGKILL: no chance to flush anything.
    func kill() async {
        if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
        _ = await waitForExit()
    }

    private func waitForExit() async -> Int32 {
        for _ in 0..<600 where process.isRunning {
            try? await Task.sleep(for: .milliseconds(50))
        }
        return process.isRunning ? -1 : process.terminationStatus
    }
}

enum ServerProcessError: Error {
    case didNotStart(String)
}
