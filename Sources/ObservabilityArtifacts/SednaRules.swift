import SednaCatalog

/// Prometheus recording rules and alerts for Sedna, generated from the catalog.
/// deploy/prometheus/rules/sedna-records.yaml and sedna-alerts.yaml; every alert has a section
/// in docs/runbooks.md (anchor = the alert name in lower case) and promtool cases in
/// deploy/prometheus/rules/tests/sedna_test.yaml.
public enum SednaRules {
    // Recording rule names the dashboards reuse.
    public static let conditionCode = "sedna_task:condition:state_code"
    public static let stageCode = "sedna_task:stage:state_code"
    public static let deployStatusCode = "sedna_task:deploy_status:state_code"
    public static let phaseCode = "sedna_task:phase:state_code"
    public static let workerPhaseCode = "sedna_worker:phase:state_code"
    public static let currentCondition = "sedna_task:current_condition"
    public static let conditionAge = "sedna_task:condition_age_seconds"
    public static let taskAge = "sedna_task:age_seconds"
    public static let failed = "sedna_task:failed"
    public static let tasksByCondition = "sedna_kind_condition:tasks:count"
    public static let workersByLocation = "sedna_location:workers:count"
    public static let workersByNode = "sedna_node:workers:count"
    public static let inferenceRate = "sedna_task:joint_inference_inferences:rate5m"
    public static let hardExampleRate = "sedna_task:joint_inference_hard_examples:rate5m"
    public static let hardExampleRatio = "sedna_task:joint_inference_hard_example_ratio:rate5m"
    public static let evalDelta = "sedna_task:learning_eval_metric:new_minus_deployed"

    public static let recordsFile = "deploy/prometheus/rules/sedna-records.yaml"
    public static let alertsFile = "deploy/prometheus/rules/sedna-alerts.yaml"
    public static let runbooks = "docs/runbooks.md"

    /// `sum by (by) (1 * (f{label="S1"} == 1) or 2 * (f{label="S2"} == 1) ...)`: one number per
    /// state-set series, so state timelines and stats can map it back to the state's name.
    // Joint inference per task: the captured worker reports (per pod, summed) when there are
    // any, else the GM's status.metrics. Sedna counts each hard example in inferenceNumber too
    // (lib/sedna/core/joint_inference/joint_inference.py), so the status.metrics fallback takes
    // inputs = inferenceNumber - hardExampleNumber (the default mining mode).
    static func jiInputRate(_ w: String) -> String {
        "sum by (namespace, kind, task) (rate(sedna_joint_inference_worker_inferences_total[\(w)]))\n  or sum by (namespace, kind, task) (\n    rate(sedna_joint_inference_inferences_total[\(w)]) - rate(sedna_joint_inference_hard_examples_total[\(w)])\n  )"
    }

    static func jiHardExampleRate(_ w: String) -> String {
        "sum by (namespace, kind, task) (rate(sedna_joint_inference_worker_hard_examples_total[\(w)]))\n  or sum by (namespace, kind, task) (rate(sedna_joint_inference_hard_examples_total[\(w)]))"
    }

    /// Hard examples over inputs in window `w`; absent while nothing is inferred.
    static func jiRatio(_ w: String) -> String {
        "(\n  (\(jiHardExampleRate(w)))\n    / ((\(jiInputRate(w))) > 0)\n)"
    }

    static func stateCode(_ familyName: String, label: String, by: String) -> String {
        let f = Dashboards.family(familyName)
        let terms = f.states.enumerated().map { "\($0.offset + 1) * (\(f.name){\(label)=\"\($0.element)\"} == 1)" }
        return "sum by (\(by)) (\n  " + terms.joined(separator: "\n  or ") + "\n)"
    }

    public struct Record: Sendable {
        public let name: String
        public let expr: String
        public let help: String
    }

    public struct Alert: Sendable {
        public let name: String
        public let expr: String
        public let duration: String
        public let severity: String
        public let summary: String
        public let description: String
        /// What the alert needs besides the exporter (the live query test checks it for syntax only).
        public let needs: QueryNeeds
    }

    static let task = "namespace, kind, task"

