import SednaCatalog

/// What a query needs besides the Sedna exporter. The query test runs every `.exporter` query
/// against a real Prometheus scraping the exporter and checks the others for syntax only.
public enum QueryNeeds: String, Sendable, CaseIterable {
    case exporter = "exporter"
    case kubeStateMetrics = "kube-state-metrics"
    case nodeExporter = "node-exporter"
    /// The Prometheus agents of the edge nodes (their own remote-write metrics, job prometheus-agent).
    case edgeAgent = "the edge Prometheus agent"
    case loki = "Loki"
    /// The kubelet's cAdvisor (container_* series; scraped in production, not by the query test).
    case cadvisor = "cAdvisor"
    case telemetry = "worker telemetry (intake)"
    /// Gauges Grafana Alloy derives from the LocalController's log lines (job sedna-alloy,
    /// `loki_process_custom_*`; deploy/alloy).
    case alloyLogMetrics = "the LC log metrics of Grafana Alloy (job sedna-alloy)"

    /// The sentence every panel with this need carries in its description.
    public var sentence: String { self == .exporter ? "" : "Needs \(rawValue)." }
}

/// Metric names that workers push through the intake's Pushgateway API. They exist only where a
/// worker pushes them (no Sedna worker does as released), so panels and alerts over them are
/// marked `.telemetry`.
public enum PlannedTelemetry {
    public static let names = [
        "sedna_training_learning_rate", "sedna_training_epoch", "sedna_training_batch_size",
        "sedna_training_loss", "sedna_training_remaining_seconds",
        "sedna_worker_last_report_timestamp_seconds", "sedna_training_samples",
        "sedna_learning_iteration_inferences_total", "sedna_learning_iteration_hard_examples_total",
    ]
}

public struct DashQuery: Sendable {
    public var expr: String
    public var legend: String
    public var instant: Bool
    public var table: Bool

    public init(_ expr: String, legend: String = "", instant: Bool = false, table: Bool = false) {
        self.expr = expr
        self.legend = legend
        self.instant = instant
        self.table = table
    }
}

/// One panel of a generated dashboard, before layout.
public struct DashPanel {
    public var type: String
    public var title: String
    public var description: String
    public var unit: String
    public var queries: [DashQuery]
    public var width: Int
    public var height: Int
    public var needs: QueryNeeds
    /// Proposal metric names (MetricsReference.proposalMetrics) this panel shows.
    public var proposal: [String]
    public var mappings: [DocumentValue] = []
    public var links: [DocumentValue] = []
    public var overrides: [DocumentValue] = []
    public var transformations: [DocumentValue] = []
    public var thresholds: [(Double?, String)] = [(nil, "green")]
    public var minValue: Double? = nil
    public var maxValue: Double? = nil
    public var extraOptions: [(String, DocumentValue)] = []
    /// fieldConfig color mode; nil for the type's default (thresholds for tables and state
    /// timelines, palette-classic otherwise).
    public var colorMode: String? = nil
    /// Table columns whose cells take the colour of their thresholds or value mappings
    /// (cellOptions color-background); with thresholds and none named, every cell's text is coloured.
    public var coloredColumns: [String] = []
    /// Table columns kept in the data (data links read them) but not shown.
    public var hiddenColumns: [String] = []

    public init(_ type: String, _ title: String, _ description: String, unit: String, _ queries: [DashQuery],
                w: Int = 8, h: Int = 8, needs: QueryNeeds = .exporter, proposal: [String] = []) {
        self.type = type
        self.title = title
        self.description = description
        self.unit = unit
        self.queries = queries
        self.width = w
        self.height = h
        self.needs = needs
        self.proposal = proposal
    }

    public static func row(_ title: String) -> DashPanel {
        DashPanel("row", title, "", unit: "", [], w: 24, h: 1)
    }

    public var isRow: Bool { type == "row" }
    public var isLoki: Bool { needs == .loki }
}

/// A generated dashboard: identity, variables and panels.
public struct DashboardSpec {
    public var file: String
    public var uid: String
    public var title: String
    public var description: String
    public var tags: [String]
    /// Kind whose tasks the `task` variable lists, nil for all kinds.
    public var taskKind: String?
    public var taskMulti: Bool
    public var extraVariables: [DocumentValue] = []
    /// Variables right after the datasources, before namespace (the node dashboard's location and node).
    public var leadingVariables: [DocumentValue] = []
    /// Variables after the task variable, which they depend on (the logs dashboard's pods).
    public var trailingVariables: [DocumentValue] = []
    /// Hides the Loki, namespace and task variables of a dashboard whose panels do not use them:
    /// they stay so the dashboard links (includeVars) carry the task context through it.
    public var taskVariablesHidden = false
    public var panels: [DashPanel]
    /// The site's settings (cluster label, job selectors); `Dashboards.all(settings:)` sets them.
    public var settings: ArtifactSettings = .default

    /// Panel ids after layout, in order (rows included).
    public func numbered() -> [(id: Int, panel: DashPanel)] {
        panels.enumerated().map { ($0.offset + 1, $0.element) }
    }
}
