extension Catalog {
    /// `emittedBy` of the families every task kind has.
    public static let allTaskKindsText = "all task kinds"

    public static let taskInfo = MetricFamily(
        "sedna_task_info", .info, help: "Static properties of a Sedna task; always 1.",
        labels: taskLabels + ["uid"], source: .metadata, emittedBy: allTaskKindsText)
    public static let taskCreated = MetricFamily(
        "sedna_task_created_timestamp_seconds", .gauge, help: "Unix time the task object was created.",
        unit: "seconds", labels: taskLabels, source: .metadata, emittedBy: allTaskKindsText)
    public static let taskStart = MetricFamily(
        "sedna_task_start_timestamp_seconds", .gauge, help: "Unix time the GM first synced the task (status.startTime).",
        unit: "seconds", labels: taskLabels, source: .status, emittedBy: allTaskKindsText, proposal: ["StartTime"])
    public static let taskCompletion = MetricFamily(
        "sedna_task_completion_timestamp_seconds", .gauge,
        help: "Unix time the task completed (status.completionTime); IL and LL jobs never set it.",
        unit: "seconds", labels: taskLabels, source: .status, emittedBy: allTaskKindsText, proposal: ["CompletionTime"])
    public static let taskCondition = MetricFamily(
        "sedna_task_condition", .stateset,
        help: "Current condition of the task: the type of the last element of status.conditions; Unknown when there is none or its type is not one of the kind's.",
        labels: taskLabels + ["condition"], source: .conditions, emittedBy: allTaskKindsText,
        proposal: ["StageConditionStatus", "CurrentStatus", "TrainStatus"],
        states: ["Pending", "Waiting", "Ready", "Starting", "Running", "Training", "Completed", "Complete", "Failed", "Unknown"])
    public static let taskConditionTime = MetricFamily(
        "sedna_task_condition_transition_timestamp_seconds", .gauge,
        help: "Unix time the current condition was appended (lastTransitionTime, else lastHeartbeatTime or lastProbeTime).",
        unit: "seconds", labels: taskLabels, source: .conditions, emittedBy: allTaskKindsText)
    public static let taskConditions = MetricFamily(
        "sedna_task_conditions", .gauge,
        help: "Number of elements in status.conditions; the GM only appends, so this grows with every transition.",
        labels: taskLabels, source: .conditions, emittedBy: allTaskKindsText)
    public static let taskStage = MetricFamily(
        "sedna_task_stage", .stateset,
        help: "Current stage of an incremental or lifelong learning job: the stage of the last condition.",
        labels: taskLabels + ["task_stage"], source: .conditions,
        emittedBy: "IncrementalLearningJob, LifelongLearningJob", proposal: ["TaskStage"],
        states: ["Train", "Eval", "Deploy", "Unknown"])
    public static let taskPhase = MetricFamily(
        "sedna_task_phase", .stateset, help: "status.phase of Job-like tasks.",
        labels: taskLabels + ["phase"], source: .status,
        emittedBy: "FederatedLearningJob, ReidJob, VideoAnalyticsJob", states: ["Pending", "Running", "Succeeded", "Failed"])
    public static let taskActive = MetricFamily(
        "sedna_task_active_workers", .gauge,
        help: "status.active: running worker pods (FL, Reid, VA) or progressing Deployments (JI, FE, object search/tracking).",
        labels: taskLabels, source: .status, emittedBy: "kinds with status.active")
    public static let taskSucceeded = MetricFamily(
        "sedna_task_succeeded_workers", .gauge, help: "status.succeeded: worker pods that succeeded.",
        labels: taskLabels, source: .status, emittedBy: "FederatedLearningJob, ReidJob, VideoAnalyticsJob")
    public static let taskFailed = MetricFamily(
        "sedna_task_failed_workers", .gauge, help: "status.failed: failed worker pods or Deployments.",
        labels: taskLabels, source: .status, emittedBy: "kinds with status.failed")
    public static let taskDataErrors = MetricFamily(
        "sedna_task_condition_data_errors", .gauge,
        help: "Conditions whose data field is not valid JSON; their figures are skipped, the rest of the task is still translated.",
        labels: taskLabels, source: .conditionData, emittedBy: "IncrementalLearningJob, LifelongLearningJob, ReidJob, VideoAnalyticsJob")
    public static let taskHyperparameter = MetricFamily(
        "sedna_task_hyperparameter", .gauge,
        help: "Numeric hyperparameters configured in the worker templates' env (allowlist: batch_size, epochs, learning_rate, ...).",
        labels: taskLabels + ["worker_type", "parameter"], source: .spec,
        emittedBy: "IncrementalLearningJob, LifelongLearningJob, FederatedLearningJob",
        proposal: ["LearningRate", "EpochNum", "BatchSize"])
    public static let taskReportedMetric = MetricFamily(
        "sedna_task_reported_metric", .gauge,
        help: "Other numeric entries of status.metrics (worker ownerInfo keys the catalog does not name).",
        labels: taskLabels + ["key"], source: .reportedStatus, emittedBy: "JointInferenceService, FeatureExtractionService")

    public static let taskFamilies: [MetricFamily] = [
        taskInfo, taskCreated, taskStart, taskCompletion, taskCondition, taskConditionTime, taskConditions,
        taskStage, taskPhase, taskActive, taskSucceeded, taskFailed, taskDataErrors, taskHyperparameter,
        taskReportedMetric,
    ]
}
