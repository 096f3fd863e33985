import Exposition
import SednaCatalog
import Synchronization

/// Worker telemetry: reports in Sedna's own format and Pushgateway-style groups, each tied to
/// the task (and pod) it belongs to and dropped when that task or pod is deleted.
///
/// Contract (as the Pushgateway's): PUT replaces a whole group, POST replaces the families it
/// names within the group, DELETE removes the group. Every request is validated completely
/// before anything changes, so a rejected request leaves the store as it was. Type or help
/// clashes with other groups or with the exporter's own families are rejected.
public final class IntakeStore: Sendable {
    public enum Method: Sendable { case put, post, delete }

    /// What a group or a report belongs to; removal of any of these removes it.
    public struct Binding: Sendable, Hashable {
        public var task: Inventory.Identity?
        public var pod: Inventory.Identity?

        public init(task: Inventory.Identity? = nil, pod: Inventory.Identity? = nil) {
            self.task = task
            self.pod = pod
        }
    }

    struct Group {
        var key: GroupingKey
        /// Families by name, in name order at render time.
        var families: [String: TextParser.Family]
        var pushTime: Double
        var binding: Binding
        /// Labels to add to each sample: grouping labels, then the task's labels when bound.
        var extraLabels: [(String, String)]
    }

    struct Worker {
        var rendered: RenderedObject
        var binding: Binding
        var reportTime: Double
    }

    struct State {
        var groups: [GroupingKey: Group] = [:]
        var workers: [String: Worker] = [:]
        var reportCounts: [String: Int] = [:]
        var pushCounts: [String: Int] = [:]
    }

    public let limits: IntakeLimits
    /// Sequence numbers of the edge relays delivering to this exporter.
    public let relays = RelayLedger()
    /// Unbound groups older than this many seconds are dropped; 0 keeps them.
    public let unboundExpiry: Double
    private let state = Mutex(State())
    /// Reports waiting for their pod or task. Its own lock; when both are taken, `held` first.
    private let held: Mutex<HeldReports>

    public init(limits: IntakeLimits = IntakeLimits(), unboundExpiry: Double = 0, hold: HeldReports = HeldReports()) {
        self.limits = limits
        self.unboundExpiry = unboundExpiry
        self.held = Mutex(hold)
    }

    // MARK: pushes

    /// Applies a push. `families` is empty for DELETE. `taskLabels` are the binding's labels.
    public func push(_ method: Method, key: GroupingKey, families: [TextParser.Family], binding: Binding,
                     taskLabels: [(String, String)], now: Double) throws(IntakeError) {
        let result: Result<Void, IntakeError> = state.withLock { s in
            do throws(IntakeError) {
                try apply(method, key: key, families: families, binding: binding, taskLabels: taskLabels, now: now, &s)
                s.pushCounts["\(method)_ok", default: 0] += 1
                return .success(())
            } catch {
                s.pushCounts["\(method)_rejected", default: 0] += 1
                return .failure(error)
            }
        }
        try result.get()
    }

    private func apply(_ method: Method, key: GroupingKey, families: [TextParser.Family], binding: Binding,
                       taskLabels: [(String, String)], now: Double, _ s: inout State) throws(IntakeError) {
        if method == .delete {
            s.groups[key] = nil
            return
        }
        let grouping = key.labels.map { ($0.name, $0.value) }
        let extra = grouping + taskLabels.filter { t in !grouping.contains { $0.0 == t.0 } }
        var merged: [String: TextParser.Family] = method == .post ? (s.groups[key]?.families ?? [:]) : [:]
        for f in families.map(PushCredentials.scrub) {
            try validate(f, extra: extra, key: key, s)
            merged[f.name] = f
        }
        let series = merged.values.reduce(0) { $0 + $1.samples.count }
        guard series <= limits.maxSeriesPerGroup else {
            throw .limit("group has \(series) series; the limit is \(limits.maxSeriesPerGroup) (max-series-per-group)")
        }
        if s.groups[key] == nil && s.groups.count >= limits.maxGroups {
            throw .limit("\(s.groups.count) groups are stored; the limit is \(limits.maxGroups) (max-groups)")
        }
        s.groups[key] = Group(key: key, families: merged, pushTime: now, binding: binding, extraLabels: extra)
    }

