import ArgumentParser
import Foundation
import Shared

/// Options every ocpp-ctl command takes, before or after the command name.
struct GlobalOptions: ParsableArguments {
    @Option(help: "The server's control socket. Environment: OCPP_SOCKET. (default: $XDG_RUNTIME_DIR/ocpp-serve.sock, else /tmp/ocpp-serve-UID.sock)")
    var socket: String?

    @Flag(help: "Print exactly one JSON document (or one JSON object per line for events).")
    var json = false

    @Option(help: "Seconds a charger command may wait for its turn and the charger's answer; exit 4 after that. (default: 30)")
    var timeout: Double?

    @Option(
        help: "Use the server's HTTP API at this base URL (http://HOST:PORT, https:// when ocpp-serve has --tls-cert) instead of the socket. Environment: OCPP_URL."
    )
    var url: String?

    @Option(help: "Bearer token for --url. Environment: OCPP_TOKEN.")
    var token: String?

    @Option(help: "CA certificates (PEM) to trust for an https:// --url, instead of the system's roots. Environment: OCPP_TLS_CA.")
    var tlsCa: String?

    func validate() throws {
        if let timeout, !(timeout > 0 && timeout <= ControlAPI.maxTimeout) {
            throw ValidationError("--timeout must be between 0 and \(Int(ControlAPI.maxTimeout)) seconds")
        }
    }

    var client: ControlClient {
        let environment = ProcessInfo.processInfo.environment
        let seconds = timeout ?? ControlAPI.defaultTimeout
        if let base = url ?? environment["OCPP_URL"] {
            return ControlClient(
                endpoint: .http(baseURL: base, token: token ?? environment["OCPP_TOKEN"]), timeout: seconds,
                trustedCAFile: tlsCa ?? environment["OCPP_TLS_CA"]
            )
        }
        let path = socket ?? environment["OCPP_SOCKET"] ?? ControlAPI.defaultSocketPath()
        return ControlClient(endpoint: .socket(path: path), timeout: seconds)
    }

    /// The same options as arguments, for commands typed in `ocpp-ctl shell`.
    var arguments: [String] {
        var out: [String] = []
        if let socket { out += ["--socket", socket] }
        if json { out.append("--json") }
        if let timeout { out += ["--timeout", String(timeout)] }
        if let url { out += ["--url", url] }
        if let token { out += ["--token", token] }
        if let tlsCa { out += ["--tls-ca", tlsCa] }
        return out
    }
}
