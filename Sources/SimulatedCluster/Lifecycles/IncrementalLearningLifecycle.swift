import SednaCatalog

/// IncrementalLearningJob and LifelongLearningJob: the Train -> Eval -> Deploy loop of
/// `transitJobState` of `pkg/globalmanager/controllers/incrementallearning/incrementallearningjob.go`,
/// with the differences of `lifelonglearning/lifelonglearningjob.go`.
///
/// Who appends what follows the controller exactly: the GM appends `Train/Waiting` on the first
/// sync and after every `Deploy/Completed` or `X/Failed`, `next(X)/Waiting` after `X/Completed`,
/// `X/Starting` when it creates a stage pod and `X/Running` when the pod runs, always with empty
/// reason, message and data; the LC appends `X/Ready` (with `data.input`), the worker's report
/// becomes `X/Completed` or `X/Failed` (with `data.output`), both with message "reported by lc".
/// Sometimes the GM sees the pod succeed before the LC's message arrives and appends its own
/// `X/Completed` first (a race the controller allows). Conditions are only ever appended.
///
/// Differences for lifelong learning: no inference pod until `Deploy/Ready`, which the GM
/// answers with `Deploy/Completed` directly; the train worker reports the knowledge-base index
/// (`.pkl`, no metrics); `Train/Ready` carries only data URLs and the output dir. The GM
/// recomputes `status.knowledgeBase` from every report with output models
/// (`updateStatusKnowledgeBase` in `pkg/globalmanager/controllers/lifelonglearning/upstream.go`)
/// from their `classes`, `current_metric` and `number_of_labeled_unseen_sample`, keys no worker
/// of `lib/sedna` sends: so it is all zeros, and since `KnowledgeBase` is a plain struct in
/// `LifelongLearningJobStatus` it is written, zero-valued, with every status update.
///
/// Stage pods are never deleted: the IL and LL controllers create a pod per stage run and
/// only ever delete the inference pod they replace (`restartInferPod`). Failed runs are
/// followed by `Train/Waiting` on the next sync (`transitJobState`), so the `Failed`
/// condition stops being the current one.
///
/// Every pod's env is the template's, then the GM's parameters (`WorkerEnv`); the workers'
/// reports go to their effective `LC_SERVER` (host network: the node's LC, or with the
/// capture route the node's relay, which forwards them to it). Either way the LC gets them.
///
/// Stages last a few seconds nominal (a real training takes hours) so a job reaches its second
/// iteration within ~90 s at speed 1. Train workers push training telemetry every 3 s while
/// they run; eval workers push their remaining time and samples; the inference worker pushes
/// its per-iteration counters every 10 s.
struct IncrementalLearningLifecycle: Lifecycle {
    enum Paradigm: Sendable { case incremental, lifelong }

    let paradigm: Paradigm
    let name: String
    let namespace: String
    let node: String
    let dataset: String
    /// Chance that a train or eval run fails; only with `restartPolicy: Never` in the templates,
    /// since `OnFailure` (Sedna's default) would restart the container instead.
    let failureProbability: Double
    /// Nominal seconds after which the simulated operator deletes the job and creates it again
    /// (nil: never). Stage pods are never deleted while the job lives, so a long run at
    /// `--tasks 50` gains about 500 pods a minute; an operator cleaning up finished iterations
    /// is what keeps a real cluster, and a soak, at a steady size (`recreate`).
    let lifetime: Double?
    var rng: SimRandom

    var uid = ""
    var created = ""
    var annotations: [String: String] = [:]
    var conditions: [JSON] = []
    var startTime: String? = nil
    var knowledgeBase: JSON? = nil
    var stage = "Train"
    var type = ""
    var round = 0
    var stagePod: String? = nil
    var inferencePod: String? = nil
    var curve: TrainingCurve? = nil
    var failing = false
    var trainLoss = 0.0
    var deployedMetrics: [String: [Double]] = [:]
    var candidateMetrics: [String: [Double]] = [:]
    var iterationInferences = 0
    var iterationHard = 0

    var nextStep = 1.0
    var nextTick = Double.infinity
    var nextInference = Double.infinity
    var recreateAt = Double.infinity
    var nextEvent: Double { min(nextStep, nextTick, nextInference, recreateAt) }

