import SednaCatalog

/// A JointInferenceService: an edge and a cloud Deployment, each
/// with one pod, not on the host network (`createOrUpdateWorker` in
/// `pkg/globalmanager/controllers/jointinference/jointinferenceservice.go`); the GM appends
/// `Running` once both progress, sets `active`/`failed`/`startTime`. Only the edge worker gets
/// an `LC_SERVER`.
///
/// The edge worker's `LCReporter` (`lib/sedna/service/client.py`) posts cumulative counters
/// every `LC_PERIOD` (the user set it to 10 s) when something was inferred in the period. With
/// the default `inference-then-mining` (`lib/sedna/core/joint_inference/joint_inference.py`)
/// every inference calls `update_for_edge_inference` and every hard example then also
/// `update_for_collaboration_inference`, which adds 1 to *both* `inferenceNumber` and
/// `hardExampleNumber`: `inferenceNumber` = edge inferences + hard examples.
///
/// The report goes to the effective `LC_SERVER`. As released that is `localhost:9100` inside
/// the pod's own network namespace, where no LC listens: the report is lost. With the capture
/// route it reaches the node's relay, which forwards it to the LC; then, and only when the
/// user set `JOB_NAME` (`ownerName` is `JOB_NAME`, default "sedna", and the GM injects only
/// `SERVICE_NAME`), the GM replaces `status.metrics` with the report's `ownerInfo` as strings,
/// in Go map (random) order (`jointinference/upstream.go`, `runtime/common.go`).
///
/// With `crashes`, the edge container is OOM-killed every couple of minutes and sits in
/// CrashLoopBackOff before the kubelet restarts it; its counters start again from zero.
struct JointInferenceLifecycle: Lifecycle {
    let name: String
    let namespace: String
    let edgeNode: String
    let cloudNode: String
    let jobNameSet: Bool
    let crashes: Bool
    var rng: SimRandom

    var uid = ""
    var created = ""
    var status: [String: JSON] = [:]
    var edgePod = ""
    var cloudPod = ""
    var workerName = ""
    var cloudWorkerName = ""
    var synced = false
    var inferences = 0
    var hardExamples = 0
    var periodStart = ""
    var backOff = 10
    var nextSync = 1.0
    var nextReport = Double.infinity
    var nextCrash = Double.infinity
    var nextRestart = Double.infinity
    var nextEvent: Double { min(nextSync, nextReport, nextCrash, nextRestart) }

    static let reportPeriod = 10.0

    init(name: String, namespace: String, edgeNode: String, cloudNode: String, jobNameSet: Bool, crashes: Bool, rng: SimRandom) {
        self.name = name
        self.namespace = namespace
        self.edgeNode = edgeNode
        self.cloudNode = cloudNode
        self.jobNameSet = jobNameSet
        self.crashes = crashes
        self.rng = rng
    }

    var ref: TaskRef { TaskRef(kind: .jointInferenceService, name: name, namespace: namespace, uid: uid) }

    mutating func begin(_ c: inout ClusterState) {
        uid = rng.uuid()
        created = Timestamp.format(c.start - Double(rng.int(20...90)))
        workerName = "edgeworker-\(rng.suffix())"
        cloudWorkerName = "cloudworker-\(rng.suffix())"
        putCR(&c)
    }

    mutating func fire(_ c: inout ClusterState) {
        if c.time >= nextSync {
            nextSync = .infinity
            if !synced { firstSync(&c) } else { podsRunning(&c) }
        } else if c.time >= nextCrash {
            crash(&c)
        } else if c.time >= nextRestart {
            nextRestart = .infinity
            c.updatePod(edgePod) { $0.restart(at: $1) }
            inferences = 0
            hardExamples = 0
            periodStart = c.localTime
            nextCrash = c.time + rng.uniform(90, 150)
        } else if c.time >= nextReport {
            nextReport += Self.reportPeriod
            report(&c)
        }
    }

