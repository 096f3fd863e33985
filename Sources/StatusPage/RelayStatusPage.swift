/// What the relay's status page (`GET /` of `sedna-exporter relay`) shows: its spool and
/// delivery to the central exporter, and which workers it has heard from.
public struct RelayStatus: Sendable {
    /// A report waiting in the spool for the central exporter.
    public struct Waiting: Sendable, Equatable {
        public let seq: UInt64
        public let worker: String
        public let time: Double
        public let peer: String?
        public init(seq: UInt64, worker: String, time: Double, peer: String?) {
            self.seq = seq
            self.worker = worker
            self.time = time
            self.peer = peer
        }
    }

    /// The last report the relay received from a worker (and peer address).
    public struct Sighting: Sendable, Equatable {
        public let worker: String
        public let peer: String?
        public let time: Double
        public let count: Int
        public init(worker: String, peer: String?, time: Double, count: Int) {
            self.worker = worker
            self.peer = peer
            self.time = time
            self.count = count
        }
    }

    public var now: Double
    public var relayName = ""
    public var node: String?
    /// URLs without credentials.
    public var centralURL = ""
    public var lcURL: String?
    public var depth = 0
    public var bytes = 0
    public var maxBytes = 0
    public var oldestAge: Double = 0
    public var delivered = 0
    public var dropped = 0
    public var deliveryFailures = 0
    public var lcUnreachable = 0
    /// The oldest waiting reports (at most the page's row limit are read from the spool).
    public var waiting: [Waiting] = []
    public var sightings: [Sighting] = []

    public init(now: Double) { self.now = now }
}

public enum RelayStatusPage {
    public static func render(_ r: RelayStatus, rowLimit: Int = ExporterStatusPage.rowLimit) -> String {
        var h = HTML()
        h.raw("<h1>Sedna relay</h1>\n<p class=\"summary\">")
        h.element("span", "relay \(r.relayName)")
        if let n = r.node { h.element("span", "node \(n)") }
        if r.depth == 0 {
            h.element("span", "✔ nothing waiting", cls: "ok-mark")
        } else {
            h.element("span", "\(r.depth) reports waiting, oldest \(StatusFormat.age(r.oldestAge))",
                      cls: r.oldestAge > 60 ? "bad-mark" : "warn-mark")
        }
        h.element("span", "\(r.delivered) delivered")
        h.element("span", "\(r.dropped) dropped", cls: r.dropped > 0 ? "bad-mark" : nil)
        h.element("span", "as of \(StatusFormat.absolute(r.now) ?? "?")", cls: "muted")
        h.raw("</p>\n<h2>Delivery</h2>\n<table><tbody>")
        func row(_ k: String, _ v: String, bad: Bool = false) {
            h.raw("<tr>")
            h.element("th", k)
            h.cell(v, cls: bad ? "bad-mark" : nil)
            h.raw("</tr>\n")
        }
        row("Central exporter", r.centralURL)
        row("LocalController", r.lcURL ?? "none (the relay answers workers itself)")
        row("Spool", "\(r.depth) reports, \(StatusFormat.bytes(r.bytes)) of \(StatusFormat.bytes(r.maxBytes))")
        row("Oldest waiting", r.depth == 0 ? "none" : StatusFormat.age(r.oldestAge), bad: r.depth > 0 && r.oldestAge > 60)
        row("Delivered since start", String(r.delivered))
        row("Failed deliveries", String(r.deliveryFailures), bad: r.deliveryFailures > 0 && r.depth > 0)
        row("Dropped (spool full)", String(r.dropped), bad: r.dropped > 0)
        row("LocalController unreachable", String(r.lcUnreachable), bad: r.lcUnreachable > 0)
        h.raw("</tbody></table>\n<h2>Workers heard from</h2>\n")
        let seen = r.sightings.sorted { ($0.worker, $0.peer ?? "") < ($1.worker, $1.peer ?? "") }
        h.table(["Worker", "Peer address", "Last report", "Reports"], seen, limit: rowLimit,
                empty: "No worker has reported to this relay since it started.") { h, x in
            h.cell(x.worker)
            h.cell(x.peer ?? "")
            h.cell(StatusFormat.ago(x.time, now: r.now), title: StatusFormat.absolute(x.time))
            h.cell(String(x.count))
        }
        h.raw("<h2>Waiting for the central exporter</h2>\n")
        h.table(["Seq", "Worker", "Peer address", "Queued"], r.waiting, limit: rowLimit,
                empty: "Nothing waiting: every report was delivered.") { h, w in
            h.cell(String(w.seq))
            h.cell(w.worker)
            h.cell(w.peer ?? "")
            h.cell(StatusFormat.ago(w.time, now: r.now), title: StatusFormat.absolute(w.time))
        }
        if r.depth > r.waiting.count {
            h.element("p", "and \(r.depth - r.waiting.count) more waiting (not shown)", cls: "muted")
        }
        return HTML.document(title: "Sedna relay status", body: h.out)
    }
}
