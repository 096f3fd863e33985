import SednaCatalog

/// A kube-state-metrics CustomResourceStateMetrics config for the Sedna kinds, for clusters that
/// run only kube-state-metrics (no sedna-exporter), and the values for the kube-state-metrics
/// Helm chart. Generated from `SednaKind` so condition and stage lists follow the CRDs.
///
/// Fixes against Sedna's 2022 config: the current condition is the last element (`-1`), not
/// element 0; every resource has a `namespace` label; the FL list has `Training`; completion time
/// is its own gauge; no `data` blobs or heartbeat times as labels.
///
/// No metric that real Sedna can never fill: `completionTime` exists only on the Job-like kinds
/// (pkg/apis/sedna/v1alpha1/*_types.go); ObjectTrackingService has no GM controller
/// (pkg/globalmanager/controllers/registry.go), so no status at all; FeatureExtractionService's
/// `status.metrics` is never written (its GM handler waits for reports that no LocalController
/// manager forwards: cmd/sedna-lc/app/server.go); Model status is written only by the GM's
/// federated-learning handler from reports the LC does not forward
/// (pkg/localcontroller/managers/federatedlearning). Gauges on status fields that are absent until the
/// GM writes them carry `errorLogV`, since kube-state-metrics logs every missing Gauge path as an
/// error at verbosity `errorLogV` (0 by default) on every object update
/// (kube-state-metrics pkg/customresourcestate/registry_factory.go).
public enum KubeStateMetricsConfig {
    public static let configFile = "deploy/kube-state-metrics/sedna-custom-resource-state.yaml"
    public static let valuesFile = "deploy/kube-state-metrics/values.yaml"
    public static let prefix = "kube_sedna"

    /// What this config cannot do; written into both files.
    public static let limits = [
        "It cannot parse the JSON string in status.conditions[].data: no iteration count, train loss, eval metrics, model URLs or deploy status (sedna-exporter serves them).",
        "It cannot count list elements or parse messages: no number of conditions, no federated round from \"Round N reaches at ...\".",
        "It cannot strip user info or query strings from URLs, so no URL is exported as a label.",
        "It sees only the Sedna objects: worker pods by task, GM/LC/KB components and edge/cloud location come from sedna-exporter (or kube_pod_* joined by pod name).",
        "Values are the object's fields as they are; a missing field produces no series (nilIsZero is off).",
        "ObjectTrackingService has no controller in Sedna's GM, so only its creation time is exported; FeatureExtractionService and Model have no status metrics (Sedna never writes them).",
    ]

    /// Verbosity for errors about a missing status field (kube-state-metrics logs them at this level).
    static let absentStatusLogV = 4

    static func gauge(_ name: String, _ help: String, path: [String], valueFrom: [String]? = nil,
                      labels: [(String, [String])] = []) -> DocumentValue {
        var g: DocumentValue = ["path": .strings(path)]
        if let v = valueFrom { g = g.setting("valueFrom", .strings(v)) }
        if !labels.isEmpty { g = g.setting("labelsFromPath", .object(labels.map { ($0.0, .strings($0.1)) })) }
        var m: DocumentValue = ["name": .string(name), "help": .string(help), "each": ["type": "Gauge", "gauge": g]]
        // Status fields are absent until the GM writes them (and empty ones are omitted).
        if path.first == "status" { m = m.setting("errorLogV", .int(absentStatusLogV)) }
        return m
    }

    static func stateSet(_ name: String, _ help: String, path: [String], valueFrom: [String], labelName: String, list: [String]) -> DocumentValue {
        ["name": .string(name), "help": .string(help), "each": ["type": "StateSet", "stateSet": [
            "path": .strings(path), "valueFrom": .strings(valueFrom), "labelName": .string(labelName), "list": .strings(list),
        ]]]
    }

    static func info(_ name: String, _ help: String, path: [String], labels: [(String, [String])]) -> DocumentValue {
        ["name": .string(name), "help": .string(help), "each": ["type": "Info", "info": [
            "path": .strings(path), "labelsFromPath": .object(labels.map { ($0.0, .strings($0.1)) }),
        ]]]
    }

