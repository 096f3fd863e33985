import Exposition
import KubeWatch
import SednaCatalog

/// Renders the exporter's own families (`SelfMetrics.exporterFamilies`) at scrape time (a few
/// dozen series; no registry needed).
struct SelfMetricsWriter: ExpositionSection {
    let stats: WatchStats
    let inventory: Inventory
    let resources: [WatchedResource]
    let scrapes: Int
    let lastScrapeSeconds: Double
    var coalescedBodies = 0
    let ready: Bool
    var shard = ShardAssignment(shard: 0, total: 1)

    func write(format: ExpositionFormat, into out: inout [UInt8]) {
        let snap = stats.snapshot()
        func family(_ f: MetricFamily, _ samples: [([String], Double)]) {
            TextFormat.appendFamily(f, format: format, samples: samples, to: &out)
        }
        func perResource(_ pick: (KubeWatch.WatchStats.Resource) -> [String: Int]) -> [([String], Double)] {
            resources.flatMap { r in
                pick(snap[r] ?? .init()).sorted { $0.key < $1.key }.map { ([r.description, $0.key], Double($0.value)) }
            }
        }
        family(SelfMetrics.buildInfo, [([ExporterVersion.version], 1)])
        family(SelfMetrics.listRequests, perResource { $0.listResults })
        family(SelfMetrics.listItems, perResource { $0.listItems })
        family(SelfMetrics.watchRequests, perResource { $0.watchResults })
        family(SelfMetrics.watchEvents, perResource { $0.events })
        family(SelfMetrics.lastSync, resources.compactMap { r in snap[r]?.lastSync.map { ([r.description], $0) } })
        family(SelfMetrics.objects, resources.map { ([$0.description], Double(inventory.store.count($0))) })
        family(SelfMetrics.resourceAvailable, resources.map { ([$0.description], snap[$0]?.available == true ? 1 : 0) })
        family(SelfMetrics.resourceSynced, resources.map { r in
            let s = snap[r]
            let ok = s?.synced == true && (s?.consecutiveFailures ?? 0) < WatchStats.failureThreshold
            return ([r.description], ok ? 1 : 0)
        })
        let errors = inventory.translateErrors
        family(SelfMetrics.translateErrors, resources.map { ([$0.description], Double(errors[$0] ?? 0)) })
        family(SelfMetrics.renderDuration, [([], inventory.renderSeconds)])
        family(SelfMetrics.scrapes, [([], Double(scrapes))])
        family(SelfMetrics.scrapeDuration, [([], lastScrapeSeconds)])
        family(SelfMetrics.scrapeBodiesCoalesced, [([], Double(coalescedBodies))])
        family(SelfMetrics.ready, [([], ready ? 1 : 0)])
        family(SelfMetrics.shardOrdinal, [([], Double(shard.shard))])
        family(SelfMetrics.totalShards, [([], Double(shard.total))])
    }
}
