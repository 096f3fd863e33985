import SednaCatalog
import Synchronization

/// Turns watch events into store updates: filter, translate, render, replace.
///
/// It also keeps the few cross-object facts translators join (node location for pods, dataset
/// sample counts for federated learning) and re-renders the dependants when such a fact
/// changes. Pure logic: no I/O, driven by the reflectors or directly by tests.
///
/// Translation and rendering, the expensive part, run outside the lock against a snapshot of the
/// context; the lock is held only to apply the result (indexes, store entry). If the context
/// changed in between (a node's location, a dataset's sample count), a result that depends on it
/// is translated again under the lock, which is rare. A relist is translated whole outside the
/// lock and applied in chunks, so no event, intake lookup or status page waits for a whole relist,
/// and observers run after the lock is released. Scrapes read only the `MetricsStore` and never
/// take this lock.
///
/// With shards (docs/deploy.md), every object in scope is kept as context and indexed on every
/// shard; only the objects the shard owns are rendered (see `ObjectFilter`).
///
/// Calls for one resource are expected in order from one caller (its reflector); calls for
/// different resources may run concurrently.
public final class Inventory: Sendable {
    public let store: MetricsStore
    /// Settable for re-sharding (`setFilter`); read under the state lock on every event.
    private let currentFilter: Mutex<ObjectFilter>
    var filter: ObjectFilter { currentFilter.withLock { $0 } }

    /// Who a removed object was, for the intake: telemetry bound to a task or pod goes with it.
    public struct Identity: Sendable, Equatable, Hashable {
        public let resource: WatchedResource
        public let namespace: String
        public let name: String

        public init(resource: WatchedResource, namespace: String, name: String) {
            self.resource = resource
            self.namespace = namespace
            self.name = name
        }
    }

    /// A watched Sedna worker pod, as the intake needs it to tie a report to its task.
    public struct WorkerPod: Sendable, Equatable {
        public let namespace: String
        public let pod: String
        public let workerName: String?
        public let kind: SednaKind
        public let task: String
        /// `status.podIP`: the peer address a report from this pod arrives from (JI edge replicas
        /// of one Deployment share a WORKER_NAME, so the address is what keeps them apart).
        public let podIP: String?
        /// The effective (last) MINING_MODE env of the pod, when set: what Sedna's JointInference
        /// counts depends on it (lib/sedna/core/joint_inference/joint_inference.py).
        public let miningMode: String?

        public init(namespace: String, pod: String, workerName: String?, kind: SednaKind, task: String,
                    podIP: String? = nil, miningMode: String? = nil) {
            self.namespace = namespace
            self.pod = pod
            self.workerName = workerName
            self.kind = kind
            self.task = task
            self.podIP = podIP
            self.miningMode = miningMode
        }
    }

    /// What is kept of an object for re-rendering when a joined fact changes (the fields its
    /// rendering reads, `ReRenderFields`, packed: `PackedJSON`), with the version stamp of the
    /// event that stored it (a re-render of an older version is dropped).
    struct Kept {
        let packed: [UInt8]
        let stamp: UInt64

        /// The kept object; nil only if the bytes were not a packing (they always are).
        var object: KubeObject? { PackedJSON.unpack(packed).map(KubeObject.init) }
    }

