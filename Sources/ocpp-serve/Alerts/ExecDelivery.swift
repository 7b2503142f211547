import Foundation
import Shared

/// Runs the sink's command with `/bin/sh -c`, the alert as JSON on stdin and as `OCPP_ALERT_*` variables. Exit 0 is
/// success; a command still running after the timeout is terminated (SIGTERM, then SIGKILL) and counts as a failure.
struct ExecDelivery: AlertDelivery {
    let command: String
    let timeoutSeconds: Double

    func deliver(_ message: AlertMessage, sink: String) async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        process.environment = ProcessInfo.processInfo.environment.merging(message.environment(sink: sink)) { _, new in new }
        let stdin = Pipe()
        process.standardInput = stdin
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        // Written before the command starts: an alert fits the pipe buffer, and a command that exits without
        // reading stdin cannot raise SIGPIPE in the server.
        let bytes = Array((message.json(sink: sink).serialized() + "\n").utf8.prefix(60_000))
        try stdin.fileHandleForWriting.write(contentsOf: bytes)
        try stdin.fileHandleForWriting.close()
        let exited = AsyncStream.makeStream(of: Int32.self, bufferingPolicy: .bufferingNewest(1))
        process.terminationHandler = { ended in
            exited.continuation.yield(ended.terminationStatus)
            exited.continuation.finish()
        }
        do {
            try process.run()
        } catch {
            throw AlertDeliveryError("cannot start /bin/sh: \(error)")
        }
        let status = try await Self.first(of: exited.stream, within: timeoutSeconds)
        guard let status else {
            process.terminate()
            // A command that ignores SIGTERM is killed after 2 s more (only this sink's worker waits for that).
            for _ in 0..<20 where process.isRunning { try await Task.sleep(for: .milliseconds(100)) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            throw AlertDeliveryError("command still running after \(timeoutSeconds) s: terminated")
        }
        guard status == 0 else { throw AlertDeliveryError("command exited with status \(status)") }
    }

    /// The first element of `stream`, or nil when `seconds` pass first.
    static func first(of stream: AsyncStream<Int32>, within seconds: Double) async throws -> Int32? {
        try await withThrowingTaskGroup(of: Int32?.self) { group in
            group.addTask {
                for await value in stream { return value }
                return -1
            }
            group.addTask {
                try await Task.sleep(for: .milliseconds(Int64(seconds * 1000)))
                return nil
            }
            defer { group.cancelAll() }
            return try await group.next() ?? nil
        }
    }
}
