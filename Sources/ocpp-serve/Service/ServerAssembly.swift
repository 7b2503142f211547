import CSQLiteTuning
import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import Prometheus
import ServiceLifecycle
import Shared
import UnixSignals

/// Wires the server's parts and runs them as one service group, in dependency order: the store writer first, the
/// WebSocket server last, so at shutdown chargers are closed first and the writer commits what is queued last.
struct ServerAssembly {
    let configuration: ServerConfiguration
    let logger: Logger
    let database: any SQLStore
    let writer: StoreWriter
    /// SQLite only: PostgreSQL checkpoints by itself.
    let checkpointer: WALCheckpointer?
    let events: EventBus
    let registry = ChargerRegistry()
    /// Where /metrics reads from; nil with `--metrics off` (never bootstrapped).
    let metricsRegistry: PrometheusCollectorRegistry?
    let metrics: ServerMetrics

    init(configuration: ServerConfiguration, logger: Logger, metricsRegistry: PrometheusCollectorRegistry? = nil) async throws {
        self.metricsRegistry = metricsRegistry
        metrics = ServerMetrics(enabled: metricsRegistry != nil)
        self.configuration = configuration
        self.logger = logger
        // Before SQLite's first use: no memory statistics, no mutex per connection (CSQLiteTuning.h, BENCHMARKS.md).
        _ = ocpp_sqlite_configure_process()
        do {
            database = try await StoreOpener.openForWriting(
                configuration.database, fullSync: configuration.sync == .full, checkpointsAutomatically: false, logger: logger
            )
            if case .sqlite(let path) = configuration.database {
                checkpointer = try WALCheckpointer(path: path, logger: logger)
            } else {
                checkpointer = nil
            }
        } catch {
            throw ServerStartError("cannot open database \(configuration.database): \(String(reflecting: error))")
        }
        let availability = StoreAvailability(logger: logger, metrics: metrics)
        writer = StoreWriter(database: database, logger: logger, maxBatch: configuration.maxBatch,
            commitSpacing: configuration.commitInterval, metrics: metrics, availability: availability)
        events = EventBus(writer: writer, logger: logger)
        availability.attach(events)
    }