    struct State {
        var context = TranslationContext()
        /// Bumped on every change of `context`: a translation made against an older one is redone.
        var contextGeneration: UInt64 = 0
        var stamp: UInt64 = 0
        var identities: [WatchedResource: [String: Identity]] = [:]
        var removalObservers: [@Sendable (Identity) -> Void] = []
        var additionObservers: [@Sendable () -> Void] = []
        /// Objects kept (packed) only where a joined fact may force a re-render (owned ones only).
        var pods: [String: Kept] = [:]
        var federated: [String: Kept] = [:]
        /// Who depends on a node or a dataset, so that its change finds them without a scan of
        /// every kept pod or job (a scan per dataset event made a 50k-task LIST quadratic:
        /// datasets x federated jobs, under the lock). Kept for owned objects, like `pods`.
        var podsByNode: [String: Set<String>] = [:]
        var podNode: [String: String] = [:]
        var federatedByDataset: [String: Set<String>] = [:]
        var federatedDatasets: [String: [String]] = [:]
        /// The key of the dataset each "namespace/name" in `context.datasetSamples` came from:
        /// a dataset deleted and created again under its name between two relists is two keys,
        /// and removing the old one must not take the new one's samples (a page-wise relist
        /// applies the new before it finds the old gone).
        var datasetKeys: [String: String] = [:]
        /// Every object in scope, owned or not (a relist removes the ones it no longer has), with
        /// the `ListItemHash` of the LIST item it was last applied from (0: applied from a watch
        /// event or parsed whole; the next relist parses it). `knownListItems`.
        var keys: [WatchedResource: [String: Int]] = [:]
        /// The same for objects a LIST brought that are out of scope (pods of no Sedna task,
        /// namespaces not exported): nothing is kept of them but this, so that the next relist
        /// does not parse them again just to drop them.
        var unscoped: [WatchedResource: [String: Int]] = [:]
        /// Indexes for the intake, which asks on every report and push: worker pods by
        /// namespace and pod key, and the key (UID) of each task by kind and "namespace/name".
        /// Kept for every task and worker pod in scope, on every shard.
        var workers: [String: [String: WorkerPod]] = [:]
        var taskKeys: [SednaKind: [String: String]] = [:]
        /// What the status page lists, by object key: kept from the samples at render time so
        /// that opening the page copies two dictionaries (copy-on-write) and parses nothing.
        var taskSummaries: [String: TaskSummary] = [:]
        var workerSummaries: [String: WorkerPodSummary] = [:]
    }

    /// An object's event translated outside the lock.
    struct Prepared {
        let resource: WatchedResource
        let key: String
        let object: KubeObject
        /// Out of scope or deleted: everything about it goes.
        let remove: Bool
        let owned: Bool
        let worker: WorkerPod?
        /// What is kept of an owned pod or federated job for re-rendering (`ReRenderFields`,
        /// packed), made here, outside the lock.
        var kept: [UInt8]?
        /// The rendering (owned objects only) and the context generation it was made against.
        var output: Output?
        var generation: UInt64
        /// For a re-render after a context change: the stamp the kept object must still have.
        let rerenderOf: UInt64?
        /// The object's `ListItemHash` when a relist page brought it, else 0.
        var listedHash = 0
    }

    struct Output {
        let rendered: RenderedObject
        let taskSummary: TaskSummary?
        let workerSummary: WorkerPodSummary?
    }

    /// What to do once the lock is released.
    struct Aftermath {
        var removed: [Identity] = []
        var added = false
        /// Owned objects whose joined fact changed, to re-render.
        var dependants: [(WatchedResource, String, Kept)] = []
    }

    private let state = Mutex(State())
    /// The keys each relist under way has listed so far (`beginRelist`).
    private let relistSeen = RelistKeys()
    /// Counters read by every self-metrics scrape: kept out of the state lock.
    private let renderNanos = Atomic<UInt64>(0)
    private let errors = Mutex<[WatchedResource: Int]>([:])
    /// How many objects one lock hold applies during a relist.
    static let chunk = 256

    public init(store: MetricsStore = MetricsStore(), filter: ObjectFilter = ObjectFilter()) {
        self.store = store
        self.currentFilter = Mutex(filter)
    }

    /// Re-sharding (`serve --auto-sharding`): the new filter applies to the events that follow;
    /// the caller relists every resource so that `replaceAll` drops what is no longer owned
    /// and renders what now is.
    public func setFilter(_ filter: ObjectFilter) {
        currentFilter.withLock { $0 = filter }
        // The same bytes may now be owned where they were not: the relist parses every item.
        state.withLock { s in
            for r in s.keys.keys { s.keys[r] = s.keys[r]?.mapValues { _ in 0 } }
            s.unscoped = [:]
        }
    }

    /// An added or modified object.
    public func upsert(_ resource: WatchedResource, _ object: KubeObject) {
        let (context, generation) = state.withLock { ($0.context, $0.contextGeneration) }
        commit([prepare(resource, object, deleted: false, context: context, generation: generation)])
    }

    public func delete(_ resource: WatchedResource, _ object: KubeObject) {
        commit([prepare(resource, object, deleted: true, context: nil, generation: 0)])
    }