    public static let records: [Record] = [
        Record(name: conditionCode, expr: stateCode("sedna_task_condition", label: "condition", by: task),
               help: "Current condition of each task as a number: the position of the condition in sedna_task_condition's states, 1-based."),
        Record(name: stageCode, expr: stateCode("sedna_task_stage", label: "task_stage", by: task),
               help: "Current stage of each incremental or lifelong learning job as a number (1 Train, 2 Eval, 3 Deploy, 4 Unknown)."),
        Record(name: deployStatusCode, expr: stateCode("sedna_learning_deploy_status", label: "deploy_status", by: task),
               help: "Deploy status of each incremental or lifelong learning job as a number (1 Waiting, 2 OK, 3 NotOK)."),
        Record(name: phaseCode, expr: stateCode("sedna_task_phase", label: "phase", by: task),
               help: "status.phase of Job-like tasks as a number (1 Pending, 2 Running, 3 Succeeded, 4 Failed)."),
        Record(name: workerPhaseCode, expr: stateCode("sedna_worker_phase", label: "phase", by: "namespace, kind, task, pod"),
               help: "Phase of each worker pod as a number (1 Pending, 2 Running, 3 Succeeded, 4 Failed, 5 Unknown)."),
        Record(name: currentCondition, expr: "max by (namespace, kind, task, condition) (sedna_task_condition == 1)",
               help: "1 for each task, with its current condition as a label."),
        Record(name: conditionAge, expr: "time() - sedna_task_condition_transition_timestamp_seconds",
               help: "Seconds since each task's current condition was appended."),
        Record(name: taskAge, expr: "time() - sedna_task_created_timestamp_seconds",
               help: "Seconds since each task was created."),
        Record(name: failed, expr: "max by (namespace, kind, task) (\n  sedna_task_condition{condition=\"Failed\"} == 1\n  or sedna_task_phase{phase=\"Failed\"} == 1\n)",
               help: "1 for each task whose current condition or phase is Failed."),
        Record(name: tasksByCondition, expr: "count by (namespace, kind, condition) (sedna_task_condition == 1)",
               help: "Tasks per namespace, kind and current condition."),
        Record(name: workersByLocation, expr: "count by (namespace, location) (sedna_worker_info)",
               help: "Worker pods per namespace on edge and on cloud nodes."),
        Record(name: workersByNode, expr: "count by (node, location) (sedna_worker_info)",
               help: "Worker pods per node."),
        Record(name: inferenceRate, expr: jiInputRate("5m"),
               help: "Inputs answered per second by each joint inference service's edge workers over 5 minutes: from the captured worker reports, else from status.metrics (inferenceNumber - hardExampleNumber, Sedna's default mining mode)."),
        Record(name: hardExampleRate, expr: jiHardExampleRate("5m"),
               help: "Hard examples (cloud calls) per second of each joint inference service over 5 minutes: from the captured worker reports, else from status.metrics."),
        Record(name: hardExampleRatio, expr: "\(hardExampleRate)\n  / clamp_min(\(inferenceRate), 1e-9)",
               help: "Share of the inputs that were hard examples over 5 minutes; 0 while nothing is inferred."),
        Record(name: evalDelta, expr: "sedna_learning_eval_metric{model_role=\"new\"}\n  - ignoring (model_role) sedna_learning_eval_metric{model_role=\"deployed\"}",
               help: "Newest evaluation of the new model minus that of the deployed model, per metric."),
    ]

