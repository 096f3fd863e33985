@testable import ExporterCore
import Exposition
import KubeWatch
import SednaCatalog
import Testing

/// The self-metrics' per-resource families are written again only when what they are made of
/// changed (`PerResourceFamilies`), and a scrape always shows the current figures.
@Suite struct SelfMetricsWriterTests {
    static func text(_ e: MetricsEndpoint, _ format: ExpositionFormat = .text004) -> String {
        String(decoding: e.response(format: format, gzip: false).bytes, as: UTF8.self)
    }

    static func line(_ text: String, _ prefix: String) -> Substring? {
        text.split(separator: "\n").first { $0.hasPrefix(prefix) }
    }

    @Test func everyScrapeShowsTheCurrentWatchFiguresInEachFormat() throws {
        let stats = WatchStats()
        let e = MetricsEndpoint(inventory: Inventory(), stats: stats, resources: [.pods, .nodes])
        stats.update(.pods) { $0.events["MODIFIED"] = 3 }
        let first = Self.text(e)
        #expect(Self.line(first, #"sedna_exporter_watch_events_total{resource="pods",type="MODIFIED"}"#)?.hasSuffix(" 3") == true)
        // Unchanged figures: the same lines (the scrape counter moves).
        let again = Self.text(e)
        #expect(again.split(separator: "\n").filter { !$0.contains("scrape") } == first.split(separator: "\n").filter { !$0.contains("scrape") })
        stats.update(.pods) { $0.events["MODIFIED"] = 4 }
        stats.update(.nodes) { $0.lastError = "boom"; $0.consecutiveFailures = 5; $0.synced = true }
        let changed = Self.text(e)
        #expect(Self.line(changed, #"sedna_exporter_watch_events_total{resource="pods",type="MODIFIED"}"#)?.hasSuffix(" 4") == true)
        #expect(Self.line(changed, #"sedna_exporter_resource_synced{resource="nodes"}"#)?.hasSuffix(" 0") == true)
        // The other format after this one: its own families, not the text ones.
        let open = Self.text(e, .openMetrics)
        #expect(open.contains("# TYPE sedna_exporter_watch_events counter"))
        #expect(open.hasSuffix("# EOF\n"))
        #expect(!Self.text(e).contains("# EOF"))
    }

    @Test func keptBytesAreWhatWritingTheSameInputsGives() {
        var stats = [WatchedResource: WatchStats.Resource]()
        stats[.pods, default: .init()].listResults["200"] = 2
        stats[.pods, default: .init()].lastSync = 1_700_000_000
        let inputs = PerResourceFamilies.Inputs(format: .text004, resources: [.pods, .nodes], stats: stats, objects: [5, 1],
                                                errors: [.pods: 1])
        let memo = PerResourceFamilies()
        #expect(memo.bytes(for: inputs) == PerResourceFamilies.write(inputs))
        #expect(memo.bytes(for: inputs) == PerResourceFamilies.write(inputs))
        var other = inputs
        other.objects = [6, 1]
        let text = String(decoding: memo.bytes(for: other), as: UTF8.self)
        #expect(text.contains("sedna_exporter_objects{resource=\"pods\"} 6\n"))
        #expect(memo.bytes(for: other) == PerResourceFamilies.write(other))
    }
}
