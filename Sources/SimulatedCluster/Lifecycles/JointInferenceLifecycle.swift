import SednaCatalog

/// A JointInferenceService (DATA-MODEL.md 3.1, 4.1, 6): an edge and a cloud Deployment, each
/// with one pod; the GM appends `Running` once both progress, sets `active`/`failed`/`startTime`.
///
/// The edge worker's `LCReporter` posts cumulative counters every `LC_PERIOD` (the user set it
/// to 10 s) while it infers. With the default `inference-then-mining` a hard example is counted
/// twice in `inferenceNumber`. `ownerName` is `JOB_NAME`, which Sedna does not inject: only when
/// the user set it (`jobNameSet`) does the GM find the service and replace `status.metrics` with
/// the report's `ownerInfo` as strings, in Go map (random) order (DATA-MODEL.md 5.1); otherwise
/// `ownerName` is "sedna" and only the exporter's intake ties the report to the task.
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
        created = RFC3339.format(c.start - Double(rng.int(20...90)))
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
                                    container: workerType == "edge" ? edgeContainer() : cloudContainer(), network: c.network)
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
        inferences += frames + hard
        hardExamples += hard
        let ratio = inferences > 0 ? Double(hardExamples) / Double(inferences) : 0
        let ownerInfo: JSON = [
            "startTime": .string(periodStart), "updateTime": .string(c.localTime),
            "inferenceNumber": .number(Double(inferences)), "hardExampleNumber": .number(Double(hardExamples)),
            "uploadCloudRatio": .number(ratio),
        ]
        periodStart = c.localTime
        // An unreachable edge node's reports never leave it (the LC path and the intake alike).
        guard c.isReady(edgeNode) else { return }
        c.send(.report(worker: workerName, body: [
            "name": .string(workerName), "namespace": .string(namespace), "ownerName": .string(jobNameSet ? name : "sedna"),
            "ownerKind": "jointinferenceservice", "kind": "inference", "results": [], "ownerInfo": ownerInfo,
        ]))
        if jobNameSet {
            let metrics: [JSON] = [
                ["key": "inferenceNumber", "value": .string(String(inferences))],
                ["key": "hardExampleNumber", "value": .string(String(hardExamples))],
                ["key": "uploadCloudRatio", "value": .string(JSONText.number(ratio))],
            ]
            status["metrics"] = .array(rng.shuffle(metrics))
            putCR(&c)
        }
    }

    func edgeContainer() -> JSON {
        var env: [(String, String)] = [
            ("input_shape", "416,736"), ("video_url", "file://video/video.mp4"),
            ("all_examples_inference_output", "/data/output"),
            ("hard_example_cloud_inference_output", "/data/hard_example_cloud_inference_output"),
            ("hard_example_edge_inference_output", "/data/hard_example_edge_inference_output"),
            ("LC_PERIOD", "10"),
        ]
        if jobNameSet { env.append(("JOB_NAME", name)) }
        env += [
            ("NAMESPACE", namespace), ("WORKER_NAME", workerName), ("SERVICE_NAME", name),
            ("MODEL_URL", "/models/little/yolov3_resnet18.pb"), ("BIG_MODEL_IP", "\(name)-cloud.\(namespace)"),
            ("BIG_MODEL_PORT", "5000"), ("HEM_NAME", "IBT"),
            ("HEM_PARAMETERS", #"[{"key":"threshold_img","value":"0.5"},{"key":"threshold_box","value":"0.5"}]"#),
            ("LC_SERVER", "http://localhost:9100"),
        ]
        return container("little-model", image: "kubeedge/sedna-example-joint-inference-helmet-detection-little:v0.3.0", env: env,
                         extra: ["resources": ["requests": ["memory": "64Mi", "cpu": "100m"], "limits": ["memory": "2Gi"]]])
    }

    func cloudContainer() -> JSON {
        container("big-model", image: "kubeedge/sedna-example-joint-inference-helmet-detection-big:v0.3.0", env: [
            ("input_shape", "544,544"), ("NAMESPACE", namespace), ("WORKER_NAME", cloudWorkerName),
            ("SERVICE_NAME", name), ("MODEL_URL", "/models/big/yolov3_darknet.pb"), ("BIG_MODEL_BIND_PORT", "5000"),
        ], extra: ["resources": ["limits": ["memory": "2Gi"]]])
    }

    func putCR(_ c: inout ClusterState) {
        let meta = ObjectMeta(name: name, namespace: namespace, uid: uid, creationTimestamp: created, generation: 1)
        let edgeTemplate: JSON = ["spec": ["nodeName": .string(edgeNode), "containers": [
            container("little-model", image: "kubeedge/sedna-example-joint-inference-helmet-detection-little:v0.3.0",
                      env: [("input_shape", "416,736"), ("video_url", "file://video/video.mp4"), ("LC_PERIOD", "10")]
                          + (jobNameSet ? [("JOB_NAME", name)] : [])),
        ]]]
        let cloudTemplate: JSON = ["spec": ["nodeName": .string(cloudNode), "containers": [
            container("big-model", image: "kubeedge/sedna-example-joint-inference-helmet-detection-big:v0.3.0", env: [("input_shape", "544,544")]),
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
