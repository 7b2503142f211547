@preconcurrency import CReadline
import Foundation
import Synchronization

/// GNU readline for `ocpp-ctl shell`: line editing, history kept in a file across runs, and tab completion of
/// command words (first word) and connected charger ids (later words).
final class LineEditor: Sendable {
    private let historyPath: String

    /// Readline's completion callback is a C function that captures nothing, so what it completes lives here.
    private static let completion = Mutex(Completion())

    private struct Completion {
        var commands: [String] = []
        var chargerIDs: [String] = []
        var matches: [String] = []
        var next = 0
    }

    init(historyPath: String, words: [String]) {
        self.historyPath = historyPath
        Self.completion.withLock { $0.commands = words.sorted() }
        try? FileManager.default.createDirectory(
            atPath: (historyPath as NSString).deletingLastPathComponent, withIntermediateDirectories: true
        )
        "ocpp-ctl".withCString { rl_readline_name = UnsafePointer(strdup($0)) }
        rl_attempted_completion_function = { text, start, _ in
            rl_attempted_completion_over = 1
            let prefix = text.map { String(cString: $0) } ?? ""
            LineEditor.completion.withLock { state in
                let pool = start == 0 ? state.commands : state.chargerIDs + state.commands
                state.matches = pool.filter { $0.hasPrefix(prefix) }
                state.next = 0
            }
            return rl_completion_matches(text) { _, _ in
                LineEditor.completion.withLock { state -> UnsafeMutablePointer<CChar>? in
                    guard state.next < state.matches.count else { return nil }
                    defer { state.next += 1 }
                    return strdup(state.matches[state.next])
                }
            }
        }
        stifle_history(1000)
        _ = read_history(historyPath)
    }

    func setChargerIDs(_ ids: [String]) {
        Self.completion.withLock { $0.chargerIDs = ids.sorted() }
    }

    /// The next line, or nil at end of input (Ctrl-D).
    func readLine(prompt: String) -> String? {
        guard let line = readline(prompt) else { return nil }
        defer { free(line) }
        return String(cString: line)
    }

    /// Adds a line to the history and writes the file, so history survives even a killed shell.
    func remember(_ line: String) {
        add_history(line)
        _ = write_history(historyPath)
    }

    func save() {
        _ = write_history(historyPath)
    }
}
