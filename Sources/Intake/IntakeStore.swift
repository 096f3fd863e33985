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
///
/// Both kinds are rendered when they arrive, as objects are on watch events: a report into
/// per-family slices of the catalog families, a group into per-family sample lines (its grouping
/// and task labels added). A scrape only concatenates; the assembled push section is kept until
/// the next change of the groups.
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
        /// Sample lines per family name, the extra labels added: rendered at push time.
        var rendered: [String: [UInt8]]

        init(key: GroupingKey, families: [String: TextParser.Family], pushTime: Double, binding: Binding,
             extraLabels: [(String, String)]) {
            self.key = key
            self.families = families
            self.pushTime = pushTime
            self.binding = binding
            self.extraLabels = extraLabels
            var rendered: [String: [UInt8]] = [:]
            for (name, f) in families {
                var bytes: [UInt8] = []
                for sample in f.samples {
                    var labels = sample.labels
                    for e in extraLabels where !labels.contains(where: { $0.0 == e.0 }) { labels.append(e) }
                    TextFormat.appendSample(name: sample.name, labels: labels.map(\.0), values: labels.map(\.1), value: sample.value,
                                            to: &bytes)
                }
                rendered[name] = bytes
            }
            self.rendered = rendered
        }
    }

    /// Two label values of a counter (kind and outcome, method and result, endpoint and code).
    struct CountKey: Hashable, Comparable {
        let a: String
        let b: String
        static func < (x: CountKey, y: CountKey) -> Bool { (x.a, x.b) < (y.a, y.b) }
    }

    struct Worker {
        var rendered: RenderedObject
        var binding: Binding
        var reportTime: Double
        /// The report's own words, for the status page: its worker `name`, `kind` (phase) and `status`.
        var name = ""
        var phase = ""
        var status = ""
    }

    struct State {
        var groups: [GroupingKey: Group] = [:] {
            didSet { pushSection = [:] }
        }
        var workers: [String: Worker] = [:]
        var reportCounts: [CountKey: Int] = [:]
        var pushCounts: [CountKey: Int] = [:]
        var responseCounts: [CountKey: Int] = [:]
        /// The assembled push section per format; emptied whenever `groups` changes.
        var pushSection: [ExpositionFormat: [UInt8]] = [:]
    }

    public let limits: IntakeLimits
    /// Sequence numbers of the edge relays delivering to this exporter.
    public let relays = RelayLedger()
    /// Unbound groups older than this many seconds are dropped; 0 keeps them.
    public let unboundExpiry: Double
    let state = Mutex(State())
    /// Reports waiting for their pod or task. Its own lock; when both are taken, `held` first.
    let held: Mutex<HeldReports>
    /// Whether reports not tied yet are held at all (--intake-hold-max and --intake-hold-seconds
    /// both above 0); otherwise they are counted `unresolved` and dropped.
    public let holdsReports: Bool

    public init(limits: IntakeLimits = IntakeLimits(), unboundExpiry: Double = 0, hold: HeldReports = HeldReports()) {
        self.limits = limits
        self.unboundExpiry = unboundExpiry
        self.held = Mutex(hold)
        self.holdsReports = hold.maxCount > 0 && hold.maxAge > 0
    }

    // MARK: pushes

    /// Applies a push. `families` is empty for DELETE. `taskLabels` are the binding's labels.
    public func push(_ method: Method, key: GroupingKey, families: [TextParser.Family], binding: Binding,
                     taskLabels: [(String, String)], now: Double) throws(IntakeError) {
        let result: Result<Void, IntakeError> = state.withLock { s in
            do throws(IntakeError) {
                try apply(method, key: key, families: families, binding: binding, taskLabels: taskLabels, now: now, &s)
                s.pushCounts[CountKey(a: "\(method)", b: "ok"), default: 0] += 1
                return .success(())
            } catch {
                s.pushCounts[CountKey(a: "\(method)", b: "rejected"), default: 0] += 1
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
            s.workers[id] = Worker(rendered: rendered, binding: binding, reportTime: now,
                                   name: r.name, phase: String(r.phase.prefix(32)), status: String(r.status.prefix(32)))
            return true
        }
        guard ok else { throw .limit("reports of \(limits.maxWorkers) workers are stored; the limit is reached (max-workers)") }
    }

    public func countReport(kind: String, outcome: String) {
        state.withLock { $0.reportCounts[CountKey(a: kind, b: outcome), default: 0] += 1 }
    }

    /// One answer of an intake endpoint (`sedna_intake_responses_total{endpoint, code}`).
    public func countResponse(endpoint: String, code: Int) {
        state.withLock { $0.responseCounts[CountKey(a: endpoint, b: String(code)), default: 0] += 1 }
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
            if s.groups.values.contains(where: { $0.binding.task == id || $0.binding.pod == id }) {
                s.groups = s.groups.filter { $0.value.binding.task != id && $0.value.binding.pod != id }
            }
            s.workers = s.workers.filter { $0.value.binding.task != id && $0.value.binding.pod != id }
        }
    }

    /// Drops unbound groups pushed more than `unboundExpiry` seconds before `now` (when set).
    public func expireUnbound(now: Double) {
        guard unboundExpiry > 0 else { return }
        state.withLock { s in
            let stale = { (g: Group) in g.binding.task == nil && g.binding.pod == nil && now - g.pushTime > self.unboundExpiry }
            if s.groups.values.contains(where: stale) { s.groups = s.groups.filter { !stale($0.value) } }
        }
    }

    /// Everything that ages out: held reports past their age, unbound groups past theirs.
    public func expire(now: Double) {
        expireHeld(now: now)
        expireUnbound(now: now)
    }

    public var groupCount: Int { state.withLock { $0.groups.count } }
    public var workerCount: Int { state.withLock { $0.workers.count } }

    // MARK: exposition

    /// Worker-report samples (catalog families, merged into the object exposition by the caller).
    public func workerRenderings() -> [RenderedObject] {
        state.withLock { s in s.workers.sorted { $0.key < $1.key }.map { $0.value.rendered } }
    }

    /// Pushed groups, family by family (families by name, groups by key within a family), then
    /// push_time_seconds. Assembled from the groups' pre-rendered lines once per change.
    public func writePushes(format: ExpositionFormat = .text004, into out: inout [UInt8]) {
        let section: [UInt8] = state.withLock { s in
            if let cached = s.pushSection[format] { return cached }
            let assembled = Self.assemblePushes(s.groups.values.sorted { $0.key.description < $1.key.description }, format: format)
            s.pushSection[format] = assembled
            return assembled
        }
        out.append(contentsOf: section)
    }

    private static func assemblePushes(_ groups: [Group], format: ExpositionFormat) -> [UInt8] {
        var out: [UInt8] = []
        var names = Set<String>()
        for g in groups { names.formUnion(g.families.keys) }
        for name in names.sorted() {
            var headerDone = false
            for g in groups {
                guard let f = g.families[name], let lines = g.rendered[name] else { continue }
                if !headerDone {
                    let help = groups.lazy.compactMap { $0.families[name]?.help }.first ?? "Pushed by a worker."
                    var headerName = name
                    var type = f.type
                    if format == .openMetrics {
                        if type == "counter", name.hasSuffix("_total") { headerName = String(name.dropLast(6)) }
                        if type == "untyped" { type = "unknown" }
                    }
                    out.append(contentsOf: "# HELP \(headerName) \(TextFormat.escapeHelp(help))\n# TYPE \(headerName) \(type)\n".utf8)
                    headerDone = true
                }
                out.append(contentsOf: lines)
            }
        }
        if !groups.isEmpty {
            out.append(contentsOf: "# HELP push_time_seconds Last Unix time a group was pushed (PUT or POST).\n# TYPE push_time_seconds gauge\n".utf8)
            for g in groups {
                TextFormat.appendSample(name: "push_time_seconds", labels: g.extraLabels.map(\.0), values: g.extraLabels.map(\.1),
                                        value: g.pushTime, to: &out)
            }
        }
        return out
    }

    /// The intake's own families (`SelfMetrics.intakeFamilies`); the relay ledger's included.
    public func writeSelfMetrics(format: ExpositionFormat = .text004, into out: inout [UInt8]) {
        let heldNow = heldCount
        let (reports, pushes, responses, groups, workers) = state.withLock {
            ($0.reportCounts, $0.pushCounts, $0.responseCounts, $0.groups.count, $0.workers.count)
        }
        func pairs(_ counts: [CountKey: Int]) -> [([String], Double)] {
            counts.sorted { $0.key < $1.key }.map { ([$0.key.a, $0.key.b], Double($0.value)) }
        }
        TextFormat.appendFamily(SelfMetrics.intakeReports, format: format, samples: pairs(reports), to: &out)
        TextFormat.appendFamily(SelfMetrics.intakePushes, format: format, samples: pairs(pushes), to: &out)
        TextFormat.appendFamily(SelfMetrics.intakeRelayReports, format: format,
                                samples: relays.counts().map { ([$0.relay, $0.result], Double($0.count)) }, to: &out)
        TextFormat.appendFamily(SelfMetrics.intakeResponses, format: format, samples: pairs(responses), to: &out)
        TextFormat.appendFamily(SelfMetrics.intakeGroups, format: format, samples: [([], Double(groups))], to: &out)
        TextFormat.appendFamily(SelfMetrics.intakeWorkers, format: format, samples: [([], Double(workers))], to: &out)
        TextFormat.appendFamily(SelfMetrics.intakeHeldReports, format: format, samples: [([], Double(heldNow))], to: &out)
    }
}
