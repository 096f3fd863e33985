import Foundation
import Hummingbird
import NIOCore
import SednaCatalog
import ServerSupport
import StatusPage
import Synchronization

/// The workers a relay has heard from: the last report time, peer address and count per
/// (worker, peer), bounded so that a flood of invented worker names cannot grow it without
/// limit (past `maxEntries` the longest-silent entry goes). What `GET /` shows to answer "did
/// my worker report?" on the node itself.
public final class WorkerSightings: Sendable {
    public let maxEntries: Int
    private let state = Mutex<[String: RelayStatus.Sighting]>([:])

    public init(maxEntries: Int = 2000) { self.maxEntries = maxEntries }

    public func saw(worker: String, peer: String?, now: Double) {
        let w = String(worker.prefix(253))
        let key = "\(w)\u{0}\(peer ?? "")"
        state.withLock { s in
            let count = (s[key]?.count ?? 0) + 1
            if s[key] == nil, s.count >= maxEntries, let oldest = s.min(by: { $0.value.time < $1.value.time })?.key {
                s[oldest] = nil
            }
            s[key] = RelayStatus.Sighting(worker: w, peer: peer, time: now, count: count)
        }
    }

    public func all() -> [RelayStatus.Sighting] { Array(state.withLock { $0 }.values) }
}

extension RelayApp {
    /// The relay's status page at `/` (GET and HEAD).
    static func registerStatus(on router: Router<RelayRequestContext>, config: RelayConfiguration, spool: Spool,
                               sightings: WorkerSightings, failures: FailureCounter, lcUnreachable: FailureCounter) {
        let page: @Sendable () -> String = {
            RelayStatusPage.render(status(config: config, spool: spool, sightings: sightings, failures: failures.value,
                                          lcUnreachable: lcUnreachable.value, now: Date().timeIntervalSince1970))
        }
        router.get("/") { _, _ in HTMLResponse.make(page(), head: false) }
        router.head("/") { _, _ in HTMLResponse.make(page(), head: true) }
    }

    /// The relay's state as the page shows it (URLs without credentials).
    static func status(config: RelayConfiguration, spool: Spool, sightings: WorkerSightings, failures: Int, lcUnreachable: Int,
                       now: Double) -> RelayStatus {
        let stats = spool.stats(now: now)
        var r = RelayStatus(now: now)
        r.relayName = config.relayName
        r.node = config.nodeName
        r.centralURL = URLSanitizer.sanitize(config.centralURL)
        r.lcURL = config.lcURL.map(URLSanitizer.sanitize)
        r.depth = stats.depth
        r.bytes = stats.bytes
        r.maxBytes = spool.maxBytes
        r.oldestAge = stats.oldestAge
        r.delivered = stats.delivered
        r.dropped = stats.dropped
        r.deliveryFailures = failures
        r.lcUnreachable = lcUnreachable
        r.waiting = spool.pending(limit: ExporterStatusPage.rowLimit).map {
            RelayStatus.Waiting(seq: $0.seq, worker: $0.worker, time: $0.time, peer: $0.peer)
        }
        r.sightings = sightings.all()
        return r
    }
}
