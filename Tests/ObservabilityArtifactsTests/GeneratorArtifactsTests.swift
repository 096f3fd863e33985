import Foundation
import Testing
@testable import ObservabilityArtifacts
import SednaCatalog

/// The generated dashboards, rules and kube-state-metrics config: deterministic, and
/// every metric name they use exists.
@Suite struct GeneratorArtifactsTests {
    static let recordNames = Set(SednaRules.records.map(\.name))
    static let familyNames = Set(Catalog.all.map(\.name))

    /// Metric names in a PromQL expression: identifiers followed by a selector, a range or a space,
    /// that are not functions, keywords or label names.
    static func sednaNames(_ expr: String) -> Set<String> {
        let regex = try! NSRegularExpression(pattern: #"\bsedna[a-z_]*(:[a-z0-9_]+)*\b"#)
        let ns = expr as NSString
        var out: Set<String> = []
        for m in regex.matches(in: expr, range: NSRange(location: 0, length: ns.length)) {
            let name = ns.substring(with: m.range)
            // Label values such as sedna_component="gm" in LogQL are not metric names.
            let after = m.range.location + m.range.length
            if after < ns.length, ns.substring(with: NSRange(location: after, length: 1)) == "=" { continue }
            if after + 1 < ns.length, ns.substring(with: NSRange(location: after, length: 2)) == "=~" { continue }
            // Parts of label values such as job=~".*sedna-exporter.*".
            if after < ns.length, ns.substring(with: NSRange(location: after, length: 1)) == "-" { continue }
            out.insert(name)
        }
        return out
    }

    @Test func everyPanelQueryUsesKnownNames() {
        for d in Dashboards.all() {
            for (_, p) in d.numbered() where !p.isRow && !p.isLoki {
                for q in p.queries {
                    for name in Self.sednaNames(q.expr) {
                        let known = Self.familyNames.contains(name) || Self.recordNames.contains(name)
                            || Dashboards.nodeRecords.contains(name) || PlannedTelemetry.names.contains(name)
                        #expect(known, "\(d.file) \(p.title): \(name) is neither a catalog family, a recording rule nor planned telemetry")
                        if PlannedTelemetry.names.contains(name) && !Self.familyNames.contains(name) {
                            #expect(p.needs == .telemetry, "\(p.title) uses \(name) but is not marked as needing telemetry")
                        }
                    }
                }
            }
        }
    }

    @Test func everyRuleUsesKnownNames() {
        for r in SednaRules.records {
            for name in Self.sednaNames(r.expr) where name != r.name {
                #expect(Self.familyNames.contains(name) || Self.recordNames.contains(name), "\(r.name): \(name)")
            }
        }
        for a in SednaRules.alerts {
            for name in Self.sednaNames(a.expr) {
                // Alerts reuse the recording rules (level:metric:operations), as the mixins do.
                let known = Self.familyNames.contains(name) || PlannedTelemetry.names.contains(name)
                    || Self.recordNames.contains(name)
                #expect(known, "\(a.name): \(name)")
            }
        }
    }

    @Test func panelsHaveUnitsDescriptionsAndProposalNamesThatExist() {
        let proposal = Set(MetricsReference.proposalMetrics.map(\.name))
        var uids: Set<String> = []
        for d in Dashboards.all() {
            #expect(uids.insert(d.uid).inserted, "duplicate uid \(d.uid)")
            #expect(d.uid.count <= 40 && d.uid.hasPrefix("sedna-"))
            for (_, p) in d.numbered() where !p.isRow {
                #expect(!p.unit.isEmpty && !p.description.isEmpty, "\(d.file) \(p.title)")
                for name in p.proposal { #expect(proposal.contains(name), "\(p.title): unknown proposal metric \(name)") }
                for q in p.queries where q.expr.contains("rate(") {
                    #expect(q.expr.contains("[$__rate_interval]"), "\(p.title): \(q.expr)")
                }
            }
        }
    }

    @Test func jsonIsDeterministicWithSortedKeysAndTwoSpaceIndentation() throws {
        let a = ObservabilityArtifacts.dashboardFiles()
        let b = ObservabilityArtifacts.dashboardFiles()
        #expect(a.map(\.content) == b.map(\.content))
        #expect((["b": 1, "a": ["x": "y\n\"z\""]] as DocumentValue).jsonText == "{\n  \"a\": {\n    \"x\": \"y\\n\\\"z\\\"\"\n  },\n  \"b\": 1\n}\n")
        for (_, content) in a {
            let parsed = try JSONSerialization.jsonObject(with: Data(content.utf8))
            #expect(parsed is [String: Any])
        }
    }

    @Test func stateCodesFollowTheCatalogStates() {
        let expr = SednaRules.stateCode("sedna_task_stage", label: "task_stage", by: "namespace, kind, task")
        #expect(expr.contains("1 * (sedna_task_stage{task_stage=\"Train\"} == 1)"))
        #expect(expr.contains("4 * (sedna_task_stage{task_stage=\"Unknown\"} == 1)"))
    }

    @Test func kubeStateMetricsConfigReadsTheLastCondition() {
        let yaml = KubeStateMetricsConfig.configYAML()
        #expect(yaml.contains("path: [status, conditions, '-1']"))
        #expect(!yaml.contains("lastHeartbeatTime]\n        labelsFromPath"))
        for kind in SednaKind.allCases { #expect(yaml.contains("kind: \(kind.rawValue)")) }
    }
}
