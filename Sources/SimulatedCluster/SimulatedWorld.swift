import SednaCatalog

/// A deterministic simulated Sedna cluster: nodes, Sedna's components, datasets, models and
/// every task kind going through the lifecycle Sedna's controllers give it, plus the telemetry its
/// workers send. Pure: no I/O and no clock; time is whatever `advance(to:)` is given.
///
/// At `tasks: 1` the world is the demo cluster: one cloud node and three edge nodes, two joint
/// inference services, two incremental learning jobs, one lifelong learning job, two federated
/// learning jobs (one completes), and one of each other kind. Each further unit of `tasks` adds
/// another such group (names suffixed `-2`, `-3`, ...) with its own three edge nodes, so object
/// counts scale linearly for benchmarks.
public struct SimulatedWorld: Sendable {
    /// The seed `sedna-exporter simulate` uses unless told otherwise.
    public static let defaultSeed: UInt64 = 1

    public let seed: UInt64
    public let tasks: Int
    public let speed: Double
    public let start: Double
    /// Whether the capture route is installed (`ClusterState.capture`).
    public let capture: Bool

    var cluster: ClusterState
    var lifecycles: [any Lifecycle]
    var begun = false

    /// - Parameters:
    ///   - seed: all randomness comes from SplitMix64 seeded with it; the same seed and the same
    ///     `advance` calls give identical output.
    ///   - tasks: size knob (1 = the demo cluster; N multiplies task objects of each kind and nodes).
    ///   - speed: durations are nominal / speed (2 = twice as fast).
    ///   - start: Unix time of the first advance.
    ///   - capture: the capture route is installed (the admission webhook rewrote every worker's
    ///     effective `LC_SERVER` to its node's relay); false is Sedna exactly as released.
    ///   - learningJobLifetime: nominal seconds after which each incremental and lifelong learning
    ///     job is deleted and created again (nil: never; `IncrementalLearningLifecycle.recreate`).
    public init(seed: UInt64, tasks: Int = 1, speed: Double = 1, start: Double, capture: Bool = true,
                learningJobLifetime: Double? = nil) {
        self.seed = seed
        self.tasks = max(1, tasks)
        self.speed = speed > 0 ? speed : 1
        self.start = start
        self.capture = capture
        cluster = ClusterState(start: start, speed: self.speed, capture: capture)
        lifecycles = WorldLayout.lifecycles(seed: seed, groups: self.tasks, learningJobLifetime: learningJobLifetime)
    }

    /// Advances to `now` (Unix seconds, non-decreasing). The first call also returns a `.put`
    /// for every object that exists before the simulation starts.
    public mutating func advance(to now: Double) -> SimulationStep {
        cluster.step = SimulationStep()
        if !begun {
            begun = true
            cluster.time = 0
            for i in lifecycles.indices { lifecycles[i].begin(&cluster) }
        }
        let target = max(cluster.time, (now - start) * speed)
        while true {
            var best = -1
            var bestTime = Double.infinity
            for i in lifecycles.indices {
                let t = lifecycles[i].nextEvent
                if t < bestTime { bestTime = t; best = i }
            }
            guard best >= 0, bestTime <= target else { break }
            cluster.time = max(cluster.time, bestTime)
            lifecycles[best].fire(&cluster)
        }
        cluster.time = target
        return cluster.step
    }
}

