import SednaCatalog

/// Every observability file generated from the catalog besides docs/metrics.md, and the
/// section of docs/metrics.md that links the proposal metrics to the panels showing them.
public enum ObservabilityArtifacts {
    public static func dashboardFiles() -> [(path: String, content: String)] {
        let all = Dashboards.all()
        return all.map { ($0.file, DashboardRenderer.render($0, all: all).jsonText) }
    }

    public static func files() -> [(path: String, content: String)] {
        dashboardFiles() + [
            (SednaRules.recordsFile, SednaRules.recordsYAML()),
            (SednaRules.alertsFile, SednaRules.alertsYAML()),
            (KubeStateMetricsConfig.configFile, KubeStateMetricsConfig.configYAML()),
            (KubeStateMetricsConfig.valuesFile, KubeStateMetricsConfig.valuesYAML()),
        ]
    }

    static func fileLink(_ d: DashboardSpec) -> String {
        "[\(d.title)](../\(d.file))"
    }

    /// Appended to docs/metrics.md.
    public static func metricsSection() -> String {
        let dashboards = Dashboards.all()
        var s = """
        ## Dashboards: where each proposal metric is shown

        Generated with the dashboards (`deploy/grafana/dashboards/*.json`); a panel is opened in
        Grafana with `/d/<uid>?viewPanel=<id>`.

        | Proposal metric | Panels (dashboard › panel, id) |
        |---|---|

        """
        for p in MetricsReference.proposalMetrics {
            var shown: [String] = []
            for d in dashboards {
                for (id, panel) in d.numbered() where panel.proposal.contains(p.name) {
                    let need = panel.needs == .exporter ? "" : " (needs \(panel.needs.rawValue))"
                    shown.append("\(fileLink(d)) › \(panel.title), \(id)\(need)")
                }
            }
            s += "| \(p.name) | \(shown.isEmpty ? "— (\(p.note.isEmpty ? "not shown" : p.note))" : shown.joined(separator: "; ")) |\n"
        }
        s += """

        ## Dashboard panels and what they need

        Every panel query is run by `tests/dashboards` against a real Prometheus scraping the exporter
        on the fixture cluster and must return data, except the panels listed here as needing
        kube-state-metrics, Loki, node-exporter, the edge Prometheus agent or worker telemetry (the
        intake), which are checked for syntax only; `tests/node` runs the node dashboard's queries on
        a live node-exporter and edge agent.
        Recording rules are in `\(SednaRules.recordsFile)`, alerts in
        `\(SednaRules.alertsFile)` with runbooks in `docs/runbooks.md`.

        | Dashboard | uid | Panel | id | Type | Unit | Needs |
        |---|---|---|---|---|---|---|

        """
        for d in dashboards {
            for (id, panel) in d.numbered() where !panel.isRow {
                s += "| \(fileLink(d)) | `\(d.uid)` | \(panel.title) | \(id) | \(panel.type) | `\(panel.unit)` | \(panel.needs.rawValue) |\n"
            }
        }
        s += "\n## Recording rules\n\n| Rule | Meaning |\n|---|---|\n"
        for r in SednaRules.records { s += "| `\(r.name)` | \(r.help) |\n" }
        s += "\n## Alerts\n\n| Alert | Severity | For | Needs | Runbook |\n|---|---|---|---|---|\n"
        for a in SednaRules.alerts {
            s += "| `\(a.name)` | \(a.severity) | \(a.duration) | \(a.needs.rawValue) | [runbook](runbooks.md#\(a.name.lowercased())) |\n"
        }
        s += "\n## kube-state-metrics only\n\n`\(KubeStateMetricsConfig.configFile)` serves a subset of these families as "
            + "`\(KubeStateMetricsConfig.prefix)_*` for clusters without the exporter. Its limits:\n\n"
        for l in KubeStateMetricsConfig.limits { s += "- \(l)\n" }
        return s
    }
}
