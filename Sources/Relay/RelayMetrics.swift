import Exposition
import SednaCatalog
import ServerSupport

/// The relay's own /metrics body: the `sedna_relay_*` families of the catalog
/// (`SelfMetrics.relayFamilies`, documented in docs/metrics.md), written through the same
/// `TextFormat` as the exporter's families. The central Prometheus scrapes it as job `sedna-relay`.
enum RelayMetrics {
    static func render(_ s: Spool.Stats, deliveryFailures: Int, lcUnreachable: Int, rejections: HTTPRejections? = nil) -> [UInt8] {
        var out: [UInt8] = []
        func one(_ f: MetricFamily, _ v: Double) {
            TextFormat.appendFamily(f, format: .text004, samples: [([], v)], to: &out)
        }
        one(SelfMetrics.relayQueueDepth, Double(s.depth))
        one(SelfMetrics.relayQueueBytes, Double(s.bytes))
        one(SelfMetrics.relayOldestQueuedAge, s.oldestAge)
        one(SelfMetrics.relayDelivered, Double(s.delivered))
        one(SelfMetrics.relayDropped, Double(s.dropped))
        one(SelfMetrics.relayDeliveryFailures, Double(deliveryFailures))
        one(SelfMetrics.relayLCUnreachable, Double(lcUnreachable))
        if let rejections {
            HTTPRejectionSection(family: SelfMetrics.relayHTTPRejected, rejections: rejections).write(format: .text004, into: &out)
        }
        return out
    }
}
