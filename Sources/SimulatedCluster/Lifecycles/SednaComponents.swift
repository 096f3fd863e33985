import SednaCatalog

/// Sedna's own pods in namespace `sedna` (`build/helm/sedna/charts/{gm,lc,kb}`): the GM Deployment and the KB
/// Deployment on the cloud node, and one LC DaemonSet pod (host network) per node, labelled
/// `sedna: gm|lc|kb` as the Helm chart does. They run throughout; their readiness follows their
/// node (NodeHealth), and each LC on a flapping edge node has restarted a couple of times
/// already (its websocket to the GM breaks with the link).
struct SednaComponents: Lifecycle {
    let cloudNode: String
    let nodes: [(name: String, flaps: Bool)]
    var rng: SimRandom
    var nextEvent: Double { .infinity }

    init(cloudNode: String, nodes: [(name: String, flaps: Bool)], rng: SimRandom) {
        self.cloudNode = cloudNode
        self.nodes = nodes
        self.rng = rng
    }

    mutating func begin(_ c: inout ClusterState) {
        let installed = Timestamp.format(c.start - 6 * 86_400)
        let deploymentsUID = rng.uuid()
        for (component, image) in [("gm", "kubeedge/sedna-gm:v0.6.0"), ("kb", "kubeedge/sedna-kb:v0.6.0")] {
            let hash = rng.templateHash()
            let rs = "\(component)-\(hash)"
            let meta = ObjectMeta(name: "\(rs)-\(rng.suffix())", namespace: "sedna", uid: rng.uuid(), creationTimestamp: installed,
                                  generateName: "\(rs)-", labels: ["sedna": component, "pod-template-hash": hash],
                                  ownerReferences: [ObjectMeta.controllerRef(apiVersion: "apps/v1", kind: "ReplicaSet", name: rs,
                                                                             uid: deploymentsUID)])
            let args = component == "gm" ? ["--config", "/config/gm.yaml", "-v2"] : []
            let env: [(String, String)] = component == "kb" ? [("KB_URL", "sqlite:///db/kb.sqlite3")] : []
            var pod = SimPod.create(meta, node: cloudNode, container: container(component, image: image, args: args, env: env),
                                    network: c.network)
            pod.start(at: installed)
            c.putPod(pod)
        }
        let dsUID = rng.uuid()
        for n in nodes {
            let meta = ObjectMeta(name: "lc-\(rng.suffix())", namespace: "sedna", uid: rng.uuid(), creationTimestamp: installed,
                                  generateName: "lc-",
                                  labels: ["sedna": "lc", "controller-revision-hash": "6c8f9b7d5", "pod-template-generation": "1"],
                                  ownerReferences: [ObjectMeta.controllerRef(apiVersion: "apps/v1", kind: "DaemonSet", name: "lc", uid: dsUID)])
            let env: [(String, String)] = [("GM_ADDRESS", "gm.sedna:9000"), ("BIND_PORT", "9100"), ("NODENAME", n.name),
                                           ("ROOTFS_MOUNT_DIR", "/rootfs/")]
            var pod = SimPod.create(meta, node: n.name, container: container("lc", image: "kubeedge/sedna-lc:v0.6.0", env: env),
                                    hostNetwork: true, network: c.network)
            pod.start(at: installed)
            if n.flaps {
                pod.restartCount = 2
                pod.lastState = .terminated(reason: "Error", exitCode: 1, startedAt: installed,
                                            finishedAt: Timestamp.format(c.start - 3600))
                pod.state = .running(startedAt: Timestamp.format(c.start - 3590))
            }
            c.putPod(pod)
        }
    }

    mutating func fire(_ c: inout ClusterState) {}
}
