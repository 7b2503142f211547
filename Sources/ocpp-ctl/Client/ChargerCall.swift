import ArgumentParser
import NIOHTTP1
import Shared

/// Sends one OCPP command through the server and prints the answer; the exit status says whether the charger
/// accepted (0) or not (1).
enum ChargerCall {
    static func run(_ globals: GlobalOptions, _ charger: String, _ action: OCPPAction, _ payload: JSONValue) async throws {
        let result = try await send(globals, charger, action.rawValue, payload, verbatim: false)
        Output.result(result, json: globals.json)
        if result.exitCode != 0 { throw ExitCode(result.exitCode) }
    }

    static func send(_ globals: GlobalOptions, _ charger: String, _ action: String, _ payload: JSONValue, verbatim: Bool) async throws -> CommandResult {
        let client = globals.client
        var path = ControlAPI.command(charger, action: action, timeout: client.timeout)
        if verbatim { path += "&verbatim=true" }
        let body = try await client.send(.POST, path, body: Array(payload.serialized().utf8), waitSeconds: client.timeout)
        return try ControlClient.decode(CommandResult.self, body)
    }
}
