import SednaCatalog

/// The cluster's nodes and their Ready condition.
///
/// KubeEdge edge nodes drop off now and then (NAT, flaky links; docs/architecture.md). The node
/// lifecycle controller then sets `Ready` to `Unknown` with reason `NodeStatusUnknown`
/// ("Kubelet stopped posting node status."), adds the `unreachable` taints and marks every pod
/// on the node not ready. One edge node of each group of three (the one hosting a federated
/// train worker, a joint-inference edge worker and its LC) does this from ~60 s to ~110 s
/// nominal and again every four minutes.
struct NodeHealth: Lifecycle {
    struct Node: Sendable {
        let name: String
        let edge: Bool
        let uid: String
        let created: String
        let ip: String
        let flaps: Bool
        var ready = true
        var since: String
        var heartbeat: String
    }

    static let flapStart = 60.0, flapEnd = 110.0, flapPeriod = 240.0

    var nodes: [Node]
    var nextEvent: Double

    init(nodes: [Node]) {
        self.nodes = nodes
        nextEvent = nodes.contains { $0.flaps } ? Self.flapStart : .infinity
    }

    mutating func begin(_ c: inout ClusterState) {
        for n in nodes {
            c.nodeReady[n.name] = true
            c.network.hostIPs[n.name] = n.ip
            c.put(.nodes, json(n))
        }
    }

    mutating func fire(_ c: inout ClusterState) {
        let goingDown = nodes.contains { $0.flaps && $0.ready }
        for i in nodes.indices where nodes[i].flaps {
            nodes[i].ready = !goingDown
            nodes[i].since = c.timestamp
            if !goingDown { nodes[i].heartbeat = c.timestamp }
            c.nodeReady[nodes[i].name] = !goingDown
            c.put(.nodes, json(nodes[i]))
            // The node controller's MarkPodsNotReady (and the kubelet's Ready again on return).
            for key in c.pods.keys.sorted() where c.pods[key]?.node == nodes[i].name {
                c.updatePod(key) { $0.readySince = $1 }
            }
        }
        let k = (c.time / Self.flapPeriod).rounded(.down)
        nextEvent = goingDown ? k * Self.flapPeriod + Self.flapEnd : (k + 1) * Self.flapPeriod + Self.flapStart
    }

    func json(_ n: Node) -> JSON {
        var labels: [String: String] = [
            "kubernetes.io/hostname": n.name, "kubernetes.io/os": "linux", "beta.kubernetes.io/os": "linux",
        ]
        if n.edge {
            labels["node-role.kubernetes.io/edge"] = ""
            labels["node-role.kubernetes.io/agent"] = ""
            labels["kubernetes.io/arch"] = "arm64"
            labels["beta.kubernetes.io/arch"] = "arm64"
        } else {
            labels["node-role.kubernetes.io/control-plane"] = ""
            labels["node-role.kubernetes.io/master"] = ""
            labels["kubernetes.io/arch"] = "amd64"
            labels["beta.kubernetes.io/arch"] = "amd64"
        }
        let readyCond: JSON
        if n.ready {
            readyCond = ["type": "Ready", "status": "True", "lastHeartbeatTime": .string(n.heartbeat),
                         "lastTransitionTime": .string(n.since),
                         "reason": n.edge ? "EdgeReady" : "KubeletReady",
                         "message": n.edge ? "edge is posting ready status" : "kubelet is posting ready status"]
        } else {
            readyCond = ["type": "Ready", "status": "Unknown", "lastHeartbeatTime": .string(n.heartbeat),
                         "lastTransitionTime": .string(n.since), "reason": "NodeStatusUnknown",
                         "message": "Kubelet stopped posting node status."]
        }
        var spec: [String: JSON] = [:]
        if !n.ready {
            spec["taints"] = [
                ["key": "node.kubernetes.io/unreachable", "effect": "NoSchedule", "timeAdded": .string(n.since)],
                ["key": "node.kubernetes.io/unreachable", "effect": "NoExecute", "timeAdded": .string(n.since)],
            ]
        } else if !n.edge {
            spec["taints"] = [["key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"]]
        }
        let meta = ObjectMeta(name: n.name, namespace: "", uid: n.uid, creationTimestamp: n.created, labels: labels)
        return [
            "apiVersion": "v1", "kind": "Node", "metadata": meta.json, "spec": .object(spec),
            "status": [
                "conditions": [readyCond],
                "addresses": [["type": "InternalIP", "address": .string(n.ip)], ["type": "Hostname", "address": .string(n.name)]],
                "nodeInfo": [
                    "kubeletVersion": .string(n.edge ? "v1.28.6-kubeedge-v1.17.0" : "v1.28.6"),
                    "containerRuntimeVersion": "containerd://1.7.2", "operatingSystem": "linux",
                    "architecture": .string(n.edge ? "arm64" : "amd64"),
                    "osImage": .string(n.edge ? "Ubuntu 22.04.4 LTS" : "Ubuntu 22.04.3 LTS"),
                ],
                "capacity": ["cpu": .string(n.edge ? "4" : "8"), "memory": .string(n.edge ? "8010852Ki" : "32780132Ki"), "pods": "110"],
            ],
        ]
    }
}
