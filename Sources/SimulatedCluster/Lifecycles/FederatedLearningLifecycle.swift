import SednaCatalog

/// A FederatedLearningJob: one aggregation pod on the cloud node
/// and one train pod (host network, `restartPolicy: OnFailure`) per training worker, each with
/// its own Dataset (`createAggPod`, `createTrainPod` in
/// `pkg/globalmanager/controllers/federatedlearning/federatedlearningjob.go`).
///
/// Sedna as released: the train workers report after every round (`lib/sedna/core/
/// federated_learning/federated_learning.py`: `currentRound`, `sampleCount` = the aggregator's
/// `total_sample` for the round, the train metrics, status `running`, `completed` after the
/// last round), but `FederatedLearning` never sets `job_kind`, so `ownerKind` is "default"
/// (`lib/sedna/core/base.py`) and the LC has no manager of that name and drops the report
/// (`pkg/localcontroller/server/server.go`). So the GM never appends a `Training` condition
/// and never writes the Model's status (`federatedlearning/upstream.go` is never reached).
/// The reports still go to the worker's effective `LC_SERVER`: with the capture route the
/// relay spools a copy for the exporter.
///
/// The GM's own sync writes `active` (pods neither Succeeded nor Failed), `succeeded`,
/// `failed`, phase `Running`, and once `succeeded > 0 && active == 0` a `Complete` condition,
/// `completionTime` and phase `Succeeded`; after that the job is finished and not synced.
///
/// The aggregator waits for every participant: while an edge node is unreachable its worker's
/// update cannot arrive, so the round stalls until the node is back.
struct FederatedLearningLifecycle: Lifecycle {
    struct Trainer: Sendable {
        let node: String
        let dataset: String
        var pod = ""
        var workerName = ""
    }

    let name: String
    let namespace: String
    let cloudNode: String
    let exitRound: Int
    let modelName: String
    var trainers: [Trainer]
    var rng: SimRandom

    var uid = ""
    var created = ""
    var modelUID = ""
    var modelCreated = ""
    var aggregationPod = ""
    var aggregationWorker = ""
    var status: [String: JSON] = [:]
    var conditions: [JSON] = []
    var round = 0
    var roundStartedLocal = ""
    var curves: [TrainingCurve] = []
    var loss = 0.9
    var finished = false

    var nextStep = 1.0
    var nextTick = Double.infinity
    var nextEvent: Double { min(nextStep, nextTick) }
    var stepKind = "sync"

    init(name: String, namespace: String, cloudNode: String, exitRound: Int, modelName: String,
         trainers: [(node: String, dataset: String)], rng: SimRandom) {
        self.name = name
        self.namespace = namespace
        self.cloudNode = cloudNode
        self.exitRound = exitRound
        self.modelName = modelName
        self.trainers = trainers.map { Trainer(node: $0.node, dataset: $0.dataset) }
        self.rng = rng
    }

    var ref: TaskRef { TaskRef(kind: .federatedLearningJob, name: name, namespace: namespace, uid: uid) }

    mutating func begin(_ c: inout ClusterState) {
        uid = rng.uuid()
        created = Timestamp.format(c.start - Double(rng.int(20...60)))
        modelUID = rng.uuid()
        modelCreated = Timestamp.format(c.start - Double(rng.int(3600...90_000)))
        putModel(&c)
        putCR(&c)
    }

    mutating func fire(_ c: inout ClusterState) {
        if c.time >= nextStep {
            switch stepKind {
            case "sync": firstSync(&c)
            case "running": podsRunning(&c)
            case "round": endRound(&c)
            default: nextStep = .infinity
            }
        } else {
            tick(&c)
        }
    }

    /// The GM creates the aggregation pod and one train pod per training worker.
    mutating func firstSync(_ c: inout ClusterState) {
        aggregationWorker = "aggworker-\(rng.suffix())"
        let agg = SimPod.create(podMeta("aggregation", &c), node: cloudNode, container: aggregationContainer(&c),
                                restartPolicy: "OnFailure", network: c.network)
        aggregationPod = agg.key
        c.putPod(agg)
        for i in trainers.indices {
            trainers[i].workerName = "trainworker-\(rng.suffix())"
            let pod = SimPod.create(podMeta("train", &c), node: trainers[i].node, container: trainContainer(trainers[i], &c),
                                    hostNetwork: true, restartPolicy: "OnFailure", network: c.network)
            trainers[i].pod = pod.key
            c.putPod(pod)
        }
        status = ["startTime": .string(c.timestamp), "phase": "Running", "active": 0, "succeeded": 0, "failed": 0]
        putCR(&c)
        stepKind = "running"
        nextStep = c.time + rng.uniform(2, 4)
    }

