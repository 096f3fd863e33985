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
///
/// No lock is shared by all requests: groups and workers live in stripes by key, each under
/// its own lock; the clash check against other groups asks `PushFamilyRegistry` (striped by
/// family name, and skipped when a group re-pushes what it had); counters and totals are
/// atomics; the push section is rebuilt by the scrape that finds it out of date, from copies
/// taken one stripe at a time, so a push never waits for a scrape.
public final class IntakeStore: Sendable {
    public enum Method: Sendable {
        case put, post, delete

        /// The `method` label of `sedna_intake_pushes_total`.
        var label: String {
            switch self {
            case .put: "put"
            case .post: "post"
            case .delete: "delete"
            }
        }
    }

    /// What a group or a report belongs to; removal of any of these removes it.
    public struct Binding: Sendable, Hashable {
        public var task: Inventory.Identity?
        public var pod: Inventory.Identity?

        public init(task: Inventory.Identity? = nil, pod: Inventory.Identity? = nil) {
            self.task = task
            self.pod = pod
        }
    }

    /// A stored group, never changed once made (a push makes a new one). A class: assembling
    /// the push section copies every group out of its stripe, one reference each instead of a
    /// retain of each of its fields (a tenth of the exporter's CPU under churn, where nearly
    /// every scrape follows a push; docs/benchmarks.md, session 13).
    final class Group: Sendable {
        let key: GroupingKey
        /// `key.description`, the order of groups within a family at render time.
        let sortKey: String
        /// Families by name, in name order at render time.
        let families: [String: TextParser.Family]
        let pushTime: Double
        let binding: Binding
        /// Labels to add to each sample: grouping labels, then the task's labels when bound.
        let extraLabels: [(String, String)]
        /// Sample lines per family name, the extra labels added: rendered at push time.
        let rendered: [String: [UInt8]]
        /// The group's `push_time_seconds` line, rendered at push time too.
        let pushTimeLine: [UInt8]
        /// When the group goes by itself: set for an unbound group whose key names a pod that
        /// was already deleted (`DepartedPods`).
        let expiresAt: Double?

        init(key: GroupingKey, sortKey: String, families: [String: TextParser.Family], pushTime: Double, binding: Binding,
             extraLabels: [(String, String)], rendered: [String: [UInt8]], expiresAt: Double? = nil) {
            self.key = key
            self.sortKey = sortKey
            self.families = families
            self.pushTime = pushTime
            self.binding = binding
            self.extraLabels = extraLabels
            self.rendered = rendered
            self.expiresAt = expiresAt
            var line: [UInt8] = []
            TextFormat.appendSample(name: "push_time_seconds", labels: extraLabels, value: pushTime, to: &line)
            pushTimeLine = line
        }

        /// Type and help of each family, as the registry knows them.
        var uses: [String: PushFamilyRegistry.Use] {
            families.mapValues { PushFamilyRegistry.Use(type: $0.type, help: $0.help) }
        }

        /// The family's sample lines, the extra labels a sample does not have itself added after its own.
        static func render(_ f: TextParser.Family, extraLabels: [(String, String)]) -> [UInt8] {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(f.samples.count * 96)
            for sample in f.samples {
                TextFormat.appendSample(name: sample.name, labels: sample.labels, extra: extraLabels, value: sample.value, to: &bytes)
            }
            return bytes
        }
    }

    struct Worker: Sendable {
        var rendered: RenderedObject
        var binding: Binding
        var reportTime: Double
        /// The report's own words, for the status page: its worker `name`, `kind` (phase) and `status`.
        var name = ""
        var phase = ""
        var status = ""
    }