/// Names, nodes and datasets of the simulated cluster, one group per unit of `tasks`.
enum WorldLayout {
    static func lifecycles(seed: UInt64, groups: Int, learningJobLifetime: Double? = nil) -> [any Lifecycle] {
        var stream = 0
        func rng() -> SimRandom {
            defer { stream += 1 }
            return SimRandom(seed: seed, stream: stream)
        }
        let ns = "default"
        var nodes: [NodeHealth.Node] = []
        var nodeRNG = rng()
        let clouds = 1 + (groups - 1) / 4
        for i in 0..<clouds {
            let name = i == 0 ? "cloud-master" : "cloud-worker-\(i)"
            nodes.append(.init(name: name, edge: false, uid: nodeRNG.uuid(), created: "2026-01-12T08:00:00Z",
                               ip: "192.168.0.\(10 + i)", flaps: false, since: "2026-01-12T08:01:10Z", heartbeat: "2026-01-12T08:01:10Z"))
        }
        for g in 0..<groups {
            for e in 1...3 {
                let n = g * 3 + e
                nodes.append(.init(name: "edge-node-\(n)", edge: true, uid: nodeRNG.uuid(), created: "2026-01-20T09:30:00Z",
                                   ip: "192.168.\(1 + n / 200).\(n % 200 + 20)", flaps: e == 2,
                                   since: "2026-01-20T09:31:02Z", heartbeat: "2026-01-20T09:31:02Z"))
            }
        }
        var out: [any Lifecycle] = [NodeHealth(nodes: nodes)]
        out.append(SednaComponents(cloudNode: "cloud-master", nodes: nodes.map { ($0.name, $0.flaps) }, rng: rng()))

        var datasets: [DatasetGrowth.Dataset] = []
        var models: [ModelCatalog.Model] = []
        var tasks: [any Lifecycle] = []
        for g in 0..<groups {
            let s = g == 0 ? "" : "-\(g + 1)"
            let cloud = clouds > 1 ? (g / 4 == 0 ? "cloud-master" : "cloud-worker-\(g / 4)") : "cloud-master"
            let e1 = "edge-node-\(g * 3 + 1)", e2 = "edge-node-\(g * 3 + 2)", e3 = "edge-node-\(g * 3 + 3)"

            // Datasets: one per IL/LL job, one per federated train node, one in the cloud.
            func ds(_ name: String, _ node: String, _ format: String, _ url: String, _ n: Int, _ growth: Int, stops: Double = .infinity) {
                datasets.append(.init(name: name + s, namespace: ns, node: node, format: format, url: url, samples: n, growth: growth, stopsAt: stops))
            }
            ds("incremental-dataset", e1, "txt", "/data/helmet_detection/train_data/train_data.txt", 860, 12)
            ds("incremental-dataset-b", e3, "txt", "/data/helmet_detection_b/train_data/train_data.txt", 540, 8)
            ds("lifelong-dataset", e3, "csv", "/data/atcii/trainData.csv", 1_200, 15)
            for (i, node) in [e1, e2, e3].enumerated() {
                ds("edge\(i + 1)-surface-defect-detection-dataset", node, "txt", "/data/surface_defect/edge\(i + 1)/train.txt",
                   300 + 40 * i, 6, stops: i == 2 ? 100 : .infinity)
            }
            ds("cloud-defect-archive", cloud, "txt", "s3://sedna-datasets/surface_defect/archive/index.txt", 12_000, 0)

            for (job, _) in [("helmet-detection-demo", 0), ("helmet-detection-nightly", 1)] {
                models.append(.init(name: "\(job)\(s)-initial-model", namespace: ns, url: "/models/initial/model.pb", format: "pb"))
                models.append(.init(name: "\(job)\(s)-deploy-model", namespace: ns, url: "/models/deploy/model.pb", format: "pb"))
            }
            for svc in ["helmet-detection-inference-example", "pedestrian-detection-inference"] {
                models.append(.init(name: "\(svc)\(s)-little-model", namespace: ns, url: "/models/little/yolov3_resnet18.pb", format: "pb"))
                models.append(.init(name: "\(svc)\(s)-big-model", namespace: ns, url: "s3://sedna-models/big/yolov3_darknet.pb", format: "pb"))
            }

            tasks.append(JointInferenceLifecycle(name: "helmet-detection-inference-example\(s)", namespace: ns, edgeNode: e1,
                                                 cloudNode: cloud, jobNameSet: true, crashes: false, rng: rng()))
            tasks.append(JointInferenceLifecycle(name: "pedestrian-detection-inference\(s)", namespace: ns, edgeNode: e2,
                                                 cloudNode: cloud, jobNameSet: false, crashes: true, rng: rng()))
            tasks.append(IncrementalLearningLifecycle(.incremental, name: "helmet-detection-demo\(s)", namespace: ns, node: e1,
                                                      dataset: "incremental-dataset\(s)", failureProbability: 0, lifetime: learningJobLifetime, rng: rng()))
            tasks.append(IncrementalLearningLifecycle(.incremental, name: "helmet-detection-nightly\(s)", namespace: ns, node: e3,
                                                      dataset: "incremental-dataset-b\(s)", failureProbability: 0.2, lifetime: learningJobLifetime, rng: rng()))
            tasks.append(IncrementalLearningLifecycle(.lifelong, name: "atcii-classifier-demo\(s)", namespace: ns, node: e3,
                                                      dataset: "lifelong-dataset\(s)", failureProbability: 0, lifetime: learningJobLifetime, rng: rng()))
            tasks.append(FederatedLearningLifecycle(name: "surface-defect-detection\(s)", namespace: ns, cloudNode: cloud, exitRound: 1000,
                                                    modelName: "surface-defect-detection-model\(s)",
                                                    trainers: [(e1, "edge1-surface-defect-detection-dataset\(s)"),
                                                               (e2, "edge2-surface-defect-detection-dataset\(s)"),
                                                               (e3, "edge3-surface-defect-detection-dataset\(s)")], rng: rng()))
            tasks.append(FederatedLearningLifecycle(name: "surface-defect-quick\(s)", namespace: ns, cloudNode: cloud, exitRound: 5,
                                                    modelName: "surface-defect-quick-model\(s)",
                                                    trainers: [(e1, "edge1-surface-defect-detection-dataset\(s)"),
                                                               (e3, "edge3-surface-defect-detection-dataset\(s)")], rng: rng()))
            tasks.append(AnalyticsServiceLifecycle(.featureExtraction, name: "feature-extraction-demo\(s)", namespace: ns, nodes: [e3], rng: rng()))
            tasks.append(AnalyticsServiceLifecycle(.objectSearch, name: "pedestrian-search\(s)", namespace: ns, nodes: [cloud, e1, e3], rng: rng()))
            tasks.append(AnalyticsServiceLifecycle(.objectTracking, name: "pedestrian-tracking\(s)", namespace: ns, nodes: [e1, e3], rng: rng()))
            tasks.append(JobLikeLifecycle(kind: .reidJob, name: "reid-demo\(s)", namespace: ns, node: cloud, succeeds: true, runFor: 80, rng: rng()))
            tasks.append(JobLikeLifecycle(kind: .videoAnalyticsJob, name: "video-analytics-demo\(s)", namespace: ns, node: e3,
                                          succeeds: false, runFor: 65, rng: rng()))
        }
        out.append(DatasetGrowth(datasets: datasets, rng: rng()))
        out.append(ModelCatalog(models: models, rng: rng()))
        return out + tasks
    }
}
