import ArgumentParser
import CSQLiteTuning
import Foundation
import Hummingbird
import Logging
import Metrics
import Prometheus
import ServiceLifecycle
import Shared
import UnixSignals

@main
struct OcppServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ocpp-serve",
        abstract: "The OCPP 1.6J central system: chargers connect over WebSocket; every message is answered and stored in SQLite or PostgreSQL.",
        discussion: """
            Chargers connect to ws://HOST:PORT/<any path>/<chargePointId> offering the subprotocol ocpp1.6.
            A refused handshake gets HTTP 400 (the log says why); GET /health on the same port answers "ok".
            Security profile 1: a charger with a password (ocpp-ctl charger password set|rotate) must send HTTP Basic
            credentials (user = charge point id, password = its AuthorizationKey, as raw bytes or hex text); a refusal
            is HTTP 401 with WWW-Authenticate: Basic realm="ocpp". Keys are stored hashed (PBKDF2-HMAC-SHA256).
            Security profiles 2 and 3: with --tls-cert and --tls-key a second, wss:// port (--tls-listen) serves chargers \
            over TLS 1.2+; --listen stays the plain ws port. A charger's profile (ocpp-ctl charger security ID --profile \
            N) or the server minimum (--security-profile) decides, with no fallback: at 2 or 3 a plain-ws handshake gets \
            401; at 3 the charger must present a client certificate issued by --tls-client-ca, within its dates, whose \
            subject CN is the charge point id (Basic credentials are then not needed). Certificates are requested, not \
            required, at the TLS level, so profile-2 and profile-3 chargers share the wss port; a presented certificate \
            that fails is refused (401) whatever the profile. Every refusal is logged once with the reason and counted \
            (ocpp_connections_refused_total, reason auth, transport, certificate or tls). SIGHUP re-reads --tls-cert, \
            --tls-key and --tls-client-ca for new handshakes (connected chargers stay); a file that does not load keeps \
            the previous ones and logs an error. With --tls-cert, --http is served over https with the same certificate.
            Transaction messages are acknowledged only after they are committed (group commit, WAL).
            PostgreSQL (--db postgres://...): the same tables and migrations; if the database goes away while the \
            server runs, chargers stay connected, Heartbeats and statuses are still answered, transaction messages \
            wait unanswered while the writer retries (chargers time out and retry; repeats are recognised), the outage \
            is logged once, published as store-unavailable/store-available events and shown as ocpp_store_up; the \
            server reconnects by itself.
            Messages are answered in order, one at a time per charger; a message over --max-message closes the
            socket with 1009, a charger that has not answered the previous ping by the next one with 1001.
            SIGINT/SIGTERM: stop accepting, close chargers with 1001 "server shutting down", commit what is queued, exit 0.
            Limits (ocpp-ctl agent/group/limit/explain): the server arbitrates the agents' limits, shares each group's
            capacity between its charging sessions, keeps the result on the chargers as charging profiles (ids 90000
            and up, stack level 8; sent again after a reboot or reconnect) and flags a charger whose meter values stay
            above an accepted limit for longer than --limit-grace (event limit-ignored).
            Settings come from flags, else from --config FILE (YAML, keys named like the flags), else defaults.
            Alerts (config file only, section alerts:): fault (a connector Faulted or with an error code), offline
            (disconnected or silent longer than offline-after, default 5m; resolved when back), handshake (a refused
            WebSocket handshake or a Rejected BootNotification), limit (limit-rejected, limit-ignored),
            stale-transaction (open longer than stale-transaction-after, default 24h), reboot-loop (reboots boots,
            default 3, within reboot-window, default 10m), command-timeout. One alert per problem while it lasts, a
            resolved message when it clears (rules without a clearing event: after quiet-after, default 1h, without a
            repeat); open alerts are kept in the database, so a restart does not send them again. Sinks: exec (command
            run by /bin/sh -c, the alert as JSON on stdin and as OCPP_ALERT_* variables; exit 0 = delivered) and
            webhook (POST JSON; attempts, default 3, with doubling back-off from retry-delay, default 1 s), each with
            timeout (default 10 s), max-per-minute (default 20; what is over is summarised once the minute allows)
            and filters rules: [...] and groups: [...]. Sinks never hold up chargers; failures are logged and counted
            (ocpp-ctl alerts --json). Durations: seconds or 30s, 5m, 2h, 1d. Example in README.md.
            Several nodes (PostgreSQL only): every ocpp-serve on one database is a node (--node-id) with its own \
            charger port and control socket. A node holds the chargers connected to it by leases (--lease-seconds); a \
            charger reconnecting to another node is taken over and its old socket closed; a command through any node \
            reaches the charger on whichever node holds it (remote_commands table + LISTEN/NOTIFY) with the same output \
            and exit code; events --follow on any node shows every node's events; one node, elected by a PostgreSQL \
            advisory lock, re-balances limits and does the housekeeping. scripts/run-cluster.sh shows two nodes.
            """,
        version: ToolkitVersion.current
    )

    @Option(help: "Address to listen on for chargers (HOST:PORT; port 0 picks a free port and prints it). (default: 0.0.0.0:9000)")
    var listen: String?

    @Option(help: "SQLite database file or postgres://user[:password]@host[:port]/db, created and migrated on start. Environment: OCPP_DB. (default: ocpp.sqlite)")
    var db: String?

    @Option(
        help: """
            Control socket for ocpp-ctl (mode 0660, removed on exit, a stale one replaced); 'none' disables it. \
            Environment: OCPP_SOCKET. (default: $XDG_RUNTIME_DIR/ocpp-serve.sock, else /tmp/ocpp-serve-UID.sock)
            """
    )
    var socket: String?

    @Option(help: "Serve the control commands as a JSON REST API on HOST:PORT for remote agents (bearer tokens from `ocpp-ctl token create`); https with --tls-cert. Off unless given.")
    var http: String?

    @Option(help: "YAML config file; flags win over it.")
    var config: String?

    @Option(help: "Heartbeat interval in seconds sent to accepted chargers. (default: 300)")
    var heartbeatInterval: Int?

    @Option(help: "Interval in seconds sent with a Pending or Rejected BootNotification answer. (default: 60)")
    var retryInterval: Int?

    @Option(help: "Policy for chargers not in the database: accept, pending, reject. (default: accept)")
    var unknownChargers: String?

    @Option(help: "Policy for id tags not in the tag list: accept, reject. (default: reject)")
    var unknownTags: String?

    @Option(
        help: """
            Lowest security profile any charger may connect with: 0 (plain ws allowed), 1 (HTTP Basic required of every \
            charger; unknown chargers get 401), 2 (wss and HTTP Basic; every plain-ws handshake gets 401) or 3 (wss and \
            a client certificate). A charger's own profile (ocpp-ctl charger security ID --profile N) applies when it is \
            higher; a charger given a password must use it either way. 2 and 3 need --tls-cert, 3 --tls-client-ca. (default: 0)
            """
    )
    var securityProfile: Int?

    @Option(help: "Address of the wss (TLS) port for chargers, beside the plain --listen port; port 0 picks a free port. (default with --tls-cert: 0.0.0.0:9443)")
    var tlsListen: String?

    @Option(
        help: """
            Server certificate (PEM, leaf first, then intermediates) for wss:// chargers and https on --http. \
            TLS 1.2 or 1.3; for TLS 1.2 the OCPP whitepaper's suites (ECDHE-ECDSA/ECDHE-RSA/RSA with AES-GCM). \
            Re-read with --tls-key and --tls-client-ca on SIGHUP. Needs --tls-key.
            """
    )
    var tlsCert: String?

    @Option(help: "Private key (PEM) of --tls-cert; keep it readable by the server's user only.")
    var tlsKey: String?

    @Option(
        help: """
            CA certificates (PEM) that issue charger client certificates (security profile 3). A certificate is requested \
            at every wss handshake, not required: a charger at profile 3 must present one that chains to this CA, is \
            within its validity dates and whose subject CN is the charge point id; others may present none.
            """
    )
    var tlsClientCa: String?

    @Option(help: "Accept this charger id without a subprotocol offer, as OCPP 1.6 ('*' for all). Repeatable.")
    var acceptWithoutSubprotocol: [String] = []

    @Option(help: "Seconds between server WebSocket pings; a charger that has not answered one by the next is closed. 0 disables. (default: 30)")
    var pingInterval: Int?

    @Option(help: "Mark a connected charger offline after this many heartbeat intervals of silence. (default: 3)")
    var offlineAfter: Int?

    @Option(help: "Days raw frames are kept; 0 keeps them forever. (default: 90)")
    var frameRetentionDays: Int?

    @Option(help: "Payload validation of what chargers send: lenient (repair vendor quirks) or strict. (default: lenient)")
    var validation: String?

    @Option(help: "Largest WebSocket message accepted (fragments joined), in bytes; larger closes the socket with 1009. (default: 1048576)")
    var maxMessage: Int?

    @Option(help: "DataTransfer vendorId answered Accepted (others get UnknownVendorId). Repeatable.")
    var dataTransferVendor: [String] = []

    @Option(help: "SQLite durability: full (fsync per commit) or normal (survives a crash, not a power loss). (default: full)")
    var sync: String?

    @Option(
        help: "Least milliseconds between the starts of two SQLite commits: fewer, larger group commits cost less CPU at moderate rates, and an acknowledgement waits up to this much longer. (default: 0, commit as soon as the previous commit ends)"
    )
    var commitInterval: Int?

    @Option(help: "Seconds (by the charger's own sample times) a charger may draw above a limit it accepted before it is flagged limit-ignored. (default: 60)")
    var limitGrace: Int?

    @Option(help: "Prometheus metrics (GET /metrics on --http and the control socket): on or off. (default: on)")
    var metrics: String?

    @Option(
        help: "Connected chargers that get per-charger gauges (power, current, SoC, energy register) at once, bounding the series; 0: none. (default: 1000)"
    )
    var metricsChargers: Int?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical. (default: info)")
    var logLevel: String?

    @Option(
        help: """
            CA certificate (PEM) that signs chargers' certificate signing requests (SignCertificate, security extension); \
            with --csr-ca-key. Without them SignCertificate is answered Rejected.
            """
    )
    var csrCaCert: String?

    @Option(help: "Private key (PEM: PKCS#8, SEC1 or PKCS#1) of --csr-ca-cert.")
    var csrCaKey: String?

    @Option(help: "Days a certificate signed for a charger is valid. (default: 365)")
    var csrValidityDays: Int?

    @Option(help: "CPO name: a charger's CSR must carry it as O (its CN must be the charge point id). Unchecked unless given.")
    var cpoName: String?

    @Option(
        name: .customLong("node-id"),
        help: """
            This node's name among several ocpp-serve nodes on one PostgreSQL (1-64 letters, digits, '.', '_', ':', '-'). \
            PostgreSQL only. (default: HOSTNAME-PORT of --listen, or HOSTNAME-<random> with port 0)
            """
    )
    var nodeID: String?

    @Option(
        help: """
            Seconds a node's hold on its chargers lasts without renewal (renewed every third of it); a dead node's \
            chargers count as offline, and commands stop being routed to it, after this. PostgreSQL only. (default: 15)
            """
    )
    var leaseSeconds: Int?

    /// Flags over the config file over defaults; a bad value is a usage error naming the fix.
    func resolve() throws -> ServerConfiguration {
        var c = ServerConfiguration()
        var file = ConfigFile()
        if let path = config {
            do { file = try ConfigFile.load(path: path) } catch { throw ValidationError("--config: \(error.description)") }
        }
        if let listen = listen ?? file.listen {
            guard let address = ServerConfiguration.Address(parsing: listen) else {
                throw ValidationError("--listen expects HOST:PORT, e.g. 0.0.0.0:9000 (got \(listen))")
            }
            c.host = address.host
            c.port = address.port
        }
        if let http = http ?? file.http {
            guard let address = ServerConfiguration.Address(parsing: http) else {
                throw ValidationError("--http expects HOST:PORT, e.g. 127.0.0.1:8080 (got \(http))")
            }
            c.http = address
        }
        if let path = socket ?? file.socket ?? ProcessInfo.processInfo.environment["OCPP_SOCKET"] {
            guard path == "none" || path.utf8.count < 104 else { throw ValidationError("--socket path is too long for a Unix socket (max 103 bytes)") }
            c.socketPath = path == "none" ? nil : path
        }
        if let path = db ?? file.db ?? ProcessInfo.processInfo.environment["OCPP_DB"] {
            do { _ = try StoreLocation(parsing: path) } catch { throw ValidationError(error.description) }
            c.databasePath = path
        }
        if let v = heartbeatInterval ?? file.heartbeatInterval {
            guard v > 0 else { throw ValidationError("--heartbeat-interval must be a positive number of seconds") }
            c.heartbeatInterval = v
        }
        if let v = retryInterval ?? file.retryInterval { c.retryInterval = max(0, v) }
        if let v = unknownChargers ?? file.unknownChargers {
            guard let p = ServerConfiguration.UnknownChargerPolicy(rawValue: v) else {
                throw ValidationError("--unknown-chargers expects accept, pending or reject (got \(v))")
            }
            c.unknownChargers = p
        }
        if let v = unknownTags ?? file.unknownTags {
            guard let p = ServerConfiguration.UnknownTagPolicy(rawValue: v) else {
                throw ValidationError("--unknown-tags expects accept or reject (got \(v))")
            }
            c.unknownTags = p
        }
        let certificate = tlsCert ?? file.tlsCert
        let key = tlsKey ?? file.tlsKey
        let clientCA = tlsClientCa ?? file.tlsClientCa
        switch (certificate, key) {
        case (let certificate?, let key?):
            c.tlsFiles = ChargerTLS.Files(certificate: certificate, key: key, clientCA: clientCA)
            c.tlsListen = ServerConfiguration.Address(parsing: "0.0.0.0:9443")
        case (nil, nil):
            if clientCA != nil { throw ValidationError("--tls-client-ca needs --tls-cert and --tls-key (the wss port)") }
        default:
            throw ValidationError("--tls-cert and --tls-key go together: give both PEM files")
        }
        if let tlsListen = tlsListen ?? file.tlsListen {
            guard c.tlsFiles != nil else { throw ValidationError("--tls-listen needs --tls-cert and --tls-key") }
            guard let address = ServerConfiguration.Address(parsing: tlsListen) else {
                throw ValidationError("--tls-listen expects HOST:PORT, e.g. 0.0.0.0:9443 (got \(tlsListen))")
            }
            c.tlsListen = address
        }
        if let v = securityProfile ?? file.securityProfile {
            guard (0...3).contains(v) else { throw ValidationError("--security-profile expects 0, 1, 2 or 3 (got \(v))") }
            if v >= 2 && c.tlsFiles == nil { throw ValidationError("--security-profile \(v) needs --tls-cert and --tls-key (wss)") }
            if v == 3 && c.tlsFiles?.clientCA == nil { throw ValidationError("--security-profile 3 needs --tls-client-ca (client certificates)") }
            c.securityProfile = v
        }
        c.acceptWithoutSubprotocol = Set(acceptWithoutSubprotocol.isEmpty ? (file.acceptWithoutSubprotocol ?? []) : acceptWithoutSubprotocol)
        if let v = pingInterval ?? file.pingInterval { c.pingInterval = max(0, v) }
        if let v = offlineAfter ?? file.offlineAfter {
            guard v > 0 else { throw ValidationError("--offline-after must be at least 1 heartbeat interval") }
            c.offlineAfterHeartbeats = v
        }
        if let v = frameRetentionDays ?? file.frameRetentionDays { c.frameRetentionDays = max(0, v) }
        if let v = validation ?? file.validation {
            guard let mode = ValidationMode(rawValue: v) else { throw ValidationError("--validation expects lenient or strict (got \(v))") }
            c.validation = mode
        }
        if let v = maxMessage ?? file.maxMessage {
            guard v >= 1024 else { throw ValidationError("--max-message must be at least 1024 bytes") }
            c.maxMessageBytes = v
        }
        c.dataTransferVendors = Set(dataTransferVendor.isEmpty ? (file.dataTransferVendors ?? []) : dataTransferVendor)
        if let v = sync ?? file.sync {
            guard let mode = ServerConfiguration.SyncMode(rawValue: v) else { throw ValidationError("--sync expects full or normal (got \(v))") }
            c.sync = mode
        }
        if let v = commitInterval ?? file.commitInterval {
            guard (0...1000).contains(v) else { throw ValidationError("--commit-interval expects 0 to 1000 milliseconds (got \(v))") }
            c.commitInterval = .milliseconds(v)
        }
        if let v = limitGrace ?? file.limitGrace {
            guard (0...86_400).contains(v) else { throw ValidationError("--limit-grace expects 0 to 86400 seconds (got \(v))") }
            c.limitGraceSeconds = v
        }
        if let v = metrics ?? file.metrics {
            guard v == "on" || v == "off" else { throw ValidationError("--metrics expects on or off (got \(v))") }
            c.metrics = v == "on"
        }
        if let v = metricsChargers ?? file.metricsChargers {
            guard v >= 0 else { throw ValidationError("--metrics-chargers must be 0 or more") }
            c.metricsChargers = v
        }
        if let alerts = file.alerts { c.alerts = alerts }
        switch (csrCaCert ?? file.csrCaCert, csrCaKey ?? file.csrCaKey) {
        case (let certificate?, let key?):
            c.csrCACertPath = certificate
            c.csrCAKeyPath = key
        case (nil, nil): break
        default: throw ValidationError("--csr-ca-cert and --csr-ca-key go together: give both files, or neither")
        }
        if let v = csrValidityDays ?? file.csrValidityDays {
            guard (1...36_500).contains(v) else { throw ValidationError("--csr-validity-days expects 1 to 36500 days (got \(v))") }
            c.csrValidityDays = v
        }
        if let v = cpoName ?? file.cpoName {
            guard !v.isEmpty, v.count <= 64 else { throw ValidationError("--cpo-name expects 1 to 64 characters") }
            c.cpoName = v
        }
        let nodeID = nodeID ?? file.nodeId
        let leaseSeconds = leaseSeconds ?? file.leaseSeconds
        if nodeID != nil || leaseSeconds != nil {
            guard c.database.isPostgres else {
                throw ValidationError("--node-id and --lease-seconds need several nodes on one database: give --db postgres://..., or drop them (SQLite is one node)")
            }
        }
        if let v = nodeID {
            guard ClusterSettings.isValidNodeID(v) else {
                throw ValidationError("--node-id expects 1 to 64 letters, digits, '.', '_', ':' or '-' (got \(v))")
            }
            c.nodeID = v
        }
        if let v = leaseSeconds {
            guard (3...3600).contains(v) else { throw ValidationError("--lease-seconds expects 3 to 3600 seconds (got \(v))") }
            c.leaseSeconds = v
        }
        if let v = logLevel ?? file.logLevel {
            guard Logger.Level(rawValue: v) != nil else { throw ValidationError("--log-level expects trace, debug, info, notice, warning, error or critical") }
            c.logLevel = v
        }
        return c
    }

    func run() async throws {
        let configuration = try resolve()
        ControlSocket.denyOthers()
        let level = Logger.Level(rawValue: configuration.logLevel) ?? .info
        LoggingSystem.bootstrap { LineLogHandler(label: $0, level: level) }
        let logger = Logger(label: "ocpp-serve")
        let server = try await ServerAssembly(configuration: configuration, logger: logger, metricsRegistry: Self.bootstrapMetrics(configuration))
        try await server.run()
    }

    /// The process's one `MetricsSystem.bootstrap` (a second one traps; tests never call it: they start this binary).
    /// Nil with `--metrics off`: every metric stays swift-metrics' no-op.
    static func bootstrapMetrics(_ configuration: ServerConfiguration) -> PrometheusCollectorRegistry? {
        guard configuration.metrics else { return nil }
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = ServerMetrics.latencyBuckets
        factory.valueHistogramBuckets = [ServerMetrics.storeBatchSize: ServerMetrics.batchBuckets]
        MetricsSystem.bootstrap(factory)
        return registry
    }

    /// ArgumentParser exits 64 on usage errors; the toolkit's contract says 2 (cli.md).
    static func main() async {
        // Two malloc arenas, set before threads allocate: with glibc's default (8 per core) memory freed by one thread
        // after a connect burst stayed in another's arena, about 0.5 KiB of RSS per idle charger at 10 000 (BENCHMARKS.md).
        _ = ocpp_malloc_limit_arenas(2)
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch where exitCode(for: error) == .validationFailure {
            var err = StandardError()
            print(UsageError.line(tool: "ocpp-serve", message: message(for: error)), to: &err)
            Self.exit(withError: ExitCode(2))
        } catch {
            Self.exit(withError: error)
        }
    }
}