    /// Changes of one watch read, in order: translated on every core, then applied in their
    /// order under one lock hold per chunk, as if `upsert` and `delete` had been called one by one.
    /// (`ParallelMap` maps a short batch on the calling thread.)
    public func apply(_ resource: WatchedResource, _ changes: [(object: KubeObject, deleted: Bool)]) {
        guard !changes.isEmpty else { return }
        let (context, generation) = state.withLock { ($0.context, $0.contextGeneration) }
        commit(ParallelMap.map(changes) { c in
            prepare(resource, c.object, deleted: c.deleted, context: c.deleted ? nil : context, generation: c.deleted ? 0 : generation)
        })
    }

    /// The result of a full LIST: objects not in it are gone. Translated outside the lock,
    /// applied a chunk at a time.
    public func replaceAll(_ resource: WatchedResource, _ objects: [KubeObject]) {
        let fresh = Set(objects.map(\.key))
        var work = removals(resource, keeping: fresh)
        let (context, generation) = state.withLock { ($0.context, $0.contextGeneration) }
        work += ParallelMap.map(objects) { prepare(resource, $0, deleted: false, context: context, generation: generation) }
        do {
            store.beginBulk()
            defer { store.endBulk() }
            commit(work)
        }
        work = []
        MemoryRelease.afterBulkChange()
    }

    /// A relist of `resource` applied page by page as its LIST pages arrive: `beginRelist`,
    /// `applyRelistPage` for each page, `completeRelist` once the last is in (a failed LIST
    /// ends with `abandonRelist` instead, and the next relist begins afresh).
    ///
    /// The same end state as one `replaceAll` of every page, but only one page's object trees
    /// are alive at a time. Gathering every page first held all of a resource's trees (20k
    /// pods' at 10k tasks) while their renderings were made, so the long-lived renderings were
    /// spread between short-lived trees; once the trees were freed, glibc could give back few
    /// whole pages, and RSS stayed at the relist's peak: 198-205 MiB against 142-148 MiB page by
    /// page (docs/benchmarks.md, session 11).
    public func beginRelist(_ resource: WatchedResource) {
        relistSeen.begin(resource)
    }

    /// Upserts one page's objects and remembers their keys, and its unchanged keys, for
    /// `completeRelist`. An unchanged key is an object held exactly as this page lists it
    /// (`knownListItems`): what it was rendered to stays, re-rendered since with any context
    /// change as every kept object is.
    public func applyRelistPage(_ resource: WatchedResource, _ page: RelistPage) {
        relistSeen.record(resource, page.keys)
        guard !page.objects.isEmpty else { return }
        let (context, generation) = state.withLock { ($0.context, $0.contextGeneration) }
        let work = ParallelMap.map(Array(zip(page.objects, page.hashes))) { o, hash in
            var p = prepare(resource, o, deleted: false, context: context, generation: generation)
            p.listedHash = hash
            return p
        }
        store.beginBulk()
        defer { store.endBulk() }
        commit(work)
    }

    /// A page of objects all parsed.
    public func applyRelistPage(_ resource: WatchedResource, _ objects: [KubeObject]) {
        applyRelistPage(resource, RelistPage(objects: objects))
    }

    /// The hash of each object of `resource` held exactly as a LIST item gave it, with its key:
    /// the next relist leaves items with these hashes unparsed (`ObjectSink.knownListItems`).
    /// Copied under the lock (copy-on-write), turned around outside it.
    public func knownListItems(_ resource: WatchedResource) -> [Int: String] {
        let (keys, unscoped) = state.withLock { ($0.keys[resource] ?? [:], $0.unscoped[resource] ?? [:]) }
        var out: [Int: String] = [:]
        out.reserveCapacity(keys.count + unscoped.count)
        for (key, hash) in keys where hash != 0 { out[hash] = key }
        for (key, hash) in unscoped { out[hash] = key }
        return out
    }

    /// Every page is in: what none of them held is gone. Without a relist begun, nothing.
    public func completeRelist(_ resource: WatchedResource) {
        guard let seen = relistSeen.finish(resource) else { return }
        state.withLock { s in s.unscoped[resource] = s.unscoped[resource]?.filter { seen.contains($0.key) } }
        let work = removals(resource, keeping: seen)
        if !work.isEmpty {
            store.beginBulk()
            defer { store.endBulk() }
            commit(work)
        }
        MemoryRelease.afterBulkChange()
    }

