import SednaCatalog

/// ReidJob and VideoAnalyticsJob (`pkg/globalmanager/controllers/reid`, `videoanalytics`): Kubernetes-Job-like. The GM creates one
/// worker pod (`<job>-reid-<5>` / `<job>-videoanalytics-<5>`), keeps `phase`, `active`,
/// `succeeded`, `failed`, and appends only `Completed` (event Completed, `completionTime`) or
/// `Failed` (reason `workerFailed`). `succeeds` decides which end this job meets.
struct JobLikeLifecycle: Lifecycle {
    let kind: SednaKind
    let name: String
    let namespace: String
    let node: String
    let succeeds: Bool
    let runFor: Double
    var rng: SimRandom
    var uid = ""
    var created = ""
    var status: [String: JSON] = [:]
    var conditions: [JSON] = []
    var pod = ""
    var stepIndex = 0
    var nextEvent = 2.0

    init(kind: SednaKind, name: String, namespace: String, node: String, succeeds: Bool, runFor: Double, rng: SimRandom) {
        self.kind = kind
        self.name = name
        self.namespace = namespace
        self.node = node
        self.succeeds = succeeds
        self.runFor = runFor
        self.rng = rng
    }

    var workerType: String { kind == .reidJob ? "reid" : "videoanalytics" }
    var ref: TaskRef { TaskRef(kind: kind, name: name, namespace: namespace, uid: uid) }

    mutating func begin(_ c: inout ClusterState) {
        uid = rng.uuid()
        created = Timestamp.format(c.start - Double(rng.int(10...60)))
        putCR(&c)
    }

    mutating func fire(_ c: inout ClusterState) {
        stepIndex += 1
        switch stepIndex {
        case 1:
            let meta = ObjectMeta(name: "\(name)-\(workerType)-\(rng.suffix())", namespace: namespace, uid: rng.uuid(),
                                  creationTimestamp: c.timestamp, generateName: "\(name)-\(workerType)-",
                                  labels: ref.workerLabels(workerType), ownerReferences: [ref.ownerRef])
            let workerName = rng.suffix()
            var env = [("NAMESPACE", namespace), ("WORKER_NAME", workerName), ("JOB_NAME", name), ("LC_SERVER", WorkerEnv.gmLCServer)]
            if kind == .videoAnalyticsJob { env.append(("MODEL_NAME", "\(name)-model")) }
            let built = WorkerEnv.build(template: [], gm: env, orderSeed: workerName, capture: c.capture)
            let p = SimPod.create(meta, node: node, container: container(workerType, image: image, extra: ["env": built]),
                                  restartPolicy: "Never", network: c.network)
            pod = p.key
            c.putPod(p)
            status = ["startTime": .string(c.timestamp), "phase": "Pending", "active": 1, "succeeded": 0, "failed": 0]
            nextEvent = c.time + rng.uniform(2, 4)
        case 2:
            c.updatePod(pod) { $0.start(at: $1) }
            status["phase"] = "Running"
            nextEvent = c.time + runFor
        default:
            c.updatePod(pod) { $0.finish(exitCode: succeeds ? 0 : 2, at: $1) }
            status["active"] = 0
            if succeeds {
                status["succeeded"] = 1
                status["phase"] = "Succeeded"
                status["completionTime"] = .string(c.timestamp)
                conditions.append(condition("Completed", reason: "", message: "", at: c.timestamp))
            } else {
                status["failed"] = 1
                status["phase"] = "Failed"
                conditions.append(condition("Failed", reason: "workerFailed", message: "the worker of job failed", at: c.timestamp))
            }
            nextEvent = .infinity
        }
        putCR(&c)
    }

    func condition(_ type: String, reason: String, message: String, at ts: String) -> JSON {
        ["type": .string(type), "status": "True", "lastHeartbeatTime": .string(ts), "lastTransitionTime": .string(ts),
         "reason": .string(reason), "message": .string(message), "data": ""]
    }

    var image: String {
        kind == .reidJob ? "kubeedge/sedna-example-multi-edge-inference-reid:v0.5.0"
            : "kubeedge/sedna-example-multi-edge-inference-videoanalytics:v0.5.0"
    }

    func putCR(_ c: inout ClusterState) {
        let meta = ObjectMeta(name: name, namespace: namespace, uid: uid, creationTimestamp: created, generation: 1)
        let spec: JSON = kind == .reidJob
            ? ["kafkaSupport": false, "template": ["spec": ["nodeName": .string(node), "containers": [container("reid", image: image)]]]]
            : ["model": ["name": .string("\(name)-model")], "kafkaSupport": false,
               "template": ["spec": ["nodeName": .string(node), "containers": [container("videoanalytics", image: image)]]]]
        var s = status
        if !conditions.isEmpty { s["conditions"] = .array(conditions) }
        c.put(.sedna(kind), sednaObject(kind, meta: meta, spec: spec, status: s.isEmpty ? nil : .object(s)))
    }
}
