extension Catalog {
    // MARK: Dataset and Model (docs/sedna-data-model.md)

    public static let datasetInfo = MetricFamily(
        "sedna_dataset_info", .info, help: "Static properties of a Dataset; the URL loses user info and query string.",
        labels: ["namespace", "dataset", "uid", "format", "url", "node"], source: .spec, emittedBy: "Dataset")
    public static let datasetSamples = MetricFamily(
        "sedna_dataset_samples", .gauge, help: "Samples in the dataset's index file as counted by the LC (status.numberOfSamples).",
        labels: ["namespace", "dataset"], source: .status, emittedBy: "Dataset", proposal: ["SampleNum"])
    public static let datasetUpdated = MetricFamily(
        "sedna_dataset_update_timestamp_seconds", .gauge, help: "Unix time the sample count last changed (status.updateTime).",
        unit: "seconds", labels: ["namespace", "dataset"], source: .status, emittedBy: "Dataset")
    public static let datasetCreated = MetricFamily(
        "sedna_dataset_created_timestamp_seconds", .gauge, help: "Unix time the Dataset object was created.",
        unit: "seconds", labels: ["namespace", "dataset"], source: .metadata, emittedBy: "Dataset")

    public static let datasetFamilies = [datasetInfo, datasetSamples, datasetUpdated, datasetCreated]

    public static let modelInfo = MetricFamily(
        "sedna_model_info", .info, help: "Static properties of a Model; the URL loses user info and query string.",
        labels: ["namespace", "model", "uid", "format", "url"], source: .spec, emittedBy: "Model")
    public static let modelMetric = MetricFamily(
        "sedna_model_metric", .gauge, help: "Numeric entries of the Model's status.metrics (written by federated learning).",
        labels: ["namespace", "model", "metric"], source: .reportedStatus, emittedBy: "Model")
    public static let modelUpdated = MetricFamily(
        "sedna_model_update_timestamp_seconds", .gauge, help: "Unix time the Model's metrics were last written (status.updateTime).",
        unit: "seconds", labels: ["namespace", "model"], source: .reportedStatus, emittedBy: "Model")

    public static let modelFamilies = [modelInfo, modelMetric, modelUpdated]

    // MARK: Worker pods (labels <kind>.sedna.io/name, /worker-type; docs/sedna-data-model.md)

    public static let workerInfo = MetricFamily(
        "sedna_worker_info", .info, help: "A pod Sedna created for a task: worker type, node and whether the node is an edge node.",
        labels: workerLabels + ["worker_type", "node", "location"], source: .pod, emittedBy: "Pod")
    public static let workerPhase = MetricFamily(
        "sedna_worker_phase", .stateset, help: "Phase of a worker pod.",
        labels: workerLabels + ["phase"], source: .pod, emittedBy: "Pod", proposal: ["PodStatus"],
        states: ["Pending", "Running", "Succeeded", "Failed", "Unknown"])
    public static let workerReady = MetricFamily(
        "sedna_worker_ready", .gauge, help: "1 when the worker pod's Ready condition is True.",
        labels: workerLabels, source: .pod, emittedBy: "Pod")
    public static let workerStart = MetricFamily(
        "sedna_worker_start_timestamp_seconds", .gauge, help: "Unix time the kubelet (or edgecore) started the pod (status.startTime).",
        unit: "seconds", labels: workerLabels, source: .pod, emittedBy: "Pod")
    public static let workerRestarts = MetricFamily(
        "sedna_worker_container_restarts_total", .counter, help: "Restarts of each container of a worker pod.",
        labels: workerLabels + ["container"], source: .pod, emittedBy: "Pod")
    public static let workerContainerState = MetricFamily(
        "sedna_worker_container_state", .stateset, help: "State of each container of a worker pod.",
        labels: workerLabels + ["container", "state"], source: .pod, emittedBy: "Pod", proposal: ["ContainerStatus"],
        states: ["running", "waiting", "terminated"])
    public static let workerWaitingReason = MetricFamily(
        "sedna_worker_container_waiting_reason", .gauge,
        help: "1 for a waiting container, with the reason the kubelet gives (CrashLoopBackOff, ImagePullBackOff, ...).",
        labels: workerLabels + ["container", "reason"], source: .pod, emittedBy: "Pod")

    public static let workerFamilies = [
        workerInfo, workerPhase, workerReady, workerStart, workerRestarts, workerContainerState, workerWaitingReason,
    ]

    // MARK: Sedna's own components (pods labelled sedna: gm|lc|kb)

    public static let componentInfo = MetricFamily(
        "sedna_component_info", .info, help: "A pod of Sedna's GlobalManager (gm), LocalController (lc) or KnowledgeBase (kb).",
        labels: ["namespace", "component", "pod", "node", "location"], source: .pod, emittedBy: "Pod")
    public static let componentReady = MetricFamily(
        "sedna_component_ready", .gauge, help: "1 when the component pod's Ready condition is True.",
        labels: ["namespace", "component", "pod", "node"], source: .pod, emittedBy: "Pod")
    public static let componentRestarts = MetricFamily(
        "sedna_component_container_restarts_total", .counter, help: "Restarts of each container of a component pod.",
        labels: ["namespace", "component", "pod", "container"], source: .pod, emittedBy: "Pod")

    public static let componentFamilies = [componentInfo, componentReady, componentRestarts]

    // MARK: Nodes (edge vs cloud by node-role.kubernetes.io/edge)

    public static let nodeInfo = MetricFamily(
        "sedna_node_info", .info, help: "A cluster node and whether it is an edge node (label node-role.kubernetes.io/edge).",
        labels: ["node", "location", "kubelet_version"], source: .node, emittedBy: "Node")
    public static let nodeReady = MetricFamily(
        "sedna_node_ready", .gauge, help: "1 when the node's Ready condition is True (edgecore reports it for edge nodes).",
        labels: ["node", "location"], source: .node, emittedBy: "Node")

    public static let nodeFamilies = [nodeInfo, nodeReady]
}