    public static let alerts: [Alert] = [
        Alert(name: "SednaTaskFailed",
              expr: "max by (namespace, kind, task) (\n  sedna_task_condition{condition=\"Failed\"} == 1\n  or sedna_task_phase{phase=\"Failed\"} == 1\n)",
              duration: "1m", severity: "warning",
              summary: "Sedna {{ $labels.kind }} {{ $labels.namespace }}/{{ $labels.task }} failed.",
              description: "The current condition (the last element of status.conditions) or the phase of {{ $labels.kind }} {{ $labels.namespace }}/{{ $labels.task }} is Failed. Incremental and lifelong learning jobs retry from Train/Waiting; the other kinds stay failed until they are recreated.",
              needs: .exporter),
        Alert(name: "SednaTaskStageStuck",
              expr: "(time() - sedna_task_condition_transition_timestamp_seconds)\n  * on (namespace, kind, task) group_left (task_stage) (sedna_task_stage == 1)\n  * on (namespace, kind, task) group_left (condition) (sedna_task_condition{condition=~\"Ready|Starting|Running\"} == 1)\n> 3 * 3600",
              duration: "5m", severity: "warning",
              summary: "{{ $labels.kind }} {{ $labels.namespace }}/{{ $labels.task }} has been {{ $labels.task_stage }}/{{ $labels.condition }} for {{ $value | humanizeDuration }}.",
              description: "The newest condition of {{ $labels.namespace }}/{{ $labels.task }} is {{ $labels.task_stage }}/{{ $labels.condition }} and was appended {{ $value | humanizeDuration }} ago. Ready, Starting and Running normally end when the stage's worker pod completes or the LocalController reports; Waiting is excluded because it waits for data on purpose.",
              needs: .exporter),
        Alert(name: "SednaWorkerReportsStale",
              expr: "time() - max by (namespace, kind, task, worker) (sedna_worker_last_report_timestamp_seconds) > 600",
              duration: "5m", severity: "warning",
              summary: "Worker {{ $labels.worker }} of {{ $labels.namespace }}/{{ $labels.task }} stopped reporting.",
              description: "No report from worker {{ $labels.worker }} of {{ $labels.kind }} {{ $labels.namespace }}/{{ $labels.task }} reached the intake for {{ $value | humanizeDuration }}. Its figures on the dashboards are frozen.",
              needs: .telemetry),
        Alert(name: "SednaHardExampleRatioSpike",
              expr: "\(jiRatio("10m")) > 0.2\nand\n\(jiRatio("10m")) > 2 * \(jiRatio("6h"))",
              duration: "10m", severity: "warning",
              summary: "Hard-example ratio of {{ $labels.namespace }}/{{ $labels.task }} is {{ $value | humanizePercentage }}.",
              description: "Over the last 10 minutes {{ $value | humanizePercentage }} of the inputs of joint inference service {{ $labels.namespace }}/{{ $labels.task }} were hard examples, more than twice the 6-hour ratio. The edge model is seeing unfamiliar data or the hard-example mining threshold changed; cloud load and uplink traffic rise with it.",
              needs: .exporter),
        Alert(name: "SednaEvaluatedModelWorse",
              expr: "sedna_learning_eval_metric{model_role=\"new\", metric!~\"(?i).*(loss|error|mse|mae).*\"}\n  < ignoring (model_role) sedna_learning_eval_metric{model_role=\"deployed\"}",
              duration: "5m", severity: "info",
              summary: "New model of {{ $labels.namespace }}/{{ $labels.task }} evaluates worse on {{ $labels.metric }}.",
              description: "In the newest evaluation of {{ $labels.kind }} {{ $labels.namespace }}/{{ $labels.task }} the newly trained model scored {{ $value }} on {{ $labels.metric }}, below the deployed model. The deploy trigger should keep the deployed model; check the training data of the last iteration.",
              needs: .exporter),
        Alert(name: "SednaFederatedRoundStalled",
              expr: "(\n  time() - max by (namespace, kind, task) (sedna_worker_last_report_timestamp_seconds{kind=\"FederatedLearningJob\"}) > 3600\n)\n  and on (namespace, kind, task) (sedna_task_phase{phase=\"Running\"} == 1)\nor\n(time() - sedna_task_condition_transition_timestamp_seconds{kind=\"FederatedLearningJob\"} > 3600)\n  and on (namespace, kind, task) (sedna_task_condition{condition=\"Training\"} == 1)",
              duration: "10m", severity: "warning",
              summary: "Federated learning job {{ $labels.namespace }}/{{ $labels.task }} has not finished a round for {{ $value | humanizeDuration }}.",
              description: "The job is running but no train worker has reported a finished round (captured reports; one per round), or the GM has appended no Training condition, for {{ $value | humanizeDuration }}: a train worker or the aggregation worker is stuck, or their reports are not captured.",
              needs: .exporter),
        Alert(name: "SednaDatasetNotGrowing",
              expr: "(time() - sedna_dataset_update_timestamp_seconds > 86400)\n  and on (namespace, dataset) (\n    sedna_learning_dataset_train_ratio\n    or sedna_federated_learning_node_samples\n  )",
              duration: "1h", severity: "info",
              summary: "Dataset {{ $labels.namespace }}/{{ $labels.dataset }} has not grown for {{ $value | humanizeDuration }}.",
              description: "The sample count of Dataset {{ $labels.namespace }}/{{ $labels.dataset }}, used by a learning job, last changed {{ $value | humanizeDuration }} ago. Incremental and lifelong learning trigger training on new samples, so no new iteration will start.",
              needs: .exporter),
        Alert(name: "SednaExporterDown",
              expr: "up{job=~\".*sedna-exporter.*\"} == 0",
              duration: "5m", severity: "critical",
              summary: "Prometheus cannot scrape the Sedna exporter {{ $labels.instance }}.",
              description: "The scrape of {{ $labels.instance }} (job {{ $labels.job }}) has failed for 5 minutes; every Sedna dashboard is empty or stale.",
              needs: .exporter),
        Alert(name: "SednaExporterNotReady",
              expr: "sedna_exporter_ready == 0",
              duration: "10m", severity: "warning",
              summary: "Sedna exporter {{ $labels.instance }} is not ready.",
              description: "A watched resource has not synced or a watch keeps failing for 10 minutes (/readyz answers 503 with the reasons). Series of that resource may be stale.",
              needs: .exporter),
        Alert(name: "SednaExporterWatchFailing",
              expr: "sum by (instance, resource) (increase(sedna_exporter_watch_requests_total{result=\"error\"}[15m])) > 3\nor\n(sedna_exporter_resource_available == 1 and sedna_exporter_resource_synced == 0)",
              duration: "10m", severity: "warning",
              summary: "Sedna exporter watch of {{ $labels.resource }} is failing.",
              description: "The exporter's watch of {{ $labels.resource }} ended in errors more than 3 times in 15 minutes, or the resource is available but not synced, for 10 minutes. Its series are not updated.",
              needs: .exporter),
        Alert(name: "SednaGlobalManagerDown",
              expr: "sum by (namespace) (sedna_component_ready{component=\"gm\"}) == 0\nor\nabsent(sedna_component_info{component=\"gm\"})",
              duration: "5m", severity: "critical",
              summary: "Sedna GlobalManager is not ready.",
              description: "No GlobalManager pod has been ready for 5 minutes (or none exists). Tasks are not reconciled: no stage transitions, no new worker pods, no status updates from LocalControllers.",
              needs: .exporter),
        Alert(name: "SednaLocalControllerDown",
              expr: "max by (namespace, node) (sedna_component_ready{component=\"lc\"}) == 0",
              duration: "10m", severity: "warning",
              summary: "Sedna LocalController on {{ $labels.node }} is not ready.",
              description: "The LocalController pod on node {{ $labels.node }} has not been ready for 10 minutes. Workers on the node cannot report, datasets there are not counted and incremental-learning triggers do not fire.",
              needs: .exporter),
        Alert(name: "SednaEdgeNodeNotReadyWithWorkers",
              expr: "(sedna_node_ready{location=\"edge\"} == 0)\n  and on (node) (count by (node) (sedna_worker_info) > 0)",
              duration: "5m", severity: "warning",
              summary: "Edge node {{ $labels.node }} hosting Sedna workers is NotReady.",
              description: "Edge node {{ $labels.node }} has reported NotReady to the cloud for 5 minutes while Sedna worker pods are scheduled on it. KubeEdge keeps the pods running offline, but their reports and logs do not reach the cloud.",
              needs: .exporter),
        Alert(name: "SednaTelemetryCaptureSkipped",
              expr: "sum by (instance, outcome) (increase(sedna_webhook_admissions_total{outcome=~\"relay_not_ready|relays_not_ready_everywhere\"}[15m])) > 0",
              duration: "5m", severity: "warning",
              summary: "Sedna worker pods start without telemetry capture: no Ready relay ({{ $labels.outcome }}).",
              description: "The capture webhook admitted Sedna worker pods unchanged in the last 15 minutes because the relay on their node (or on some edge node, for pods not yet scheduled) was not Ready. Their reports go only to the LocalController: per-worker figures, federated rounds and joint-inference counts of those tasks will be missing until the pods are recreated with a relay in place.",
              needs: .exporter),
        Alert(name: "SednaWorkerCrashLooping",
              expr: "max by (namespace, kind, task, pod, container) (sedna_worker_container_waiting_reason{reason=\"CrashLoopBackOff\"}) == 1",
              duration: "10m", severity: "warning",
              summary: "Worker {{ $labels.pod }} of {{ $labels.namespace }}/{{ $labels.task }} is crash looping.",
              description: "Container {{ $labels.container }} of worker pod {{ $labels.pod }} ({{ $labels.kind }} {{ $labels.task }}) has been in CrashLoopBackOff for 10 minutes.",
              needs: .exporter),
    ]

    static let header = """
        # Generated by `sedna-exporter generate` from Sources/ObservabilityArtifacts/SednaRules.swift; do not edit.

        """

    public static func recordsYAML() -> String {
        let rules: [GenValue] = records.map { r in ["record": .string(r.name), "expr": .string(r.expr)] }
        var comment = header + "# Recording rules the Sedna dashboards reuse:\n"
        for r in records { comment += "#   \(r.name): \(r.help)\n" }
        return comment + GenWriter.yaml(["groups": [["name": "sedna.records", "rules": .array(rules)]]])
    }

    public static func alertsYAML() -> String {
        let rules: [GenValue] = alerts.map { a in
            [
                "alert": .string(a.name), "expr": .string(a.expr), "for": .string(a.duration),
                "labels": ["severity": .string(a.severity)],
                "annotations": [
                    "summary": .string(a.summary), "description": .string(a.description),
                    "runbook_url": .string("\(runbooks)#\(a.name.lowercased())"),
                ],
            ]
        }
        return header + "# Alerts; runbooks in docs/runbooks.md, promtool cases in tests/sedna_test.yaml.\n"
            + GenWriter.yaml(["groups": [["name": "sedna.alerts", "rules": .array(rules)]]])
    }
}
