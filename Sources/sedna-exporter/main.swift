import ArgumentParser
import ExporterCore
import Foundation
import Relay
import Logging
import ObservabilityArtifacts
import SednaCatalog
import SimulatorServer

@main
struct SednaExporterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sedna-exporter",
        abstract: "Prometheus exporter for KubeEdge Sedna AI tasks.",
        version: ExporterVersion.version,
        subcommands: [Serve.self, RelayCommand.self, Simulate.self, Generate.self],
        defaultSubcommand: Serve.self)
}

/// `host:port` (or `[v6]:port`, or `:port` for all addresses) of a --listen flag.
func parseListen(_ listen: String) throws -> (String, Int) {
    guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]),
          (0...65535).contains(port) else { throw ValidationError("--listen must be host:port") }
    var host = String(listen[..<colon])
    if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
    return (host.isEmpty ? "0.0.0.0" : host, port)
}

/// A bearer token from a file (trimmed); nil without a file or when it cannot be read.
func readToken(_ path: String?) -> String? {
    path.flatMap { try? String(contentsOfFile: $0, encoding: .utf8) }?.trimmingCharacters(in: .whitespacesAndNewlines)
}

struct LoggingOptions: ParsableArguments {
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    @Option(help: "Log format: text or json.")
    var logFormat: String = "text"

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown --log-level \(logLevel)") }
        guard ["text", "json"].contains(logFormat) else { throw ValidationError("--log-format must be text or json") }
    }

    func makeLogger(_ label: String) -> Logger {
        let json = logFormat == "json"
        LoggingSystem.bootstrap { label in
            json ? JSONLogHandler(label: label) as any LogHandler : StreamLogHandler.standardError(label: label)
        }
        var logger = Logger(label: label)
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        return logger
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Watch Sedna resources, their pods and nodes, and serve them as Prometheus metrics.")

    @Option(help: "Address to listen on (host:port).")
    var listen: String = "0.0.0.0:9479"

    @Option(help: "Path to a kubeconfig file (default: $KUBECONFIG, in-cluster, then ~/.kube/config).")
    var kubeconfig: String?

    @Option(help: "Kubeconfig context to use (default: current-context).")
    var context: String?

    @Option(help: "Comma-separated namespaces to export (default: all).")
    var namespaces: String = ""

    @Option(help: "Comma-separated resources to watch (plural names; default: all Sedna kinds, pods and nodes).")
    var resources: String = ""

    @Option(help: "This instance's shard (0-based); tasks are assigned by a hash of their UID.")
    var shard: Int = 0

    @Option(help: "Number of shards.")
    var totalShards: Int = 1

    @Option(help: "Seconds between API discovery runs (finds CRDs installed or removed later).")
    var discoveryInterval: Double = 60

    @Option(help: "Server-side watch timeout in seconds (a random value up to twice this is used).")
    var watchTimeout: Int = 300

    @Flag(help: "Serve no intake endpoints (worker reports, pushes).")
    var disableIntake = false

    @Option(help: "File holding a bearer token required on the intake endpoints (/metrics and health stay open).")
    var intakeTokenFile: String?

    @Option(help: "LocalController URL to forward every accepted worker report to (e.g. http://127.0.0.1:9100).")
    var forwardLc: String?

    @Option(help: "Largest intake request body in bytes (after gzip decompression too).")
    var maxBodyBytes: Int = 1 << 20

    @Option(help: "Most series one pushed group may hold.")
    var maxSeriesPerGroup: Int = 5_000

    @Option(help: "Most pushed groups held at once.")
    var maxGroups: Int = 2_000

    @Option(help: "Longest label value accepted from pushes, in bytes.")
    var maxLabelValueBytes: Int = 1_024

    @Option(help: "Seconds after which a pushed group bound to no task or pod is dropped (0: never).")
    var pushExpiry: Double = 0

    @Option(help: "Serve the mutating admission webhook (POST /mutate-pods, HTTPS) on this address (host:port); empty: off.")
    var webhookListen: String = ""

    @Option(help: "PEM certificate (chain) of the webhook; re-read when the file changes.")
    var webhookTlsCertFile: String?

    @Option(help: "PEM private key of the webhook; re-read when the file changes.")
    var webhookTlsKeyFile: String?

    @Option(help: "Most worker reports held while their pod or task is not watched yet (0: none held, counted unresolved).")
    var intakeHoldMax: Int = 10_000

    @Option(help: "Seconds a worker report is held at most while its pod or task is not watched yet.")
    var intakeHoldSeconds: Double = 600

    @OptionGroup var http: HTTPLimitOptions

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        if !webhookListen.isEmpty {
            _ = try parseListen(webhookListen)
            guard let c = webhookTlsCertFile, let k = webhookTlsKeyFile else {
                throw ValidationError("--webhook-listen needs --webhook-tls-cert-file and --webhook-tls-key-file (the API server calls webhooks over HTTPS only)")
            }
            for f in [c, k] where !FileManager.default.isReadableFile(atPath: f) {
                throw ValidationError("\(f) cannot be read")
            }
        } else if webhookTlsCertFile != nil || webhookTlsKeyFile != nil {
            throw ValidationError("--webhook-tls-cert-file and --webhook-tls-key-file need --webhook-listen")
        }
        guard intakeHoldMax >= 0, intakeHoldSeconds >= 0, intakeHoldSeconds.isFinite else {
            throw ValidationError("--intake-hold-max and --intake-hold-seconds must be zero or positive")
        }
        guard maxBodyBytes > 0, maxSeriesPerGroup > 0, maxGroups > 0, maxLabelValueBytes > 0, pushExpiry >= 0 else {
            throw ValidationError("intake limits must be positive")
        }
        if let f = intakeTokenFile {
            guard let t = try? String(contentsOfFile: f, encoding: .utf8), !t.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw ValidationError("--intake-token-file \(f) cannot be read or is empty")
            }
        }
        guard totalShards >= 1, (0..<totalShards).contains(shard) else {
            throw ValidationError("--shard must be in 0..<--total-shards")
        }
        guard discoveryInterval >= 1 else { throw ValidationError("--discovery-interval must be at least 1") }
        guard watchTimeout >= 1 else { throw ValidationError("--watch-timeout must be at least 1") }
        _ = try parsedResources()
        _ = try parsedListen()
    }

    func parsedResources() throws -> [WatchedResource] {
        let names = resources.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if names.isEmpty { return WatchedResource.all }
        return try names.map { n in
            guard let r = WatchedResource(plural: n) else {
                throw ValidationError("unknown resource \(n); known: \(WatchedResource.all.map(\.description).joined(separator: ","))")
            }
            return r
        }
    }

    func parsedListen() throws -> (String, Int) { try parseListen(listen) }

    func run() async throws {
        let logger = logging.makeLogger("sedna-exporter")
        let (host, port) = try parsedListen()
        var config = ExporterConfiguration(
            host: host, port: port, kubeconfig: kubeconfig, context: context,
            namespaces: Set(namespaces.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }),
            resources: try parsedResources(), shard: shard, totalShards: totalShards,
            discoveryInterval: discoveryInterval, watchTimeout: watchTimeout...(2 * watchTimeout))
        if !webhookListen.isEmpty, let c = webhookTlsCertFile, let k = webhookTlsKeyFile {
            let (wh, wp) = try parseListen(webhookListen)
            config.webhook = WebhookConfiguration(host: wh, port: wp, certFile: c, keyFile: k)
        }
        if disableIntake {
            config.intake = nil
        } else {
            var ic = IntakeConfiguration()
            ic.limits.maxBodyBytes = maxBodyBytes
            ic.limits.maxSeriesPerGroup = maxSeriesPerGroup
            ic.limits.maxGroups = maxGroups
            ic.limits.maxLabelValueBytes = maxLabelValueBytes
            ic.unboundExpiry = pushExpiry
            ic.holdMax = intakeHoldMax
            ic.holdSeconds = intakeHoldSeconds
            ic.forwardLC = forwardLc
            ic.token = readToken(intakeTokenFile)
            config.intake = ic
        }
        config.http = http.limits(maxBodyBytes: maxBodyBytes)
        do {
            try await ExporterApp.run(config, logger: logger)
        } catch {
            logger.critical("exporter stopped: \(error)")
            throw ExitCode(1)
        }
    }
}

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the files generated from the metric catalog (docs/metrics.md).")

    @Option(help: "Repository root to write into.")
    var root: String = "."

    @Flag(help: "Do not write; exit 1 when a generated file is out of date.")
    var check = false

    func run() throws {
        var stale: [String] = []
        for (path, content) in GeneratedFiles.all() {
            let full = root + "/" + path
            let existing = try? String(contentsOfFile: full, encoding: .utf8)
            if existing == content { continue }
            if check {
                stale.append(path)
            } else {
                try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent,
                                                        withIntermediateDirectories: true)
                try content.write(toFile: full, atomically: true, encoding: .utf8)
                print("wrote \(path)")
            }
        }
        if !stale.isEmpty {
            print("out of date (run `swift run sedna-exporter generate`): " + stale.joined(separator: ", "))
            throw ExitCode(1)
        }
    }
}