    public let limits: IntakeLimits
    /// Sequence numbers of the edge relays delivering to this exporter.
    public let relays = RelayLedger()
    /// Unbound groups older than this many seconds are dropped; 0 keeps them.
    public let unboundExpiry: Double
    /// Seconds a group pushed for an already deleted pod stays visible (`DepartedPods`).
    public let departedGrace: Double
    let departed: Mutex<DepartedPods>
    /// When groups were last swept for `expiresAt` (the sweep runs at most every few seconds).
    let lastSweep = Mutex<Double>(0)
    let groups = Striped<GroupingKey, Group>()
    let workers = Striped<String, Worker>()
    let registry = PushFamilyRegistry()
    /// Stored groups and workers, kept beside the stripes for the limits and the gauges.
    let groupTotal = Atomic<Int>(0)
    let workerTotal = Atomic<Int>(0)
    /// Bumped after every change of the groups (once the change is in its stripe).
    let generation = Atomic<UInt64>(1)
    /// The assembled push section per format and the generation it was assembled at.
    let pushSection = Mutex<[ExpositionFormat: (generation: UInt64, bytes: [UInt8])]>([:])
    let reportCounts = CounterTable(SednaKind.allCases.map(\.rawValue) + ["unknown"], [
        "by_pod_ip", "by_worker_env", "by_pod_name", "by_owner", "by_owner_name", "held", "held_superseded",
        "held_overflow", "held_expired", "held_then_tied", "rejected", "relay_rejected", "unresolved",
    ])
    let pushCounts = CounterTable(["put", "post", "delete"], ["ok", "rejected"])
    let responseCounts = CounterTable(["report", "relay", "push", "delete"],
                                      ["200", "202", "400", "401", "403", "404", "405", "413", "415", "429", "500", "503"])
    /// Reports waiting for their pod or task. Its own lock, never taken with a stripe's.
    let held: Mutex<HeldReports>
    /// Whether reports not tied yet are held at all (--intake-hold-max and --intake-hold-seconds
    /// both above 0); otherwise they are counted `unresolved` and dropped.
    public let holdsReports: Bool

    public init(limits: IntakeLimits = IntakeLimits(), unboundExpiry: Double = 0, hold: HeldReports = HeldReports(),
                departedGrace: Double = 300, departedMemory: Double = 3_600) {
        self.limits = limits
        self.unboundExpiry = unboundExpiry
        self.departedGrace = departedGrace
        self.departed = Mutex(DepartedPods(memory: departedMemory))
        self.held = Mutex(hold)
        self.holdsReports = hold.maxCount > 0 && hold.maxAge > 0
    }

    // MARK: pushes

    /// Applies a push. `families` is empty for DELETE. `taskLabels` are the binding's labels.
    public func push(_ method: Method, key: GroupingKey, families: [TextParser.Family], binding: Binding,
                     taskLabels: [(String, String)], now: Double) throws(IntakeError) {
        do {
            try apply(method, key: key, families: families, binding: binding, taskLabels: taskLabels, now: now)
            pushCounts.add(method.label, "ok")
            MemoryRelease.periodically()   // each push frees the group it replaced
        } catch {
            pushCounts.add(method.label, "rejected")
            throw error
        }
    }

    private func apply(_ method: Method, key: GroupingKey, families: [TextParser.Family], binding: Binding,
                       taskLabels: [(String, String)], now: Double) throws(IntakeError) {
        if method == .delete {
            try groups.withLock(key) { d in
                guard let old = d.removeValue(forKey: key) else { return }
                registry.drop(old.uses)
                groupTotal.wrappingSubtract(1, ordering: .relaxed)
                generation.wrappingAdd(1, ordering: .releasing)
            }
            return
        }
        let grouping = key.labels.map { ($0.name, $0.value) }
        let extra = grouping + taskLabels.filter { t in !grouping.contains { $0.0 == t.0 } }
        // Everything that needs no other group is checked and rendered before the stripe is locked.
        var pushed: [(family: TextParser.Family, lines: [UInt8])] = []
        pushed.reserveCapacity(families.count)
        for f in families.map(PushCredentials.scrub) {
            try validate(f, extra: extra)
            pushed.append((f, Group.render(f, extraLabels: extra)))
        }
        let sortKey = key.description
        var expiresAt: Double?
        if binding.task == nil, binding.pod == nil, let ns = key.value("namespace"), let pod = key.value("pod"),
           departed.withLock({ $0.contains(namespace: ns, pod: pod) }) {
            expiresAt = now + departedGrace
        }
        try groups.withLock(key) { (d) throws(IntakeError) in
            let old = d[key]
            var merged: [String: TextParser.Family] = [:]
            var rendered: [String: [UInt8]] = [:]
            if method == .post, let old {
                merged = old.families
                if old.extraLabels.elementsEqual(extra, by: { $0 == $1 }) {
                    rendered = old.rendered
                } else {
                    for (name, f) in old.families { rendered[name] = Group.render(f, extraLabels: extra) }
                }
            }
            for p in pushed {
                merged[p.family.name] = p.family
                rendered[p.family.name] = p.lines
            }
            let series = merged.values.reduce(0) { $0 + $1.samples.count }
            guard series <= limits.maxSeriesPerGroup else {
                throw .limit("group has \(series) series; the limit is \(limits.maxSeriesPerGroup) (max-series-per-group)")
            }
            if old == nil {
                let stored = groupTotal.wrappingAdd(1, ordering: .relaxed).oldValue
                guard stored < limits.maxGroups else {
                    groupTotal.wrappingSubtract(1, ordering: .relaxed)
                    throw .limit("\(stored) groups are stored; the limit is \(limits.maxGroups) (max-groups)")
                }
            }
            let oldUses = old?.uses ?? [:]
            var changes: [PushFamilyRegistry.Change] = []
            for (name, f) in merged {
                changes.append(.init(name: name, old: oldUses[name], new: .init(type: f.type, help: f.help)))
            }
            for (name, use) in oldUses where merged[name] == nil { changes.append(.init(name: name, old: use, new: nil)) }
            do throws(IntakeError) {
                try registry.apply(changes)
            } catch {
                if old == nil { groupTotal.wrappingSubtract(1, ordering: .relaxed) }
                throw error
            }
            d[key] = Group(key: key, sortKey: sortKey, families: merged, pushTime: now, binding: binding,
                           extraLabels: extra, rendered: rendered, expiresAt: expiresAt)
            generation.wrappingAdd(1, ordering: .releasing)
        }
    }

