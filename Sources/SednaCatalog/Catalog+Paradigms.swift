extension Catalog {
    // MARK: Joint inference (status.metrics, docs/sedna-data-model.md)

    public static let jiInferences = MetricFamily(
        "sedna_joint_inference_inferences_total", .counter,
        help: "Inferences made by the edge workers (status.metrics inferenceNumber; resets when a worker restarts).",
        labels: taskLabels, source: .reportedStatus, emittedBy: "JointInferenceService", proposal: ["EdgeInferenceCount"])
    public static let jiHardExamples = MetricFamily(
        "sedna_joint_inference_hard_examples_total", .counter,
        help: "Hard examples found at the edge and sent to the cloud worker (status.metrics hardExampleNumber).",
        labels: taskLabels, source: .reportedStatus, emittedBy: "JointInferenceService",
        proposal: ["HardSampleNum", "CloudInferenceCount"])
    public static let jiUploadRatio = MetricFamily(
        "sedna_joint_inference_upload_cloud_ratio", .gauge,
        help: "Share of inferences uploaded to the cloud worker, 0..1 (status.metrics uploadCloudRatio).",
        unit: "ratio", labels: taskLabels, source: .reportedStatus, emittedBy: "JointInferenceService")

    public static let jointInferenceFamilies = [jiInferences, jiHardExamples, jiUploadRatio]

    // MARK: Incremental and lifelong learning (condition data, docs/sedna-data-model.md)

    static let learningKindsText = "IncrementalLearningJob, LifelongLearningJob"

    public static let learningIteration = MetricFamily(
        "sedna_learning_iteration", .gauge,
        help: "Completed training rounds: the highest round (data.input.outputDir .../train/<n>) that reached Train/Completed.",
        labels: taskLabels, source: .conditions, emittedBy: learningKindsText, proposal: ["IterationNo"])
    public static let learningModelInfo = MetricFamily(
        "sedna_learning_model_info", .info,
        help: "Model URLs of the newest train output, eval candidate and deployed model; user info and query strings are stripped.",
        labels: taskLabels + ["role", "url", "format"], source: .conditionData, emittedBy: learningKindsText,
        proposal: ["TrainOutputModelUrl", "EvalNewModelUrl", "DeployModelUrl"])
    public static let learningEvalMetric = MetricFamily(
        "sedna_learning_eval_metric", .gauge,
        help: "Newest evaluation of the new and the deployed model per metric; per-class lists give their mean.",
        labels: taskLabels + ["model_role", "metric"], source: .conditionData, emittedBy: learningKindsText,
        proposal: ["AccuracyMetricForNewModel", "AccuracyMetricForOldModel"])
    public static let learningEvalClassMetric = MetricFamily(
        "sedna_learning_eval_class_metric", .gauge,
        help: "Newest per-class evaluation values of the new and the deployed model (class is the list index).",
        labels: taskLabels + ["model_role", "metric", "class"], source: .conditionData, emittedBy: learningKindsText,
        proposal: ["AccuracyMetricForNewModel", "AccuracyMetricForOldModel"])
    public static let learningDeployStatus = MetricFamily(
        "sedna_learning_deploy_status", .stateset,
        help: "Outcome of the newest Deploy stage: Waiting until one ends, OK when a model was deployed, NotOK when it failed, Skipped when the LC completed it without deploying (trigger not met).",
        labels: taskLabels + ["deploy_status"], source: .conditions, emittedBy: learningKindsText,
        proposal: ["DeployStatus"], states: ["Waiting", "OK", "NotOK", "Skipped"])
    public static let learningFailedIterations = MetricFamily(
        "sedna_learning_failed_iterations_total", .counter,
        help: "Training rounds in which a stage failed (Failed conditions, kept although the GM follows each with Train/Waiting).",
        labels: taskLabels, source: .conditions, emittedBy: learningKindsText)
    public static let learningTrainLoss = MetricFamily(
        "sedna_learning_train_loss", .gauge,
        help: "Loss reported with the newest train output (output.models[].metrics.loss).",
        labels: taskLabels, source: .conditionData, emittedBy: learningKindsText, proposal: ["TrainLoss"])
    public static let learningTrainMetric = MetricFamily(
        "sedna_learning_train_metric", .gauge,
        help: "Numeric metrics reported with the newest train output, per metric name.",
        labels: taskLabels + ["metric"], source: .conditionData, emittedBy: learningKindsText)
    public static let learningTrainProb = MetricFamily(
        "sedna_learning_dataset_train_ratio", .gauge,
        help: "Share of the dataset used for training, 0..1 (spec.dataset.trainProb).",
        unit: "ratio", labels: taskLabels + ["dataset"], source: .spec, emittedBy: learningKindsText)

    public static let learningFamilies = [
        learningIteration, learningFailedIterations, learningModelInfo, learningEvalMetric, learningEvalClassMetric,
        learningDeployStatus, learningTrainLoss, learningTrainMetric, learningTrainProb,
    ]

    // MARK: Lifelong learning knowledge base (status.knowledgeBase)

    public static let kbModels = MetricFamily(
        "sedna_lifelong_learning_knowledge_base_models", .gauge, help: "Models in the job's knowledge base (status.knowledgeBase.AIModels.numberOfAIModels).",
        labels: taskLabels, source: .status, emittedBy: "LifelongLearningJob")
    public static let kbClasses = MetricFamily(
        "sedna_lifelong_learning_knowledge_base_classes", .gauge, help: "Classes known to the knowledge base (AIClasses.numberOfAIClasses).",
        labels: taskLabels, source: .status, emittedBy: "LifelongLearningJob")
    public static let kbUnseen = MetricFamily(
        "sedna_lifelong_learning_knowledge_base_unseen_samples", .gauge, help: "Unseen-task samples held by the knowledge base.",
        labels: taskLabels, source: .status, emittedBy: "LifelongLearningJob")
    public static let kbLabeledUnseen = MetricFamily(
        "sedna_lifelong_learning_knowledge_base_labeled_unseen_samples", .gauge, help: "Labeled unseen-task samples held by the knowledge base.",
        labels: taskLabels, source: .status, emittedBy: "LifelongLearningJob")
    public static let kbModelPrecision = MetricFamily(
        "sedna_lifelong_learning_knowledge_base_model_average_precision", .gauge, help: "Average precision of each knowledge-base model.",
        labels: taskLabels + ["model_id"], source: .status, emittedBy: "LifelongLearningJob")
    public static let kbModelSamples = MetricFamily(
        "sedna_lifelong_learning_knowledge_base_model_train_samples", .gauge, help: "Training samples of each knowledge-base model.",
        labels: taskLabels + ["model_id"], source: .status, emittedBy: "LifelongLearningJob")

    public static let lifelongFamilies = [kbModels, kbClasses, kbUnseen, kbLabeledUnseen, kbModelPrecision, kbModelSamples]

    // MARK: Federated learning (spec.trainingWorkers, Training conditions, docs/sedna-data-model.md)

    public static let flTrainNode = MetricFamily(
        "sedna_federated_learning_train_node_info", .info,
        help: "One series per training worker: the node it runs on and its dataset.",
        labels: taskLabels + ["node", "dataset"], source: .spec, emittedBy: "FederatedLearningJob", proposal: ["TrainNodes"])
    public static let flNodeSamples = MetricFamily(
        "sedna_federated_learning_node_samples", .gauge,
        help: "Samples of each training worker's dataset (the Dataset's status.numberOfSamples).",
        labels: taskLabels + ["node", "dataset"], source: .join, emittedBy: "FederatedLearningJob", proposal: ["NodeSampleNum"])
    public static let flRound = MetricFamily(
        "sedna_federated_learning_round", .gauge,
        help: "Current training round, from the newest Training condition (\"Round N reaches at ...\").",
        labels: taskLabels, source: .reportedStatus, emittedBy: "FederatedLearningJob", proposal: ["IterationNo"])
    public static let flAggregations = MetricFamily(
        "sedna_federated_learning_aggregations", .gauge,
        help: "Aggregation rounds recorded by the GM: distinct rounds among the Training conditions.",
        labels: taskLabels, source: .reportedStatus, emittedBy: "FederatedLearningJob", proposal: ["AggregationNo"])

    public static let federatedFamilies = [flTrainNode, flNodeSamples, flRound, flAggregations]
}
