import SednaCatalog

/// Links from the status page to Grafana and Prometheus (`serve --grafana-url`,
/// `--prometheus-url`). Dashboard uids are those of the generated dashboards
/// (Sources/ObservabilityArtifacts/Dashboards.swift, deploy/grafana/dashboards/*.json; a test
/// keeps them in step), repeated here because the generators are not linked into the server.
public struct StatusLinks: Sendable, Equatable {
    /// Base URLs without a trailing slash; nil: no links.
    public let grafanaURL: String?
    public let prometheusURL: String?

    public init(grafanaURL: String? = nil, prometheusURL: String? = nil) {
        self.grafanaURL = grafanaURL.map(Self.trimmed)
        self.prometheusURL = prometheusURL.map(Self.trimmed)
    }

    /// Checks a flag's value: an absolute http(s) URL without credentials (they would be shown
    /// to everyone who opens the page). Returns the error to print, nil when fine.
    public static func problem(_ url: String, flag: String) -> String? {
        let lower = url.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else {
            return "\(flag) must be an http:// or https:// URL, got \"\(url.prefix(100))\""
        }
        let authority = url.split(separator: "/", maxSplits: 3, omittingEmptySubsequences: false).dropFirst(2).first ?? ""
        if authority.isEmpty { return "\(flag) has no host: \"\(url.prefix(100))\"" }
        if authority.contains("@") { return "\(flag) must not carry credentials (user:password@): they would be shown on the status page" }
        return nil
    }

    /// (uid, slug) of the dashboard that shows one task of `kind`; the overview for the kinds
    /// without a dashboard of their own.
    public static func dashboard(for kind: SednaKind) -> (uid: String, slug: String) {
        switch kind {
        case .jointInferenceService: return ("sedna-joint-inference", "sedna-joint-inference")
        case .incrementalLearningJob: return ("sedna-incremental-learning", "sedna-incremental-learning")
        case .federatedLearningJob: return ("sedna-federated-learning", "sedna-federated-learning")
        case .lifelongLearningJob: return ("sedna-lifelong-learning", "sedna-lifelong-learning")
        default: return (overview.uid, overview.slug)
        }
    }

    public static let overview = (uid: "sedna-overview", slug: "sedna-overview")
    public static let logs = (uid: "sedna-logs", slug: "sedna-logs")

    /// The task's dashboard with its namespace and task variables (and kind, on the overview).
    public func taskDashboard(kind: SednaKind, namespace: String, task: String) -> String? {
        guard let g = grafanaURL else { return nil }
        let d = Self.dashboard(for: kind)
        var query = [("var-namespace", namespace), ("var-task", task)]
        if d.uid == Self.overview.uid { query.append(("var-kind", kind.rawValue)) }
        return "\(g)/d/\(d.uid)/\(d.slug)?" + Self.query(query)
    }

    /// The task's logs (the generated Loki dashboard).
    public func taskLogs(namespace: String, task: String) -> String? {
        guard let g = grafanaURL else { return nil }
        return "\(g)/d/\(Self.logs.uid)/\(Self.logs.slug)?" + Self.query([("var-namespace", namespace), ("var-task", task)])
    }

    public var grafanaOverview: String? { grafanaURL.map { "\($0)/d/\(Self.overview.uid)/\(Self.overview.slug)" } }

    /// Every series of the task, as a table in Prometheus's graph page.
    public func taskSeries(namespace: String, task: String) -> String? {
        guard let p = prometheusURL else { return nil }
        let expr = "{__name__=~\"sedna_.+\", namespace=\"\(Self.promQLString(namespace))\", task=\"\(Self.promQLString(task))\"}"
        return "\(p)/graph?" + Self.query([("g0.expr", expr), ("g0.tab", "1")])
    }

    /// Prometheus's page with `expr` in a table.
    public func prometheusQuery(_ expr: String) -> String? {
        prometheusURL.map { "\($0)/graph?" + Self.query([("g0.expr", expr), ("g0.tab", "1")]) }
    }

    static func query(_ pairs: [(String, String)]) -> String {
        pairs.map { "\(percentEncode($0.0))=\(percentEncode($0.1))" }.joined(separator: "&")
    }

    /// RFC 3986 percent-encoding of everything but the unreserved characters, byte by byte.
    static func percentEncode(_ s: String) -> String {
        let hex = Array("0123456789ABCDEF")
        var r = ""
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                r.unicodeScalars.append(Unicode.Scalar(b))
            default:
                r.append("%")
                r.append(hex[Int(b >> 4)])
                r.append(hex[Int(b & 0xF)])
            }
        }
        return r
    }

    /// A value inside a double-quoted PromQL string.
    static func promQLString(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }

    static func trimmed(_ s: String) -> String {
        var t = s
        while t.hasSuffix("/") { t.removeLast() }
        return t
    }
}
