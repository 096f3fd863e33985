import SednaCatalog

/// The analytics services FeatureExtractionService and ObjectSearchService (`pkg/globalmanager/controllers/featureextraction`, `objectsearch`;
/// named so as not to be confused with swift-service-lifecycle): the GM creates their
/// Deployments (FE: `<name>-deployment-fe`; object search: user and reid worker Deployments plus
/// tracking pods), sets `startTime`, appends `Running` and counts progressing Deployments in
/// `active`. No LC manager exists for them, so `status.metrics` stays empty.
///
/// ObjectTrackingService has a CRD but no GM controller at all: its objects keep no status and
/// no pods (`Kind.objectTrackingService` below only writes the object).
struct AnalyticsServiceLifecycle: Lifecycle {
    enum Kind: Sendable { case featureExtraction, objectSearch, objectTracking }

    let kind: Kind
    let name: String
    let namespace: String
    let nodes: [String]
    var rng: SimRandom
    var uid = ""
    var created = ""
    var status: [String: JSON] = [:]
    var pods: [String] = []
    var nextEvent = 2.0
    var started = false

    init(_ kind: Kind, name: String, namespace: String, nodes: [String], rng: SimRandom) {
        self.kind = kind
        self.name = name
        self.namespace = namespace
        self.nodes = nodes
        self.rng = rng
        if kind == .objectTracking { nextEvent = .infinity }
    }

    var sednaKind: SednaKind {
        switch kind {
        case .featureExtraction: return .featureExtractionService
        case .objectSearch: return .objectSearchService
        case .objectTracking: return .objectTrackingService
        }
    }

    var ref: TaskRef { TaskRef(kind: sednaKind, name: name, namespace: namespace, uid: uid) }

    mutating func begin(_ c: inout ClusterState) {
        uid = rng.uuid()
        created = Timestamp.format(c.start - Double(rng.int(60...600)))
        putCR(&c)
    }

    mutating func fire(_ c: inout ClusterState) {
        if !started {
            started = true
            let workers: [(type: String, deployment: Bool, node: String, container: String)]
            switch kind {
            case .featureExtraction:
                workers = [("fe", true, nodes[0], "fe-worker")]
            default:
                workers = [("userworker", true, nodes[0], "userworker"), ("reidworker", true, nodes[0], "reid"),
                           ("trackingworker", false, nodes[min(1, nodes.count - 1)], "tracking"),
                           ("trackingworker", false, nodes[min(2, nodes.count - 1)], "tracking")]
            }
            for w in workers {
                let workerName = kind == .featureExtraction ? rng.suffix() : "\(w.type)-\(rng.suffix())"
                var labels = ref.workerLabels(w.type)
                let meta: ObjectMeta
                if w.deployment {
                    let hash = rng.templateHash()
                    let rs = "\(name)-deployment-\(w.type)-\(hash)"
                    labels["app.sedna.io"] = "\(name)-\(w.type)-svc"
                    labels["pod-template-hash"] = hash
                    meta = ObjectMeta(name: "\(rs)-\(rng.suffix())", namespace: namespace, uid: rng.uuid(), creationTimestamp: c.timestamp,
                                      generateName: "\(rs)-", labels: labels,
                                      ownerReferences: [ObjectMeta.controllerRef(apiVersion: "apps/v1", kind: "ReplicaSet", name: rs, uid: rng.uuid())])
                } else {
                    meta = ObjectMeta(name: "\(name)-\(w.type)-\(rng.suffix())", namespace: namespace, uid: rng.uuid(),
                                      creationTimestamp: c.timestamp, generateName: "\(name)-\(w.type)-", labels: labels,
                                      ownerReferences: [ref.ownerRef])
                }
                let pod = SimPod.create(meta, node: w.node, container: container(w.container, image: image(w.type),
                                                                                 env: [("NAMESPACE", namespace), ("WORKER_NAME", workerName)]),
                                        network: c.network)
                pods.append(pod.key)
                c.putPod(pod)
            }
            let deployments = workers.filter(\.deployment).count
            status = ["startTime": .string(c.timestamp), "active": .number(Double(deployments)), "failed": 0,
                      "conditions": [["type": "Running", "status": "True", "lastHeartbeatTime": .string(c.timestamp),
                                      "lastTransitionTime": .string(c.timestamp), "reason": "", "message": ""]]]
            if kind == .featureExtraction { status["metrics"] = [] }
            putCR(&c)
            nextEvent = c.time + rng.uniform(3, 6)
        } else {
            for key in pods { c.updatePod(key) { $0.start(at: $1) } }
            nextEvent = .infinity
        }
    }

    func image(_ workerType: String) -> String {
        switch workerType {
        case "fe": return "kubeedge/sedna-example-multi-edge-inference-feature-extraction:v0.5.0"
        case "userworker": return "kubeedge/sedna-example-objects-search-apiserver:v0.1.0"
        case "reidworker": return "kubeedge/sedna-example-multi-edge-inference-reid:v0.1.0"
        default: return "kubeedge/sedna-example-multi-edge-inference-reid-dataload-and-tracking:v0.1.0"
        }
    }

    func putCR(_ c: inout ClusterState) {
        let meta = ObjectMeta(name: name, namespace: namespace, uid: uid, creationTimestamp: created, generation: 1)
        let spec: JSON
        switch kind {
        case .featureExtraction:
            spec = ["model": ["name": .string("\(name)-model")], "kafkaSupport": false,
                    "template": ["spec": ["nodeName": .string(nodes[0]), "containers": [container("fe-worker", image: image("fe"))]]]]
        default:
            let tracking: JSON = .array(nodes.prefix(2).map { n in
                ["template": ["spec": ["nodeName": .string(n), "containers": [container("tracking", image: image("trackingworker"))]]]]
            })
            var s: [String: JSON] = [
                "trackingWorkers": tracking,
                "reidWorkers": ["replicas": 1, "template": ["spec": ["containers": [container("reid", image: image("reidworker"))]]]],
            ]
            if kind == .objectSearch {
                s["userWorker"] = ["template": ["spec": ["containers": [container("userworker", image: image("userworker"))]]]]
            }
            spec = .object(s)
        }
        c.put(.sedna(sednaKind), sednaObject(sednaKind, meta: meta, spec: spec, status: status.isEmpty ? nil : .object(status)))
    }
}