    var kind: SednaKind { paradigm == .incremental ? .incrementalLearningJob : .lifelongLearningJob }
    var ref: TaskRef { TaskRef(kind: kind, name: name, namespace: namespace, uid: uid) }
    var outputDir: String { paradigm == .incremental ? "/incremental_learning/output" : "/lifelong_learning/output" }
    var classes: Int { paradigm == .incremental ? 4 : 3 }
    var metricNames: [String] { paradigm == .incremental ? ["precision", "recall"] : ["precision_score"] }
    var restartPolicy: String { failureProbability > 0 ? "Never" : "OnFailure" }
    static let deployModelURL = "/models/deploy/model.pb"
    static let initialModelURL = "/models/initial/model.pb"

    init(_ paradigm: Paradigm, name: String, namespace: String, node: String, dataset: String, failureProbability: Double,
         lifetime: Double? = nil, rng: SimRandom) {
        self.paradigm = paradigm
        self.lifetime = lifetime
        self.name = name
        self.namespace = namespace
        self.node = node
        self.dataset = dataset
        self.failureProbability = failureProbability
        self.rng = rng
    }

    mutating func begin(_ c: inout ClusterState) { appear(&c, createdNow: false) }

    /// The job as a new object: a fresh UID, its creation time (before the simulation for the
    /// jobs that exist at its start), the deployed model's metrics, and its CR written.
    private mutating func appear(_ c: inout ClusterState, createdNow: Bool) {
        uid = rng.uuid()
        created = createdNow ? c.timestamp : Timestamp.format(c.start - Double(rng.int(30...120)))
        for m in metricNames { deployedMetrics[m] = (0..<classes).map { _ in rng.uniform(0.62, 0.8) } }
        if let lifetime { recreateAt = c.time + lifetime }
        putCR(&c)
    }

    /// The operator deletes the job and applies it again: the CR goes (DELETED), Kubernetes'
    /// garbage collector deletes every pod whose ownerReference is the job (background
    /// propagation: the GM sets the job as controller of each pod it creates, `ref.ownerRef`),
    /// and the same spec comes back as a new object, with a new UID, starting at `Train/Waiting`
    /// like any new job. The random stream goes on, so the new incarnation differs.
    mutating func recreate(_ c: inout ClusterState) {
        c.delete(.sedna(kind), namespace: namespace, name: name)
        let owned = c.pods.values.filter { p in p.meta.ownerReferences.contains { $0["uid"].string == uid } }.map(\.key)
        for key in owned.sorted() { c.deletePod(key) }
        var fresh = IncrementalLearningLifecycle(paradigm, name: name, namespace: namespace, node: node, dataset: dataset,
                                                 failureProbability: failureProbability, lifetime: lifetime, rng: rng)
        fresh.nextStep = c.time + 1
        fresh.appear(&c, createdNow: true)
        self = fresh
    }

    // MARK: events

    mutating func fire(_ c: inout ClusterState) {
        if c.time >= recreateAt {
            recreate(&c)
        } else if c.time >= nextStep {
            step(&c)
        } else if c.time >= nextTick {
            tick(&c)
        } else {
            inferenceEvent(&c)
        }
    }

    mutating func step(_ c: inout ClusterState) {
        switch (stage, type) {
        case ("Train", ""):
            startTime = c.timestamp
            gm("Train", "Waiting", &c)
            if paradigm == .incremental { createInferencePod(&c) }
            nextStep = c.time + rng.uniform(3, 5)
        case (_, "Waiting"):
            lcReady(&c)
        case ("Deploy", "Ready"):
            // No hot update: the GM (re)starts the inference pod with the deployed model.
            createInferencePod(&c)
            gm("Deploy", "Completed", &c)
            deployedMetrics = candidateMetrics
            nextStep = c.time + 1
        case (_, "Ready"):
            createStagePod(&c)
            gm(stage, "Starting", &c)
            nextStep = c.time + rng.uniform(2, 4)
        case (_, "Starting"):
            if let key = stagePod { c.updatePod(key) { $0.start(at: $1) } }
            gm(stage, "Running", &c)
            startWork(&c)
        case (_, "Running"):
            finishWork(&c)
            nextStep = c.time + 1
        case ("Deploy", "Completed"), (_, "Failed"):
            gm("Train", "Waiting", &c)
            nextStep = c.time + rng.uniform(3, 6)
        case ("Train", "Completed"):
            gm("Eval", "Waiting", &c)
            nextStep = c.time + 1
        case ("Eval", "Completed"):
            gm("Deploy", "Waiting", &c)
            nextStep = c.time + 1.5
        default:
            nextStep = .infinity
        }
        putCR(&c)
    }

