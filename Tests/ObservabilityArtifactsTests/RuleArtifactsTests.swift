import Foundation
import Testing
@testable import ObservabilityArtifacts
import SednaCatalog

/// The generated rules and alerts: YAML written by Yams, the mixin-style settings honoured
/// (cluster label in every aggregation, job selectors, absolute runbook URLs), and aggregations
/// that stay right while two exporter replicas are scraped.
@Suite struct RuleArtifactsTests {
    @Test func yamlQuotesWhatYAMLWouldMisreadAndKeepsKeyOrder() {
        let y = YAMLDocument.render(["z": "yes", "b": "1m", "c": "{{ $labels.x }}", "d": "plain text", "e": "x\ny",
                                    "f": ["-1", "p"], "g": 3, "h": true, "i": ["k": "v"]], comment: "# c\n")
        #expect(y == "# c\nz: 'yes'\nb: 1m\nc: '{{ $labels.x }}'\nd: plain text\ne: |-\n  x\n  y\nf: ['-1', p]\ng: 3\nh: true\ni:\n  k: v\n")
    }

    @Test func longLinesAreNotFolded() {
        let long = String(repeating: "word ", count: 60) + "end"
        #expect(YAMLDocument.render(["a": .string(long)]) == "a: \(long)\n")
    }

    /// Every `by (...)` and `on (...)` of a generated rule names the cluster label first.
    @Test func everyAggregationKeepsTheClusterLabel() throws {
        var s = ArtifactSettings.default
        s.clusterLabel = "k8s_cluster"
        let regex = try NSRegularExpression(pattern: #"\b(by|on) \(([^)]*)\)"#)
        let exprs = SednaRules.records(s).map { ($0.name, $0.expr) } + SednaRules.alerts(s).map { ($0.name, $0.expr) }
        for (name, expr) in exprs {
            let ns = expr as NSString
            for m in regex.matches(in: expr, range: NSRange(location: 0, length: ns.length)) {
                let labels = ns.substring(with: m.range(at: 2))
                #expect(labels.hasPrefix("k8s_cluster, ") || labels == "k8s_cluster", "\(name): \(ns.substring(with: m.range))")
            }
        }
    }

    /// Two replicas serve the same state: `sum` would turn Running (2) into 4.
    @Test func stateCodesTakeTheMaximumOverReplicas() {
        for r in SednaRules.records where r.name.hasSuffix(":state_code") {
            #expect(r.expr.hasPrefix("max by (cluster, namespace, kind, task"), "\(r.name)")
        }
        #expect(SednaRules.records.filter { $0.name.hasSuffix(":state_code") }.count == 5)
    }

    @Test func selectorsAndRunbookBaseURLComeFromTheSettings() {
        var s = ArtifactSettings.default
        s.exporterSelector = #"job="exp""#
        s.relaySelector = #"job="rel""#
        s.runbookBaseURL = "https://runbooks.example.org/sedna.md"
        let yaml = SednaRules.alertsYAML(s)
        #expect(yaml.contains(#"up{job="exp"} == 0"#))
        #expect(yaml.contains(#"absent(up{job="exp"})"#))
        #expect(yaml.contains(#"up{job="rel"} == 0"#))
        #expect(yaml.contains(#"sedna_relay_oldest_queued_age_seconds{job="rel"}"#))
        for a in SednaRules.alerts(s) {
            #expect(yaml.contains("runbook_url: https://runbooks.example.org/sedna.md#\(a.name.lowercased())\n"))
        }
        #expect(!yaml.contains("sedna-exporter.*"))
    }

    @Test func defaultRunbookURLsAreAbsolute() {
        let yaml = SednaRules.alertsYAML()
        for a in SednaRules.alerts {
            #expect(yaml.contains("runbook_url: \(ArtifactSettings.default.runbookBaseURL)#\(a.name.lowercased())\n"))
        }
        #expect(ArtifactSettings.default.runbookBaseURL.hasPrefix("https://"))
    }

    @Test func pipelineAlertsExist() {
        let names = Set(SednaRules.alerts.map(\.name))
        for n in ["SednaExporterAbsent", "SednaLearningIterationFailed", "SednaRelayDown", "SednaRelaySpoolBacklog",
                  "SednaRelayDroppingReports", "SednaRelayDeliveryFailing", "SednaRelayLocalControllerUnreachable",
                  "SednaIntakeRejecting", "SednaWebhookAdmissionErrors"] {
            #expect(names.contains(n), "\(n)")
        }
    }
}