    /// What a family can be checked for on its own: names the exporter serves, the training
    /// vocabulary's types, label sizes, labels contradicting the grouping key.
    private func validate(_ f: TextParser.Family, extra: [(String, String)]) throws(IntakeError) {
        if Self.reservedNames.contains(f.name) {
            throw .bad("\(f.name) is served by the exporter itself and cannot be pushed")
        }
        if let v = Self.vocabulary[f.name], f.type != "untyped", f.type != v {
            throw .bad("\(f.name) is a \(v) in the training vocabulary, not a \(f.type)")
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

    /// Family names a push may not use: the catalog's, the exporter's own, `push_time_seconds`.
    static let reservedNames: Set<String> = Set(Catalog.index.keys).union(SelfMetrics.families.map(\.name)).union(["push_time_seconds"])
    /// The exposed type of each family of the training vocabulary.
    static let vocabulary: [String: String] = Dictionary(PushVocabulary.entries.map { ($0.name, $0.type.exposedType) },
                                                         uniquingKeysWith: { a, _ in a })

    // MARK: worker reports

    /// Stores a resolved report (replacing the previous one of the same worker and pod: replicas
    /// sharing a WORKER_NAME but tied to their own pods never overwrite one another).
    public func report(_ r: WorkerReport, kind: SednaKind, task: String, pod: String?, miningMode: String? = nil,
                       now: Double) throws(IntakeError) {
        let id = "\(r.namespace)/\(kind.rawValue)/\(task)/\(r.name)/\(pod ?? "")"
        let rendered = RenderedObject(r.samples(kind: kind, task: task, pod: pod, miningMode: miningMode, now: now, limits: limits))
        let binding = Binding(task: Inventory.Identity(resource: .sedna(kind), namespace: r.namespace, name: task),
                              pod: pod.map { Inventory.Identity(resource: .pods, namespace: r.namespace, name: $0) })
        let worker = Worker(rendered: rendered, binding: binding, reportTime: now,
                            name: r.name, phase: String(r.phase.prefix(32)), status: String(r.status.prefix(32)))
        try workers.withLock(id) { (d) throws(IntakeError) in
            if d[id] == nil {
                guard workerTotal.wrappingAdd(1, ordering: .relaxed).oldValue < limits.maxWorkers else {
                    workerTotal.wrappingSubtract(1, ordering: .relaxed)
                    throw .limit("reports of \(limits.maxWorkers) workers are stored; the limit is reached (max-workers)")
                }
            }
            d[id] = worker
        }
    }

    public func countReport(kind: String, outcome: String) {
        reportCounts.add(kind, outcome)
    }

    /// One answer of an intake endpoint (`sedna_intake_responses_total{endpoint, code}`).
    public func countResponse(endpoint: String, code: Int) {
        responseCounts.add(endpoint, String(code))
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

    /// A task or pod was deleted: drop everything bound to it. A pod is remembered as departed
    /// (a push naming it later is kept only for `departedGrace`).
    public func removed(_ id: Inventory.Identity, now: Double) {
        if id.resource == .pods { departed.withLock { $0.add(namespace: id.namespace, pod: id.name, now: now) } }
        let bound = { (b: Binding) in b.task == id || b.pod == id }
        // A push that came before the exporter saw its pod stayed unbound (a lagging watch,
        // a relist after a fault); its key still names the pod, so it goes with the pod too.
        // Without this, every such group outlived its worker: the soak at --tasks 50 held
        // 14.5k groups for 2.5k pods after 45 minutes.
        let namesPod = { (g: Group) in
            id.resource == .pods && g.binding.task == nil && g.binding.pod == nil
                && g.key.value("pod") == id.name && g.key.value("namespace") == id.namespace
        }
        dropGroups { bound($0.binding) || namesPod($0) }
        let n = workers.removeAll(where: { bound($0.binding) })
        if n > 0 { workerTotal.wrappingSubtract(n, ordering: .relaxed) }
    }

    /// Drops unbound groups pushed more than `unboundExpiry` seconds before `now` (when set).
    public func expireUnbound(now: Double) {
        guard unboundExpiry > 0 else { return }
        dropGroups { g in g.binding.task == nil && g.binding.pod == nil && now - g.pushTime > self.unboundExpiry }
    }

    private func dropGroups(where drop: (Group) -> Bool) {
        let n = groups.removeAll(where: drop) { g in registry.drop(g.uses) }
        guard n > 0 else { return }
        groupTotal.wrappingSubtract(n, ordering: .relaxed)
        generation.wrappingAdd(1, ordering: .releasing)
    }

    /// Drops the groups pushed for departed pods once their grace is over, and forgets pods
    /// departed long ago; at most every 5 seconds (a scrape calls it), a walk over the groups.
    public func expireDeparted(now: Double) {
        let due = lastSweep.withLock { last -> Bool in
            guard now - last >= 5 || now < last else { return false }
            last = now
            return true
        }
        guard due else { return }
        departed.withLock { $0.forget(now: now) }
        dropGroups { g in g.expiresAt.map { $0 <= now } ?? false }
    }

    /// Everything that ages out: held reports past their age, unbound groups past theirs,
    /// groups of departed pods past their grace.
    public func expire(now: Double) {
        expireHeld(now: now)
        expireUnbound(now: now)
        expireDeparted(now: now)
    }

    public var groupCount: Int { groupTotal.load(ordering: .relaxed) }
    public var workerCount: Int { workerTotal.load(ordering: .relaxed) }

    // MARK: exposition

    /// Worker-report samples (catalog families, merged into the object exposition by the caller).
    public func workerRenderings() -> [RenderedObject] {
        workers.entries().sorted { $0.key < $1.key }.map { $0.value.rendered }
    }

    /// Pushed groups, family by family (families by name, groups by key within a family), then
    /// push_time_seconds. Assembled from the groups' pre-rendered lines by the first scrape
    /// after a change, outside every lock a push takes.
    public func writePushes(format: ExpositionFormat = .text004, into out: inout [UInt8]) {
        out.append(contentsOf: pushSection(format: format).bytes)
    }

    /// The push section of `writePushes` with the generation it was assembled at: the same
    /// bytes for the same generation, so a caller may keep its own copy (the exporter keeps one
    /// as the buffer it sends) until the generation moves.
    public func pushSection(format: ExpositionFormat) -> (generation: UInt64, bytes: [UInt8]) {
        let current = generation.load(ordering: .acquiring)
        if let cached = pushSection.withLock({ $0[format] }), cached.generation == current {
            return cached
        }
        let assembled = Self.assemblePushes(groups.values().sorted { $0.sortKey < $1.sortKey }, format: format)
        pushSection.withLock { cache in
            if (cache[format]?.generation ?? 0) < current { cache[format] = (current, assembled) }
        }
        return (current, assembled)
    }

    private static func assemblePushes(_ groups: [Group], format: ExpositionFormat) -> [UInt8] {
        let part = pushPieces(groups, format: format, generation: 0)
        var out: [UInt8] = []
        out.reserveCapacity(part.byteCount)
        part.forEachChunk(in: 0..<part.pieces.count) { out.append(contentsOf: $0) }
        return out
    }

    /// The push section as the pieces `writePushes` concatenates, with the generation they are
    /// of: what a gzip'd scrape compresses segment by segment (`PushPart.segments`) without the
    /// section being assembled first.
    public func pushPart(format: ExpositionFormat) -> PushPart {
        let current = generation.load(ordering: .acquiring)
        return Self.pushPieces(groups.values().sorted { $0.sortKey < $1.sortKey }, format: format, generation: current)
    }

    /// The generation of the pushed groups: it moves with every push, deletion and expiry.
    public var pushGeneration: UInt64 { generation.load(ordering: .acquiring) }

    private static func pushPieces(_ groups: [Group], format: ExpositionFormat, generation: UInt64) -> PushPart {
        // Each family's groups in group order, gathered in one pass over the groups.
        var byName: [String: [Int]] = [:]
        for (i, g) in groups.enumerated() {
            for name in g.families.keys { byName[name, default: []].append(i) }
        }
        var pieces: [PushPart.Piece] = []
        pieces.reserveCapacity(byName.values.reduce(0) { $0 + $1.count + 1 } + groups.count + 1)
        for name in byName.keys.sorted() {
            let holders = byName[name] ?? []
            guard let first = holders.first, let f = groups[first].families[name] else { continue }
            let help = holders.lazy.compactMap { groups[$0].families[name]?.help }.first ?? "Pushed by a worker."
            var headerName = name
            var type = f.type
            if format == .openMetrics {
                if type == "counter", name.hasSuffix("_total") { headerName = String(name.dropLast(6)) }
                if type == "untyped" { type = "unknown" }
            }
            pieces.append(.init(bytes: Array("# HELP \(headerName) \(TextFormat.escapeHelp(help))\n# TYPE \(headerName) \(type)\n".utf8),
                                header: true))
            for i in holders {
                if let lines = groups[i].rendered[name] { pieces.append(.init(bytes: lines, header: false)) }
            }
        }
        if !groups.isEmpty {
            pieces.append(.init(bytes: pushTimeHeader, header: true))
            for g in groups { pieces.append(.init(bytes: g.pushTimeLine, header: false)) }
        }
        return PushPart(generation: generation, pieces: pieces)
    }

    private static let pushTimeHeader = Array(
        "# HELP push_time_seconds Last Unix time a group was pushed (PUT or POST).\n# TYPE push_time_seconds gauge\n".utf8)

    /// The intake's own families (`SelfMetrics.intakeFamilies`); the relay ledger's included.
    public func writeSelfMetrics(format: ExpositionFormat = .text004, into out: inout [UInt8]) {
        let heldNow = heldCount
        let groups = groupCount, workers = workerCount
        func pairs(_ counts: CounterTable) -> [([String], Double)] {
            counts.snapshot().map { ([$0.key.a, $0.key.b], Double($0.count)) }
        }
        TextFormat.appendFamily(SelfMetrics.intakeReports, format: format, samples: pairs(reportCounts), to: &out)
        TextFormat.appendFamily(SelfMetrics.intakePushes, format: format, samples: pairs(pushCounts), to: &out)
        TextFormat.appendFamily(SelfMetrics.intakeRelayReports, format: format,
                                samples: relays.counts().map { ([$0.relay, $0.result], Double($0.count)) }, to: &out)
        TextFormat.appendFamily(SelfMetrics.intakeResponses, format: format, samples: pairs(responseCounts), to: &out)
        TextFormat.appendFamily(SelfMetrics.intakeGroups, format: format, samples: [([], Double(groups))], to: &out)
        TextFormat.appendFamily(SelfMetrics.intakeWorkers, format: format, samples: [([], Double(workers))], to: &out)
        TextFormat.appendFamily(SelfMetrics.intakeHeldReports, format: format, samples: [([], Double(heldNow))], to: &out)
    }
}

/// The push section as pieces, not yet concatenated (`IntakeStore.pushPart`): family headers
/// made for this body, and the groups' lines rendered at push time (shared, not copied).
public struct PushPart: Sendable {
    struct Piece: Sendable {
        let bytes: [UInt8]
        let header: Bool
    }

    public let generation: UInt64
    let pieces: [Piece]

    public var byteCount: Int { pieces.reduce(0) { $0 + $1.bytes.count } }

    /// Segments of about `target` bytes (`SegmentCutter`), each piece known by its bytes: the
    /// section is small (1.8 MiB at 100 simulated tasks) and its pieces are not kept between
    /// bodies, so hashing them is what tells a segment that did not change; never cut after a
    /// family's header.
    public func segments(target: Int = 16 * 1024) -> [BodySegment] {
        var cutter = SegmentCutter(target: target, expectedBytes: byteCount)
        for p in pieces { p.bytes.withUnsafeBytes { cutter.add(content: $0, cuttable: !p.header) } }
        return cutter.finish()
    }

    /// Hands the pieces of `range` to `body` in order, as memory valid only for that call.
    public func forEachChunk(in range: Range<Int>, _ body: (UnsafeRawBufferPointer) -> Void) {
        for p in pieces[range] { p.bytes.withUnsafeBytes(body) }
    }
}