    static func resource(_ kind: SednaKind, nameLabel: String, metrics: [DocumentValue]) -> DocumentValue {
        [
            "groupVersionKind": ["group": .string(SednaKind.group), "version": .string(SednaKind.version), "kind": .string(kind.rawValue)],
            "resourcePlural": .string(kind.plural),
            "metricNamePrefix": .string(prefix),
            "commonLabels": ["kind": .string(kind.rawValue)],
            "labelsFromPath": ["namespace": ["metadata", "namespace"], nameLabel: ["metadata", "name"]],
            "metrics": .array(metrics),
        ]
    }

    static func taskMetrics(_ kind: SednaKind) -> [DocumentValue] {
        let created = gauge("task_created_timestamp_seconds", "Unix time the task object was created.", path: ["metadata", "creationTimestamp"])
        // No GM controller writes an ObjectTrackingService's status.
        if kind == .objectTrackingService { return [created] }
        let last = ["status", "conditions", "-1"]
        var m: [DocumentValue] = [
            stateSet("task_condition", "Current condition of the task: the type of the LAST element of status.conditions (the GM only appends).",
                     path: last, valueFrom: ["type"], labelName: "condition", list: kind.conditionTypes),
            created,
            gauge("task_start_timestamp_seconds", "Unix time the GM first synced the task (status.startTime).", path: ["status", "startTime"]),
        ]
        if kind == .federatedLearningJob {
            m.append(gauge("task_condition_transition_timestamp_seconds", "Unix time the current condition was appended (lastHeartbeatTime; FL conditions have no lastTransitionTime).",
                           path: last, valueFrom: ["lastHeartbeatTime"]))
        } else {
            m.append(gauge("task_condition_transition_timestamp_seconds", "Unix time the current condition was appended (lastTransitionTime).",
                           path: last, valueFrom: ["lastTransitionTime"]))
        }
        if kind != .incrementalLearningJob && kind != .lifelongLearningJob {
            // Only the Job-like kinds have status.completionTime; the services never complete.
            if kind.hasPhase {
                m.append(gauge("task_completion_timestamp_seconds", "Unix time the task completed (status.completionTime).", path: ["status", "completionTime"]))
            }
            m.append(gauge("task_active_workers", "status.active: running worker pods or progressing Deployments.", path: ["status", "active"]))
            m.append(gauge("task_failed_workers", "status.failed: failed worker pods or Deployments.", path: ["status", "failed"]))
        }
        if kind.hasStage {
            m.append(stateSet("task_stage", "Current stage: the stage of the LAST element of status.conditions.",
                              path: last, valueFrom: ["stage"], labelName: "task_stage", list: ["Train", "Eval", "Deploy"]))
            m.append(gauge("learning_dataset_train_ratio", "Share of the dataset used for training (spec.dataset.trainProb).",
                           path: ["spec", "dataset"], valueFrom: ["trainProb"], labels: [("dataset", ["name"])]))
        }
        if kind.hasPhase {
            m.append(stateSet("task_phase", "status.phase of the Job-like task.", path: ["status"], valueFrom: ["phase"],
                              labelName: "phase", list: ["Pending", "Running", "Succeeded", "Failed"]))
            m.append(gauge("task_succeeded_workers", "status.succeeded: worker pods that succeeded.", path: ["status", "succeeded"]))
        }
        switch kind {
        case .jointInferenceService:
            m.append(gauge("task_reported_metric", "Entries of status.metrics (inferenceNumber, hardExampleNumber, uploadCloudRatio, ...), by key. The list is replaced on every report.",
                           path: ["status", "metrics"], valueFrom: ["value"], labels: [("key", ["key"])]))
        case .federatedLearningJob:
            m.append(info("federated_learning_train_node_info", "One series per training worker: its node and its dataset.",
                          path: ["spec", "trainingWorkers"], labels: [("node", ["template", "spec", "nodeName"]), ("dataset", ["dataset", "name"])]))
        case .lifelongLearningJob:
            let kb = ["status", "knowledgeBase"]
            m.append(gauge("lifelong_learning_knowledge_base_models", "Models in the knowledge base.", path: kb + ["AIModels", "numberOfAIModels"]))
            m.append(gauge("lifelong_learning_knowledge_base_classes", "Classes known to the knowledge base.", path: kb + ["AIClasses", "numberOfAIClasses"]))
            m.append(gauge("lifelong_learning_knowledge_base_unseen_samples", "Unseen-task samples.", path: kb + ["samples", "numberOfUnseenSample"]))
            m.append(gauge("lifelong_learning_knowledge_base_labeled_unseen_samples", "Labeled unseen-task samples.", path: kb + ["samples", "numberOfLabeledUnseenSample"]))
            m.append(gauge("lifelong_learning_knowledge_base_model_average_precision", "Average precision of each knowledge-base model.",
                           path: kb + ["AIModels", "listOfAIModels"], valueFrom: ["averagePrecision"], labels: [("model_id", ["modelID"])]))
        default:
            break
        }
        return m
    }

