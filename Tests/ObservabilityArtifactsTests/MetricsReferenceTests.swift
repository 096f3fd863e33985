import Foundation
import Testing
import ObservabilityArtifacts
import SednaCatalog
import TestSupport

@Suite struct MetricsReferenceTests {
    @Test func everyProposalMetricIsMappedOrExplained() {
        for p in MetricsReference.proposalMetrics {
            let families = Catalog.all.filter { $0.proposal.contains(p.name) }
            #expect(!families.isEmpty || !p.note.isEmpty, "\(p.name) has neither a family nor a note")
        }
        let named = Set(MetricsReference.proposalMetrics.map(\.name))
        for f in Catalog.all { for p in f.proposal { #expect(named.contains(p), "\(f.name) names unknown proposal metric \(p)") } }
    }

    /// docs/metrics.md is generated; this fails when the catalog changed and it was not regenerated.
    @Test func docsMetricsIsUpToDate() throws {
        for (path, content) in GeneratedFiles.all() {
            let url = Fixtures.repoRoot.appendingPathComponent(path)
            let onDisk = try String(contentsOf: url, encoding: .utf8)
            #expect(onDisk == content, "\(path) is stale: run `swift run sedna-exporter generate`")
        }
    }
}
