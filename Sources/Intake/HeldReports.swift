/// Reports that could not be tied to a task yet, kept until their pod or task is watched.
///
/// A worker starts reporting as soon as it runs, and the exporter's watch may see the pod or
/// the task later (a relist, a slow watch, a relay delivering a backlog): such a report is held,
/// bounded in count and age, and tied when the inventory gains the pod or task. What is dropped
/// is returned to the caller so that it can be counted, never lost silently. Pure logic.
public struct HeldReports: Sendable {
    public struct Entry: Sendable, Equatable {
        public let report: WorkerReport
        /// The IP the report came from (request remote address or the relay's `peer`).
        public let peer: String?
        public let since: Double

        public init(report: WorkerReport, peer: String?, since: Double) {
            self.report = report
            self.peer = peer
            self.since = since
        }
    }

    /// Held at most; beyond it the oldest goes (flag --intake-hold-max).
    public let maxCount: Int
    /// Held at most this many seconds (flag --intake-hold-seconds).
    public let maxAge: Double
    /// Oldest first.
    public private(set) var entries: [Entry] = []

    public init(maxCount: Int = 10_000, maxAge: Double = 600) {
        self.maxCount = maxCount
        self.maxAge = maxAge
    }

    /// Holds `entry`; returns the entries pushed out (the oldest) to stay within `maxCount`.
    /// A newer report of the same worker from the same peer replaces the held one (the newest
    /// report carries running totals, so the older one adds nothing).
    public mutating func hold(_ entry: Entry) -> (replaced: Bool, overflow: [Entry]) {
        let before = entries.count
        entries.removeAll { $0.report.name == entry.report.name && $0.report.namespace == entry.report.namespace && $0.peer == entry.peer }
        let replaced = entries.count != before
        guard maxCount > 0 else { return (replaced, [entry]) }
        entries.append(entry)
        let excess = max(0, entries.count - maxCount)
        let out = Array(entries.prefix(excess))
        entries.removeFirst(excess)
        return (replaced, out)
    }

    /// Removes and returns the entries older than `maxAge` at `now`.
    public mutating func expire(now: Double) -> [Entry] {
        let old = entries.filter { now - $0.since > maxAge }
        if !old.isEmpty { entries.removeAll { now - $0.since > maxAge } }
        return old
    }

    /// Removes and returns the entries `resolve` ties now, in the order they arrived.
    public mutating func take<R>(_ resolve: (Entry) -> R?) -> [(Entry, R)] {
        var tied: [(Entry, R)] = []
        entries.removeAll { e in
            guard let r = resolve(e) else { return false }
            tied.append((e, r))
            return true
        }
        return tied
    }
}
