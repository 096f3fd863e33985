import SednaCatalog

/// Which nodes have a Ready relay, and which nodes are edge nodes: the webhook rewrites a pod's
/// `LC_SERVER` only where a relay will answer it, so that Sedna's reports keep reaching the LC.
///
/// Fed from the exporter's pod and node watches (everything it sees, before any namespace
/// filter). Relay pods are recognised by `app.kubernetes.io/name: sedna-relay`; edge nodes by
/// KubeEdge's `node-role.kubernetes.io/edge` label.
public struct RelayPresence: Sendable, Equatable {
    public static let relayLabel = "app.kubernetes.io/name"
    public static let relayLabelValue = "sedna-relay"

    /// Relay pods by object key: the node they run on and whether they are Ready.
    var relays: [String: (node: String, ready: Bool)] = [:]
    var edgeNodes: Set<String> = []
    /// Object keys of edge nodes (a deletion may carry only the key).
    var nodeKeys: [String: String] = [:]

    public init() {}

    public static func == (a: RelayPresence, b: RelayPresence) -> Bool {
        a.edgeNodes == b.edgeNodes && a.relays.mapValues { "\($0.node)|\($0.ready)" } == b.relays.mapValues { "\($0.node)|\($0.ready)" }
    }

    public static func isRelay(_ pod: KubeObject) -> Bool { pod.labels[relayLabel] == relayLabelValue }

    /// Ready = the pod's `Ready` condition is True, it is bound to a node and not being deleted.
    static func isReady(_ pod: KubeObject) -> Bool {
        guard pod.deletionTimestamp == nil, !(pod.spec["nodeName"].string ?? "").isEmpty else { return false }
        return (pod.status["conditions"].array ?? []).contains {
            $0["type"].string == "Ready" && $0["status"].string == "True"
        }
    }

    public mutating func upsertPod(_ pod: KubeObject) {
        guard Self.isRelay(pod) else { relays[pod.key] = nil; return }
        relays[pod.key] = (pod.spec["nodeName"].string ?? "", Self.isReady(pod))
    }

    public mutating func deletePod(_ pod: KubeObject) { relays[pod.key] = nil }

    public mutating func replacePods(_ pods: [KubeObject]) {
        relays = [:]
        for p in pods { upsertPod(p) }
    }

    /// After a relist delivered page by page (each pod upserted): relays no page held are gone.
    public mutating func retainPods(_ keys: Set<String>) {
        relays = relays.filter { keys.contains($0.key) }
    }

    public mutating func upsertNode(_ node: KubeObject) {
        if let old = nodeKeys[node.key] { edgeNodes.remove(old) }
        nodeKeys[node.key] = nil
        guard node.labels[NodeTranslator.edgeRoleLabel] != nil, !node.name.isEmpty else { return }
        edgeNodes.insert(node.name)
        nodeKeys[node.key] = node.name
    }

    public mutating func deleteNode(_ node: KubeObject) {
        if let old = nodeKeys.removeValue(forKey: node.key) { edgeNodes.remove(old) }
        if !node.name.isEmpty { edgeNodes.remove(node.name) }
    }

    /// After a relist delivered page by page: edge nodes no page held are gone.
    public mutating func retainNodes(_ keys: Set<String>) {
        for (key, name) in nodeKeys where !keys.contains(key) {
            nodeKeys[key] = nil
            edgeNodes.remove(name)
        }
    }

    public mutating func replaceNodes(_ nodes: [KubeObject]) {
        edgeNodes = []
        nodeKeys = [:]
        for n in nodes { upsertNode(n) }
    }

    public func relayReady(onNode node: String) -> Bool {
        relays.values.contains { $0.node == node && $0.ready }
    }

    /// A pod whose node is not yet chosen (a Deployment's pods are admitted before scheduling)
    /// may land on any edge node: only when there is at least one edge node and every one of
    /// them has a Ready relay.
    public var everyEdgeRelayReady: Bool {
        !edgeNodes.isEmpty && edgeNodes.allSatisfy(relayReady(onNode:))
    }
}
