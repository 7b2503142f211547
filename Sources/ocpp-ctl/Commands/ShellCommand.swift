import ArgumentParser
import Foundation
import NIOHTTP1
import Shared

/// `shell`: an interactive shell (readline: line editing, persistent history, completion of commands and connected
/// charger ids) accepting every ocpp-ctl command.
struct ShellCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shell",
        abstract: "Interactive shell: every command above, with history, line editing and completion of commands and connected charger ids.",
        discussion: """
            History is kept in $OCPP_CTL_HISTORY, else $XDG_STATE_HOME/ocpp-ctl/history, else ~/.ocpp_ctl_history. \
            Type `help` for the commands, `exit` or Ctrl-D to leave. Options given to `ocpp-ctl shell` (--socket, \
            --json, --timeout, --url, --token) apply to every command typed.
            """
    )

    @OptionGroup(visibility: .hidden) var globals: GlobalOptions

    func run() async throws {
        let editor = LineEditor(historyPath: Self.historyPath(), words: Self.commandWords)
        let client = globals.client
        let prefix = globals.arguments
        var lastStatus: Int32 = 0
        await refreshChargers(editor, client)
        while let line = editor.readLine(prompt: "ocpp> ") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            editor.remember(trimmed)
            if trimmed == "exit" || trimmed == "quit" { break }
            let words: [String]
            do {
                words = try ShellWords.split(trimmed)
            } catch {
                var err = StandardError()
                print("ocpp-ctl: \(error)", to: &err)
                continue
            }
            if words == ["help"] {
                Output.line(OcppCtlCommand.helpMessage())
                continue
            }
            if words.first == "shell" { continue }
            lastStatus = await OcppCtlCommand.execute(prefix + words)
            if lastStatus != 0 {
                var err = StandardError()
                print("(exit \(lastStatus))", to: &err)
            }
            await refreshChargers(editor, client)
        }
        editor.save()
    }

    /// Completion offers the ids of connected chargers, asked from the server (silently skipped when it is down).
    private func refreshChargers(_ editor: LineEditor, _ client: ControlClient) async {
        guard let bytes = try? await client.send(.GET, ControlAPI.chargers(connectedOnly: true)),
            let chargers = try? JSONDecoder().decode([ChargerSummary].self, from: Data(bytes))
        else { return }
        editor.setChargerIDs(chargers.map(\.id))
    }

    static var commandWords: [String] {
        OcppCtlCommand.configuration.subcommands.compactMap { $0.configuration.commandName }.filter { $0 != "shell" }
            + ["help", "exit", "get", "set", "list", "add", "block", "remove", "create", "revoke", "clear", "version", "send", "assign", "unassign"]
    }

    static func historyPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let path = environment["OCPP_CTL_HISTORY"], !path.isEmpty { return path }
        if let state = environment["XDG_STATE_HOME"], !state.isEmpty { return state + "/ocpp-ctl/history" }
        return (environment["HOME"] ?? ".") + "/.ocpp_ctl_history"
    }
}
