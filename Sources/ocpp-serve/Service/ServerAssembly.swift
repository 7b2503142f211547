import CSQLiteTuning
import Foundation
import Hummingbird
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
        writer = StoreWriter(database: database, logger: logger, maxBatch: configuration.maxBatch,
            commitSpacing: configuration.commitInterval, metrics: metrics)
        events = EventBus(writer: writer, logger: logger)
    }

    func run() async throws {
        // Compile the OCPP schemas now rather than while the first charger waits for its answer.
        _ = OCPPSchemas.v16.count
        let commander = ChargerCommander(registry: registry, writer: writer, events: events, database: database, logger: logger, metrics: metrics)
        let limits = LimitManager(
            database: database, writer: writer, commander: commander, registry: registry, events: events, logger: logger,
            graceSeconds: Int64(configuration.limitGraceSeconds)
        )
        let centralSystem = CentralSystem(configuration: configuration, writer: writer, database: database, events: events, limits: limits, logger: logger,
            metrics: metrics)
        let credentials = ChargerCredentials(minimumProfile: configuration.securityProfile, writer: writer, logger: logger)
        do { try await credentials.load(from: database) } catch { throw ServerStartError("cannot read charger keys: \(error)") }
        let endpoint = ChargerEndpoint(
            centralSystem: centralSystem, credentials: credentials, registry: registry, database: database, configuration: configuration, logger: logger
        )
        let chargers = ChargerServer(endpoint: endpoint, host: configuration.host, port: configuration.port, logger: logger) { port in
            print("listening on port \(port)")
            fflush(nil)
        }
        let alerts = AlertEngine(settings: configuration.alerts, database: database, events: events, registry: registry, logger: logger)
        let housekeeping = Housekeeping(registry: registry, writer: writer, events: events, configuration: configuration, logger: logger)
        // The limit manager before the charger port: it is subscribed to events before the first charger connects.
        var services: [any Service] = [writer] + (checkpointer.map { [$0] } ?? []) + [housekeeping, limits, alerts, chargers]
        services += try controlServices(commander: commander, limits: limits, alerts: alerts, credentials: credentials)
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
        commander: ChargerCommander, limits: LimitManager, alerts: AlertEngine, credentials: ChargerCredentials
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
            services.append(
                Application(
                    router: control.build(for: .http),
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