    /// The LC's answer to `X/Waiting` (LC `incrementallearningjob.go`: train on its sample trigger, eval at once, deploy
    /// on its metric trigger, else `Deploy/Completed` with `{}`).
    mutating func lcReady(_ c: inout ClusterState) {
        let out = outputDir
        switch (stage, paradigm) {
        case ("Train", .incremental):
            round += 1
            let base = round == 1 ? Self.initialModelURL : Self.deployModelURL
            lc("Train", "Ready", LearningConditionData.input(
                models: [LearningConditionData.model("pb", base)],
                dataURL: "\(out)/data/train/\(round)/data.txt", outputDir: "\(out)/train/\(round)"), &c)
        case ("Train", .lifelong):
            round += 1
            lc("Train", "Ready", LearningConditionData.input(
                dataURL: "\(out)/data/train/\(round)/data.txt", dataIndexURL: "\(out)/data/train/\(round)/dataIndex.txt",
                outputDir: "\(out)/train/\(round)"), &c)
        case ("Eval", .incremental):
            lc("Eval", "Ready", LearningConditionData.input(
                models: [trainedModel(), LearningConditionData.model("pb", Self.deployModelURL)],
                dataURL: "\(out)/data/eval/\(round)/data.txt"), &c)
        case ("Eval", .lifelong):
            lc("Eval", "Ready", LearningConditionData.input(
                models: [LearningConditionData.model("pkl", "\(out)/train/\(round)/index.pkl")],
                dataURL: "\(out)/data/eval/\(round)/data.txt", dataIndexURL: "\(out)/data/eval/\(round)/dataIndex.txt",
                outputDir: "\(out)/eval/\(round)"), &c)
        case ("Deploy", .incremental):
            // Trigger from the sample: precision_delta > threshold (mean over classes here).
            let delta = mean(candidateMetrics["precision"]) - mean(deployedMetrics["precision"])
            if delta > 0.01 {
                lc("Deploy", "Ready", LearningConditionData.input(
                    models: [trainedModel(), LearningConditionData.model("pb", Self.deployModelURL)]), &c)
            } else {
                lc("Deploy", "Completed", "{}", &c)
                candidateMetrics = deployedMetrics
            }
        default:
            lc("Deploy", "Ready", JSONWriter.sedna.string(["input": ["models": [
                ["format": "pkl", "url": .string("\(out)/eval/\(round)/index.pkl")],
            ]]]), &c)
        }
        nextStep = c.time + (stage == "Deploy" ? 1.5 : 1)
    }

    mutating func startWork(_ c: inout ClusterState) {
        failing = rng.chance(failureProbability)
        let samples = c.datasetSamples["\(namespace)/\(dataset)"] ?? 500
        let duration = stage == "Train" ? rng.uniform(10, 14) : rng.uniform(5, 7)
        let end = c.time + duration * (failing ? rng.uniform(0.3, 0.8) : 1)
        if stage == "Train" {
            trainLoss = max(0.01, 0.09 * pow085(round) + rng.gaussian(0.004))
            curve = TrainingCurve(startedAt: c.time, endsAt: c.time + duration, epochs: 10, batchSize: 32, baseLearningRate: 0.001,
                                  lossStart: trainLoss * 6, lossEnd: trainLoss, samples: Int(Double(samples) * 0.8), phase: "train")
        } else {
            curve = TrainingCurve(startedAt: c.time, endsAt: c.time + duration, epochs: 1, batchSize: 32, baseLearningRate: 0,
                                  lossStart: 0, lossEnd: 0, samples: samples - Int(Double(samples) * 0.8), phase: "eval")
        }
        nextTick = c.time + 0.5
        nextStep = end
    }

