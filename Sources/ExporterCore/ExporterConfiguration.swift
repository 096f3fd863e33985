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

public enum ExporterVersion {
    public static let version = "0.1.0"
}
