import TestSupport
import Foundation
import Shared
import Testing

@testable import ocpp_ctl

/// `ocpp-ctl shell` through a pseudo-terminal, as a person uses it: a typed command reaches the charger, Tab
/// completes a connected charger's id, and the history survives into the next run (Up arrow repeats the command).
@Suite struct ShellTests {
    /// One shell process on a pty; the test types into the master side and reads what the terminal shows.
    final class TerminalSession: Sendable {
        let process: Process
        let master: Int32
        let screen = Locked("")

        init(_ arguments: [String], environment: [String: String]) throws {
            var master: Int32 = -1
            var slave: Int32 = -1
            guard openpty(&master, &slave, nil, nil, nil) == 0 else { throw TestChargerError.closed }
            self.master = master
            let process = Process()
            process.executableURL = ServerProcess.binary("ocpp-ctl")
            process.arguments = arguments
            var merged = ProcessInfo.processInfo.environment
            merged["TERM"] = "xterm"
            for (key, value) in environment { merged[key] = value }
            process.environment = merged
            let terminal = FileHandle(fileDescriptor: slave, closeOnDealloc: false)
            process.standardInput = terminal
            process.standardOutput = terminal
            process.standardError = terminal
            try process.run()
            close(slave)
            self.process = process
            let screen = self.screen
            let fd = master
            Thread.detachNewThread {
                var buffer = [UInt8](repeating: 0, count: 4096)
                while true {
                    let count = read(fd, &buffer, buffer.count)
                    if count <= 0 { break }
                    let text = String(decoding: buffer[0..<count], as: UTF8.self)
                    screen.withLock { $0 += text }
                }
            }
        }

        func type(_ text: String) {
            var bytes = Array(text.utf8)
            _ = write(master, &bytes, bytes.count)
        }

        /// Waits until the screen shows `text` `count` times.
        func waitFor(_ text: String, count: Int = 1, seconds: Double = 10) async throws {
            let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
            while screen.withLock({ $0.components(separatedBy: text).count - 1 }) < count {
                if ContinuousClock.now > deadline {
                    Issue.record("the terminal never showed \(text) x\(count): \(screen.withLock { $0 })")
                    return
                }
                try await Task.sleep(for: .milliseconds(20))
            }
        }

        func finish() async -> Int32? {
            let exit = await ServePolicyTests.waitForExit(process, seconds: 10)
            close(master)
            return exit?.status
        }
    }

    @Test(.serialized, arguments: TestStore.allCases) func aTypedCommandTabCompletionAndHistoryAcrossRuns(store: TestStore) async throws {
        let server = try await ServerProcess(store: store)
        let charger = try await RespondingCharger.start(server.url, id: "SHELL-CHARGER-7") { _, _ in .result(["status": "Accepted"]) }
        let history = server.directory.appendingPathComponent("state/history").path
        let environment = ["OCPP_CTL_HISTORY": history]

        let first = try TerminalSession(["--socket", server.socketPath, "shell"], environment: environment)
        try await first.waitFor("ocpp> ")
        // "SHELL-CH" + Tab completes to the only connected charger with that prefix.
        first.type("clear-cache SHELL-CH\t\r")
        try await first.waitFor("SHELL-CHARGER-7 ClearCache Accepted")
        try await first.waitFor("ocpp> ", count: 2)
        first.type("exit\r")
        #expect(await first.finish() == 0)
        #expect(charger.calls.map(\.action) == ["ClearCache"])
        let saved = (try? String(contentsOfFile: history, encoding: .utf8)) ?? ""
        #expect(saved.contains("clear-cache SHELL-CHARGER-7"), "history file: \(saved)")

        // A new shell: Up arrow twice (past `exit`) brings the command back; Ctrl-D leaves.
        let second = try TerminalSession(["--socket", server.socketPath, "shell"], environment: environment)
        try await second.waitFor("ocpp> ")
        second.type("\u{1B}[A\u{1B}[A\r")
        try await second.waitFor("SHELL-CHARGER-7 ClearCache Accepted")
        try await second.waitFor("ocpp> ", count: 2)
        second.type("\u{04}")
        #expect(await second.finish() == 0)
        #expect(charger.calls.map(\.action) == ["ClearCache", "ClearCache"])
        await charger.stop()
        _ = await server.stop()
    }

    @Test func wordsSplitLikeAShell() throws {
        let line = #"call CP01 DataTransfer '{"vendorId":"X"}' "two words" a\ b"#
        #expect(try ShellWords.split(line) == ["call", "CP01", "DataTransfer", #"{"vendorId":"X"}"#, "two words", "a b"])
    }
}