    /// The relist's LIST failed: the pages applied stay (they are the cluster as it was
    /// listed), nothing is removed; the next relist finds what is gone.
    public func abandonRelist(_ resource: WatchedResource) {
        relistSeen.abandon(resource)
    }

    /// Removal of every object of `resource` whose key is not in `keeping`.
    private func removals(_ resource: WatchedResource, keeping: Set<String>) -> [Prepared] {
        let gone = state.withLock { s in (s.keys[resource] ?? [:]).keys.filter { !keeping.contains($0) } }
        return gone.map { key in prepare(resource, Self.stub(key), deleted: true, context: nil, generation: 0) }
    }

    /// The resource disappeared (its CRD was removed): drop all its series.
    public func forget(_ resource: WatchedResource) {
        let keys = state.withLock { Array(($0.keys[resource] ?? [:]).keys) }
        store.beginBulk()
        defer { store.endBulk() }
        commit(keys.map { prepare(resource, Self.stub($0), deleted: true, context: nil, generation: 0) })
        state.withLock { s in
            s.keys[resource] = nil
            s.unscoped[resource] = nil
        }
        store.removeAll(resource)
        MemoryRelease.afterBulkChange()
    }

    /// Called (after the inventory's lock is released) for every task, dataset, model or pod in
    /// scope that disappears, by deletion or because a relist no longer has it.
    public func onRemoval(_ observer: @escaping @Sendable (Identity) -> Void) {
        state.withLock { $0.removalObservers.append(observer) }
    }

    /// Called (after the inventory's lock is released) whenever a worker pod or a task is added
    /// or changes: the intake re-tries the reports it holds for them.
    public func onAddition(_ observer: @escaping @Sendable () -> Void) {
        state.withLock { $0.additionObservers.append(observer) }
    }

    /// The kinds of the watched tasks named `name` in a namespace (a report's ownerName with an
    /// ownerKind that is no task kind is tied only when exactly one task has that name).
    public func taskKinds(namespace: String, name: String) -> [SednaKind] {
        state.withLock { s in
            SednaKind.allCases.filter { $0.isTask && s.taskKeys[$0]?["\(namespace)/\(name)"] != nil }
        }
    }

    /// The watched Sedna worker pods of a namespace (from an index kept on every pod event:
    /// the intake asks on every report and push, and a scan of all pods made that O(pods)).
    public func workerPods(namespace: String) -> [WorkerPod] {
        state.withLock { s in Array((s.workers[namespace] ?? [:]).values) }
    }

    /// The worker pod of that name in the namespace: searched under the lock without copying
    /// the namespace's pods (what `workerPods` does, for every push before).
    public func workerPod(namespace: String, pod: String) -> WorkerPod? {
        state.withLock { s in s.workers[namespace]?.values.first { $0.pod == pod } }
    }

    /// Whether a task of this kind and name is currently watched.
    public func hasTask(_ kind: SednaKind, namespace: String, name: String) -> Bool {
        state.withLock { s in s.taskKeys[kind]?["\(namespace)/\(name)"] != nil }
    }

    /// The UID of a watched task (namespace/name when it has none), known on every shard: what
    /// `ObjectFilter.owns(taskUID:)` decides the owning shard from.
    public func taskUID(_ kind: SednaKind, namespace: String, name: String) -> String? {
        state.withLock { s in s.taskKeys[kind]?["\(namespace)/\(name)"] }
    }

    /// Every watched task and worker pod as the status page shows them. Only the dictionaries
    /// are copied under the lock (copy-on-write, O(1)); the caller's iteration happens outside
    /// it, so a page view never holds up event handling or a scrape.
    public func summaries() -> (tasks: [String: TaskSummary], workers: [String: WorkerPodSummary]) {
        state.withLock { ($0.taskSummaries, $0.workerSummaries) }
    }

    public var translateErrors: [WatchedResource: Int] { errors.withLock { $0 } }
    public var renderSeconds: Double { Double(renderNanos.load(ordering: .relaxed)) / 1e9 }

    /// Records an object that could not even be decoded (counted per resource).
    public func recordUndecodable(_ resource: WatchedResource) {
        errors.withLock { $0[resource, default: 0] += 1 }
    }

    // MARK: - translation (no lock held)

    static func stub(_ key: String) -> KubeObject {
        KubeObject(.object(["metadata": .object(["uid": .string(key)])]))
    }