    public static func config() -> DocumentValue {
        var resources: [DocumentValue] = []
        for kind in SednaKind.allCases.sorted() where kind.isTask {
            resources.append(resource(kind, nameLabel: "task", metrics: taskMetrics(kind)))
        }
        resources.append(resource(.dataset, nameLabel: "dataset", metrics: [
            gauge("dataset_samples", "Samples in the dataset's index file as counted by the LocalController (status.numberOfSamples).", path: ["status", "numberOfSamples"]),
            gauge("dataset_update_timestamp_seconds", "Unix time the sample count last changed (status.updateTime).", path: ["status", "updateTime"]),
            info("dataset_info", "Static properties of a Dataset (the URL is left out: it may carry credentials).", path: ["spec"],
                 labels: [("format", ["format"]), ("node", ["nodeName"])]),
        ]))
        resources.append(resource(.model, nameLabel: "model", metrics: [
            info("model_info", "Static properties of a Model (the URL is left out: it may carry credentials).", path: ["spec"], labels: [("format", ["format"])]),
        ]))
        return ["kind": "CustomResourceStateMetrics", "spec": ["resources": .array(resources)]]
    }

    static var limitsComment: String {
        "# Limits (kube-state-metrics reads fields, it does not interpret them):\n" + limits.map { "#  - \($0)\n" }.joined()
    }

    public static func configYAML() -> String {
        """
        # Generated by `sedna-exporter generate` (Sources/ObservabilityArtifacts/KubeStateMetricsConfig.swift); do not edit.
        # kube-state-metrics CustomResourceStateMetrics config for the Sedna kinds, for clusters without
        # sedna-exporter: kube-state-metrics --custom-resource-state-config-file=<this file>.
        # Series are named \(prefix)_<metric> and carry namespace, task (or dataset/model), kind and
        # kube-state-metrics' customresource_group/version/kind labels.

        """ + limitsComment + YAMLDocument.render(config())
    }

    public static func valuesYAML() -> String {
        let plurals = SednaKind.allCases.sorted().map(\.plural)
        let values: DocumentValue = [
            "customResourceState": ["enabled": true, "config": config()],
            "rbac": [
                "create": true,
                "extraRules": [
                    ["apiGroups": [.string(SednaKind.group)], "resources": .strings(plurals), "verbs": ["get", "list", "watch"]],
                    ["apiGroups": ["apiextensions.k8s.io"], "resources": ["customresourcedefinitions"], "verbs": ["get", "list", "watch"]],
                ],
            ],
            "affinity": ["nodeAffinity": ["requiredDuringSchedulingIgnoredDuringExecution": ["nodeSelectorTerms": [[
                "matchExpressions": [["key": "node-role.kubernetes.io/edge", "operator": "DoesNotExist"]],
            ]]]]],
            "tolerations": [],
            "prometheus": ["monitor": ["enabled": true, "honorLabels": true]],
        ]
        return """
            # Generated by `sedna-exporter generate` (Sources/ObservabilityArtifacts/KubeStateMetricsConfig.swift); do not edit.
            # Values for the prometheus-community/kube-state-metrics chart: the Sedna custom-resource
            # config, read-only RBAC (get, list, watch) for the sedna.io kinds and the CRDs it discovers
            # them from, and placement on cloud nodes only (edge nodes sit behind NAT and may be offline).
            #   helm install kube-state-metrics prometheus-community/kube-state-metrics -n monitoring -f deploy/kube-state-metrics/values.yaml

            """ + limitsComment + YAMLDocument.render(values)
    }
}
