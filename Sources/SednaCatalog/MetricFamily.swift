/// How a family is exposed. `info` and `stateset` follow kube-state-metrics' conventions and are
/// written as gauges in the text format: `_info` series are always 1, and a state set has one
/// series per state with exactly one of them at 1.
public enum MetricType: String, Sendable {
    case gauge, counter, info, stateset

    /// The `# TYPE` word in text format 0.0.4.
    public var exposedType: String { self == .counter ? "counter" : "gauge" }
}

/// What an object-level family is read from, for docs/metrics.md and reviewers.
public enum MetricSource: String, Sendable {
    case metadata = "metadata"
    case status = "CR status"
    case conditions = "CR status.conditions"
    case conditionData = "CR status.conditions[].data (JSON)"
    case spec = "CR spec"
    case join = "CR spec joined with Dataset status"
    case pod = "Pod"
    case node = "Node"
    case exporter = "exporter"
    case intake = "worker report (intake)"
    /// Status the GM writes only when a worker report reaches it through the LC (JI
    /// `status.metrics`, FL `Training` conditions, Model metrics): on Sedna as released these
    /// stay empty unless the report finds a reachable LC (pkg/globalmanager/controllers/*/upstream.go).
    case reportedStatus = "CR status, written from worker reports via the LC"

    /// Where the figure comes from on a cluster, for the "Source" column of docs/metrics.md:
    /// "object status" (what the Kubernetes API holds: the exporter's watch alone suffices),
    /// "captured report" (Sedna's own worker reports, which reach the exporter only through the
    /// capture route: the node relay in front of the LC), "object status from reports" (status
    /// the GM writes only from reports that reached an LC: empty without a route for them), or
    /// "exporter" (self-metrics).
    /// Pushed families ("push") are the vocabulary in `PushVocabulary`.
    public var origin: String {
        switch self {
        case .intake: return "captured report"
        case .reportedStatus: return "object status from reports"
        case .exporter: return "exporter"
        default: return "object status"
        }
    }
}

/// One metric family of the catalog: everything needed to render it and to document it.
public struct MetricFamily: Sendable, Hashable {
    public let name: String
    public let type: MetricType
    public let help: String
    /// Base unit (`seconds`, `ratio`, ...) or nil; the name ends with it where Prometheus'
    /// naming rules want that.
    public let unit: String?
    public let labels: [String]
    public let source: MetricSource
    /// In words, what emits this family: the kinds whose translators do ("all task kinds",
    /// "Pod", ...) or the intake path; the "Objects" column of docs/metrics.md.
    public let emittedBy: String
    /// The metric names of the 2022 proposal this family implements (EdgeInferenceCount, ...).
    public let proposal: [String]
    /// The states of a state set, in exposition order.
    public let states: [String]

    public init(_ name: String, _ type: MetricType, help: String, unit: String? = nil, labels: [String],
                source: MetricSource, emittedBy: String, proposal: [String] = [], states: [String] = []) {
        self.name = name
        self.type = type
        self.help = help
        self.unit = unit
        self.labels = labels
        self.source = source
        self.emittedBy = emittedBy
        self.proposal = proposal
        self.states = states
    }

    public static func == (a: MetricFamily, b: MetricFamily) -> Bool { a.name == b.name }
    public func hash(into h: inout Hasher) { h.combine(name) }
}