struct RelayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "relay",
        abstract: "Edge relay: the node-local front of Sedna's LC; forwards worker reports to it and spools a copy for the central exporter.")

    @Option(help: "Address workers post reports to (host:port).")
    var listen: String = "0.0.0.0:9480"

    @Option(help: "The node's LocalController, to forward every report to (e.g. http://127.0.0.1:9100); empty: none.")
    var lcUrl: String = ""

    @Option(help: "The central exporter's URL (its intake).")
    var centralUrl: String

    @Option(help: "Folder of the on-disk queue; keep it on the node (hostPath) so a restart loses nothing.")
    var spoolDir: String = "/var/lib/sedna-relay"

    @Option(help: "Largest spool size in bytes; past it new reports are dropped and counted.")
    var maxSpoolBytes: Int = 256 << 20

    @Option(help: "This relay's name (default: $NODE_NAME, else the host name); the central side orders and deduplicates per name.")
    var relayName: String?

    @Option(help: "File with the bearer token of the central intake; a missing file means no token.")
    var tokenFile: String?

    @Option(help: "The node this relay runs on, sent with every report (default: $NODE_NAME).")
    var nodeName: String?

    @Option(help: "Largest worker report body in bytes.")
    var maxBodyBytes: Int = 1 << 20

    @OptionGroup var http: HTTPLimitOptions

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        _ = try parseListen(listen)
        if !lcUrl.isEmpty {
            guard let u = URL(string: lcUrl), u.scheme == "http" || u.scheme == "https", u.host != nil else {
                throw ValidationError("--lc-url must be an http(s) URL")
            }
        }
    }

    func run() async throws {
        let logger = logging.makeLogger("sedna-relay")
        let (host, port) = try parseListen(listen)
        let name = relayName ?? ProcessInfo.processInfo.environment["NODE_NAME"] ?? ProcessInfo.processInfo.hostName
        var config = RelayConfiguration(centralURL: centralUrl, spoolDir: spoolDir, relayName: name)
        config.host = host
        config.port = port
        config.lcURL = lcUrl.isEmpty ? nil : lcUrl
        config.maxSpoolBytes = maxSpoolBytes
        config.token = readToken(tokenFile)
        config.nodeName = nodeName ?? ProcessInfo.processInfo.environment["NODE_NAME"]
        config.limits = http.limits(maxBodyBytes: maxBodyBytes)
        logger.info("relay starting", metadata: ["relay": "\(name)", "central": "\(URLSanitizer.sanitize(centralUrl))", "spool": "\(spoolDir)"])
        do {
            try await RelayApp.run(config, logger: logger)
        } catch {
            logger.critical("relay stopped: \(error)")
            throw ExitCode(1)
        }
    }
}

