import Exposition
import AsyncHTTPClient
import Hummingbird
import Intake
import KubeWatch
import Logging
import ServerSupport
import SednaCatalog
import ServiceLifecycle

/// Wires the exporter: Kubernetes client, reflectors, inventory, HTTP server, all in one
/// ServiceGroup with graceful shutdown on SIGTERM and SIGINT.
public enum ExporterApp {
    public static func run(_ config: ExporterConfiguration, logger: Logger) async throws {
        let problems = config.problems()
        guard problems.isEmpty else { throw ConfigurationError(problems: problems) }
        let connection = try KubeConfigLoader.load(path: config.kubeconfig, context: config.context)
        logger.info("connecting to the Kubernetes API", metadata: [
            "server": "\(connection.redacted)", "resources": "\(config.resources.count)",
            "namespaces": "\(config.namespaces.isEmpty ? "all" : config.namespaces.sorted().joined(separator: ","))",
            "shard": "\(config.shard)/\(config.totalShards)",
        ])
        let client = try KubeClient(connection: connection, pageSize: config.pageSize,
                                    bodyTimeout: .milliseconds(Int64(config.apiBodyTimeout * 1_000)))
        let inventory = Inventory(filter: ObjectFilter(namespaces: config.namespaces, shard: config.shard,
                                                       totalShards: config.totalShards))
        let stats = WatchStats()
        var intakeRoutes: IntakeRoutes? = nil
        var intake: IntakeService? = nil
        var forwarder: HTTPClient? = nil
        if let ic = config.intake {
            let store = IntakeStore(limits: ic.limits, unboundExpiry: ic.unboundExpiry,
                                    hold: HeldReports(maxCount: ic.holdMax, maxAge: ic.holdSeconds))
            let service = IntakeService(store: store, directory: inventory, observer: IntakeRoutes.logIngestion(logger))
            // Reports and groups go with their task or pod; held reports are tied once it is watched.
            inventory.onRemoval { id in service.removed(id) }
            inventory.onAddition(HeldReportRetry(service: service).schedule)
            if ic.forwardLC != nil { forwarder = HTTPClient(eventLoopGroupProvider: .singleton) }
            intakeRoutes = IntakeRoutes(service: service, config: ic, forwarder: forwarder, logger: logger)
            intake = service
        }
        defer { if let forwarder { Task { try? await forwarder.shutdown() } } }
        let webhookCounters = config.webhook == nil ? nil : WebhookCounters()
        let tracker = RelayTracker()
        let endpoint = MetricsEndpoint(inventory: inventory, stats: stats, resources: config.resources, intake: intake,
                                       webhook: webhookCounters)
        let sink: any ObjectSink = config.webhook == nil ? inventory : TrackingSink(inner: inventory, tracker: tracker)
        let supervisor = WatchSupervisor(client: client, sink: sink, stats: stats, logger: logger,
                                         resources: config.resources, discoveryInterval: config.discoveryInterval,
                                         watchTimeout: config.watchTimeout)
        var limits = config.http
        if let ic = config.intake { limits.maxBodyBytes = ic.limits.maxBodyBytes }
        let rejections = HTTPRejections()
        endpoint.httpRejections = rejections
        let bodyGuard = HostileClientGuard<ExporterRequestContext>(limits: limits, rejections: rejections) { request in
            request.method != .get && request.method != .head
        }
        let app = Application(router: ExporterRouter.build(endpoint: endpoint, intake: intakeRoutes, bodyGuard: bodyGuard,
                                                                 links: config.statusLinks),
                              server: limits.serverBuilder(rejections: rejections),
                              configuration: .init(address: .hostname(config.host, port: config.port), serverName: "sedna-exporter",
                                                   availableConnectionsDelegate: limits.connectionCap(rejections: rejections)),
                              logger: logger)
        var services: [any Service] = [app, WatchService(supervisor: supervisor, client: client)]
        if let wc = config.webhook, let webhookCounters {
            services.append(try WebhookServer.makeApplication(wc, tracker: tracker, counters: webhookCounters, logger: logger))
            logger.info("admission webhook listening", metadata: ["address": "\(wc.host):\(wc.port)", "cert": "\(wc.certFile)"])
        }
        let group = ServiceGroup(configuration: .init(
            services: services,
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await group.run()
    }
}

/// The reflectors as a lifecycle Service: cancelled on graceful shutdown, then the HTTP client
/// is shut down.
struct WatchService: Service {
    let supervisor: WatchSupervisor
    let client: KubeClient

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await supervisor.run()
        }
        await client.shutdown()
    }
}