    /// Every 3 s while the stage pod runs.
    mutating func tick(_ c: inout ClusterState) {
        guard let curve, let key = stagePod, let pod = c.pods[key], pod.isRunning else { nextTick = .infinity; return }
        c.send(TrainingTelemetry.push(pod, curve.samples(at: c.time, remaining: c.wallSeconds(curve.endsAt - c.time),
                                                         noise: rng.gaussian(trainLoss * 0.05))))
        nextTick = c.time + 3 < nextStep ? c.time + 3 : .infinity
    }

    mutating func finishWork(_ c: inout ClusterState) {
        nextTick = .infinity
        guard let key = stagePod, let pod = c.pods[key] else { return }
        let worker = pod.workerName ?? pod.name
        if failing {
            report(from: key, worker, phase: stage.lowercased(), status: "failed", results: [], &c)
            lc(stage, "Failed", LearningConditionData.output(models: []), &c)
            c.updatePod(key) { $0.finish(exitCode: 1, at: $1) }
            return
        }
        let results = stage == "Train" ? trainResults() : evalResults()
        if let curve { c.send(TrainingTelemetry.push(pod, curve.samples(at: curve.endsAt, remaining: 0, noise: 0))) }
        report(from: key, worker, phase: stage.lowercased(), status: "completed", results: results, &c)
        if rng.chance(0.25) { gm(stage, "Completed", &c) }   // pod-phase path won the race
        lc(stage, "Completed", LearningConditionData.output(models: results), &c)
        c.updatePod(key) { $0.finish(exitCode: 0, at: $1) }
        if paradigm == .lifelong, !results.isEmpty { knowledgeBase = Self.gmKnowledgeBase(outputModels: results) }
    }

    mutating func trainResults() -> [JSON] {
        switch paradigm {
        case .incremental:
            let metrics: JSON = ["loss": .number((trainLoss * 10_000).rounded() / 10_000)]
            return [LearningConditionData.model("pb", "\(outputDir)/train/\(round)/model.pb", metrics: metrics),
                    LearningConditionData.model("ckpt", "\(outputDir)/train/\(round)", metrics: metrics)]
        case .lifelong:
            return [LearningConditionData.model("pkl", "\(outputDir)/train/\(round)/index.pkl")]
        }
    }

    /// One entry per evaluated model, new first: per-class lists (as the helmet example returns them).
    mutating func evalResults() -> [JSON] {
        var candidate: [String: [Double]] = [:]
        for m in metricNames {
            candidate[m] = (deployedMetrics[m] ?? []).map { min(0.99, max(0.4, $0 + 0.015 + rng.gaussian(0.03))) }
        }
        candidateMetrics = candidate
        func metrics(_ d: [String: [Double]]) -> JSON { .object(d.mapValues(LearningConditionData.perClass)) }
        switch paradigm {
        case .incremental:
            return [LearningConditionData.model("pb", "\(outputDir)/train/\(round)/model.pb", metrics: metrics(candidate)),
                    LearningConditionData.model("pb", Self.deployModelURL, metrics: metrics(deployedMetrics))]
        case .lifelong:
            let previous = round > 1 ? "\(outputDir)/eval/\(round - 1)/index.pkl" : "\(outputDir)/initial/index.pkl"
            return [LearningConditionData.model("pkl", "\(outputDir)/train/\(round)/index.pkl", metrics: metrics(candidate)),
                    LearningConditionData.model("pkl", previous, metrics: metrics(deployedMetrics))]
        }
    }

    func trainedModel() -> JSON {
        LearningConditionData.model("pb", "\(outputDir)/train/\(round)/model.pb",
                                    metrics: ["loss": .number((trainLoss * 10_000).rounded() / 10_000)])
    }

    /// `status.knowledgeBase` before any report: the zero value the GM writes with every status.
    static let zeroKnowledgeBase: JSON = gmKnowledgeBase(outputModels: [["classes": .null]])

