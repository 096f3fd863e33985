import Foundation
@testable import Relay
import Testing

/// The relay's /metrics body: the catalog's `sedna_relay_*` families, byte for byte what the
/// relay served before they moved into the catalog (the rules and dashboards read these names).
@Suite struct RelayMetricsTests {
    @Test func rendersEveryRelayFamilyFromTheCatalog() async throws {
        let dir = NSTemporaryDirectory() + "relay-metrics-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let spool = try Spool(dir: dir, maxBytes: 1 << 20)
        _ = try await spool.append(worker: "w", body: Array("{\"n\":1}".utf8), now: 10)
        let s = spool.stats(now: 12.5)
        let text = String(decoding: RelayMetrics.render(s, deliveryFailures: 3, lcUnreachable: 1), as: UTF8.self)
        #expect(text == """
        # HELP sedna_relay_queue_depth Reports waiting for the central exporter.
        # TYPE sedna_relay_queue_depth gauge
        sedna_relay_queue_depth 1
        # HELP sedna_relay_queue_bytes Bytes of the waiting reports.
        # TYPE sedna_relay_queue_bytes gauge
        sedna_relay_queue_bytes \(s.bytes)
        # HELP sedna_relay_oldest_queued_age_seconds Age of the oldest waiting report.
        # TYPE sedna_relay_oldest_queued_age_seconds gauge
        sedna_relay_oldest_queued_age_seconds 2.5
        # HELP sedna_relay_delivered_total Reports the central exporter acknowledged (since the relay started).
        # TYPE sedna_relay_delivered_total counter
        sedna_relay_delivered_total 0
        # HELP sedna_relay_dropped_total Reports dropped because the spool reached its size bound.
        # TYPE sedna_relay_dropped_total counter
        sedna_relay_dropped_total 0
        # HELP sedna_relay_delivery_failures_total Failed deliveries to the central exporter.
        # TYPE sedna_relay_delivery_failures_total counter
        sedna_relay_delivery_failures_total 3
        # HELP sedna_relay_lc_unreachable_total Worker reports the LocalController did not answer (the worker got 502; the copy was still kept).
        # TYPE sedna_relay_lc_unreachable_total counter
        sedna_relay_lc_unreachable_total 1

        """)
    }
}
