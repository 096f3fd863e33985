import Exposition
import KubeWatch
import SednaCatalog
import Synchronization

/// Renders the exporter's own families (`SelfMetrics.exporterFamilies`) at scrape time (a few
/// dozen series; no registry needed).
struct SelfMetricsWriter: ExpositionSection {
    let stats: WatchStats
    let inventory: Inventory
    let resources: [WatchedResource]
    let scrapes: Int
    let lastScrapeSeconds: Double
    var coalescedBodies = 0
    var gzipSegments = GzipSegmentCounts()
    let ready: Bool
    var shard = ShardAssignment(shard: 0, total: 1)
    /// The per-resource families as last written, reused while their inputs are unchanged.
    var perResource = PerResourceFamilies()

    func write(format: ExpositionFormat, into out: inout [UInt8]) {
        func family(_ f: MetricFamily, _ samples: [([String], Double)]) {
            TextFormat.appendFamily(f, format: format, samples: samples, to: &out)
        }
        family(SelfMetrics.buildInfo, [([ExporterVersion.version], 1)])
        let inputs = PerResourceFamilies.Inputs(format: format, resources: resources, stats: stats.snapshot(),
                                                objects: resources.map { inventory.store.count($0) },
                                                errors: inventory.translateErrors)
        out.append(contentsOf: perResource.bytes(for: inputs))
        family(SelfMetrics.renderDuration, [([], inventory.renderSeconds)])
        family(SelfMetrics.scrapes, [([], Double(scrapes))])
        family(SelfMetrics.scrapeDuration, [([], lastScrapeSeconds)])
        family(SelfMetrics.scrapeBodiesCoalesced, [([], Double(coalescedBodies))])
        let g = gzipSegments
        family(SelfMetrics.gzipSegments, [(["objects", "deflated"], Double(g.objects.deflated)),
                                          (["objects", "reused"], Double(g.objects.reused)),
                                          (["pushes", "deflated"], Double(g.pushes.deflated)),
                                          (["pushes", "reused"], Double(g.pushes.reused))])
        family(SelfMetrics.gzipDeflatedBytes, [(["objects"], Double(g.objects.bytes)), (["pushes"], Double(g.pushes.bytes))])
        family(SelfMetrics.ready, [([], ready ? 1 : 0)])
        family(SelfMetrics.shardOrdinal, [([], Double(shard.shard))])
        family(SelfMetrics.totalShards, [([], Double(shard.total))])
    }
}

/// The self-metric families written per watched resource (LIST and WATCH results, events,
/// objects, sync state, translation errors): most of the self-metrics' lines, and between two
/// scrapes of a quiet cluster none of them changes. Written anew on every scrape they were a
/// sixth of a gzip'd scrape's CPU (docs/benchmarks.md, session 17); now they are written again
/// only when what they are made of differs from the last scrape's, compared field by field.
final class PerResourceFamilies: Sendable {
    /// Everything the families are made of.
    struct Inputs: Equatable {
        var format: ExpositionFormat
        var resources: [WatchedResource]
        var stats: [WatchedResource: WatchStats.Resource]
        var objects: [Int]
        var errors: [WatchedResource: Int]
    }

    private let last = Mutex<(inputs: Inputs, bytes: [UInt8])?>(nil)

    func bytes(for inputs: Inputs) -> [UInt8] {
        if let kept = last.withLock({ $0 }), kept.inputs == inputs { return kept.bytes }
        let bytes = Self.write(inputs)
        last.withLock { $0 = (inputs, bytes) }
        return bytes
    }

    static func write(_ i: Inputs) -> [UInt8] {
        var out: [UInt8] = []
        func family(_ f: MetricFamily, _ samples: [([String], Double)]) {
            TextFormat.appendFamily(f, format: i.format, samples: samples, to: &out)
        }
        func perResource(_ pick: (WatchStats.Resource) -> [String: Int]) -> [([String], Double)] {
            i.resources.flatMap { r in
                pick(i.stats[r] ?? .init()).sorted { $0.key < $1.key }.map { ([r.description, $0.key], Double($0.value)) }
            }
        }
        family(SelfMetrics.listRequests, perResource { $0.listResults })
        family(SelfMetrics.listItems, perResource { $0.listItems })
        family(SelfMetrics.watchRequests, perResource { $0.watchResults })
        family(SelfMetrics.watchEvents, perResource { $0.events })
        family(SelfMetrics.lastSync, i.resources.compactMap { r in i.stats[r]?.lastSync.map { ([r.description], $0) } })
        family(SelfMetrics.objects, zip(i.resources, i.objects).map { ([$0.description], Double($1)) })
        family(SelfMetrics.resourceAvailable, i.resources.map { ([$0.description], i.stats[$0]?.available == true ? 1 : 0) })
        family(SelfMetrics.resourceSynced, i.resources.map { r in
            let s = i.stats[r]
            let ok = s?.synced == true && (s?.consecutiveFailures ?? 0) < WatchStats.failureThreshold
            return ([r.description], ok ? 1 : 0)
        })
        family(SelfMetrics.translateErrors, i.resources.map { ([$0.description], Double(i.errors[$0] ?? 0)) })
        return out
    }
}