    private func validate(_ f: TextParser.Family, extra: [(String, String)], key: GroupingKey, _ s: State) throws(IntakeError) {
        if Catalog.index[f.name] != nil || SelfMetrics.families.contains(where: { $0.name == f.name }) || f.name == "push_time_seconds" {
            throw .bad("\(f.name) is served by the exporter itself and cannot be pushed")
        }
        if let v = PushVocabulary.entries.first(where: { $0.name == f.name }), f.type != "untyped", f.type != v.type.exposedType {
            throw .bad("\(f.name) is a \(v.type.exposedType) in the training vocabulary, not a \(f.type)")
        }
        for (otherKey, g) in s.groups where otherKey != key {
            guard let other = g.families[f.name] else { continue }
            if other.type != f.type {
                throw .bad("\(f.name) is pushed as \(f.type) but group {\(otherKey)} has it as \(other.type)")
            }
            if let h = f.help, let oh = other.help, h != oh {
                throw .bad("\(f.name) has help \"\(h.prefix(80))\" but group {\(otherKey)} has \"\(oh.prefix(80))\"")
            }
        }
        for sample in f.samples {
            for (name, value) in sample.labels {
                guard name.utf8.count <= limits.maxLabelNameBytes else { throw .limit("label name longer than \(limits.maxLabelNameBytes) bytes (max-label-name-bytes)") }
                guard value.utf8.count <= limits.maxLabelValueBytes else {
                    throw .limit("label \(name) of \(sample.name) is \(value.utf8.count) bytes; the limit is \(limits.maxLabelValueBytes) (max-label-value-bytes)")
                }
                if let g = extra.first(where: { $0.0 == name }), g.1 != value {
                    throw .bad("\(sample.name) has \(name)=\"\(value.prefix(80))\" but the grouping key says \"\(g.1.prefix(80))\"")
                }
            }
        }
    }

    // MARK: worker reports

    /// Stores a resolved report (replacing the previous one of the same worker and pod: replicas
    /// sharing a WORKER_NAME but tied to their own pods never overwrite one another).
    public func report(_ r: WorkerReport, kind: SednaKind, task: String, pod: String?, miningMode: String? = nil,
                       now: Double) throws(IntakeError) {
        let id = "\(r.namespace)/\(kind.rawValue)/\(task)/\(r.name)/\(pod ?? "")"
        let rendered = RenderedObject(r.samples(kind: kind, task: task, pod: pod, miningMode: miningMode, now: now, limits: limits))
        let binding = Binding(task: Inventory.Identity(resource: .sedna(kind), namespace: r.namespace, name: task),
                              pod: pod.map { Inventory.Identity(resource: .pods, namespace: r.namespace, name: $0) })
        let ok: Bool = state.withLock { s in
            if s.workers[id] == nil && s.workers.count >= limits.maxWorkers { return false }
            s.workers[id] = Worker(rendered: rendered, binding: binding, reportTime: now)
            return true
        }
        guard ok else { throw .limit("reports of \(limits.maxWorkers) workers are stored; the limit is reached (max-workers)") }
    }

    public func countReport(kind: String, outcome: String) {
        state.withLock { $0.reportCounts["\(kind)\u{0}\(outcome)", default: 0] += 1 }
    }

    /// The kind label of a report not tied to a task: its ownerKind when that is a Sedna kind.
    static func unresolvedKind(_ r: WorkerReport) -> String { SednaKind.fromLowercased(r.ownerKind)?.rawValue ?? "unknown" }

    // MARK: held reports

    /// Holds a report that could not be tied yet (counted "held"); what the bounds push out or
    /// what has expired is counted (held_overflow, held_expired), or held_superseded when a newer
    /// report of the same worker and peer replaces a held one.
    public func hold(_ r: WorkerReport, peer: String?, now: Double) {
        let dropped: [HeldReports.Entry] = held.withLock { h in
            let expired = h.expire(now: now)
            let (replaced, overflow) = h.hold(HeldReports.Entry(report: r, peer: peer, since: now))
            if replaced { countReport(kind: Self.unresolvedKind(r), outcome: "held_superseded") }
            for e in overflow { countReport(kind: Self.unresolvedKind(e.report), outcome: "held_overflow") }
            return expired
        }
        for e in dropped { countReport(kind: Self.unresolvedKind(e.report), outcome: "held_expired") }
        countReport(kind: Self.unresolvedKind(r), outcome: "held")
    }

    /// Ties the held reports `resolve` can place now and stores them (counted held_then_tied);
    /// expired ones are dropped and counted first. Returns how many were tied.
    @discardableResult
    public func retryHeld(now: Double, resolve: (HeldReports.Entry) -> TaskResolver.Resolution?) -> Int {
        let (expired, tied) = held.withLock { h in (h.expire(now: now), h.take(resolve)) }
        for e in expired { countReport(kind: Self.unresolvedKind(e.report), outcome: "held_expired") }
        var stored = 0
        for (e, res) in tied {
            do {
                try report(e.report, kind: res.kind, task: res.task, pod: res.pod, miningMode: res.miningMode, now: now)
                countReport(kind: res.kind.rawValue, outcome: "held_then_tied")
                stored += 1
            } catch {
                countReport(kind: res.kind.rawValue, outcome: "rejected")
            }
        }
        return stored
    }

    /// Drops held reports past their age (counted held_expired).
    public func expireHeld(now: Double) {
        let expired = held.withLock { $0.expire(now: now) }
        for e in expired { countReport(kind: Self.unresolvedKind(e.report), outcome: "held_expired") }
    }

    public var heldCount: Int { held.withLock { $0.entries.count } }

    // MARK: lifecycle

    /// A task or pod was deleted: drop everything bound to it.
    public func removed(_ id: Inventory.Identity) {
        state.withLock { s in
            s.groups = s.groups.filter { $0.value.binding.task != id && $0.value.binding.pod != id }
            s.workers = s.workers.filter { $0.value.binding.task != id && $0.value.binding.pod != id }
        }
    }

