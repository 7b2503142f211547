import Shared

/// Everything ocpp-serve can be told, from flags and the config file; defaults are documented in man/ocpp-serve.1.
struct ServerConfiguration: Sendable, Equatable {
    enum UnknownChargerPolicy: String, Sendable, CaseIterable {
        case accept, pending, reject

        var registration: String {
            switch self {
            case .accept: "Accepted"
            case .pending: "Pending"
            case .reject: "Rejected"
            }
        }
    }

    enum UnknownTagPolicy: String, Sendable, CaseIterable {
        case accept, reject
    }

    enum SyncMode: String, Sendable, CaseIterable {
        /// fsync at every commit: an acknowledged message survives power loss.
        case full
        /// WAL without fsync per commit: survives a process crash, may lose the last commits on power loss.
        case normal
    }

    var host = "0.0.0.0"
    var port = 9000
    var databasePath = "ocpp.sqlite"
    /// `databasePath` parsed: an SQLite file or a PostgreSQL URL (validated when the options are read).
    var database: StoreLocation { (try? StoreLocation(parsing: databasePath)) ?? .sqlite(path: databasePath) }
    var heartbeatInterval = 300
    /// Interval sent with a Pending or Rejected BootNotification answer: when the charger may boot again.
    var retryInterval = 60
    var unknownChargers = UnknownChargerPolicy.accept
    var unknownTags = UnknownTagPolicy.reject
    /// The lowest OCPP security profile any charger may connect with (0: plain, as before; 1: HTTP Basic required of
    /// every charger; 2: wss and Basic; 3: wss and a client certificate). A charger's registered profile
    /// (`ocpp-ctl charger security`) applies whenever it is higher.
    var securityProfile = 0
    /// The wss port (Security Profiles 2 and 3); set when `--tls-cert` is given (default 0.0.0.0:9443).
    var tlsListen: Address?
    /// Server certificate chain, key and client CA (PEM files, re-read on SIGHUP); nil: no TLS anywhere.
    var tlsFiles: ChargerTLS.Files?
    /// Charger ids accepted without a WebSocket subprotocol offer (read as OCPP 1.6); `*` accepts all.
    var acceptWithoutSubprotocol: Set<String> = []
    var pingInterval = 30
    /// A charger silent for longer than this many heartbeat intervals is marked offline.
    var offlineAfterHeartbeats = 3
    /// Seconds (of the charger's own sample times) a charger may draw above an accepted limit before `limit-ignored`.
    var limitGraceSeconds = 60
    var frameRetentionDays = 90
    var validation = ValidationMode.lenient
    var maxMessageBytes = 1 << 20
    var dataTransferVendors: Set<String> = []
    var sync = SyncMode.full
    var maxBatch = 512
    /// Least time between the starts of two commits (`StoreWriter`). Zero by default: at 1 000 msg/s, 2 ms saved no
    /// CPU and 5 ms saved a fifth of it for twice the median round trip (BENCHMARKS.md).
    var commitInterval = Duration.zero
    var logLevel = "info"
    /// `GET /metrics` and the metrics behind it; off only to measure what they cost (BENCHMARKS.md).
    var metrics = true
    /// Chargers that may have per-charger gauges (power, current, SoC, register) at once; 0: none (`ChargerMeterGauges`).
    var metricsChargers = 1000
    /// The control socket for ocpp-ctl; nil when disabled (`--socket none`).
    var socketPath: String? = ControlAPI.defaultSocketPath()
    /// The HTTP API address; off unless given.
    var http: Address?
    /// Alert rules and sinks; only from the config file.
    var alerts = AlertSettings()
    /// The CA that signs chargers' CSRs (SignCertificate); without both files SignCertificate is answered Rejected.
    var csrCACertPath: String?
    var csrCAKeyPath: String?
    /// Validity of a certificate signed for a charger.
    var csrValidityDays = 365
    /// The CPO name a CSR's O must equal (essentials §7: O = CpoName); nil: O is not checked.
    var cpoName: String?
    /// Several nodes on one PostgreSQL (`ClusterSettings`): this node's name (nil: the default) and how long its
    /// hold on a charger lasts without renewal.
    var nodeID: String?
    var leaseSeconds = 15

    struct Address: Sendable, Equatable {
        var host: String
        var port: Int

        /// `HOST:PORT` (IPv6 hosts keep their colons); nil when malformed.
        init?(parsing text: String) {
            let parts = text.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count >= 2, let port = Int(parts[parts.count - 1]), (0...65535).contains(port) else { return nil }
            host = parts.dropLast().joined(separator: ":")
            self.port = port
        }
    }


    func acceptsWithoutSubprotocol(_ chargerID: String) -> Bool {
        acceptWithoutSubprotocol.contains("*") || acceptWithoutSubprotocol.contains(chargerID)
    }
}