    mutating func podsRunning(_ c: inout ClusterState) {
        c.updatePod(aggregationPod) { $0.start(at: $1) }
        for t in trainers { c.updatePod(t.pod) { $0.start(at: $1) } }
        countPods(&c)
        putCR(&c)
        startRound(&c)
    }

    mutating func startRound(_ c: inout ClusterState) {
        round += 1
        roundStartedLocal = c.localTime
        let duration = rng.uniform(8, 12)
        curves = trainers.map { t in
            TrainingCurve(startedAt: c.time, endsAt: c.time + duration, epochs: 1, batchSize: 32, baseLearningRate: 0.001,
                          lossStart: loss * 1.4, lossEnd: loss * 0.8, samples: c.datasetSamples["\(namespace)/\(t.dataset)"] ?? 300,
                          phase: "train")
        }
        stepKind = "round"
        nextStep = c.time + duration
        nextTick = c.time + 1
    }

    /// Train workers push while they train; the aggregator pushes its aggregation count.
    mutating func tick(_ c: inout ClusterState) {
        for (i, t) in trainers.enumerated() where c.isReady(t.node) {
            guard let pod = c.pods[t.pod], pod.isRunning else { continue }
            let curve = curves[i]
            c.send(TrainingTelemetry.push(pod, curve.samples(at: c.time, remaining: c.wallSeconds(max(0, curve.endsAt - c.time)),
                                                             noise: rng.gaussian(loss * 0.03))))
        }
        nextTick = c.time + 3 < nextStep ? c.time + 3 : .infinity
    }

    mutating func endRound(_ c: inout ClusterState) {
        // The aggregator waits for every participant's update.
        guard trainers.allSatisfy({ c.isReady($0.node) }) else {
            nextStep = c.time + 2
            return
        }
        nextTick = .infinity
        loss = max(0.05, loss * rng.uniform(0.82, 0.95))
        let accuracy = min(0.99, 0.55 + (0.9 - loss) * 0.45 + rng.gaussian(0.01))
        let last = round >= exitRound
        let samples = trainers.reduce(0) { $0 + (c.datasetSamples["\(namespace)/\($1.dataset)"] ?? 300) }
        let metrics: JSON = ["loss": .number((loss * 10_000).rounded() / 10_000), "accuracy": .number((accuracy * 10_000).rounded() / 10_000)]
        for t in trainers {
            c.report(from: t.pod, worker: t.workerName, body: [
                "name": .string(t.workerName), "namespace": .string(namespace), "ownerName": .string(name), "ownerKind": "default",
                "kind": "train", "status": .string(last ? "completed" : "running"),
                "ownerInfo": ["currentRound": .number(Double(round)), "sampleCount": .number(Double(samples)),
                              "startTime": .string(roundStartedLocal), "updateTime": .string(c.localTime)],
                "results": [["format": "pb", "url": .string("/model/\(name)/round-\(round)/model.pb"), "metrics": metrics]],
            ])
        }
        if let agg = c.pods[aggregationPod] {
            c.send(TrainingTelemetry.push(agg, [.init("sedna_federated_learning_aggregation", Double(round))]))
        }
        if last {
            for t in trainers {
                if let pod = c.pods[t.pod] { c.send(TrainingTelemetry.push(pod, curves[0].samples(at: curves[0].endsAt, remaining: 0, noise: 0))) }
                c.updatePod(t.pod) { $0.finish(exitCode: 0, at: $1) }
            }
            c.updatePod(aggregationPod) { $0.finish(exitCode: 0, at: $1) }
            countPods(&c)
            conditions.append(["type": "Complete", "status": "True", "lastProbeTime": .string(c.timestamp),
                               "lastHeartbeatTime": .string(c.timestamp), "reason": "", "message": ""])
            status["completionTime"] = .string(c.timestamp)
            status["phase"] = "Succeeded"
            finished = true
            stepKind = "done"
            nextStep = .infinity
        } else {
            countPods(&c)
            startRound(&c)
        }
        putCR(&c)
    }

    /// `active`/`succeeded`/`failed`: the job's pods by phase.
    mutating func countPods(_ c: inout ClusterState) {
        let pods = ([aggregationPod] + trainers.map(\.pod)).compactMap { c.pods[$0] }
        status["active"] = .number(Double(pods.filter { $0.phase == "Running" || $0.phase == "Pending" }.count))
        status["succeeded"] = .number(Double(pods.filter { $0.phase == "Succeeded" }.count))
        status["failed"] = .number(Double(pods.filter { $0.phase == "Failed" }.count))
    }

