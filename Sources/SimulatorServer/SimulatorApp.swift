import Foundation
import Hummingbird
import Logging
import SednaCatalog
import ServerSupport
import ServiceLifecycle
import SimulatedCluster

/// Settings of `sedna-exporter simulate`.
public struct SimulatorConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var port = 18080
    public var seed: UInt64 = SimulatedWorld.defaultSeed
    public var tasks = 1
    public var speed = 1.0
    /// Changes a watch can resume across; older resource versions get 410 Gone.
    public var historyWindow = 5_000
    public var bookmarkInterval = 10.0
    public var maxWatchSeconds = 1_800
    /// Real seconds between simulation steps.
    public var tick = 0.5
    /// The exporter whose intake the workers' pushes go to (nil: none).
    public var intakeURL: String?
    public var intakeToken: String?
    /// The node-local relay every rewritten `LC_SERVER` resolves to (one process stands for
    /// the relay of every simulated node).
    public var relayURL: String?
    /// The capture route is installed: worker pods look as the admission webhook leaves them
    /// and their reports go to `relayURL`. Off: Sedna as released, reports go to the LC
    /// stand-in (host-network workers) or nowhere (joint inference edge workers).
    public var capture = false
    /// Seconds a worker's telemetry waits, so the exporter has seen its pod first.
    public var telemetryDelay = 2.0
    /// Nominal seconds after which the simulated operator deletes each incremental and
    /// lifelong learning job and applies it again (nil: never): a cluster of steady size for soaks.
    public var learningJobLifetime: Double?

    public init() {}
}

/// `sedna-exporter simulate`: a Kubernetes API holding a simulated Sedna cluster whose
/// control plane and workers behave as Sedna's source says (docs/simulator.md), and the LC
/// stand-in its workers report to, for demos, tests and benchmarks.
public enum SimulatorApp {
    public static func run(_ config: SimulatorConfiguration, logger: Logger) async throws {
        let api = SimulatedAPI(historyWindow: config.historyWindow, now: Date().timeIntervalSince1970)
        let ownURL = ListenAddress(host: config.host, port: config.port).httpURL
        let targets = TelemetrySender.Targets(intake: config.intakeURL, relay: config.capture ? config.relayURL : nil,
                                              localController: ownURL)
        let sender: TelemetrySender? = TelemetrySender(targets: targets, token: config.intakeToken, delay: config.telemetryDelay,
                                                       logger: logger)
        let router = Router()
        KubeAPIRoutes(api: api, maxWatchSeconds: config.maxWatchSeconds, bookmarkInterval: config.bookmarkInterval)
            .register(on: router)
        LocalControllerStandIn().register(on: router)
        let app = Application(router: router,
                              configuration: .init(address: .hostname(config.host, port: config.port), serverName: "sedna-simulator"),
                              logger: logger)
        let driver = SimulationDriver(config: config, api: api, sender: sender, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [driver, app], gracefulShutdownSignals: [.sigterm, .sigint],
                                                      logger: logger))
        logger.info("simulated Sedna cluster", metadata: [
            "api": "http://\(config.host):\(config.port)", "seed": "\(config.seed)", "tasks": "\(config.tasks)",
            "speed": "\(config.speed)", "intake": "\(config.intakeURL.map(redact) ?? "none")",
            "capture": "\(config.capture ? "on, reports via \(config.relayURL.map(redact) ?? "none")" : "off (Sedna as released)")",
            "lc": "\(ownURL)/sedna/workers/{worker}/info",
        ])
        try await group.run()
        await sender?.shutdown()
    }

    /// The intake URL without user info or query (they may hold credentials).
    static func redact(_ url: String) -> String { URLSanitizer.sanitize(url) }
}

/// Steps the world every tick: its changes go into the API (and out to the watches), its
/// telemetry into the sender's queue; then the watches get a tick (bookmarks, timeouts) and
/// due telemetry is sent.
struct SimulationDriver: Service {
    let config: SimulatorConfiguration
    let api: SimulatedAPI
    let sender: TelemetrySender?
    let logger: Logger

    func run() async throws {
        let sending = Task { [sender, tick = config.tick] in
            guard let sender else { return }
            while !Task.isCancelled {
                await sender.drain()
                try? await Task.sleep(for: .seconds(tick / 2))
            }
        }
        defer { sending.cancel() }
        await cancelWhenGracefulShutdown { [config, api, sender, logger] in
            var world = SimulatedWorld(seed: config.seed, tasks: config.tasks, speed: config.speed,
                                       start: Date().timeIntervalSince1970, capture: config.capture,
                                       learningJobLifetime: config.learningJobLifetime)
            let first = world.advance(to: Date().timeIntervalSince1970)
            await api.apply(first.changes)
            await sender?.enqueue(first.telemetry)
            let version = await api.resourceVersion
            logger.info("initial objects served", metadata: ["objects": "\(first.changes.count)", "resourceVersion": "\(version)"])
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(config.tick))
                if Task.isCancelled { break }
                let now = Date().timeIntervalSince1970
                let step = world.advance(to: now)
                await api.apply(step.changes)
                if !step.telemetry.isEmpty { await sender?.enqueue(step.telemetry) }
                await api.tick(now: now)
            }
        }
        await api.closeAll()
    }
}
