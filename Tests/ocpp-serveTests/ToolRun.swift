import Foundation

/// The outcome of running one of the toolkit's binaries to completion.
struct ToolRun: Sendable {
    var status: Int32
    var stdout: String
    var stderr: String
    var stderrLines: [String] { stderr.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) }

    /// Runs `binary arguments` in a fresh directory (output to files, so no pipe can fill up), with `environment`
    /// (given that directory) added; sent SIGTERM once `stopWhen` (polled every 100 ms) holds, and killed after
    /// `timeout` seconds (status -1).
    static func run(
        _ binary: String, _ arguments: [String], stdin: String? = nil, timeout: Double = 15,
        environment: (URL) -> [String: String] = { _ in [:] }, stopWhen: (@Sendable () -> Bool)? = nil
    ) async throws -> ToolRun {
        try await run(
            executable: ServerProcess.binary(binary), arguments, stdin: stdin, timeout: timeout, environment: environment, stopWhen: stopWhen
        )
    }

    /// The same for any program (the Python charger of the interop tests).
    static func run(
        executable: URL, _ arguments: [String], stdin: String? = nil, timeout: Double = 15,
        environment: (URL) -> [String: String] = { _ in [:] }, stopWhen: (@Sendable () -> Bool)? = nil
    ) async throws -> ToolRun {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ocpp-tool-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let outURL = directory.appendingPathComponent("stdout")
        let errURL = directory.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = directory
        var merged = ProcessInfo.processInfo.environment
        merged["OCPP_SOCKET"] = nil
        merged["OCPP_URL"] = nil
        merged["OCPP_TOKEN"] = nil
        for (key, value) in environment(directory) { merged[key] = value }
        process.environment = merged
        if let stdin {
            let inURL = directory.appendingPathComponent("stdin")
            try stdin.write(to: inURL, atomically: true, encoding: .utf8)
            process.standardInput = try FileHandle(forReadingFrom: inURL)
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
        if let stopWhen {
            while process.isRunning && ContinuousClock.now < deadline && !stopWhen() {
                try? await Task.sleep(for: .milliseconds(100))
            }
            if process.isRunning { process.terminate() }
        }
        let exit = await ServePolicyTests.waitForExit(process, seconds: max((deadline - ContinuousClock.now) / .seconds(1), 0.1))
        if exit == nil {
            Foundation.kill(process.processIdentifier, SIGKILL)
            _ = await ServePolicyTests.waitForExit(process, seconds: 5)
        }
        try out.close()
        try err.close()
        return ToolRun(
            status: exit?.status ?? -1,
            stdout: String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
            stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self)
        )
    }
}