    mutating func podMeta(_ workerType: String, _ c: inout ClusterState) -> ObjectMeta {
        ObjectMeta(name: "\(name)-\(workerType)-\(rng.suffix())", namespace: namespace, uid: rng.uuid(), creationTimestamp: c.timestamp,
                   generateName: "\(name)-\(workerType)-", labels: ref.workerLabels(workerType), ownerReferences: [ref.ownerRef])
    }

    /// The GM's parameters of both worker types (`createAggPod`, `createTrainPod`,
    /// `addTransmitterToWorkerParam`; `MODEL_URL`, `TRAIN_DATASET_URL` from the mounts).
    mutating func aggregationContainer(_ c: inout ClusterState) -> JSON {
        let gm = [("NAMESPACE", namespace), ("WORKER_NAME", aggregationWorker), ("JOB_NAME", name), ("AGG_BIND_PORT", "7363"),
                  ("PARTICIPANTS_COUNT", String(trainers.count)), ("TRANSMITTER", "ws"), ("MODEL_URL", "/model/\(name)")]
        return container("agg-worker", image: "kubeedge/sedna-example-federated-learning-surface-defect-detection-aggregation:v0.4.0",
                         extra: ["env": WorkerEnv.build(template: [("exit_round", String(exitRound))], gm: gm, orderSeed: aggregationWorker, capture: c.capture)])
    }

    mutating func trainContainer(_ t: Trainer, _ c: inout ClusterState) -> JSON {
        let gm = [("AGG_PORT", "7363"), ("AGG_IP", "\(name)-aggregation.\(namespace)"), ("WORKER_NAME", t.workerName), ("JOB_NAME", name),
                  ("PARTICIPANTS_COUNT", String(trainers.count)), ("NAMESPACE", namespace), ("MODEL_NAME", modelName),
                  ("DATASET_NAME", t.dataset), ("LC_SERVER", WorkerEnv.gmLCServer), ("TRANSMITTER", "ws"),
                  ("MODEL_URL", "/model/\(name)"), ("TRAIN_DATASET_URL", "/data/\(t.dataset)/train.txt")]
        return container("train-worker", image: "kubeedge/sedna-example-federated-learning-surface-defect-detection-train:v0.4.0",
                         extra: ["env": WorkerEnv.build(template: trainUserEnv, gm: gm, orderSeed: t.workerName, capture: c.capture)])
    }

    /// The template's own env. Its `LC_SERVER` (what a user following older instructions set
    /// to reach the exporter) is shadowed by the GM's, appended after it.
    var trainUserEnv: [(String, String)] {
        [("batch_size", "32"), ("learning_rate", "0.001"), ("epochs", "1"), ("LC_SERVER", "http://sedna-exporter.sedna-observability:9479")]
    }

    /// The aggregation Model. Nothing writes its status: only the FL upstream handler would,
    /// and no FL report reaches it.
    func putModel(_ c: inout ClusterState) {
        let meta = ObjectMeta(name: modelName, namespace: namespace, uid: modelUID, creationTimestamp: modelCreated, generation: 1)
        c.put(.sedna(.model), sednaObject(.model, meta: meta, spec: ["url": .string("/model/\(name)"), "format": "pb"], status: nil))
    }

    func putCR(_ c: inout ClusterState) {
        let meta = ObjectMeta(name: name, namespace: namespace, uid: uid, creationTimestamp: created, generation: 1)
        let spec: JSON = [
            "aggregationWorker": [
                "model": ["name": .string(modelName)],
                "template": ["spec": ["nodeName": .string(cloudNode), "containers": [
                    container("agg-worker", image: "kubeedge/sedna-example-federated-learning-surface-defect-detection-aggregation:v0.4.0",
                              env: [("exit_round", String(exitRound))]),
                ]]],
            ],
            "trainingWorkers": .array(trainers.map { t in
                ["dataset": ["name": .string(t.dataset)],
                 "template": ["spec": ["nodeName": .string(t.node), "containers": [
                     container("train-worker", image: "kubeedge/sedna-example-federated-learning-surface-defect-detection-train:v0.4.0",
                               env: trainUserEnv),
                 ]]]]
            }),
        ]
        var s = status
        if !conditions.isEmpty { s["conditions"] = .array(conditions) }
        c.put(.sedna(.federatedLearningJob), sednaObject(.federatedLearningJob, meta: meta, spec: spec, status: s.isEmpty ? nil : .object(s)))
    }
}
