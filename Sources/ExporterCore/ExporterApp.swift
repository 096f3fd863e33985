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
            "shard": "\(config.autoSharding == nil ? "\(config.shard)/\(config.totalShards)" : "auto (StatefulSet)")",
        ])
        let client = try KubeClient(connection: connection, pageSize: config.pageSize,
                                    bodyTimeout: .milliseconds(Int64(config.apiBodyTimeout * 1_000)))
        let inventory = Inventory(filter: ObjectFilter(namespaces: config.namespaces, shard: config.shard,
                                                       totalShards: config.totalShards))
        // The shard this instance serves: fixed by --shard/--total-shards, or following the
        // StatefulSet with --auto-sharding (read by the self-metrics and the intake's forwarding).
        let shardBox = ShardAssignmentBox(shard: config.shard, total: config.totalShards)
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
        // Sharded intake: requests owned by another shard are handed to it (ShardForwarding).
        var shardForwarding: ShardForwarding? = nil
        if let peers = config.shardPeers, let intakeRoutes {
            shardForwarding = ShardForwarding(routes: intakeRoutes, directory: inventory, assignment: shardBox, peers: peers,
                                              client: ShardForwarding.makeClient(), counters: ShardForwardCounters())
        }
        defer { if let c = shardForwarding?.client { Task { try? await c.shutdown() } } }
        let webhookCounters = config.webhook == nil ? nil : WebhookCounters()
        let tracker = RelayTracker()
        let endpoint = MetricsEndpoint(inventory: inventory, stats: stats, resources: config.resources, intake: intake,
                                       webhook: webhookCounters, bodyMaxAge: .milliseconds(Int64((config.scrapeBodyMaxAge * 1000).rounded())))
        endpoint.shardAssignment = shardBox
        let sink: any ObjectSink = config.webhook == nil ? inventory : TrackingSink(inner: inventory, tracker: tracker)
        let supervisor = WatchSupervisor(client: client, sink: sink, stats: stats, logger: logger,
                                         resources: config.resources, discoveryInterval: config.discoveryInterval,
                                         watchTimeout: config.watchTimeout)
        var limits = config.http
        if let ic = config.intake { limits.maxBodyBytes = ic.limits.maxBodyBytes }
        let rejections = HTTPRejections()
        endpoint.httpRejections = rejections
        endpoint.shardForwardCounters = shardForwarding?.counters
        let bodyGuard = HostileClientGuard<ExporterRequestContext>(limits: limits, rejections: rejections) { request in
            request.method != .get && request.method != .head
        }
        // --web.config.file: TLS on the main listener, basic auth and headers on all its routes.
        let web = config.web.map { WebConfigMiddleware<ExporterRequestContext>($0, limits: limits, rejections: rejections) }
        let tls = try config.web?.tls?.channelConfiguration()
        let app = Application(router: ExporterRouter.build(endpoint: endpoint, intake: intakeRoutes, bodyGuard: bodyGuard,
                                                                 links: config.statusLinks, web: web,
                                                                 shardForwarding: shardForwarding),
                              server: try limits.serverBuilder(rejections: rejections, tls: tls),
                              configuration: .init(address: .hostname(config.host, port: config.port), serverName: "sedna-exporter",
                                                   availableConnectionsDelegate: limits.connectionCap(rejections: rejections)),
                              logger: logger)
        var services: [any Service] = [app]
        if let auto = config.autoSharding {
            services.append(try autoShardingService(auto, client: client, supervisor: supervisor, inventory: inventory,
                                                    stats: stats, box: shardBox, namespaces: config.namespaces,
                                                    watchTimeout: config.watchTimeout, logger: logger))
        } else {
            services.append(WatchService(supervisor: supervisor, client: client))
        }
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

extension ExporterApp {
    /// `--auto-sharding`: the StatefulSet watcher feeds the assignments the reflectors run under.
    static func autoShardingService(_ auto: AutoShardingConfiguration, client: KubeClient, supervisor: WatchSupervisor,
                                    inventory: Inventory, stats: WatchStats, box: ShardAssignmentBox,
                                    namespaces: Set<String>, watchTimeout: ClosedRange<Int>,
                                    logger: Logger) throws -> ReshardingWatchService {
        let pod = try AutoSharding.parsePodName(auto.podName)
        let (assignments, feed) = AsyncStream.makeStream(of: ShardAssignment.self, bufferingPolicy: .bufferingNewest(1))
        let watcher = AutoShardingWatcher(client: client.fork(), namespace: auto.namespace, pod: pod, box: box,
                                          logger: logger, watchTimeout: watchTimeout) { _ = feed.yield($0) }
        logger.info("auto-sharding: waiting for the StatefulSet's replica count", metadata: [
            "statefulset": "\(auto.namespace)/\(pod.statefulSet)", "ordinal": "\(pod.ordinal)"])
        return ReshardingWatchService(supervisor: supervisor, client: client, inventory: inventory, stats: stats,
                                      namespaces: namespaces, logger: logger, assignments: assignments,
                                      companion: { await watcher.run() })
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