    /// Classifies and, for an owned object, translates and renders it.
    private func prepare(_ resource: WatchedResource, _ o: KubeObject, deleted: Bool,
                         context: TranslationContext?, generation: UInt64,
                         rerenderOf: (stamp: UInt64, packed: [UInt8])? = nil) -> Prepared {
        let key = o.key
        var remove = deleted || !filter.inScope(resource, o)
        var worker: WorkerPod?
        // A pod's role, read from its labels once for the filter, the index and the rendering.
        var role: PodRole?
        if !remove, resource == .pods {
            let r = PodRole.classify(o)
            role = r
            switch r {
            case .unrelated: remove = true   // labels can change; an unrelated pod keeps nothing
            case let .worker(kind, task, _): worker = Self.workerPod(o, kind: kind, task: task)
            case .component: break
            }
        }
        let owned = !remove && filter.owns(resource, o, role: role)
        var p = Prepared(resource: resource, key: key, object: o, remove: remove, owned: owned, worker: worker,
                         kept: nil, output: nil, generation: generation, rerenderOf: rerenderOf?.stamp)
        if owned, let context { p.output = render(resource, o, context: context, role: role) }
        if owned {
            switch resource {
            case .pods: p.kept = rerenderOf?.packed ?? PackedJSON.pack(ReRenderFields.pod(o).json)
            case .sedna(.federatedLearningJob): p.kept = rerenderOf?.packed ?? PackedJSON.pack(ReRenderFields.federatedJob(o).json)
            default: break
            }
        }
        return p
    }

    private static func workerPod(_ o: KubeObject, kind: SednaKind, task: String) -> WorkerPod {
        let env = (o.spec["containers"].array ?? []).flatMap { $0["env"].array ?? [] }
        // With duplicate env names the last one wins (the GM appends its own after the template's).
        let workerName = env.last { $0["name"].string == "WORKER_NAME" }?["value"].string
        let miningMode = env.last { $0["name"].string == "MINING_MODE" }?["value"].string
        let ip = o.status["podIP"].string.flatMap { $0.isEmpty ? nil : $0 }
        return WorkerPod(namespace: o.namespace, pod: o.name, workerName: workerName, kind: kind, task: task,
                         podIP: ip, miningMode: miningMode)
    }

    private func render(_ resource: WatchedResource, _ o: KubeObject, context: TranslationContext, role: PodRole? = nil) -> Output {
        let started = ContinuousClock.now
        defer {
            let d = (ContinuousClock.now - started).components
            renderNanos.add(UInt64(max(0, d.seconds)) * 1_000_000_000 + UInt64(max(0, d.attoseconds / 1_000_000_000)),
                            ordering: .relaxed)
        }
        let role = resource == .pods ? role ?? PodRole.classify(o) : nil
        let set: MetricSet
        switch resource {
        case .sedna(let kind): set = Translators.forKind(kind).translate(o, context: context)
        case .pods: set = PodTranslator.translate(o, context: context, role: role ?? .unrelated)
        case .nodes: set = NodeTranslator.translate(o, context: context)
        }
        var task: TaskSummary?
        var worker: WorkerPodSummary?
        switch resource {
        case .sedna(let kind) where kind.isTask:
            task = TaskSummary(kind: kind, namespace: o.namespace, name: o.name, samples: set)
        case .pods:
            if case let .worker(kind, taskName, _)? = role {
                worker = WorkerPodSummary(kind: kind, namespace: o.namespace, task: taskName, pod: o.name, samples: set)
            }
        default: break
        }
        return Output(rendered: RenderedObject(set), taskSummary: task, workerSummary: worker)
    }

    /// Whether a rendering reads the context (and must be redone when it changed meanwhile).
    private static func readsContext(_ resource: WatchedResource) -> Bool {
        resource == .pods || resource == .sedna(.federatedLearningJob)
    }

    // MARK: - applying (short lock holds)

