import ArgumentParser
import ExporterCore
import Exposition
import Foundation
import SednaCatalog
import ServerSupport
import StatusPage

/// `sedna-exporter serve`: flags to `ExporterConfiguration`, then `ExporterApp.run`.
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

    @Option(help: "Comma-separated base URLs of all shards, index = shard (e.g. http://10.0.0.5:9479,...): intake requests owned by another shard are handed to it.")
    var shardPeers: String?

    @Option(help: "Base URL of every shard, {shard} replaced by its number (e.g. http://sedna-exporter-{shard}.sedna-exporter-shards.sedna.svc:9479); alternative to --shard-peers.")
    var shardPeerTemplate: String?
    @Flag(help: "Take --shard and --total-shards from this pod's StatefulSet: the ordinal in --pod-name and spec.replicas (re-read when it changes; needs get/list/watch on statefulsets in --pod-namespace).")
    var autoSharding = false

    @Option(help: "This pod's name, <statefulset>-<ordinal> (--auto-sharding; default: $POD_NAME).")
    var podName: String?

    @Option(help: "This pod's namespace (--auto-sharding; default: $POD_NAMESPACE, then the service account's namespace).")
    var podNamespace: String?

    @Option(help: "Seconds between API discovery runs (finds CRDs installed or removed later).")
    var discoveryInterval: Double = 60

    @Option(help: "Server-side watch timeout in seconds (a random value up to twice this is used).")
    var watchTimeout: Int = 300

    @Option(help: "Seconds a whole LIST or discovery response may take to arrive (a trickling API or middlebox is cut off and retried).")
    var apiBodyTimeout: Double = 60

    @Option(help: "Seconds a /metrics body may still be served after the cluster changed while a newer one is built behind it (scrapers back to back never wait for an assembly; a scrape this long after the last build gets the current body); 0: every scrape gets the current body.")
    var scrapeBodyMaxAge: Double = 0

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

    @Option(help: "Grafana's URL (e.g. http://grafana:3000): the status page at / links each task to its dashboard.")
    var grafanaUrl: String?

    @Option(help: "Prometheus's URL (e.g. http://prometheus:9090): the status page at / links each task to its series.")
    var prometheusUrl: String?

    @OptionGroup var http: HTTPLimitOptions

    @OptionGroup var web: WebConfigOptions

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        if !webhookListen.isEmpty {
            _ = try listenAddress(webhookListen, flag: "--webhook-listen")
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
        if let f = intakeTokenFile { _ = try requiredToken(f, flag: "--intake-token-file") }
        guard totalShards >= 1, (0..<totalShards).contains(shard) else {
            throw ValidationError("--shard must be in 0..<--total-shards")
        }
        do { _ = try ShardPeers.parse(list: shardPeers, template: shardPeerTemplate) } catch { throw ValidationError(error.description) }
        if autoSharding {
            guard shard == 0, totalShards == 1 else {
                throw ValidationError("--auto-sharding takes the shard from the StatefulSet; drop --shard and --total-shards")
            }
            if let problem = autoShardingConfiguration().problems().first { throw ValidationError(problem) }
        } else if podName != nil || podNamespace != nil {
            throw ValidationError("--pod-name and --pod-namespace need --auto-sharding")
        }
        guard discoveryInterval >= 1 else { throw ValidationError("--discovery-interval must be at least 1") }
        guard watchTimeout >= 1 else { throw ValidationError("--watch-timeout must be at least 1") }
        _ = try parsedResources()
        _ = try listenAddress(listen)
        _ = try web.load()
        for (flag, url) in [("--grafana-url", grafanaUrl), ("--prometheus-url", prometheusUrl)] {
            if let url, let problem = StatusLinks.problem(url, flag: flag) { throw ValidationError(problem) }
        }
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

    /// `--pod-name`/`--pod-namespace`, else the downward API's env, else (namespace only) the
    /// namespace file every in-cluster pod gets with its service account token.
    func autoShardingConfiguration() -> AutoShardingConfiguration {
        let env = ProcessInfo.processInfo.environment
        let saNamespace = (try? String(contentsOfFile: "/var/run/secrets/kubernetes.io/serviceaccount/namespace", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
        return AutoShardingConfiguration(podName: podName ?? env["POD_NAME"] ?? "",
                                         namespace: podNamespace ?? env["POD_NAMESPACE"] ?? saNamespace ?? "")
    }

    func run() async throws {
        let logger = logging.makeLogger("sedna-exporter")
        let allocator = MemoryRelease.configureAllocator(cores: System.cores, environment: ProcessInfo.processInfo.environment)
        logger.debug("allocator", metadata: ["settings": "\(allocator.map { "\($0.parameter)=\($0.value)" })"])
        let address = try listenAddress(listen)
        var config = ExporterConfiguration(
            host: address.host, port: address.port, kubeconfig: kubeconfig, context: context,
            namespaces: Set(namespaces.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }),
            resources: try parsedResources(), shard: shard, totalShards: totalShards,
            discoveryInterval: discoveryInterval, watchTimeout: watchTimeout...(2 * watchTimeout))
        config.statusLinks = StatusLinks(grafanaURL: grafanaUrl, prometheusURL: prometheusUrl)
        config.apiBodyTimeout = apiBodyTimeout
        config.scrapeBodyMaxAge = scrapeBodyMaxAge
        if !webhookListen.isEmpty, let c = webhookTlsCertFile, let k = webhookTlsKeyFile {
            let webhook = try listenAddress(webhookListen, flag: "--webhook-listen")
            config.webhook = WebhookConfiguration(host: webhook.host, port: webhook.port, certFile: c, keyFile: k)
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
            ic.token = TokenFile.read(intakeTokenFile)
            config.intake = ic
        }
        config.http = http.limits(maxBodyBytes: maxBodyBytes)
        config.web = try web.load()
        if let w = config.web {
            logger.info("web config loaded", metadata: ["file": "\(web.webConfigFile ?? "")", "tls": "\(w.tls != nil)",
                                                        "client_auth": "\(w.tls?.clientAuth.rawValue ?? "none")",
                                                        "basic_auth_users": "\(w.users.count)"])
        }
        config.shardPeers = try ShardPeers.parse(list: shardPeers, template: shardPeerTemplate)
        if autoSharding { config.autoSharding = autoShardingConfiguration() }
        do {
            try await ExporterApp.run(config, logger: logger)
        } catch {
            logger.critical("exporter stopped: \(error)")
            throw ExitCode(1)
        }
    }
}
