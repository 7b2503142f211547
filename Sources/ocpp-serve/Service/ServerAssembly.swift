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
    /// PostgreSQL: this server is one node of possibly several on the database (issue 18); nil on SQLite.
    let cluster: ClusterNode?

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
        if case .postgres(let location) = configuration.database {
            cluster = ClusterNode(
                settings: ClusterSettings(configuration: configuration), location: location, database: database, registry: registry, events: events,
                logger: logger
            )
        } else {
            cluster = nil
        }
    }

    func run() async throws {
        // Compile the OCPP schemas now rather than while the first charger waits for its answer.
        _ = OCPPSchemas.v16.count
        let commander = ChargerCommander(
            registry: registry, writer: writer, events: events, database: database, logger: logger, metrics: metrics, cluster: cluster
        )
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
            cluster: cluster, logger: logger
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
        var housekeeping = Housekeeping(registry: registry, writer: writer, events: events, configuration: configuration, logger: logger)
        if let cluster {
            housekeeping.isLeader = { cluster.isLeader }
            try await join(cluster, commander: commander, limits: limits, credentials: credentials)
            await alerts.setCluster(
                AlertEngine.ClusterHooks(
                    isLeader: { cluster.isLeader }, connectedAnywhere: { Set(((try? await cluster.liveLeases()) ?? [:]).keys) }
                )
            )
        }
        // The limit manager before the charger port: it is subscribed to events before the first charger connects.
        // The cluster node right after the writer: it stops after the charger ports, whose closing releases leases.
        var services: [any Service] = [writer] + (checkpointer.map { [$0] } ?? []) + (cluster.map { [$0] } ?? [])
        services += [housekeeping, limits, alerts] + chargerPorts
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

    /// Several nodes: what the cluster node does with the server's parts (commands from other nodes, shared state
    /// changed elsewhere, leadership), and what they tell it; then the node is recorded, before chargers connect.
    private func join(_ cluster: ClusterNode, commander: ChargerCommander, limits: LimitManager, credentials: ChargerCredentials) async throws {
        let (database, logger) = (self.database, self.logger)
        cluster.install { handlers in
            handlers.runCommand = { chargerID, request in
                do throws(ControlError) {
                    return RemoteCommand.Outcome(
                        result: try await commander.send(
                            to: chargerID, action: request.action, payload: request.payload, timeout: request.timeout, validate: request.validate,
                            origin: request.origin, routed: false
                        )
                    )
                } catch {
                    return RemoteCommand.Outcome(error: error)
                }
            }
            handlers.refresh = { topic in
                do {
                    if topic == "limits" || topic == "all" { try await limits.refreshFromDatabase() }
                    if topic == "credentials" || topic == "all" { try await credentials.refresh(from: database) }
                } catch {
                    logger.warning("shared state not refreshed", metadata: ["topic": "\(topic)", "error": "\(String(describing: error))"])
                }
            }
            handlers.leadership = { leader in
                guard leader else { return }
                do { try await limits.becameLeader() } catch {
                    logger.warning("limits not loaded by the new leader", metadata: ["error": "\(String(describing: error))"])
                }
            }
        }
        await limits.setCluster(
            LimitManager.ClusterHooks(
                isLeader: { cluster.isLeader }, isConnected: { await cluster.holder(of: $0) != nil }, changed: { await cluster.announce("limits") }
            )
        )
        credentials.onChange { await cluster.announce("credentials") }
        do { try await cluster.prepare() } catch { throw ServerStartError("cannot join the cluster as node \(cluster.nodeID): \(error)") }
    }

    /// The control plane: the Unix socket for ocpp-ctl, the HTTP API when asked for, and the closer that ends their
    /// long-lived requests at shutdown.
    private func controlServices(
        commander: ChargerCommander, limits: LimitManager, alerts: AlertEngine, credentials: ChargerCredentials, tls: ChargerTLS?
    ) throws -> [any Service] {
        let queries = ControlQueries(database: database, registry: registry, cluster: cluster)
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