    /// What `updateStatusKnowledgeBase` computes from a report's output models: classes from
    /// the first model, one AI model per `current_metric` entry (its first value as average
    /// precision), labeled unseen samples summed; `numberOfUnseenSample` always 0. Empty lists
    /// are omitted (`omitempty`).
    static func gmKnowledgeBase(outputModels: [JSON]) -> JSON {
        let classes = (outputModels.first?["classes"].array ?? []).compactMap(\.string)
        var models: [JSON] = []
        var labeled = 0
        for m in outputModels {
            let samples = Int(m["number_of_labeled_unseen_sample"].number ?? 0)
            if case let .object(current) = m["current_metric"] {
                for (id, metrics) in current.sorted(by: { $0.key < $1.key }) {
                    let precision = metrics.array?.first?.number ?? (metrics.object?.values.first?.number ?? 0)
                    models.append(["modelID": .string(id), "averagePrecision": .number(precision), "numberOfTrainSamples": .number(Double(samples))])
                }
            }
            labeled += samples
        }
        var aiModels: [String: JSON] = ["numberOfAIModels": .number(Double(models.count))]
        if !models.isEmpty { aiModels["listOfAIModels"] = .array(models) }
        var aiClasses: [String: JSON] = ["numberOfAIClasses": .number(Double(classes.count))]
        if !classes.isEmpty { aiClasses["listOfAIClasses"] = .array(classes.map { .string($0) }) }
        return ["AIModels": .object(aiModels), "AIClasses": .object(aiClasses),
                "samples": ["numberOfLabeledUnseenSample": .number(Double(labeled)), "numberOfUnseenSample": 0]]
    }

    // MARK: pods

    mutating func createStagePod(_ c: inout ClusterState) {
        let workerType = stage == "Train" ? "train" : "eval"
        let workerName = "\(workerType)-worker-\(rng.suffix())"
        let pod = SimPod.create(podMeta(workerType, &c), node: node, container: stageContainer(workerType, workerName: workerName, &c),
                                hostNetwork: true, restartPolicy: restartPolicy, network: c.network)
        stagePod = pod.key
        annotations["sedna.io/\(stage)"] = node
        c.putPod(pod)
    }

    mutating func createInferencePod(_ c: inout ClusterState) {
        if let old = inferencePod { c.deletePod(old) }
        let workerName = "inferworker-\(rng.suffix())"
        let pod = SimPod.create(podMeta("inference", &c), node: node, container: inferenceContainer(workerName: workerName, &c),
                                hostNetwork: true, network: c.network)
        inferencePod = pod.key
        annotations["sedna.io/Deploy"] = node
        iterationInferences = 0
        iterationHard = 0
        c.putPod(pod)
        nextInference = c.time + rng.uniform(2, 4)
    }

    /// Starts the inference pod, then pushes its per-iteration counters every 10 s.
    mutating func inferenceEvent(_ c: inout ClusterState) {
        nextInference = c.time + 10
        guard let key = inferencePod, let pod = c.pods[key] else { nextInference = .infinity; return }
        guard pod.isRunning else {
            c.updatePod(key) { $0.start(at: $1) }
            return
        }
        let frames = rng.int(80...160)
        iterationInferences += frames
        for _ in 0..<frames where rng.chance(0.08) { iterationHard += 1 }
        guard c.isReady(node) else { return }
        c.send(TrainingTelemetry.push(pod, [
            .init("sedna_learning_iteration_inferences_total", Double(iterationInferences)),
            .init("sedna_learning_iteration_hard_examples_total", Double(iterationHard)),
        ]))
    }

    mutating func podMeta(_ workerType: String, _ c: inout ClusterState) -> ObjectMeta {
        ObjectMeta(name: "\(name)-\(workerType)-\(rng.suffix())", namespace: namespace, uid: rng.uuid(), creationTimestamp: c.timestamp,
                   generateName: "\(name)-\(workerType)-", labels: ref.workerLabels(workerType), ownerReferences: [ref.ownerRef])
    }

    /// The GM's parameters every worker type gets (`createPod`, `createInferPod` in the IL and
    /// LL controllers); the per-type ones follow in `stageContainer`/`inferenceContainer`.
    func injectedEnv(_ workerName: String) -> [(String, String)] {
        var env = [("NAMESPACE", namespace), ("JOB_NAME", name), ("WORKER_NAME", workerName), ("LC_SERVER", WorkerEnv.gmLCServer)]
        if paradigm == .lifelong { env.append(("KB_SERVER", "http://kb.sedna:9020")) }
        return env
    }