struct Simulate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve a simulated Sedna cluster (Sedna as released) as a Kubernetes API, with its LC and workers.",
        discussion: """
        Task lifecycles follow Sedna's controllers (joint inference, incremental, lifelong and federated learning, \
        datasets, models, the other kinds, worker pods, edge nodes). Point `serve --kubeconfig` at it \
        (--write-kubeconfig writes one). Workers report to their effective LC_SERVER: with --relay-url the capture \
        route is on (pods as the admission webhook leaves them, reports to that relay, which forwards them to \
        the simulator's own LC at POST /sedna/workers/{worker}/info); --no-capture or no --relay-url: Sedna's env \
        only. Pushes (user instrumentation) go to --intake-url.
        """)

    @Option(help: "Address of the simulated API (host:port).")
    var listen: String = "127.0.0.1:18080"

    @Option(help: "The exporter whose intake the simulated workers push to (e.g. http://127.0.0.1:9479); empty: none.")
    var intakeUrl: String = ""

    @Option(help: "The node-local relay every rewritten LC_SERVER resolves to (e.g. http://127.0.0.1:9480); turns the capture route on.")
    var relayUrl: String = ""

    @Flag(help: "Sedna exactly as released: pods carry the GM's env only, reports go to localhost:9100 (the simulator's LC) or nowhere.")
    var noCapture = false

    @Option(help: "File with the intake's bearer token.")
    var intakeTokenFile: String?

    @Option(help: "Seed of every random choice: the same seed gives the same cluster history.")
    var seed: UInt64 = SimulatorConfiguration().seed

    @Option(help: "Time scale: 2 runs every lifecycle twice as fast.")
    var speed: Double = 1

    @Option(help: "Size knob: multiplies the number of tasks of each kind (and nodes), for benchmarks.")
    var tasks: Int = 1

    @Option(help: "Changes a watch can resume across; a watch from an older resource version gets 410 Gone.")
    var history: Int = 5_000

    @Option(help: "Seconds between BOOKMARK events on watches that allow them.")
    var bookmarkInterval: Double = 10

    @Option(help: "Write a kubeconfig for the simulated API to this file.")
    var writeKubeconfig: String?

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        _ = try parseListen(listen)
        guard speed > 0, speed <= 1_000 else { throw ValidationError("--speed must be in (0, 1000]") }
        guard (1...10_000).contains(tasks) else { throw ValidationError("--tasks must be in 1...10000") }
        guard history >= 1 else { throw ValidationError("--history must be at least 1") }
        guard bookmarkInterval >= 0.1 else { throw ValidationError("--bookmark-interval must be at least 0.1") }
        if let f = intakeTokenFile, (readToken(f) ?? "").isEmpty {
            throw ValidationError("--intake-token-file \(f) cannot be read or is empty")
        }
        for (flag, value) in [("--intake-url", intakeUrl), ("--relay-url", relayUrl)] where !value.isEmpty {
            guard let u = URL(string: value), ["http", "https"].contains(u.scheme ?? ""), u.host != nil else {
                throw ValidationError("\(flag) must be an http(s) URL")
            }
        }
    }

    func run() async throws {
        let logger = logging.makeLogger("sedna-simulator")
        let (host, port) = try parseListen(listen)
        var config = SimulatorConfiguration()
        config.host = host
        config.port = port
        config.seed = seed
        config.speed = speed
        config.tasks = tasks
        config.historyWindow = history
        config.bookmarkInterval = bookmarkInterval
        config.intakeURL = intakeUrl.isEmpty ? nil : intakeUrl
        config.intakeToken = readToken(intakeTokenFile)
        config.relayURL = relayUrl.isEmpty ? nil : relayUrl
        config.capture = config.relayURL != nil && !noCapture
        if let path = writeKubeconfig {
            let server = "http://\(host.contains(":") ? "[\(host)]" : host):\(port)"
            let text = """
            apiVersion: v1
            kind: Config
            clusters: [{name: sedna-simulator, cluster: {server: "\(server)"}}]
            users: [{name: sedna-simulator, user: {}}]
            contexts: [{name: sedna-simulator, context: {cluster: sedna-simulator, user: sedna-simulator}}]
            current-context: sedna-simulator

            """
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        }
        do {
            try await SimulatorApp.run(config, logger: logger)
        } catch {
            logger.critical("simulator stopped: \(error)")
            throw ExitCode(1)
        }
    }
}

/// Bounds against hostile HTTP clients, for `serve` and `relay` (see `HTTPLimits`).
struct HTTPLimitOptions: ParsableArguments {
    @Option(help: "Seconds a client has to send a request head, and a request body (slowloris bound).")
    var httpReadTimeout: Double = 30

    @Option(help: "Most open HTTP connections; past it new ones wait in the kernel backlog.")
    var maxConnections: Int = 1_024

    @Option(help: "Most requests with a body (intake, worker reports) handled at once; more are answered 503.")
    var maxConcurrentIntake: Int = 256

    func limits(maxBodyBytes: Int) -> HTTPLimits {
        HTTPLimits(maxBodyBytes: maxBodyBytes, readTimeout: httpReadTimeout, maxConnections: maxConnections,
                   maxConcurrentRequests: maxConcurrentIntake)
    }
}