    /// GM's first sync: Deployments created (their pods appear Pending), `Running` appended.
    mutating func firstSync(_ c: inout ClusterState) {
        synced = true
        for workerType in ["edge", "cloud"] {
            let hash = rng.templateHash()
            let rs = "\(name)-deployment-\(workerType)-\(hash)"
            var labels = ref.workerLabels(workerType)
            labels["app.sedna.io"] = "\(name)-\(workerType == "edge" ? "Edge" : "Cloud")-svc"
            labels["pod-template-hash"] = hash
            let meta = ObjectMeta(name: "\(rs)-\(rng.suffix())", namespace: namespace, uid: rng.uuid(), creationTimestamp: c.timestamp,
                                  generateName: "\(rs)-", labels: labels,
                                  ownerReferences: [ObjectMeta.controllerRef(apiVersion: "apps/v1", kind: "ReplicaSet", name: rs, uid: rng.uuid())])
            let pod = SimPod.create(meta, node: workerType == "edge" ? edgeNode : cloudNode,
                                    container: workerType == "edge" ? edgeContainer(&c) : cloudContainer(&c), network: c.network)
            if workerType == "edge" { edgePod = pod.key } else { cloudPod = pod.key }
            c.putPod(pod)
        }
        status = [
            "startTime": .string(c.timestamp), "active": 2, "failed": 0,
            "conditions": [["type": "Running", "status": "True", "lastHeartbeatTime": .string(c.timestamp),
                            "lastTransitionTime": .string(c.timestamp), "reason": "", "message": ""]],
        ]
        putCR(&c)
        nextSync = c.time + rng.uniform(2, 5)
    }

    mutating func podsRunning(_ c: inout ClusterState) {
        for key in [cloudPod, edgePod] { c.updatePod(key) { $0.start(at: $1) } }
        periodStart = c.localTime
        nextReport = c.time + Self.reportPeriod
        if crashes { nextCrash = c.time + rng.uniform(35, 50) }
    }

    mutating func crash(_ c: inout ClusterState) {
        nextCrash = .infinity
        c.updatePod(edgePod) { $0.crash(reason: "OOMKilled", exitCode: 137, backOff: backOff, at: $1) }
        nextRestart = c.time + Double(backOff) + rng.uniform(0, 5)
        backOff = min(backOff * 2, 40)
    }

    mutating func report(_ c: inout ClusterState) {
        guard let pod = c.pods[edgePod], pod.isRunning else { return }
        let frames = rng.int(35...70)
        var hard = 0
        for _ in 0..<frames where rng.chance(0.22) { hard += 1 }
        let counted = Self.lcReporterCounts(frames: frames, hardExamples: hard)
        inferences += counted.inferenceNumber
        hardExamples += counted.hardExampleNumber
        let ratio = inferences > 0 ? Double(hardExamples) / Double(inferences) : 0
        let ownerInfo: JSON = [
            "startTime": .string(periodStart), "updateTime": .string(c.localTime),
            "inferenceNumber": .number(Double(inferences)), "hardExampleNumber": .number(Double(hardExamples)),
            "uploadCloudRatio": .number(ratio),
        ]
        periodStart = c.localTime
        // An unreachable edge node's reports never leave it (the LC path and the intake alike).
        guard c.isReady(edgeNode) else { return }
        let route = c.report(from: edgePod, worker: workerName, body: [
            "name": .string(workerName), "namespace": .string(namespace), "ownerName": .string(jobNameSet ? name : "sedna"),
            "ownerKind": "jointinferenceservice", "kind": "inference", "results": [], "ownerInfo": ownerInfo,
        ])
        if jobNameSet && route.reachesLC {
            let metrics: [JSON] = [
                ["key": "inferenceNumber", "value": .string(String(inferences))],
                ["key": "hardExampleNumber", "value": .string(String(hardExamples))],
                ["key": "uploadCloudRatio", "value": .string(JSONWriter.number(ratio))],
            ]
            status["metrics"] = .array(rng.shuffle(metrics))
            putCR(&c)
        }
    }

    /// What `LCReporter` adds up for `frames` edge inferences of which `hardExamples` were hard,
    /// with the default `inference-then-mining`: each frame calls `update_for_edge_inference`
    /// (+1 inference), each hard example then `update_for_collaboration_inference` (+1
    /// inference, +1 hard example), so hard examples are counted twice in `inferenceNumber`.
    static func lcReporterCounts(frames: Int, hardExamples: Int) -> (inferenceNumber: Int, hardExampleNumber: Int) {
        (frames + hardExamples, hardExamples)
    }

