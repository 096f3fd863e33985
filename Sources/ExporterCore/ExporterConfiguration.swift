import Exposition
import Intake
import ServerSupport
import SednaCatalog
import StatusPage

/// Everything the exporter needs to run; the CLI fills it from flags.
public struct ExporterConfiguration: Sendable {
    public var host: String
    public var port: Int
    public var kubeconfig: String?
    public var context: String?
    public var namespaces: Set<String>
    public var resources: [WatchedResource]
    public var shard: Int
    public var totalShards: Int
    public var discoveryInterval: Double
    public var watchTimeout: ClosedRange<Int>
    public var pageSize: Int
    /// nil disables the intake endpoints.
    public var intake: IntakeConfiguration? = IntakeConfiguration()
    /// nil: no admission webhook.
    public var webhook: WebhookConfiguration?
    /// Grafana and Prometheus the status page links to (`--grafana-url`, `--prometheus-url`).
    public var statusLinks = StatusLinks()
    /// Bounds against hostile HTTP clients; the body limit is the intake's `maxBodyBytes`.
    public var http = HTTPLimits()
    /// `--web.config.file`: TLS, basic auth and headers for the main listener (nil: plain HTTP).
    public var web: WebConfig?
    /// The other shards' addresses (`--shard-peers`, `--shard-peer-template`): intake requests
    /// owned by another shard are handed to it (`ShardForwarding`); nil: kept where they arrive.
    public var shardPeers: ShardPeers?
    /// `--auto-sharding`: shard and total from the pod's StatefulSet instead of `shard`/`totalShards`.
    public var autoSharding: AutoShardingConfiguration?
    /// Seconds a whole LIST or discovery response body may take (`--api-body-timeout`; see
    /// `KubeClient.bodyTimeout`).
    public var apiBodyTimeout: Double = 60
    /// Seconds a /metrics body may still be served after the cluster changed, while a newer one
    /// is built behind it (`--scrape-body-max-age`; `ScrapeBodyCache.recent`); 0: never.
    public var scrapeBodyMaxAge: Double = 0

    public init(host: String = "0.0.0.0", port: Int = 9479, kubeconfig: String? = nil, context: String? = nil,
                namespaces: Set<String> = [], resources: [WatchedResource] = WatchedResource.all,
                shard: Int = 0, totalShards: Int = 1, discoveryInterval: Double = 60,
                watchTimeout: ClosedRange<Int> = 300...600, pageSize: Int = 500) {
        self.host = host
        self.port = port
        self.kubeconfig = kubeconfig
        self.context = context
        self.namespaces = namespaces
        self.resources = resources
        self.shard = shard
        self.totalShards = totalShards
        self.discoveryInterval = discoveryInterval
        self.watchTimeout = watchTimeout
        self.pageSize = pageSize
    }
}

extension ExporterConfiguration {
    /// Every setting that cannot work, each as a sentence naming its flag; the exporter refuses
    /// to start with any (rather than, say, silently cutting label values at a smaller bound).
    public func problems() -> [String] {
        var p: [String] = []
        if !(1...65_535).contains(port) { p.append("the listen port must be in 1...65535 (got \(port))") }
        if !(totalShards >= 1 && (0..<totalShards).contains(shard)) { p.append("--shard must be in 0..<--total-shards") }
        if let n = shardPeers?.count, n < totalShards {
            p.append("--shard-peers names \(n) shards, fewer than --total-shards (\(totalShards))")
        }
        if !(discoveryInterval >= 1 && discoveryInterval.isFinite) { p.append("--discovery-interval must be at least 1") }
        if watchTimeout.lowerBound < 1 { p.append("--watch-timeout must be at least 1") }
        if let a = autoSharding { p += a.problems() }
        if !(1...10_000).contains(pageSize) { p.append("the LIST page size must be in 1...10000 (got \(pageSize))") }
        if !(apiBodyTimeout >= 1 && apiBodyTimeout <= 3_600) { p.append("--api-body-timeout must be in 1...3600 seconds") }
        if !(scrapeBodyMaxAge >= 0 && scrapeBodyMaxAge <= 60) { p.append("--scrape-body-max-age must be in 0...60 seconds") }
        var http = self.http
        if let ic = intake {
            http.maxBodyBytes = ic.limits.maxBodyBytes
            p += ic.problems()
        }
        p += http.problems()
        return p
    }
}

/// `serve --auto-sharding`: this pod's name (`<statefulset>-<ordinal>`) and namespace, where
/// its StatefulSet is read.
public struct AutoShardingConfiguration: Sendable, Equatable {
    public var podName: String
    public var namespace: String

    public init(podName: String, namespace: String) {
        self.podName = podName
        self.namespace = namespace
    }

    public func problems() -> [String] {
        var p: [String] = []
        do { _ = try AutoSharding.parsePodName(podName) } catch { p.append(error.description) }
        if namespace.isEmpty {
            p.append("--auto-sharding needs the pod's namespace (--pod-namespace or $POD_NAMESPACE from the downward API)")
        }
        return p
    }
}

extension IntakeConfiguration {
    public func problems() -> [String] {
        var p: [String] = []
        let l = limits
        if l.maxSeriesPerGroup <= 0 { p.append("--max-series-per-group must be positive (got \(l.maxSeriesPerGroup))") }
        if l.maxGroups <= 0 { p.append("--max-groups must be positive (got \(l.maxGroups))") }
        // Exposition cuts every label value at this many bytes; a larger intake limit would
        // accept values and then silently cut them.
        if !(1...TextFormat.maxLabelValueBytes).contains(l.maxLabelValueBytes) {
            p.append("--max-label-value-bytes must be in 1...\(TextFormat.maxLabelValueBytes) (got \(l.maxLabelValueBytes))")
        }
        if l.maxWorkers <= 0 || l.maxLabelNameBytes <= 0 || l.maxMetricsPerReport <= 0 {
            p.append("intake limits must be positive")
        }
        if !(unboundExpiry >= 0 && unboundExpiry.isFinite) { p.append("--push-expiry must be zero or positive (got \(unboundExpiry))") }
        if holdMax < 0 { p.append("--intake-hold-max must be zero or positive (got \(holdMax))") }
        if !(holdSeconds >= 0 && holdSeconds.isFinite) { p.append("--intake-hold-seconds must be zero or positive (got \(holdSeconds))") }
        return p
    }
}

public enum ExporterVersion {
    public static let version = "0.1.0"
}
