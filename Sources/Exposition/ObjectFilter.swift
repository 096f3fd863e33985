import SednaCatalog

/// Which objects this exporter instance is responsible for: a namespace allowlist and a shard.
///
/// Two questions, kept apart. *In scope* (the namespace allowlist; nodes always): the object is
/// known, as context for translation (node locations, dataset sample counts) and in the intake's
/// indexes, on every shard. *Owned* (the shard): only then are its series rendered, so every
/// series is exported by exactly one shard while every shard labels a pod's location and can tie
/// any report to its task.
///
/// Sharding hashes the *task's* UID (a worker pod uses its `<kind>.sedna.io/uid` label, set by
/// the GM in `pkg/globalmanager/runtime/worker.go`), so all series of one task land on one shard
/// and joins across them keep working. Nodes' own series and Sedna's own components belong to
/// shard 0.
public struct ObjectFilter: Sendable {
    public var namespaces: Set<String>
    public var shard: Int
    public var totalShards: Int

    public init(namespaces: Set<String> = [], shard: Int = 0, totalShards: Int = 1) {
        self.namespaces = namespaces
        self.shard = shard
        self.totalShards = max(1, totalShards)
    }

    /// Whether the object is watched at all (kept as context and indexed, on every shard).
    public func inScope(_ resource: WatchedResource, _ o: KubeObject) -> Bool {
        resource == .nodes || namespaces.isEmpty || namespaces.contains(o.namespace)
    }

    /// Whether this shard renders the object's series (it must also be in scope).
    public func owns(_ resource: WatchedResource, _ o: KubeObject) -> Bool {
        owns(resource, o, role: resource == .pods && totalShards > 1 ? PodRole.classify(o) : nil)
    }

    /// `owns` with a pod's role already classified (nil for other resources).
    public func owns(_ resource: WatchedResource, _ o: KubeObject, role: PodRole?) -> Bool {
        guard totalShards > 1 else { return true }
        if resource == .nodes { return shard == 0 }
        if resource == .pods {
            guard case let .worker(kind, _, _) = role ?? PodRole.classify(o) else { return shard == 0 }
            return owns(taskUID: Self.taskUID(ofWorker: o, kind: kind))
        }
        return owns(taskUID: o.key)
    }

    /// Whether this shard owns the task with that UID (as `Inventory.taskUID` returns it): the
    /// shard a report or push for the task must end up on.
    public func owns(taskUID: String) -> Bool {
        Self.shard(ofTaskUID: taskUID, totalShards: totalShards) == shard
    }

    /// `FNV1a.hash(taskUID) % totalShards`: the shard of a task, on every exporter alike.
    public static func shard(ofTaskUID uid: String, totalShards: Int) -> Int {
        totalShards <= 1 ? 0 : Int(FNV1a.hash(uid) % UInt64(totalShards))
    }

    /// The UID of a worker pod's task: its `<kind>.sedna.io/uid` label, else namespace/name of
    /// the task (what `KubeObject.key` is for a task without a UID).
    static func taskUID(ofWorker o: KubeObject, kind: SednaKind) -> String {
        o.labels[kind.labelPrefix + "uid"] ?? "\(o.namespace)/\(o.labels[kind.labelPrefix + "name"] ?? "")"
    }

    /// In scope and owned: rendered here.
    public func accepts(_ resource: WatchedResource, _ o: KubeObject) -> Bool {
        inScope(resource, o) && owns(resource, o)
    }
}
