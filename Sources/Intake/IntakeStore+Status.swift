import Exposition

/// A read-only view of what the intake holds, for the status page: taken stripe by stripe
/// as plain values (no rendering, no sorting inside them) so that a page view never holds
/// up a report, a push or a scrape.
extension IntakeStore {
    public struct StatusView: Sendable {
        public struct Report: Sendable {
            public let namespace: String
            public let worker: String
            public let binding: Binding
            public let phase: String
            public let status: String
            public let time: Double
        }

        public struct Group: Sendable {
            public let labels: [GroupingKey.Pair]
            public let series: Int
            public let pushTime: Double
            public let binding: Binding
        }

        /// Newest report of each worker (and pod) tied to a task.
        public var reports: [Report] = []
        /// Reports waiting for their pod or task to be watched (oldest first).
        public var held: [HeldReports.Entry] = []
        public var groups: [Group] = []
        /// `sedna_intake_reports_total` by (kind, outcome).
        public var reportCounts: [(kind: String, outcome: String, count: Int)] = []
        /// `sedna_intake_pushes_total` by (method, result).
        public var pushCounts: [(method: String, result: String, count: Int)] = []
    }

    public func statusView() -> StatusView {
        let heldEntries = held.withLock { $0.entries }
        var v = StatusView()
        v.held = heldEntries
        v.reports = workers.values().map {
            StatusView.Report(namespace: $0.binding.task?.namespace ?? "", worker: $0.name, binding: $0.binding,
                              phase: $0.phase, status: $0.status, time: $0.reportTime)
        }
        v.groups = groups.values().map {
            StatusView.Group(labels: $0.key.labels, series: $0.families.values.reduce(0) { $0 + $1.samples.count },
                             pushTime: $0.pushTime, binding: $0.binding)
        }
        v.reportCounts = reportCounts.snapshot().map { ($0.key.a, $0.key.b, $0.count) }
        v.pushCounts = pushCounts.snapshot().map { ($0.key.a, $0.key.b, $0.count) }
        return v
    }
}