    public var groupCount: Int { state.withLock { $0.groups.count } }
    public var workerCount: Int { state.withLock { $0.workers.count } }

    // MARK: exposition

    /// Worker-report samples (catalog families, merged into the object exposition by the caller).
    public func workerRenderings() -> [RenderedObject] {
        state.withLock { s in s.workers.sorted { $0.key < $1.key }.map { $0.value.rendered } }
    }

    /// Pushed groups, family by family, then push_time_seconds; and the intake's own counters.
    public func writePushes(format: ExpositionFormat = .text004, into out: inout [UInt8], now: Double) {
        let groups: [Group] = state.withLock { s in
            if unboundExpiry > 0 {
                s.groups = s.groups.filter { $0.value.binding.task != nil || $0.value.binding.pod != nil || now - $0.value.pushTime <= unboundExpiry }
            }
            return s.groups.values.sorted { $0.key.description < $1.key.description }
        }
        var names = Set<String>()
        for g in groups { names.formUnion(g.families.keys) }
        for name in names.sorted() {
            var headerDone = false
            for g in groups {
                guard let f = g.families[name] else { continue }
                if !headerDone {
                    let help = groups.lazy.compactMap { $0.families[name]?.help }.first ?? "Pushed by a worker."
                    var headerName = name
                    var type = f.type
                    if format == .openMetrics {
                        if type == "counter", name.hasSuffix("_total") { headerName = String(name.dropLast(6)) }
                        if type == "untyped" { type = "unknown" }
                    }
                    let escaped = help.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
                    out.append(contentsOf: "# HELP \(headerName) \(escaped)\n# TYPE \(headerName) \(type)\n".utf8)
                    headerDone = true
                }
                for sample in f.samples {
                    var labels = sample.labels
                    for e in g.extraLabels where !labels.contains(where: { $0.0 == e.0 }) { labels.append(e) }
                    TextFormat.appendSample(name: sample.name, labels: labels.map(\.0), values: labels.map(\.1), value: sample.value, to: &out)
                }
            }
        }
        if !groups.isEmpty {
            out.append(contentsOf: "# HELP push_time_seconds Last Unix time a group was pushed (PUT or POST).\n# TYPE push_time_seconds gauge\n".utf8)
            for g in groups {
                TextFormat.appendSample(name: "push_time_seconds", labels: g.extraLabels.map(\.0), values: g.extraLabels.map(\.1),
                                        value: g.pushTime, to: &out)
            }
        }
    }

    /// Counters of the intake itself.
    public func writeSelfMetrics(into out: inout [UInt8]) {
        let heldNow = heldCount
        let (reports, pushes, groups, workers) = state.withLock { ($0.reportCounts, $0.pushCounts, $0.groups.count, $0.workers.count) }
        out.append(contentsOf: "# HELP sedna_intake_reports_total Worker reports received, by the task kind they were tied to and outcome.\n# TYPE sedna_intake_reports_total counter\n".utf8)
        for (k, v) in reports.sorted(by: { $0.key < $1.key }) {
            let parts = k.split(separator: "\u{0}", omittingEmptySubsequences: false).map(String.init)
            TextFormat.appendSample(name: "sedna_intake_reports_total", labels: ["kind", "outcome"], values: parts, value: Double(v), to: &out)
        }
        out.append(contentsOf: "# HELP sedna_intake_pushes_total Pushgateway-style requests, by method and result.\n# TYPE sedna_intake_pushes_total counter\n".utf8)
        for (k, v) in pushes.sorted(by: { $0.key < $1.key }) {
            let parts = k.split(separator: "_", maxSplits: 1).map(String.init)
            TextFormat.appendSample(name: "sedna_intake_pushes_total", labels: ["method", "result"], values: parts, value: Double(v), to: &out)
        }
        let relayCounts = relays.counts()
        if !relayCounts.isEmpty {
            out.append(contentsOf: "# HELP sedna_intake_relay_reports_total Reports delivered by edge relays: accepted, or duplicate (already accepted, dropped).\n# TYPE sedna_intake_relay_reports_total counter\n".utf8)
            for c in relayCounts {
                TextFormat.appendSample(name: "sedna_intake_relay_reports_total", labels: ["relay", "result"], values: [c.relay, c.result],
                                        value: Double(c.count), to: &out)
            }
        }
        out.append(contentsOf: "# HELP sedna_intake_groups Pushed groups held.\n# TYPE sedna_intake_groups gauge\nsedna_intake_groups \(groups)\n".utf8)
        out.append(contentsOf: "# HELP sedna_intake_workers Workers whose newest report is held.\n# TYPE sedna_intake_workers gauge\nsedna_intake_workers \(workers)\n".utf8)
        out.append(contentsOf: "# HELP sedna_intake_held_reports Reports waiting for their pod or task to be watched.\n# TYPE sedna_intake_held_reports gauge\nsedna_intake_held_reports \(heldNow)\n".utf8)
    }
}
