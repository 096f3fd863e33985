import SednaCatalog

/// What the status page shows of one task: read back from the samples its translator produced,
/// so the page says exactly what /metrics says (the current condition is the last element of
/// `status.conditions`, docs/sedna-data-model.md) and no Sedna parsing is written twice.
public struct TaskSummary: Sendable, Equatable {
    public let kind: SednaKind
    public let namespace: String
    public let name: String
    /// Type of the last condition (`Unknown` when there is none or it is not one of the kind's).
    public let condition: String
    /// Stage of the last condition (incremental and lifelong learning only).
    public let stage: String?
    /// `status.phase` of the Job-like kinds.
    public let phase: String?
    /// Unix time the current condition was appended.
    public let conditionSince: Double?
    /// Completed training rounds (incremental, lifelong learning) or the current federated round.
    public let iteration: Double?
    public let failedWorkers: Double?

    public init(kind: SednaKind, namespace: String, name: String, condition: String, stage: String? = nil,
                phase: String? = nil, conditionSince: Double? = nil, iteration: Double? = nil, failedWorkers: Double? = nil) {
        self.kind = kind
        self.namespace = namespace
        self.name = name
        self.condition = condition
        self.stage = stage
        self.phase = phase
        self.conditionSince = conditionSince
        self.iteration = iteration
        self.failedWorkers = failedWorkers
    }

    public init(kind: SednaKind, namespace: String, name: String, samples set: MetricSet) {
        self.init(kind: kind, namespace: namespace, name: name,
                  condition: Self.current(set, Catalog.taskCondition) ?? "Unknown",
                  stage: Self.current(set, Catalog.taskStage),
                  phase: Self.current(set, Catalog.taskPhase),
                  conditionSince: set.values(Catalog.taskConditionTime).first?.value,
                  iteration: (set.values(Catalog.learningIteration).first ?? set.values(Catalog.flRound).first)?.value,
                  failedWorkers: set.values(Catalog.taskFailed).first?.value)
    }

    /// The state whose series is 1 in a state set (its last label).
    static func current(_ set: MetricSet, _ family: MetricFamily) -> String? {
        set.values(family).first { $0.value == 1 }?.labelValues.last
    }
}

/// What the status page shows of one worker pod (labels, node and phase as /metrics has them).
public struct WorkerPodSummary: Sendable, Equatable {
    public let kind: SednaKind
    public let namespace: String
    public let task: String
    public let pod: String
    public let workerType: String
    public let node: String
    /// `edge`, `cloud` or `unknown` (from the node's `node-role.kubernetes.io/edge` label).
    public let location: String
    public let phase: String
    public let ready: Bool
    /// Waiting reasons of its containers (CrashLoopBackOff, ImagePullBackOff, ...).
    public let waitingReasons: [String]

    public init(kind: SednaKind, namespace: String, task: String, pod: String, workerType: String = "", node: String = "",
                location: String = "unknown", phase: String = "Unknown", ready: Bool = false, waitingReasons: [String] = []) {
        self.kind = kind
        self.namespace = namespace
        self.task = task
        self.pod = pod
        self.workerType = workerType
        self.node = node
        self.location = location
        self.phase = phase
        self.ready = ready
        self.waitingReasons = waitingReasons
    }

    public init(kind: SednaKind, namespace: String, task: String, pod: String, samples set: MetricSet) {
        let info = set.values(Catalog.workerInfo).first?.labelValues ?? []
        // workerInfo labels: namespace, kind, task, pod, worker_type, node, location.
        self.init(kind: kind, namespace: namespace, task: task, pod: pod,
                  workerType: info.count == 7 ? info[4] : "", node: info.count == 7 ? info[5] : "",
                  location: info.count == 7 ? info[6] : "unknown",
                  phase: TaskSummary.current(set, Catalog.workerPhase) ?? "Unknown",
                  ready: set.values(Catalog.workerReady).first?.value == 1,
                  waitingReasons: set.values(Catalog.workerWaitingReason).compactMap(\.labelValues.last))
    }
}