    func run() async throws {
        // Compile the OCPP schemas now rather than while the first charger waits for its answer.
        _ = OCPPSchemas.v16.count
        let commander = ChargerCommander(registry: registry, writer: writer, events: events, database: database, logger: logger, metrics: metrics)
        let limits = LimitManager(
            database: database, writer: writer, commander: commander, registry: registry, events: events, logger: logger,
            graceSeconds: Int64(configuration.limitGraceSeconds)
        )
        var signer: CSRSigner?
        if let certificate = configuration.csrCACertPath, let key = configuration.csrCAKeyPath {
            do throws(CSRSigner.Refusal) {
                signer = try CSRSigner(certificatePath: certificate, keyPath: key, validityDays: configuration.csrValidityDays, cpoName: configuration.cpoName)
            } catch {
                throw ServerStartError(error.description)
            }
        }
        let centralSystem = CentralSystem(configuration: configuration, writer: writer, database: database, events: events, limits: limits, logger: logger,
            metrics: metrics, signer: signer, commander: commander)
        let credentials = ChargerCredentials(minimumProfile: configuration.securityProfile, writer: writer, logger: logger)
        do { try await credentials.load(from: database) } catch { throw ServerStartError("cannot read charger keys: \(error)") }
        var tls: ChargerTLS?
        if let files = configuration.tlsFiles {
            do { tls = try ChargerTLS(files: files, logger: logger) } catch { throw ServerStartError("\(error)") }
        }
        let endpoint = ChargerEndpoint(
            centralSystem: centralSystem, credentials: credentials, registry: registry, database: database, configuration: configuration, tls: tls,
            logger: logger
        )
        // The plain port stays open at every --security-profile: a charger that must use TLS gets a 401 naming it in
        // the log (and /health keeps answering), which tells a migrating operator which chargers still use ws://.
        let chargers = ChargerServer(endpoint: endpoint, host: configuration.host, port: configuration.port, logger: logger) { port in
            print("listening on port \(port)")
            fflush(nil)
        }
        // SIGHUP trapped now, before the ports are announced: its default action would end the process.
        var chargerPorts: [any Service] = [
            chargers, CertificateReloader(tls: tls, signals: await UnixSignalsSequence(trapping: .sighup), logger: logger),
        ]
        if let tls, let address = configuration.tlsListen {
            chargerPorts.append(
                ChargerServer(endpoint: endpoint, host: address.host, port: address.port, tls: tls, logger: logger) { port in
                    print("tls listening on port \(port)")
                    fflush(nil)
                }
            )
            logger.notice("tls", metadata: [
                "serial": "\(tls.current.serial)", "clientCA": "\(tls.files.clientCA ?? "none")",
                "minimumProfile": "\(configuration.securityProfile)",
            ])
        }
        let alerts = AlertEngine(settings: configuration.alerts, database: database, events: events, registry: registry, logger: logger)
        let housekeeping = Housekeeping(registry: registry, writer: writer, events: events, configuration: configuration, logger: logger)
        // The limit manager before the charger port: it is subscribed to events before the first charger connects.
        var services: [any Service] = [writer] + (checkpointer.map { [$0] } ?? []) + [housekeeping, limits, alerts] + chargerPorts
        services += try controlServices(commander: commander, limits: limits, alerts: alerts, credentials: credentials, tls: tls)
        let group = ServiceGroup(
            configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        )
        logger.info("starting", metadata: [
            "db": "\(configuration.database)", "sync": "\(configuration.sync.rawValue)",
            "sqliteMemoryStatistics": ocpp_sqlite_memory_statistics_enabled() == 0 ? "off" : "on",
            "sqliteConnectionMutex": ocpp_sqlite_connections_have_mutex() == 0 ? "off" : "on",
        ])
        defer { if let path = configuration.socketPath { ControlSocket.remove(path) } }
        try await group.run()
        logger.info("exited cleanly")
    }

    /// The control plane: the Unix socket for ocpp-ctl, the HTTP API when asked for, and the closer that ends their
    /// long-lived requests at shutdown.
    private func controlServices(
        commander: ChargerCommander, limits: LimitManager, alerts: AlertEngine, credentials: ChargerCredentials, tls: ChargerTLS?
    ) throws -> [any Service] {
        let queries = ControlQueries(database: database, registry: registry)
        let control = ControlRouter(
            commander: commander, queries: queries, writer: writer, events: events, limits: limits, alerts: alerts, credentials: credentials,
            logger: logger,
            maxBody: configuration.maxMessageBytes,
            metrics: metricsRegistry.map { MetricsEndpoint(registry: $0, metrics: metrics, database: database, logger: logger) }
        )
        var services: [any Service] = []
        if let path = configuration.socketPath {
            try ControlSocket.checkNotInUse(path)
            services.append(
                Application(
                    router: control.build(for: .socket),
                    configuration: .init(address: .unixDomainSocket(path: path), serverName: "ocpp-serve"),
                    onServerRunning: { [logger] _ in
                        ControlSocket.restrict(path)
                        logger.notice("control socket ready", metadata: ["socket": "\(path)"])
                    },
                    logger: logger
                )
            )
        }
        if let http = configuration.http {
            // With --tls-cert the API is https with the same certificate (reloaded with it): tokens never cross in clear.
            let server: HTTPServerBuilder =
                tls.map { tls in HTTPServerBuilder { ReloadingTLSChannel(base: HTTP1Channel(responder: $0), tls: tls) } } ?? .http1()
            services.append(
                Application(
                    router: control.build(for: .http),
                    server: server,
                    configuration: .init(address: .hostname(http.host, port: http.port), serverName: "ocpp-serve"),
                    onServerRunning: { channel in
                        print("http API listening on port \(channel.localAddress?.port ?? http.port)")
                        fflush(nil)
                    },
                    logger: logger
                )
            )
        }
        services.append(EventStreamCloser(events: events, registry: registry))
        return services
    }
}

struct ServerStartError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
