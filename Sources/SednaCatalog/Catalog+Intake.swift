/// Families served from worker telemetry (the intake): Sedna's own worker reports, taken in
/// directly because Sedna's LC path loses them (docs/sedna-data-model.md, "Worker reports").
extension Catalog {
    /// `pod` is set when the report was tied to one pod (by its peer IP, WORKER_NAME or name) and
    /// empty otherwise: HPA-scaled JI edge replicas share a WORKER_NAME, so per-pod series keep
    /// each replica's running totals monotonic; per-task figures are sums over pods.
    static let workerReportLabels = taskLabels + ["worker", "pod"]
    static let workerReportsText = "worker reports (POST /sedna/workers/{worker}/info)"

    public static let reportLast = MetricFamily(
        "sedna_worker_last_report_timestamp_seconds", .gauge, help: "Unix time of the newest report of each worker.",
        unit: "seconds", labels: workerReportLabels, source: .intake, emittedBy: workerReportsText)
    public static let reportStatus = MetricFamily(
        "sedna_worker_report_info", .info,
        help: "Phase (train, eval, deploy, inference) and status (completed, failed, running) of each worker's newest report.",
        labels: workerReportLabels + ["phase", "status"], source: .intake, emittedBy: workerReportsText,
        proposal: ["DeployStatus", "TrainStatus"])
    // Sedna's JointInference (lib/sedna/core/joint_inference/joint_inference.py) counts through
    // LCReporter (lib/sedna/service/client.py): update_for_edge_inference() adds 1 to
    // inferenceNumber, update_for_collaboration_inference() adds 1 to inferenceNumber AND
    // hardExampleNumber. With MINING_MODE inference-then-mining (the default) every input gets
    // an edge inference and each hard example also a cloud call, counted whether the call
    // succeeded or not; with mining-then-inference a hard example goes to the cloud only
    // (counted when the call succeeded) and the others to the edge model. In both modes edge
    // inferences = inferenceNumber - hardExampleNumber.
    public static let reportInferences = MetricFamily(
        "sedna_joint_inference_worker_inferences_total", .counter,
        help: "Inputs each edge worker answered, each counted once (inference-then-mining: inferenceNumber - hardExampleNumber; mining-then-inference: inferenceNumber; resets when the worker restarts).",
        labels: workerReportLabels, source: .intake, emittedBy: workerReportsText, proposal: ["EdgeInferenceCount"])
    public static let reportEdgeInferences = MetricFamily(
        "sedna_joint_inference_worker_edge_inferences_total", .counter,
        help: "Inferences each edge worker ran on its own (edge) model: inferenceNumber - hardExampleNumber.",
        labels: workerReportLabels, source: .intake, emittedBy: workerReportsText, proposal: ["EdgeInferenceCount"])
    public static let reportHardExamples = MetricFamily(
        "sedna_joint_inference_worker_hard_examples_total", .counter,
        help: "Hard examples each edge worker found, i.e. cloud calls (ownerInfo.hardExampleNumber; inference-then-mining counts the call even when it failed, mining-then-inference only when it succeeded).",
        labels: workerReportLabels, source: .intake, emittedBy: workerReportsText, proposal: ["HardSampleNum", "CloudInferenceCount"])
    public static let reportRound = MetricFamily(
        "sedna_federated_learning_worker_round", .gauge,
        help: "Current round reported by each federated training worker (ownerInfo.currentRound).",
        labels: workerReportLabels, source: .intake, emittedBy: workerReportsText, proposal: ["IterationNo"])
    /// The train worker's `sampleCount` is the aggregator's `total_sample` of the round, the sum
    /// over all workers (lib/sedna/core/federated_learning/federated_learning.py,
    /// lib/sedna/algorithms/aggregation/aggregation.py), not the node's own count.
    public static let reportSamples = MetricFamily(
        "sedna_federated_learning_worker_aggregated_samples", .gauge,
        help: "Samples of all training workers in the round, as the aggregator returned them to each worker (ownerInfo.sampleCount; not the node's own samples).",
        labels: workerReportLabels, source: .intake, emittedBy: workerReportsText)
    public static let reportTrainMetric = MetricFamily(
        "sedna_worker_reported_metric", .gauge,
        help: "Metrics in the results of each worker's newest report: train metrics of federated rounds and of IL/LL training, eval metrics of the new and deployed model (per-class lists give their mean).",
        labels: workerReportLabels + ["phase", "model_role", "metric"], source: .intake, emittedBy: workerReportsText,
        proposal: ["TrainLoss", "AccuracyMetricForNewModel", "AccuracyMetricForOldModel"])

    public static let intakeFamilies = [
        reportLast, reportStatus, reportInferences, reportEdgeInferences, reportHardExamples, reportRound, reportSamples,
        reportTrainMetric,
    ]
}

/// Metric names that Sedna never reports and workers push through the Pushgateway-compatible
/// API (docs/metrics.md shows a paste-ready prometheus_client snippet for each). A pushed group
/// bound to a task gets the task's namespace, kind and task labels.
public enum PushVocabulary {
    public struct Entry: Sendable {
        public let name: String
        public let type: MetricType
        public let help: String
        public let labels: [String]
        public let proposal: [String]
        public let example: String
    }

    public static let entries: [Entry] = [
        Entry(name: "sedna_training_learning_rate", type: .gauge, help: "Learning rate the worker uses now.", labels: [],
              proposal: ["LearningRate"], example: "0.001"),
        Entry(name: "sedna_training_epoch", type: .gauge, help: "Current epoch of the training worker.", labels: [],
              proposal: ["EpochNum"], example: "3"),
        Entry(name: "sedna_training_batch_size", type: .gauge, help: "Batch size the worker uses.", labels: [],
              proposal: ["BatchSize"], example: "32"),
        Entry(name: "sedna_training_loss", type: .gauge, help: "Training loss after the latest step or epoch.", labels: [],
              proposal: ["TrainLoss"], example: "0.0421"),
        Entry(name: "sedna_training_remaining_seconds", type: .gauge, help: "Estimated time left in the current phase.",
              labels: ["phase"], proposal: ["TrainRemainingTime", "EvalRemainingTime"], example: "540"),
        Entry(name: "sedna_training_samples", type: .gauge, help: "Samples used in the current phase.",
              labels: ["phase"], proposal: ["TrainSampleNum", "EvalSampleNum"], example: "840"),
        Entry(name: "sedna_learning_iteration_inferences_total", type: .counter,
              help: "Inferences made by the inference worker in the current iteration.", labels: [],
              proposal: ["IterationInferenceCount"], example: "1200"),
        Entry(name: "sedna_learning_iteration_hard_examples_total", type: .counter,
              help: "Hard examples found in the current iteration.", labels: [],
              proposal: ["IterationHardSampleNum"], example: "87"),
        Entry(name: "sedna_federated_learning_aggregation", type: .gauge,
              help: "Aggregations done by the aggregation worker.", labels: [], proposal: ["AggregationNo"], example: "5"),
    ]

    public static let names: Set<String> = Set(entries.map(\.name))
}
