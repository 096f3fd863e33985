/// What a site changes when it adopts the generated rules and dashboards, in the manner of the
/// kubernetes-mixin's `_config`: the label that tells clusters apart when one Prometheus or
/// Thanos holds several, the selectors of the jobs this project's components are scraped by,
/// and where the runbooks live (alerts carry absolute `runbook_url`s so that Alertmanager
/// receivers can link them without knowing this repository).
///
/// The generated files in the repository use `ArtifactSettings.default`; the drift test checks
/// them against it.
public struct ArtifactSettings: Sendable, Equatable {
    /// Label naming the cluster; kept in every aggregation and filtered by the dashboards'
    /// `$cluster` variable. Series without it (a single-cluster Prometheus) still match.
    public var clusterLabel: String
    /// Selector of the exporter's scrape job(s) (`deploy/prometheus/prometheus.yml`: `sedna-exporter`).
    public var exporterSelector: String
    /// Selector of the edge relays' scrape job(s).
    public var relaySelector: String
    /// Base URL of docs/runbooks.md; an alert's runbook is `<base>#<alert name in lower case>`.
    public var runbookBaseURL: String

    public init(clusterLabel: String = "cluster",
                exporterSelector: String = #"job=~".*sedna-exporter.*""#,
                relaySelector: String = #"job=~".*sedna-relay.*""#,
                runbookBaseURL: String = "https://github.com/kubeedge/sedna-observability/blob/main/docs/runbooks.md") {
        self.clusterLabel = clusterLabel
        self.exporterSelector = exporterSelector
        self.relaySelector = relaySelector
        self.runbookBaseURL = runbookBaseURL
    }

    public static let `default` = ArtifactSettings()
}
