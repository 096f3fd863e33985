/// Families served from worker telemetry (the intake): Sedna's own worker reports, taken in
/// directly because Sedna's LC path loses them (DATA-MODEL.md 4 and 5.1).
extension Catalog {
    static let workerReportLabels = taskLabels + ["worker"]
    static let reports = "worker reports (POST /sedna/workers/{worker}/info)"

    public static let reportLast = MetricFamily(
        "sedna_worker_last_report_timestamp_seconds", .gauge, help: "Unix time of the newest report of each worker.",
        unit: "seconds", labels: workerReportLabels, source: .intake, objects: reports)
    public static let reportStatus = MetricFamily(
        "sedna_worker_report_info", .info,
        help: "Phase (train, eval, deploy, inference) and status (completed, failed, running) of each worker's newest report.",
        labels: workerReportLabels + ["phase", "status"], source: .intake, objects: reports,
        proposal: ["DeployStatus", "TrainStatus"])
    public static let reportInferences = MetricFamily(
        "sedna_joint_inference_worker_inferences_total", .counter,
        help: "Inferences reported by each edge worker (ownerInfo.inferenceNumber; resets when the worker restarts).",
        labels: workerReportLabels, source: .intake, objects: reports, proposal: ["EdgeInferenceCount"])
    public static let reportHardExamples = MetricFamily(
        "sedna_joint_inference_worker_hard_examples_total", .counter,
        help: "Hard examples reported by each edge worker and sent to the cloud (ownerInfo.hardExampleNumber).",
        labels: workerReportLabels, source: .intake, objects: reports, proposal: ["HardSampleNum", "CloudInferenceCount"])
    public static let reportUploadRatio = MetricFamily(
        "sedna_joint_inference_worker_upload_cloud_ratio", .gauge,
        help: "Share of inferences each edge worker uploaded to the cloud, 0..1 (ownerInfo.uploadCloudRatio).",
        unit: "ratio", labels: workerReportLabels, source: .intake, objects: reports)
    public static let reportRound = MetricFamily(
        "sedna_federated_learning_worker_round", .gauge,
        help: "Current round reported by each federated training worker (ownerInfo.currentRound).",
        labels: workerReportLabels, source: .intake, objects: reports, proposal: ["IterationNo"])
    public static let reportSamples = MetricFamily(
        "sedna_federated_learning_worker_samples", .gauge,
        help: "Total samples of the round as reported by each federated training worker (ownerInfo.sampleCount).",
        labels: workerReportLabels, source: .intake, objects: reports, proposal: ["NodeSampleNum"])
    public static let reportTrainMetric = MetricFamily(
        "sedna_worker_reported_metric", .gauge,
        help: "Metrics in the results of each worker's newest report: train metrics of federated rounds and of IL/LL training, eval metrics of the new and deployed model (per-class lists give their mean).",
        labels: workerReportLabels + ["phase", "model_role", "metric"], source: .intake, objects: reports,
        proposal: ["TrainLoss", "AccuracyMetricForNewModel", "AccuracyMetricForOldModel"])

    public static let intakeFamilies = [
        reportLast, reportStatus, reportInferences, reportHardExamples, reportUploadRatio, reportRound, reportSamples,
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