    mutating func stageContainer(_ workerType: String, workerName: String, _ c: inout ClusterState) -> JSON {
        let out = outputDir
        var env = injectedEnv(workerName)
        switch (workerType, paradigm) {
        case ("train", .incremental):
            env += [("BASE_MODEL_URL", Self.initialModelURL), ("MODEL_URL", "\(out)/train/\(round)"),
                    ("TRAIN_DATASET_URL", "\(out)/data/train/\(round)/data.txt"), ("ORIGINAL_DATASET_URL", "/data/helmet_detection/train_data/train_data.txt")]
        case ("eval", .incremental):
            env += [("MODEL_URLS", "\(out)/train/\(round)/model.pb;\(Self.deployModelURL)"),
                    ("TEST_DATASET_URL", "\(out)/data/eval/\(round)/data.txt"), ("ORIGINAL_DATASET_URL", "/data/helmet_detection/train_data/train_data.txt")]
        case ("train", .lifelong):
            env += [("HAS_COMPLETED_INITIAL_TRAINING", round > 1 ? "true" : "false"), ("OUTPUT_URL", "\(out)/train/\(round)"),
                    ("TRAIN_DATASET_URL", "\(out)/data/train/\(round)/data.txt"), ("ORIGINAL_DATASET_URL", "/data/atcii/trainData.csv")]
            if round > 1 { env.append(("CLOUD_KB_INDEX", "\(out)/train/\(round - 1)/index.pkl")) }
        default:
            env += [("MODEL_URLS", "\(out)/train/\(round)/index.pkl"), ("OUTPUT_URL", "\(out)/eval/\(round)"),
                    ("TEST_DATASET_URL", "\(out)/data/eval/\(round)/data.txt"), ("ORIGINAL_DATASET_URL", "/data/atcii/trainData.csv")]
        }
        return container("\(workerType)-worker", image: image, args: ["\(workerType).py"],
                         extra: ["env": WorkerEnv.build(template: userEnv(workerType), gm: env, orderSeed: workerName, capture: c.capture)])
    }

    mutating func inferenceContainer(workerName: String, _ c: inout ClusterState) -> JSON {
        var env = injectedEnv(workerName)
        if paradigm == .incremental {
            env += [("MODEL_URL", Self.deployModelURL), ("HEM_NAME", "IBT"), ("HEM_PARAMETERS", "[]")]
        } else {
            env += [("MODEL_URLS", "\(outputDir)/eval/\(round)/index.pkl")]
        }
        return container("infer-worker", image: image, args: ["inference.py"],
                         extra: ["env": WorkerEnv.build(template: userEnv("inference"), gm: env, orderSeed: workerName, capture: c.capture),
                                 "resources": ["limits": ["memory": "2Gi"]]])
    }

    var image: String {
        paradigm == .incremental ? "kubeedge/sedna-example-incremental-learning-helmet-detection:v0.4.0"
            : "kubeedge/sedna-example-lifelong-learning-atcii-classifier:v0.3.0"
    }

    /// The user's env in the templates (what the Hyperparameters translator reads).
    func userEnv(_ workerType: String) -> [(String, String)] {
        switch (workerType, paradigm) {
        case ("train", .incremental):
            return [("batch_size", "32"), ("epochs", "10"), ("learning_rate", "0.001"), ("momentum", "0.9"),
                    ("input_shape", "352,640"), ("class_names", "person,helmet,helmet-on,helmet-off")]
        case ("eval", .incremental):
            return [("input_shape", "352,640"), ("class_names", "person,helmet,helmet-on,helmet-off")]
        case ("inference", .incremental):
            return [("input_shape", "352,640"), ("video_url", "file://video/video.mp4"), ("HE_SAVED_URL", "/he_saved_url")]
        case ("train", .lifelong):
            return [("early_stopping_rounds", "100"), ("metric_name", "mlogloss"), ("learning_rate", "0.1")]
        case ("eval", .lifelong):
            return [("metrics", "precision_score"), ("metric_param", "{'average': 'micro'}"), ("model_threshold", "0.5")]
        default:
            return [("UT_SAVED_URL", "/ut_saved_url"), ("infer_dataset_url", "/data/testData.csv")]
        }
    }