    /// The edge template's own env (also in the CR's spec).
    var edgeTemplateEnv: [(String, String)] {
        [("input_shape", "416,736"), ("video_url", "file://video/video.mp4"),
         ("all_examples_inference_output", "/data/output"),
         ("hard_example_cloud_inference_output", "/data/hard_example_cloud_inference_output"),
         ("hard_example_edge_inference_output", "/data/hard_example_edge_inference_output"),
         ("LC_PERIOD", "10")] + (jobNameSet ? [("JOB_NAME", name)] : [])
    }

    var cloudTemplateEnv: [(String, String)] { [("input_shape", "544,544")] }

    /// Template env, then the GM's edge parameters (`createOrUpdateWorker`).
    mutating func edgeContainer(_ c: inout ClusterState) -> JSON {
        let gm = [("BIG_MODEL_IP", "\(name)-cloud.\(namespace)"), ("BIG_MODEL_PORT", "5000"), ("HEM_NAME", "IBT"),
                  ("HEM_PARAMETERS", #"[{"key":"threshold_img","value":"0.5"},{"key":"threshold_box","value":"0.5"}]"#),
                  ("LC_SERVER", WorkerEnv.gmLCServer), ("MODEL_URL", "/models/little/yolov3_resnet18.pb"),
                  ("NAMESPACE", namespace), ("SERVICE_NAME", name), ("WORKER_NAME", workerName)]
        return container("little-model", image: "kubeedge/sedna-example-joint-inference-helmet-detection-little:v0.3.0",
                         extra: ["env": WorkerEnv.build(template: edgeTemplateEnv, gm: gm, orderSeed: workerName, capture: c.capture),
                                 "resources": ["requests": ["memory": "64Mi", "cpu": "100m"], "limits": ["memory": "2Gi"]]])
    }

    /// The cloud worker gets no `LC_SERVER`: it reports nothing.
    mutating func cloudContainer(_ c: inout ClusterState) -> JSON {
        let gm = [("BIG_MODEL_BIND_PORT", "5000"), ("MODEL_URL", "/models/big/yolov3_darknet.pb"), ("NAMESPACE", namespace),
                  ("SERVICE_NAME", name), ("WORKER_NAME", cloudWorkerName)]
        return container("big-model", image: "kubeedge/sedna-example-joint-inference-helmet-detection-big:v0.3.0",
                         extra: ["env": WorkerEnv.build(template: cloudTemplateEnv, gm: gm, orderSeed: cloudWorkerName, capture: c.capture),
                                 "resources": ["limits": ["memory": "2Gi"]]])
    }

    func putCR(_ c: inout ClusterState) {
        let meta = ObjectMeta(name: name, namespace: namespace, uid: uid, creationTimestamp: created, generation: 1)
        let edgeTemplate: JSON = ["spec": ["nodeName": .string(edgeNode), "containers": [
            container("little-model", image: "kubeedge/sedna-example-joint-inference-helmet-detection-little:v0.3.0",
                      env: edgeTemplateEnv),
        ]]]
        let cloudTemplate: JSON = ["spec": ["nodeName": .string(cloudNode), "containers": [
            container("big-model", image: "kubeedge/sedna-example-joint-inference-helmet-detection-big:v0.3.0", env: cloudTemplateEnv),
        ]]]
        let spec: JSON = [
            "edgeWorker": [
                "model": ["name": .string("\(name)-little-model")],
                "hardExampleMining": ["name": "IBT", "parameters": [["key": "threshold_img", "value": "0.5"], ["key": "threshold_box", "value": "0.5"]]],
                "template": edgeTemplate,
            ],
            "cloudWorker": ["model": ["name": .string("\(name)-big-model")], "template": cloudTemplate],
        ]
        c.put(.sedna(.jointInferenceService), sednaObject(.jointInferenceService, meta: meta, spec: spec,
                                                          status: status.isEmpty ? nil : .object(status)))
    }
}
