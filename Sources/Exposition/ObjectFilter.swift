import SednaCatalog

/// Which objects this exporter instance is responsible for: a namespace allowlist and a shard.
///
/// Sharding hashes the *task's* UID (a worker pod uses its `<kind>.sedna.io/uid` label), so all
/// series of one task land on one shard and joins across them keep working. Nodes and Sedna's
/// own components belong to shard 0.
public struct ObjectFilter: Sendable {
    public var namespaces: Set<String>
    public var shard: Int
    public var totalShards: Int

    public init(namespaces: Set<String> = [], shard: Int = 0, totalShards: Int = 1) {
        self.namespaces = namespaces
        self.shard = shard
        self.totalShards = max(1, totalShards)
    }

    public func accepts(_ resource: WatchedResource, _ o: KubeObject) -> Bool {
        if resource == .nodes { return shard == 0 }
        if !namespaces.isEmpty && !namespaces.contains(o.namespace) { return false }
        guard totalShards > 1 else { return true }
        let owner: String
        if resource == .pods {
            guard case let .worker(kind, _, _) = PodRole.classify(o.labels) else { return shard == 0 }
            owner = o.labels[kind.labelPrefix + "uid"] ?? "\(o.namespace)/\(o.labels[kind.labelPrefix + "name"] ?? "")"
        } else {
            owner = o.key
        }
        return Int(FNV1a.hash(owner) % UInt64(totalShards)) == shard
    }
}
