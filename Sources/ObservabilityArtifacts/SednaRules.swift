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

    /// Aggregation labels, `cluster` first (ArtifactSettings.clusterLabel): every `by` and `on`
    /// keeps it so that one Prometheus holding several clusters never mixes them.
    static func by(_ s: ArtifactSettings, _ labels: String) -> String { "\(s.clusterLabel), \(labels)" }
    static let task = "namespace, kind, task"

    // Joint inference per task: the captured worker reports (per pod) when there are any, else
    // the GM's status.metrics. Sedna counts each hard example in inferenceNumber too
    // (lib/sedna/core/joint_inference/joint_inference.py), so the status.metrics fallback takes
    // inputs = inferenceNumber - hardExampleNumber (the default mining mode). Each source is
    // first reduced with `max` over the exporter replicas (two during a rollout both serve the
    // same series), then summed over pods.
    static func jiInputRate(_ s: ArtifactSettings, _ w: String) -> String {
        let t = by(s, task)
        return "sum by (\(t)) (max by (\(t), pod) (rate(sedna_joint_inference_worker_inferences_total[\(w)])))\n  or max by (\(t)) (\n    rate(sedna_joint_inference_inferences_total[\(w)]) - rate(sedna_joint_inference_hard_examples_total[\(w)])\n  )"
    }

    static func jiHardExampleRate(_ s: ArtifactSettings, _ w: String) -> String {
        let t = by(s, task)
        return "sum by (\(t)) (max by (\(t), pod) (rate(sedna_joint_inference_worker_hard_examples_total[\(w)])))\n  or max by (\(t)) (rate(sedna_joint_inference_hard_examples_total[\(w)]))"
    }

    /// Hard examples over inputs in window `w`; absent while nothing is inferred.
    static func jiRatio(_ s: ArtifactSettings, _ w: String) -> String {
        "(\n  (\(jiHardExampleRate(s, w)))\n    / ((\(jiInputRate(s, w))) > 0)\n)"
    }

    /// 1 per worker pod with its node as a label (`sedna_worker_info`), joined onto the worker
    /// alerts so that Alertmanager can inhibit them while their edge node is NotReady
    /// (deploy/alertmanager/alertmanager.yml).
    static func workerNode(_ s: ArtifactSettings) -> String {
        "max by (\(by(s, task)), pod, node) (sedna_worker_info)"
    }

    /// `max by (by) (1 * (f{label="S1"} == 1) or 2 * (f{label="S2"} == 1) ...)`: one number per
    /// state-set series, so state timelines and stats can map it back to the state's name. `max`,
    /// not `sum`: two exporter replicas serve the same state and must not add up to another code.
    static func stateCode(_ familyName: String, label: String, by: String) -> String {
        let f = Dashboards.family(familyName)
        let terms = f.states.enumerated().map { "\($0.offset + 1) * (\(f.name){\(label)=\"\($0.element)\"} == 1)" }
        return "max by (\(by)) (\n  " + terms.joined(separator: "\n  or ") + "\n)"
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

    /// The recording rules with the default settings (the generated files).
    public static var records: [Record] { records(.default) }
    /// The alerts with the default settings (the generated files).
    public static var alerts: [Alert] { alerts(.default) }

    public static func records(_ s: ArtifactSettings) -> [Record] {
        let t = by(s, task)
        return [
            Record(name: conditionCode, expr: stateCode("sedna_task_condition", label: "condition", by: t),
                   help: "Current condition of each task as a number: the position of the condition in sedna_task_condition's states, 1-based."),
            Record(name: stageCode, expr: stateCode("sedna_task_stage", label: "task_stage", by: t),
                   help: "Current stage of each incremental or lifelong learning job as a number (1 Train, 2 Eval, 3 Deploy, 4 Unknown)."),
            Record(name: deployStatusCode, expr: stateCode("sedna_learning_deploy_status", label: "deploy_status", by: t),
                   help: "Deploy status of each incremental or lifelong learning job as a number (1 Waiting, 2 OK, 3 NotOK, 4 Skipped)."),
            Record(name: phaseCode, expr: stateCode("sedna_task_phase", label: "phase", by: t),
                   help: "status.phase of Job-like tasks as a number (1 Pending, 2 Running, 3 Succeeded, 4 Failed)."),
            Record(name: workerPhaseCode, expr: stateCode("sedna_worker_phase", label: "phase", by: "\(t), pod"),
                   help: "Phase of each worker pod as a number (1 Pending, 2 Running, 3 Succeeded, 4 Failed, 5 Unknown)."),
            Record(name: currentCondition, expr: "max by (\(t), condition) (sedna_task_condition == 1)",
                   help: "1 for each task, with its current condition as a label."),
            Record(name: conditionAge, expr: "time() - max by (\(t)) (sedna_task_condition_transition_timestamp_seconds)",
                   help: "Seconds since each task's current condition was appended."),
            Record(name: taskAge, expr: "time() - max by (\(t)) (sedna_task_created_timestamp_seconds)",
                   help: "Seconds since each task was created."),
            Record(name: failed, expr: "max by (\(t)) (\n  sedna_task_condition{condition=\"Failed\"} == 1\n  or sedna_task_phase{phase=\"Failed\"} == 1\n)",
                   help: "1 for each task whose current condition or phase is Failed."),
            Record(name: tasksByCondition, expr: "count by (\(by(s, "namespace, kind, condition"))) (\(currentCondition))",
                   help: "Tasks per namespace, kind and current condition."),
            Record(name: workersByLocation, expr: "count by (\(by(s, "namespace, location"))) (max by (\(by(s, "namespace, pod, location"))) (sedna_worker_info))",
                   help: "Worker pods per namespace on edge and on cloud nodes."),
            Record(name: workersByNode, expr: "count by (\(by(s, "node, location"))) (max by (\(by(s, "namespace, pod, node, location"))) (sedna_worker_info))",
                   help: "Worker pods per node."),
            Record(name: inferenceRate, expr: jiInputRate(s, "5m"),
                   help: "Inputs answered per second by each joint inference service's edge workers over 5 minutes: from the captured worker reports, else from status.metrics (inferenceNumber - hardExampleNumber, Sedna's default mining mode)."),
            Record(name: hardExampleRate, expr: jiHardExampleRate(s, "5m"),
                   help: "Hard examples (cloud calls) per second of each joint inference service over 5 minutes: from the captured worker reports, else from status.metrics."),
            Record(name: hardExampleRatio, expr: "\(hardExampleRate)\n  / clamp_min(\(inferenceRate), 1e-9)",
                   help: "Share of the inputs that were hard examples over 5 minutes; 0 while nothing is inferred."),
            Record(name: evalDelta, expr: "max by (\(t), metric) (sedna_learning_eval_metric{model_role=\"new\"})\n  - max by (\(t), metric) (sedna_learning_eval_metric{model_role=\"deployed\"})",
                   help: "Newest evaluation of the new model minus that of the deployed model, per metric."),
        ]
    }

    public static func alerts(_ s: ArtifactSettings) -> [Alert] {
        let t = by(s, task)
        let c = s.clusterLabel
        return [
            // Rests on the recording rule; a Failed condition of an incremental or lifelong
            // learning job is replaced by Train/Waiting on the GM's next sync, so those
            // failures are alerted by SednaLearningIterationFailed instead.
            Alert(name: "SednaTaskFailed",
                  expr: "\(failed) == 1",
                  duration: "1m", severity: "warning",
                  summary: "Sedna {{ $labels.kind }} {{ $labels.namespace }}/{{ $labels.task }} failed.",
                  description: "The current condition (the last element of status.conditions) or the phase of {{ $labels.kind }} {{ $labels.namespace }}/{{ $labels.task }} is Failed. Incremental and lifelong learning jobs retry from Train/Waiting; the other kinds stay failed until they are recreated.",
                  needs: .exporter),
            // The exporter counts the Failed conditions of status.conditions, which the GM keeps
            // in the list although it appends Train/Waiting right after
            // (pkg/globalmanager/controllers/incrementallearning/incrementallearningjob.go).
            Alert(name: "SednaLearningIterationFailed",
                  expr: "max by (\(t)) (increase(sedna_learning_failed_iterations_total[1h])) > 0",
                  duration: "0m", severity: "warning",
                  summary: "An iteration of {{ $labels.kind }} {{ $labels.namespace }}/{{ $labels.task }} failed.",
                  description: "A training round of {{ $labels.kind }} {{ $labels.namespace }}/{{ $labels.task }} ended with a Failed condition in the last hour. The GM replaces Failed with Train/Waiting at once, so the job looks healthy; the failed stage's worker logs say why.",
                  needs: .exporter),
            // Two exporter replicas during a rollout serve the same series: every side is
            // reduced to one series per task first (many-to-many matching otherwise), and
            // topk(1) keeps one label value when the replicas briefly disagree. The age is
            // computed here, not read from sedna_task:condition_age_seconds: a record of another
            // group may be one evaluation old, and the age is shown in the annotations.
            Alert(name: "SednaTaskStageStuck",
                  expr: "(time() - max by (\(t)) (sedna_task_condition_transition_timestamp_seconds))\n  * on (\(t)) group_left (task_stage) topk by (\(t)) (1, max by (\(t), task_stage) (sedna_task_stage == 1))\n  * on (\(t)) group_left (condition) topk by (\(t)) (1, \(currentCondition){condition=~\"Ready|Starting|Running\"})\n> 3 * 3600",
                  duration: "5m", severity: "warning",
                  summary: "{{ $labels.kind }} {{ $labels.namespace }}/{{ $labels.task }} has been {{ $labels.task_stage }}/{{ $labels.condition }} for {{ $value | humanizeDuration }}.",
                  description: "The newest condition of {{ $labels.namespace }}/{{ $labels.task }} is {{ $labels.task_stage }}/{{ $labels.condition }} and was appended {{ $value | humanizeDuration }} ago. Ready, Starting and Running normally end when the stage's worker pod completes or the LocalController reports; Waiting is excluded because it waits for data on purpose.",
                  needs: .exporter),
            // Train and eval workers of incremental and lifelong learning stop reporting when
            // their pod completes; only workers whose pod still runs are expected to report.
            // The worker's node is joined on for the inhibition by a NotReady edge node.
            Alert(name: "SednaWorkerReportsStale",
                  expr: "(time() - max by (\(t), worker, pod) (sedna_worker_last_report_timestamp_seconds) > 600)\n  * on (\(t), pod) group_left (node) \(workerNode(s))\n  and on (\(t), pod) max by (\(t), pod) (sedna_worker_phase{phase=\"Running\"} == 1)",
                  duration: "5m", severity: "warning",
                  summary: "Worker {{ $labels.worker }} of {{ $labels.namespace }}/{{ $labels.task }} stopped reporting.",
                  description: "No report from worker {{ $labels.worker }} (pod {{ $labels.pod }}, still Running) of {{ $labels.kind }} {{ $labels.namespace }}/{{ $labels.task }} reached the intake for {{ $value | humanizeDuration }}. Its figures on the dashboards are frozen.",
                  needs: .telemetry),
            Alert(name: "SednaHardExampleRatioSpike",
                  expr: "\(jiRatio(s, "10m")) > 0.2\nand\n\(jiRatio(s, "10m")) > 2 * \(jiRatio(s, "6h"))",
                  duration: "10m", severity: "warning",
                  summary: "Hard-example ratio of {{ $labels.namespace }}/{{ $labels.task }} is {{ $value | humanizePercentage }}.",
                  description: "Over the last 10 minutes {{ $value | humanizePercentage }} of the inputs of joint inference service {{ $labels.namespace }}/{{ $labels.task }} were hard examples, more than twice the 6-hour ratio. The edge model is seeing unfamiliar data or the hard-example mining threshold changed; cloud load and uplink traffic rise with it.",
                  needs: .exporter),
            // A worse new model is what the deploy trigger is for: while the newest Deploy stage
            // ended Skipped or NotOK (or is still Waiting) the gate did its job. Only a worse
            // model that went live (OK) is worth a look.
            Alert(name: "SednaEvaluatedModelWorse",
                  expr: "max by (\(t), metric) (sedna_learning_eval_metric{model_role=\"new\", metric!~\"(?i).*(loss|error|mse|mae).*\"})\n  < max by (\(t), metric) (sedna_learning_eval_metric{model_role=\"deployed\"})\nand on (\(t)) max by (\(t)) (sedna_learning_deploy_status{deploy_status=\"OK\"} == 1)",
                  duration: "5m", severity: "info",
                  summary: "{{ $labels.namespace }}/{{ $labels.task }} deployed a model that evaluates worse on {{ $labels.metric }}.",
                  description: "In the newest evaluation of {{ $labels.kind }} {{ $labels.namespace }}/{{ $labels.task }} the newly trained model scored {{ $value }} on {{ $labels.metric }}, below the model it replaced, and the Deploy stage still deployed it (deploy status OK). Check the deploy trigger of the job and the training data of the last iteration.",
                  needs: .exporter),
            Alert(name: "SednaFederatedRoundStalled",
                  expr: "(\n  time() - max by (\(t)) (sedna_worker_last_report_timestamp_seconds{kind=\"FederatedLearningJob\"}) > 3600\n)\n  and on (\(t)) (sedna_task_phase{phase=\"Running\"} == 1)\nor\n(time() - max by (\(t)) (sedna_task_condition_transition_timestamp_seconds{kind=\"FederatedLearningJob\"}) > 3600)\n  and on (\(t)) (sedna_task_condition{condition=\"Training\"} == 1)",
                  duration: "10m", severity: "warning",
                  summary: "Federated learning job {{ $labels.namespace }}/{{ $labels.task }} has not finished a round for {{ $value | humanizeDuration }}.",
                  description: "The job is running but no train worker has reported a finished round (captured reports; one per round), or the GM has appended no Training condition, for {{ $value | humanizeDuration }}: a train worker or the aggregation worker is stuck, or their reports are not captured.",
                  needs: .exporter),
            // Only datasets of incremental and lifelong learning jobs: those jobs wait for new
            // samples to start an iteration. A federated learning job trains on a fixed dataset.
            Alert(name: "SednaDatasetNotGrowing",
                  expr: "time() - max by (\(by(s, "namespace, dataset"))) (sedna_dataset_update_timestamp_seconds) > 86400\n  and on (\(by(s, "namespace, dataset"))) max by (\(by(s, "namespace, dataset"))) (sedna_learning_dataset_train_ratio)",
                  duration: "1h", severity: "info",
                  summary: "Dataset {{ $labels.namespace }}/{{ $labels.dataset }} has not grown for {{ $value | humanizeDuration }}.",
                  description: "The sample count of Dataset {{ $labels.namespace }}/{{ $labels.dataset }}, used by an incremental or lifelong learning job, last changed {{ $value | humanizeDuration }} ago. Those jobs trigger training on new samples, so no new iteration will start.",
                  needs: .exporter),
            Alert(name: "SednaExporterDown",
                  expr: "up{\(s.exporterSelector)} == 0",
                  duration: "5m", severity: "critical",
                  summary: "Prometheus cannot scrape the Sedna exporter {{ $labels.instance }}.",
                  description: "The scrape of {{ $labels.instance }} (job {{ $labels.job }}) has failed for 5 minutes; every Sedna dashboard is empty or stale.",
                  needs: .exporter),
            // `up == 0` needs a target: a deleted Deployment, a Service without endpoints or a
            // broken scrape config leave none, and nothing would fire.
            Alert(name: "SednaExporterAbsent",
                  expr: "absent(up{\(s.exporterSelector)})",
                  duration: "15m", severity: "critical",
                  summary: "Prometheus has no Sedna exporter target.",
                  description: "No target of the exporter's scrape job has been discovered for 15 minutes: the exporter is not deployed, its Service has no endpoints or the scrape configuration does not find it. Every Sedna dashboard is empty and every other Sedna alert is silent.",
                  needs: .exporter),
            Alert(name: "SednaExporterNotReady",
                  expr: "sedna_exporter_ready == 0",
                  duration: "10m", severity: "warning",
                  summary: "Sedna exporter {{ $labels.instance }} is not ready.",
                  description: "A watched resource has not synced or a watch keeps failing for 10 minutes (/readyz answers 503 with the reasons). Series of that resource may be stale.",
                  needs: .exporter),
            // Sums over shards (every object-count panel, docs/deploy.md "Scaling out") are right
            // only when each shard 0..<total is scraped exactly once: a missing shard hides its
            // tasks, a duplicated one (or two unsharded exporters in one job) counts them twice.
            // A re-shard disagrees for seconds only, hence the 15 minutes.
            Alert(name: "SednaExporterShardsInconsistent",
                  expr: "count by (\(c), job) (sedna_exporter_total_shards) != max by (\(c), job) (sedna_exporter_total_shards)\nor\nmin by (\(c), job) (sedna_exporter_total_shards) != max by (\(c), job) (sedna_exporter_total_shards)\nor\ncount by (\(c), job) (count_values by (\(c), job) (\"ordinal\", sedna_exporter_shard_ordinal) > 1)",
                  duration: "15m", severity: "warning",
                  summary: "The Sedna exporter shards of job {{ $labels.job }} do not add up.",
                  description: "The scraped exporters of job {{ $labels.job }} disagree on the number of shards, there are not as many as they say, or two serve the same shard, for 15 minutes. Sums over shards miss or double count tasks.",
                  needs: .exporter),
            Alert(name: "SednaExporterWatchFailing",
                  expr: "sum by (\(c), instance, resource) (increase(sedna_exporter_watch_requests_total{result=\"error\"}[15m])) > 3\nor\n(sedna_exporter_resource_available == 1 and sedna_exporter_resource_synced == 0)",
                  duration: "10m", severity: "warning",
                  summary: "Sedna exporter watch of {{ $labels.resource }} is failing.",
                  description: "The exporter's watch of {{ $labels.resource }} ended in errors more than 3 times in 15 minutes, or the resource is available but not synced, for 10 minutes. Its series are not updated.",
                  needs: .exporter),
            // Counts every non-2xx answer of the intake, 401 included: a relay or worker with a
            // wrong token loses every report it sends.
            Alert(name: "SednaIntakeRejecting",
                  expr: "sum by (\(c), instance, endpoint, code) (increase(sedna_intake_responses_total{code=~\"4..|5..\"}[15m])) > 0",
                  duration: "15m", severity: "warning",
                  summary: "Sedna intake {{ $labels.instance }} answers {{ $labels.code }} on {{ $labels.endpoint }}.",
                  description: "The exporter's intake answered {{ $value | humanize }} requests to its {{ $labels.endpoint }} endpoint with HTTP {{ $labels.code }} in the last 15 minutes, for 15 minutes. The reports or pushes of those requests are lost (401: wrong or missing token; 413: body too large; 400: not a Sedna report).",
                  needs: .exporter),
            Alert(name: "SednaWebhookAdmissionErrors",
                  expr: "sum by (\(c), instance) (increase(sedna_webhook_admissions_total{outcome=\"bad_request\"}[15m])) > 0",
                  duration: "5m", severity: "warning",
                  summary: "Sedna capture webhook {{ $labels.instance }} cannot read admission requests.",
                  description: "The capture webhook answered {{ $value | humanize }} admission requests it could not read in the last 15 minutes. The pods were admitted unchanged (the webhook never blocks them), so their reports go only to the LocalController.",
                  needs: .exporter),
            Alert(name: "SednaGlobalManagerDown",
                  expr: "max by (\(by(s, "namespace"))) (sedna_component_ready{component=\"gm\"}) == 0\nor\nabsent(sedna_component_info{component=\"gm\"})",
                  duration: "5m", severity: "critical",
                  summary: "Sedna GlobalManager is not ready.",
                  description: "No GlobalManager pod has been ready for 5 minutes (or none exists). Tasks are not reconciled: no stage transitions, no new worker pods, no status updates from LocalControllers.",
                  needs: .exporter),
            Alert(name: "SednaLocalControllerDown",
                  expr: "max by (\(by(s, "namespace, node"))) (sedna_component_ready{component=\"lc\"}) == 0",
                  duration: "10m", severity: "warning",
                  summary: "Sedna LocalController on {{ $labels.node }} is not ready.",
                  description: "The LocalController pod on node {{ $labels.node }} has not been ready for 10 minutes. Workers on the node cannot report, datasets there are not counted and incremental-learning triggers do not fire.",
                  needs: .exporter),
            Alert(name: "SednaEdgeNodeNotReadyWithWorkers",
                  expr: "max by (\(by(s, "node"))) (sedna_node_ready{location=\"edge\"}) == 0\n  and on (\(by(s, "node"))) (sum by (\(by(s, "node"))) (\(workersByNode)) > 0)",
                  duration: "5m", severity: "warning",
                  summary: "Edge node {{ $labels.node }} hosting Sedna workers is NotReady.",
                  description: "Edge node {{ $labels.node }} has reported NotReady to the cloud for 5 minutes while Sedna worker pods are scheduled on it. KubeEdge keeps the pods running offline, but their reports and logs do not reach the cloud.",
                  needs: .exporter),
            Alert(name: "SednaTelemetryCaptureSkipped",
                  expr: "sum by (\(c), instance, outcome) (increase(sedna_webhook_admissions_total{outcome=~\"relay_not_ready|relays_not_ready_everywhere\"}[15m])) > 0",
                  duration: "5m", severity: "warning",
                  summary: "Sedna worker pods start without telemetry capture: no Ready relay ({{ $labels.outcome }}).",
                  description: "The capture webhook admitted Sedna worker pods unchanged in the last 15 minutes because the relay on their node (or on some edge node, for pods not yet scheduled) was not Ready. Their reports go only to the LocalController: per-worker figures, federated rounds and joint-inference counts of those tasks will be missing until the pods are recreated with a relay in place.",
                  needs: .exporter),
            // The kubelet shows a crash-looping container as running between back-offs, so the
            // waiting reason comes and goes; max_over_time bridges the gaps (kubernetes-mixin).
            Alert(name: "SednaWorkerCrashLooping",
                  expr: "(max by (\(t), pod, container) (max_over_time(sedna_worker_container_waiting_reason{reason=\"CrashLoopBackOff\"}[5m])) >= 1)\n  * on (\(t), pod) group_left (node) \(workerNode(s))",
                  duration: "15m", severity: "warning",
                  summary: "Worker {{ $labels.pod }} of {{ $labels.namespace }}/{{ $labels.task }} is crash looping.",
                  description: "Container {{ $labels.container }} of worker pod {{ $labels.pod }} ({{ $labels.kind }} {{ $labels.task }}) has been in CrashLoopBackOff, at least once every 5 minutes, for 15 minutes.",
                  needs: .exporter),
            // The relays run on edge nodes and are scraped by that node's Prometheus agent (job
            // sedna-relay, deploy/prometheus/agent), which adds the node label.
            Alert(name: "SednaRelayDown",
                  expr: "up{\(s.relaySelector)} == 0",
                  duration: "10m", severity: "warning",
                  summary: "The Sedna relay on {{ $labels.node }} does not answer its scrape.",
                  description: "The scrape of the relay on node {{ $labels.node }} ({{ $labels.instance }}) has failed for 10 minutes. Workers of the node whose LC_SERVER points at the relay cannot report to the LocalController either.",
                  needs: .edgeAgent),
            Alert(name: "SednaRelaySpoolBacklog",
                  expr: "max by (\(by(s, "node, instance"))) (sedna_relay_oldest_queued_age_seconds{\(s.relaySelector)}) > 1800",
                  duration: "5m", severity: "warning",
                  summary: "Reports wait on the relay of {{ $labels.node }} for {{ $value | humanizeDuration }}.",
                  description: "The oldest report in the spool of the relay on {{ $labels.node }} has waited {{ $value | humanizeDuration }} for the central exporter. The uplink or the exporter's intake is down; reports are kept on disk until the spool's size bound, then dropped.",
                  needs: .edgeAgent),
            Alert(name: "SednaRelayDroppingReports",
                  expr: "sum by (\(by(s, "node, instance"))) (increase(sedna_relay_dropped_total{\(s.relaySelector)}[15m])) > 0",
                  duration: "0m", severity: "warning",
                  summary: "The relay on {{ $labels.node }} dropped {{ $value | humanize }} reports.",
                  description: "The spool of the relay on {{ $labels.node }} reached its size bound and dropped {{ $value | humanize }} reports in the last 15 minutes: those reports never reach the exporter.",
                  needs: .edgeAgent),
            Alert(name: "SednaRelayDeliveryFailing",
                  expr: "sum by (\(by(s, "node, instance"))) (increase(sedna_relay_delivery_failures_total{\(s.relaySelector)}[15m])) > 0\n  unless on (\(by(s, "node, instance"))) sum by (\(by(s, "node, instance"))) (increase(sedna_relay_delivered_total{\(s.relaySelector)}[15m])) > 0",
                  duration: "15m", severity: "warning",
                  summary: "The relay on {{ $labels.node }} cannot deliver reports to the exporter.",
                  description: "Every delivery of the relay on {{ $labels.node }} to the central exporter has failed for 15 minutes and none succeeded. Reports wait in its spool; check the uplink, the CENTRAL_URL and the intake token.",
                  needs: .edgeAgent),
            Alert(name: "SednaRelayLocalControllerUnreachable",
                  expr: "sum by (\(by(s, "node, instance"))) (increase(sedna_relay_lc_unreachable_total{\(s.relaySelector)}[10m])) > 0",
                  duration: "10m", severity: "warning",
                  summary: "The relay on {{ $labels.node }} cannot reach the LocalController.",
                  description: "{{ $value | humanize }} worker reports in the last 10 minutes could not be forwarded by the relay on {{ $labels.node }} to the LocalController (the workers got 502), for 10 minutes. The exporter still has the copies; Sedna's own status (datasets, triggers, FL/JI status) is not updated.",
                  needs: .edgeAgent),
        ]
    }

    static let header = """
        # Generated by `sedna-exporter generate` from Sources/ObservabilityArtifacts/SednaRules.swift; do not edit.

        """

    public static func recordsYAML(_ s: ArtifactSettings = .default) -> String {
        let all = records(s)
        let rules: [DocumentValue] = all.map { r in ["record": .string(r.name), "expr": .string(r.expr)] }
        var comment = header + "# Recording rules the Sedna dashboards reuse:\n"
        for r in all { comment += "#   \(r.name): \(r.help)\n" }
        return YAMLDocument.render(["groups": [["name": "sedna.records", "rules": .array(rules)]]], comment: comment)
    }

    /// The runbook of an alert: `<runbookBaseURL>#<alert name in lower case>`, absolute so that
    /// Alertmanager receivers can link it.
    public static func runbookURL(_ alert: String, _ s: ArtifactSettings = .default) -> String {
        "\(s.runbookBaseURL)#\(alert.lowercased())"
    }

    public static func alertsYAML(_ s: ArtifactSettings = .default) -> String {
        let rules: [DocumentValue] = alerts(s).map { a in
            [
                "alert": .string(a.name), "expr": .string(a.expr), "for": .string(a.duration),
                "labels": ["severity": .string(a.severity)],
                "annotations": [
                    "summary": .string(a.summary), "description": .string(a.description),
                    "runbook_url": .string(runbookURL(a.name, s)),
                ],
            ]
        }
        return YAMLDocument.render(["groups": [["name": "sedna.alerts", "rules": .array(rules)]]],
                                   comment: header + "# Alerts; runbooks in docs/runbooks.md, promtool cases in tests/sedna_test.yaml.\n")
    }
}
