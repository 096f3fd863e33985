import Exposition
import Foundation
import Intake
import Relay
import KubeWatch
import SednaCatalog
import Synchronization

/// Builds /metrics bodies: every object's pre-rendered bytes, then self-metrics.
public final class MetricsEndpoint: Sendable {
    public let inventory: Inventory
    public let stats: WatchStats
    let resources: [WatchedResource]
    public let intake: IntakeStore?
    let webhook: WebhookCounters?
    /// Refused hostile requests and connections (`sedna_exporter_http_rejected_total`), once the
    /// server is wired.
    private let rejections = Mutex<HTTPRejections?>(nil)
    public var httpRejections: HTTPRejections? {
        get { rejections.withLock { $0 } }
        set { rejections.withLock { $0 = newValue } }
    }
    private let scrapeState = Mutex<(count: Int, lastSeconds: Double)>((0, 0))

    public init(inventory: Inventory, stats: WatchStats, resources: [WatchedResource], intake: IntakeStore? = nil,
                webhook: WebhookCounters? = nil) {
        self.webhook = webhook
        self.inventory = inventory
        self.stats = stats
        self.resources = resources
        self.intake = intake
    }

    public var readiness: (ready: Bool, reasons: [String]) { stats.readiness(expected: resources) }

    public func body(format: ExpositionFormat) -> [UInt8] {
        let started = ContinuousClock.now
        var out: [UInt8] = []
        out.reserveCapacity(64 * 1024)
        inventory.store.write(format: format, extra: intake?.workerRenderings() ?? [], into: &out)
        let (count, last) = scrapeState.withLock { s -> (Int, Double) in
            s.count += 1
            return (s.count, s.lastSeconds)
        }
        SelfMetricsWriter(stats: stats, inventory: inventory, resources: resources)
            .write(format: format, scrapes: count, lastScrapeSeconds: last, ready: readiness.ready, into: &out)
        webhook?.write(format: format, into: &out)
        if let r = httpRejections { HTTPRejectionMetrics.write(r, format: format, into: &out) }
        if let intake {
            intake.expireHeld(now: Date().timeIntervalSince1970)
            intake.writeSelfMetrics(into: &out)
            intake.writePushes(format: format, into: &out, now: Date().timeIntervalSince1970)
        }
        if format == .openMetrics { out.append(contentsOf: "# EOF\n".utf8) }
        let elapsed = ContinuousClock.now - started
        let (s, atto) = elapsed.components
        scrapeState.withLock { $0.lastSeconds = Double(s) + Double(atto) / 1e18 }
        return out
    }
}