    /// Applies prepared work a chunk per lock hold, then tells the observers and re-renders the
    /// dependants of any context change, outside the lock.
    private func commit(_ work: [Prepared]) {
        var work = work
        while !work.isEmpty {
            var after = Aftermath()
            var observers: (removal: [@Sendable (Identity) -> Void], addition: [@Sendable () -> Void]) = ([], [])
            var start = 0
            while start < work.count {
                let end = min(work.count, start + Self.chunk)
                state.withLock { s in
                    for i in start..<end { apply(&work[i], &s, &after) }
                    observers = (s.removalObservers, s.additionObservers)
                }
                start = end
            }
            for id in after.removed { for o in observers.removal { o(id) } }
            if after.added { for o in observers.addition { o() } }
            MemoryRelease.periodically()
            // Dependants of a changed node or dataset: rendered again outside the lock.
            guard !after.dependants.isEmpty else { return }
            var seen = Set<String>()
            let (context, generation) = state.withLock { ($0.context, $0.contextGeneration) }
            work = after.dependants.compactMap { resource, key, kept in
                guard seen.insert(key).inserted, let object = kept.object else { return nil }
                return prepare(resource, object, deleted: false, context: context, generation: generation,
                               rerenderOf: (kept.stamp, kept.packed))
            }
        }
    }

    private func apply(_ p: inout Prepared, _ s: inout State, _ after: inout Aftermath) {
        let resource = p.resource, key = p.key, o = p.object
        if let stamp = p.rerenderOf {
            // A re-render is dropped if a newer event for the object came in (it rendered itself).
            let current = resource == .pods ? s.pods[key] : s.federated[key]
            guard current?.stamp == stamp else { return }
        }
        if p.remove {
            // Out of scope as listed: remembered so that the next relist need not parse it.
            if p.listedHash != 0 {
                s.unscoped[resource, default: [:]][key] = p.listedHash
            } else if s.unscoped[resource]?[key] != nil {
                s.unscoped[resource]?[key] = nil
            }
            removeKey(resource, key, o, &s, &after)
            return
        }
        if s.unscoped[resource]?[key] != nil { s.unscoped[resource]?[key] = nil }
        if p.owned, Self.readsContext(resource), p.generation != s.contextGeneration {
            p.output = render(resource, o, context: s.context)
            p.generation = s.contextGeneration
        }
        s.stamp += 1
        // A re-render keeps the object as it was listed; anything else is what `p` says.
        if p.rerenderOf == nil || s.keys[resource]?[key] == nil { s.keys[resource, default: [:]][key] = p.listedHash }
        if resource != .nodes {
            s.identities[resource, default: [:]][key] = Identity(resource: resource, namespace: o.namespace, name: o.name)
        }
        switch resource {
        case .nodes:
            let loc = NodeTranslator.location(o)
            if s.context.nodeLocations[o.name] != loc {
                s.context.nodeLocations[o.name] = loc
                s.contextGeneration += 1
                collectPods(onNode: o.name, &s, &after)
            }
        case .pods:
            if let worker = p.worker {
                if s.workers[o.namespace]?[key] != worker {
                    s.workers[o.namespace, default: [:]][key] = worker
                    after.added = true
                }
            } else {
                s.workers[o.namespace]?[key] = nil
            }
            s.pods[key] = p.owned ? Kept(packed: p.kept ?? PackedJSON.pack(o.json), stamp: s.stamp) : nil
            Self.index(pod: key, node: p.owned ? o.spec["nodeName"].string : nil, &s)
        case .sedna(.dataset):
            let id = "\(o.namespace)/\(o.name)"
            let samples = o.status["numberOfSamples"].number
            s.datasetKeys[id] = key
            if s.context.datasetSamples[id] != samples {
                s.context.datasetSamples[id] = samples
                s.contextGeneration += 1
                collectFederated(namespace: o.namespace, dataset: o.name, &s, &after)
            }
        case .sedna(.federatedLearningJob):
            s.federated[key] = p.owned ? Kept(packed: p.kept ?? PackedJSON.pack(o.json), stamp: s.stamp) : nil
            Self.index(federated: key, datasets: p.owned ? Self.trainingDatasets(o) : [], &s)
        default: break
        }
        if case .sedna(let kind) = resource, kind.isTask {
            let id = "\(o.namespace)/\(o.name)"
            if s.taskKeys[kind]?[id] != key {
                s.taskKeys[kind, default: [:]][id] = key
                after.added = true
            }
        }
        if let out = p.output {
            if case .sedna(let kind) = resource, kind.isTask { s.taskSummaries[key] = out.taskSummary }
            if resource == .pods { s.workerSummaries[key] = out.workerSummary }
            store.put(resource, key: key, sortKey: "\(o.namespace)/\(o.name)", out.rendered)
        } else if !p.owned {
            // Not ours (any more): nothing of it is exported here.
            s.taskSummaries[key] = nil
            s.workerSummaries[key] = nil
            store.remove(resource, key: key)
        }
    }

