import SednaCatalog
import Synchronization

/// Turns watch events into store updates: filter, translate, render, replace.
///
/// It also keeps the few cross-object facts translators join (node location for pods, dataset
/// sample counts for federated learning) and re-renders the dependants when such a fact
/// changes. Pure logic: no I/O, driven by the reflectors or directly by tests.
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

    struct State {
        var context = TranslationContext()
        var identities: [WatchedResource: [String: Identity]] = [:]
        var removalObservers: [@Sendable (Identity) -> Void] = []
        var additionObservers: [@Sendable () -> Void] = []
        /// Raw objects kept only where a joined fact may force a re-render.
        var pods: [String: KubeObject] = [:]
        var federated: [String: KubeObject] = [:]
        var keys: [WatchedResource: Set<String>] = [:]
        /// Indexes for the intake, which asks on every report and push: worker pods by
        /// namespace and pod key, and the key of each task by kind and "namespace/name".
        var workers: [String: [String: WorkerPod]] = [:]
        var taskKeys: [SednaKind: [String: String]] = [:]
        var translateErrors: [WatchedResource: Int] = [:]
        var renderSeconds: Double = 0
        /// What the status page lists, by object key: kept from the samples at render time so
        /// that opening the page copies two dictionaries (copy-on-write) and parses nothing.
        var taskSummaries: [String: TaskSummary] = [:]
        var workerSummaries: [String: WorkerPodSummary] = [:]
    }

    private let state = Mutex(State())

    public init(store: MetricsStore = MetricsStore(), filter: ObjectFilter = ObjectFilter()) {
        self.store = store
        self.currentFilter = Mutex(filter)
    }

    /// Re-sharding (`serve --auto-sharding`): the new filter applies to the events that follow;
    /// the caller relists every resource so that `replaceAll` drops what is no longer owned
    /// and renders what now is.
    public func setFilter(_ filter: ObjectFilter) {
        currentFilter.withLock { $0 = filter }
    }

    /// An added or modified object.
    public func upsert(_ resource: WatchedResource, _ object: KubeObject) {
        state.withLock { s in apply(resource, object, deleted: false, &s) }
    }

    public func delete(_ resource: WatchedResource, _ object: KubeObject) {
        state.withLock { s in apply(resource, object, deleted: true, &s) }
    }

    /// The result of a full LIST: objects not in it are gone.
    public func replaceAll(_ resource: WatchedResource, _ objects: [KubeObject]) {
        state.withLock { s in
            let fresh = Set(objects.map(\.key))
            for gone in (s.keys[resource] ?? []).subtracting(fresh) {
                let stub = KubeObject(.object(["metadata": .object(["uid": .string(gone)])]))
                removeKey(resource, gone, stub, &s)
            }
            for o in objects { apply(resource, o, deleted: false, &s) }
        }
    }

    /// The resource disappeared (its CRD was removed): drop all its series.
    public func forget(_ resource: WatchedResource) {
        state.withLock { s in
            for key in s.keys[resource] ?? [] {
                let stub = KubeObject(.object(["metadata": .object(["uid": .string(key)])]))
                removeKey(resource, key, stub, &s)
            }
            s.keys[resource] = nil
            store.removeAll(resource)
        }
    }

    /// Called (with the inventory's lock held: keep it short, never call back) for every task,
    /// dataset, model or pod that disappears, by deletion or because a relist no longer has it.
    public func onRemoval(_ observer: @escaping @Sendable (Identity) -> Void) {
        state.withLock { $0.removalObservers.append(observer) }
    }

    /// Called (with the inventory's lock held: keep it short, never call back) whenever a worker
    /// pod or a task is added or changes: the intake re-tries the reports it holds for them.
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

    /// Whether a task of this kind and name is currently watched.
    public func hasTask(_ kind: SednaKind, namespace: String, name: String) -> Bool {
        state.withLock { s in s.taskKeys[kind]?["\(namespace)/\(name)"] != nil }
    }

    /// Every watched task and worker pod as the status page shows them. Only the dictionaries
    /// are copied under the lock (copy-on-write, O(1)); the caller's iteration happens outside
    /// it, so a page view never holds up event handling or a scrape.
    public func summaries() -> (tasks: [String: TaskSummary], workers: [String: WorkerPodSummary]) {
        state.withLock { ($0.taskSummaries, $0.workerSummaries) }
    }

    public var translateErrors: [WatchedResource: Int] { state.withLock { $0.translateErrors } }
    public var renderSeconds: Double { state.withLock { $0.renderSeconds } }

    /// Records an object that could not even be decoded (counted per resource).
    public func recordUndecodable(_ resource: WatchedResource) {
        state.withLock { $0.translateErrors[resource, default: 0] += 1 }
    }

    // MARK: - internals (called with the lock held)

    private func apply(_ resource: WatchedResource, _ o: KubeObject, deleted: Bool, _ s: inout State) {
        let key = o.key
        guard !deleted, filter.accepts(resource, o) else {
            removeKey(resource, key, o, &s)
            return
        }
        let started = ContinuousClock.now
        defer { s.renderSeconds += (ContinuousClock.now - started).seconds }
        switch resource {
        case .nodes:
            let loc = NodeTranslator.location(o)
            let previous = s.context.nodeLocations[o.name]
            s.context.nodeLocations[o.name] = loc
            render(resource, key, o, &s)
            if previous != loc { rerenderPods(onNode: o.name, &s) }
        case .pods:
            if case .unrelated = PodRole.classify(o.labels) {
                removeKey(resource, key, o, &s)   // labels can change; an unrelated pod keeps nothing
                return
            }
            s.pods[key] = o
            if case let .worker(kind, task, _) = PodRole.classify(o.labels) {
                let env = (o.spec["containers"].array ?? []).flatMap { $0["env"].array ?? [] }
                // With duplicate env names the last one wins (the GM appends its own after the template's).
                let workerName = env.last { $0["name"].string == "WORKER_NAME" }?["value"].string
                let miningMode = env.last { $0["name"].string == "MINING_MODE" }?["value"].string
                let ip = o.status["podIP"].string.flatMap { $0.isEmpty ? nil : $0 }
                let pod = WorkerPod(namespace: o.namespace, pod: o.name, workerName: workerName, kind: kind, task: task,
                                    podIP: ip, miningMode: miningMode)
                if s.workers[o.namespace]?[key] != pod {
                    s.workers[o.namespace, default: [:]][key] = pod
                    for observer in s.additionObservers { observer() }
                }
            } else {
                s.workers[o.namespace]?[key] = nil
            }
            render(resource, key, o, &s)
        case .sedna(.dataset):
            let id = "\(o.namespace)/\(o.name)"
            let previous = s.context.datasetSamples[id]
            s.context.datasetSamples[id] = o.status["numberOfSamples"].number
            render(resource, key, o, &s)
            if previous != s.context.datasetSamples[id] { rerenderFederated(namespace: o.namespace, dataset: o.name, &s) }
        case .sedna(.federatedLearningJob):
            s.federated[key] = o
            render(resource, key, o, &s)
        default:
            render(resource, key, o, &s)
        }
    }

    private func removeKey(_ resource: WatchedResource, _ key: String, _ o: KubeObject, _ s: inout State) {
        guard s.keys[resource]?.remove(key) != nil else { return }
        store.remove(resource, key: key)
        s.taskSummaries[key] = nil
        s.workerSummaries[key] = nil
        if let id = s.identities[resource]?.removeValue(forKey: key) {
            if case .sedna(let kind) = resource, s.taskKeys[kind]?["\(id.namespace)/\(id.name)"] == key {
                s.taskKeys[kind]?["\(id.namespace)/\(id.name)"] = nil
            }
            for observer in s.removalObservers { observer(id) }
        }
        switch resource {
        case .pods:
            if let pod = s.pods.removeValue(forKey: key) { s.workers[pod.namespace]?[key] = nil }
        case .sedna(.federatedLearningJob): s.federated[key] = nil
        case .nodes:
            if !o.name.isEmpty, s.context.nodeLocations.removeValue(forKey: o.name) != nil {
                rerenderPods(onNode: o.name, &s)
            }
        case .sedna(.dataset):
            let id = "\(o.namespace)/\(o.name)"
            if !o.name.isEmpty, s.context.datasetSamples.removeValue(forKey: id) != nil {
                rerenderFederated(namespace: o.namespace, dataset: o.name, &s)
            }
        default: break
        }
    }

    private func render(_ resource: WatchedResource, _ key: String, _ o: KubeObject, _ s: inout State) {
        let set: MetricSet
        switch resource {
        case .sedna(let kind): set = Translators.forKind(kind).translate(o, context: s.context)
        case .pods: set = PodTranslator.translate(o, context: s.context)
        case .nodes: set = NodeTranslator.translate(o, context: s.context)
        }
        s.keys[resource, default: []].insert(key)
        switch resource {
        case .sedna(let kind) where kind.isTask:
            s.taskSummaries[key] = TaskSummary(kind: kind, namespace: o.namespace, name: o.name, samples: set)
        case .pods:
            if case let .worker(kind, task, _) = PodRole.classify(o.labels) {
                s.workerSummaries[key] = WorkerPodSummary(kind: kind, namespace: o.namespace, task: task, pod: o.name, samples: set)
            } else {
                s.workerSummaries[key] = nil
            }
        default: break
        }
        if resource != .nodes {
            s.identities[resource, default: [:]][key] = Identity(resource: resource, namespace: o.namespace, name: o.name)
        }
        if case .sedna(let kind) = resource, kind.isTask, s.taskKeys[kind]?["\(o.namespace)/\(o.name)"] != key {
            s.taskKeys[kind, default: [:]]["\(o.namespace)/\(o.name)"] = key
            for observer in s.additionObservers { observer() }
        } else if case .sedna(let kind) = resource {
            s.taskKeys[kind, default: [:]]["\(o.namespace)/\(o.name)"] = key
        }
        store.put(resource, key: key, sortKey: "\(o.namespace)/\(o.name)", RenderedObject(set))
    }

    private func rerenderPods(onNode node: String, _ s: inout State) {
        for (key, pod) in s.pods where pod.spec["nodeName"].string == node {
            render(.pods, key, pod, &s)
        }
    }

    /// Re-renders the federated jobs that train on `dataset` (their per-node sample counts come
    /// from it). Only those: datasets change often (every LC re-read) and a long-running job's
    /// condition list grows with every round, so re-rendering every job of the namespace made
    /// dataset churn cost jobs x conditions (measured with `bench/exporter_bench.py --simulated-tasks`).
    private func rerenderFederated(namespace: String, dataset: String, _ s: inout State) {
        for (key, job) in s.federated where job.namespace == namespace
            && (job.spec["trainingWorkers"].array ?? []).contains(where: { $0["dataset"]["name"].string == dataset }) {
            render(.sedna(.federatedLearningJob), key, job, &s)
        }
    }
}