    // MARK: conditions and the object

    /// A condition appended by the GM: empty reason, message and data.
    mutating func gm(_ stage: String, _ type: String, _ c: inout ClusterState) { append(stage, type, message: "", data: "", &c) }

    /// A condition appended from the LC's message.
    mutating func lc(_ stage: String, _ type: String, _ data: String, _ c: inout ClusterState) {
        append(stage, type, message: "reported by lc", data: data, &c)
    }

    mutating func append(_ stage: String, _ type: String, message: String, data: String, _ c: inout ClusterState) {
        self.stage = stage
        self.type = type
        conditions.append(["type": .string(type), "status": "True", "stage": .string(stage),
                           "lastHeartbeatTime": .string(c.timestamp), "lastTransitionTime": .string(c.timestamp),
                           "reason": "", "message": .string(message), "data": .string(data)])
    }

    func report(from pod: String, _ worker: String, phase: String, status: String, results: [JSON], _ c: inout ClusterState) {
        var body: [String: JSON] = [
            "name": .string(worker), "namespace": .string(namespace), "ownerName": .string(name),
            "ownerKind": .string(kind.rawValue.lowercased()), "kind": .string(phase), "status": .string(status),
        ]
        if !results.isEmpty { body["results"] = .array(results) }
        c.report(from: pod, worker: worker, body: .object(body))
    }

    func putCR(_ c: inout ClusterState) {
        let meta = ObjectMeta(name: name, namespace: namespace, uid: uid, creationTimestamp: created,
                              annotations: annotations, generation: 1)
        var status: [String: JSON] = [:]
        if !conditions.isEmpty { status["conditions"] = .array(conditions) }
        if let startTime { status["startTime"] = .string(startTime) }
        if paradigm == .lifelong && !status.isEmpty { status["knowledgeBase"] = knowledgeBase ?? Self.zeroKnowledgeBase }
        c.put(.sedna(kind), sednaObject(kind, meta: meta, spec: spec, status: status.isEmpty ? nil : .object(status)))
    }

    func template(_ workerType: String, args: String) -> JSON {
        var spec: [String: JSON] = [
            "nodeName": .string(node),
            "containers": [container("\(workerType)-worker", image: image, args: [args], env: userEnv(workerType))],
        ]
        if workerType != "inference" && failureProbability > 0 { spec["restartPolicy"] = .string(restartPolicy) }
        return ["spec": .object(spec)]
    }

    var spec: JSON {
        let trigger: JSON = ["checkPeriodSeconds": 60, "timer": ["start": "02:00", "end": "24:00"],
                             "condition": ["operator": ">", "threshold": 500, "metric": "num_of_samples"]]
        var s: [String: JSON] = [
            "dataset": ["name": .string(dataset), "trainProb": 0.8],
            "trainSpec": ["template": template("train", args: "train.py"), "trigger": trigger],
            "evalSpec": ["template": template("eval", args: "eval.py")],
            "outputDir": .string(outputDir),
        ]
        if paradigm == .incremental {
            s["initialModel"] = ["name": .string("\(name)-initial-model")]
            s["deploySpec"] = [
                "model": ["name": .string("\(name)-deploy-model")],
                "trigger": ["condition": ["operator": ">", "threshold": 0.01, "metric": "precision_delta"]],
                "hardExampleMining": ["name": "IBT"],
                "template": template("inference", args: "inference.py"),
            ]
        } else {
            s["deploySpec"] = ["template": template("inference", args: "inference.py")]
        }
        return .object(s)
    }

    func mean(_ a: [Double]?) -> Double {
        guard let a, !a.isEmpty else { return 0 }
        return a.reduce(0, +) / Double(a.count)
    }

    func pow085(_ n: Int) -> Double {
        var v = 1.0
        for _ in 0..<max(0, n - 1) { v *= 0.85 }
        return v
    }
}