    private func removeKey(_ resource: WatchedResource, _ key: String, _ o: KubeObject, _ s: inout State,
                           _ after: inout Aftermath) {
        guard s.keys[resource]?.removeValue(forKey: key) != nil else { return }
        store.remove(resource, key: key)
        s.taskSummaries[key] = nil
        s.workerSummaries[key] = nil
        var name = o.name, namespace = o.namespace
        if let id = s.identities[resource]?.removeValue(forKey: key) {
            if case .sedna(let kind) = resource, s.taskKeys[kind]?["\(id.namespace)/\(id.name)"] == key {
                s.taskKeys[kind]?["\(id.namespace)/\(id.name)"] = nil
            }
            after.removed.append(id)
            if name.isEmpty {
                name = id.name
                namespace = id.namespace
            }
        }
        switch resource {
        case .pods:
            s.pods[key] = nil
            Self.index(pod: key, node: nil, &s)
            if let pods = s.workers[namespace], pods[key] != nil {
                s.workers[namespace]?[key] = nil
            } else {
                for ns in s.workers.keys where s.workers[ns]?[key] != nil { s.workers[ns]?[key] = nil }
            }
        case .sedna(.federatedLearningJob):
            s.federated[key] = nil
            Self.index(federated: key, datasets: [], &s)
        case .nodes:
            if !o.name.isEmpty, s.context.nodeLocations.removeValue(forKey: o.name) != nil {
                s.contextGeneration += 1
                collectPods(onNode: o.name, &s, &after)
            }
        case .sedna(.dataset):
            let id = "\(namespace)/\(name)"
            guard !name.isEmpty, s.datasetKeys[id] == key else { break }
            s.datasetKeys[id] = nil
            if s.context.datasetSamples.removeValue(forKey: id) != nil {
                s.contextGeneration += 1
                collectFederated(namespace: namespace, dataset: name, &s, &after)
            }
        default: break
        }
    }

    private func collectPods(onNode node: String, _ s: inout State, _ after: inout Aftermath) {
        for key in s.podsByNode[node] ?? [] {
            if let pod = s.pods[key] { after.dependants.append((.pods, key, pod)) }
        }
    }

    /// "namespace/dataset" of every training worker of a federated job.
    static func trainingDatasets(_ o: KubeObject) -> [String] {
        (o.spec["trainingWorkers"].array ?? []).compactMap { w in w["dataset"]["name"].string.map { "\(o.namespace)/\($0)" } }
    }

    private static func index(pod key: String, node: String?, _ s: inout State) {
        let node = node.flatMap { $0.isEmpty ? nil : $0 }
        let old = s.podNode[key]
        guard old != node else { return }
        if let old {
            s.podsByNode[old]?.remove(key)
            if s.podsByNode[old]?.isEmpty == true { s.podsByNode[old] = nil }
        }
        s.podNode[key] = node
        if let node { s.podsByNode[node, default: []].insert(key) }
    }

    private static func index(federated key: String, datasets: [String], _ s: inout State) {
        let old = s.federatedDatasets[key] ?? []
        guard old != datasets else { return }
        for d in old {
            s.federatedByDataset[d]?.remove(key)
            if s.federatedByDataset[d]?.isEmpty == true { s.federatedByDataset[d] = nil }
        }
        s.federatedDatasets[key] = datasets.isEmpty ? nil : datasets
        for d in datasets { s.federatedByDataset[d, default: []].insert(key) }
    }

    /// The federated jobs that train on `dataset` (their per-node sample counts come from it).
    /// Only those: datasets change often (every LC re-read) and a long-running job's condition
    /// list grows with every round, so re-rendering every job of the namespace made dataset churn
    /// cost jobs x conditions (measured with `bench/exporter_bench.py --simulated-tasks`); found
    /// through `federatedByDataset`, not by a scan of every job.
    private func collectFederated(namespace: String, dataset: String, _ s: inout State, _ after: inout Aftermath) {
        for key in s.federatedByDataset["\(namespace)/\(dataset)"] ?? [] {
            if let job = s.federated[key] { after.dependants.append((.sedna(.federatedLearningJob), key, job)) }
        }
    }
}
