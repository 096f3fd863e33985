import SednaCatalog

/// The Sedna dashboards, generated from the catalog: every query names catalog families,
/// recording rules of `SednaRules` or planned intake names (`PlannedTelemetry`).
public enum Dashboards {
    public static let overviewUID = "sedna-overview"
    public static let logsUID = "sedna-logs"

    static func family(_ name: String) -> MetricFamily {
        guard let f = Catalog.all.first(where: { $0.name == name }) else { fatalError("\(name) is not in the catalog") }
        return f
    }

    static let stateColors: [String: String] = [
        "Failed": "red", "NotOK": "red", "Unknown": "text",
        "Running": "green", "Training": "green", "Completed": "green", "Complete": "green", "Succeeded": "green", "OK": "green",
        "Waiting": "yellow", "Pending": "yellow", "Ready": "blue", "Starting": "blue",
        "Train": "blue", "Eval": "purple", "Deploy": "orange",
        "running": "green", "waiting": "yellow", "terminated": "text",
    ]

    /// Value mappings for a `state_code` recording rule: code i+1 shows the i-th state of the family.
    static func stateMappings(_ familyName: String) -> [GenValue] {
        let states = family(familyName).states
        let options: [(String, GenValue)] = states.enumerated().map { i, s in
            (String(i + 1), ["text": .string(s), "color": .string(stateColors[s] ?? "text"), "index": .int(i)])
        }
        return [["type": "value", "options": .object(options)]]
    }

    static func statePanel(_ type: String, _ title: String, _ description: String, record: String, family fam: String,
                           selector: String, legend: String, w: Int, h: Int, proposal: [String]) -> DashPanel {
        var p = DashPanel(type, title, description, unit: "none",
                          [DashQuery("\(record){\(selector)}", legend: legend)], w: w, h: h, proposal: proposal)
        p.mappings = stateMappings(fam)
        return p
    }

    static func taskLinks() -> [GenValue] {
        let base = "var-namespace=${__data.fields.namespace}&var-task=${__data.fields.task}&${__url_time_range}"
        return [
            ["title": "Logs of ${__data.fields.task}", "url": .string("/d/\(logsUID)/sedna-logs?\(base)")],
            ["title": "Joint inference dashboard", "url": .string("/d/sedna-joint-inference/sedna-joint-inference?\(base)")],
            ["title": "Incremental learning dashboard", "url": .string("/d/sedna-incremental-learning/sedna-incremental-learning?\(base)")],
            ["title": "Federated learning dashboard", "url": .string("/d/sedna-federated-learning/sedna-federated-learning?\(base)")],
            ["title": "Lifelong learning dashboard", "url": .string("/d/sedna-lifelong-learning/sedna-lifelong-learning?\(base)")],
        ]
    }

    static func linkOverride(field: String) -> GenValue {
        ["matcher": ["id": "byName", "options": .string(field)],
         "properties": [["id": "links", "value": .array(taskLinks())]]]
    }

    static func unitOverride(_ field: String, _ unit: String) -> GenValue {
        ["matcher": ["id": "byName", "options": .string(field)], "properties": [["id": "unit", "value": .string(unit)]]]
    }

    static func mergeAndHide(_ hidden: [String], rename: [(String, String)] = []) -> [GenValue] {
        [["id": "merge", "options": [:]],
         ["id": "organize", "options": [
            "excludeByName": .object(hidden.map { ($0, true) }),
            "renameByName": .object(rename.map { ($0.0, .string($0.1)) }),
            "indexByName": [:],
         ]]]
    }

    /// Worker pods of the selected task(s): shared by the paradigm dashboards.
    static func workerTable(_ sel: String) -> DashPanel {
        var p = DashPanel("table", "Worker pods",
                          "Pods Sedna created for the task: worker type, node, edge or cloud, readiness and container restarts.",
                          unit: "none", [
                            DashQuery("max by (namespace, task, pod, worker_type, node, location) (sedna_worker_info{\(sel)})", instant: true, table: true),
                            DashQuery("max by (namespace, task, pod) (sedna_worker_ready{\(sel)})", instant: true, table: true),
                            DashQuery("sum by (namespace, task, pod) (sedna_worker_container_restarts_total{\(sel)})", instant: true, table: true),
                          ], w: 24, h: 7, proposal: ["PodStatus"])
        p.transformations = mergeAndHide(["Time", "Value #A"], rename: [("Value #B", "ready"), ("Value #C", "restarts")])
        p.overrides = [linkOverride(field: "task")]
        return p
    }

    static func telemetry(_ name: String, _ title: String, _ description: String, unit: String, proposal: [String]) -> DashPanel {
        DashPanel("timeseries", title, description + " Pushed by the workers through the intake (grouping key namespace and pod); the exporter adds the task's kind and task labels.",
                  unit: unit, [DashQuery("max by (pod) (\(name){namespace=\"$namespace\", task=\"$task\"})", legend: "{{pod}}")],
                  w: 8, h: 7, needs: .telemetry, proposal: proposal)
    }

    public static func all() -> [DashboardSpec] {
        [overview(), jointInference(), incrementalLearning(), federatedLearning(), lifelongLearning(), components(), logs(),
         nodes()]
    }

    // MARK: Overview

    static func overview() -> DashboardSpec {
        let sel = "namespace=~\"$namespace\", kind=~\"$kind\", task=~\"$task\""
        var tasks = DashPanel("table", "Tasks",
                              "Every Sedna task with its kind, namespace, current condition (the last element of status.conditions), stage (incremental and lifelong learning), age and time in the current condition. Click a task to open its dashboard or its logs.",
                              unit: "s", [
                                DashQuery("\(SednaRules.currentCondition){\(sel)}", instant: true, table: true),
                                DashQuery("max by (namespace, kind, task, task_stage) (sedna_task_stage{\(sel)} == 1)", instant: true, table: true),
                                DashQuery("\(SednaRules.taskAge){\(sel)}", instant: true, table: true),
                                DashQuery("\(SednaRules.conditionAge){\(sel)}", instant: true, table: true),
                              ], w: 24, h: 10, proposal: ["StageConditionStatus", "CurrentStatus", "TaskStage", "StartTime"])
        tasks.transformations = mergeAndHide(["Time", "Value #A", "Value #B"], rename: [("Value #C", "age"), ("Value #D", "in condition for"), ("task_stage", "stage")])
        tasks.overrides = [linkOverride(field: "task")]

        var failed = DashPanel("table", "Failed tasks",
                               "Tasks whose current condition or phase is Failed (recording rule \(SednaRules.failed)); see the SednaTaskFailed runbook.",
                               unit: "s", [DashQuery("\(SednaRules.conditionAge){\(sel)} and on (namespace, kind, task) \(SednaRules.failed)", instant: true, table: true)],
                               w: 12, h: 7)
        failed.transformations = mergeAndHide(["Time"], rename: [("Value", "failed for")])
        failed.overrides = [linkOverride(field: "task")]

        var stuck = DashPanel("table", "Longest in Ready, Starting or Running",
                              "Incremental and lifelong learning tasks ordered by the time spent in their current stage while Ready, Starting or Running; over 3 hours is reported by SednaTaskStageStuck.",
                              unit: "s", [DashQuery("topk(10, \(SednaRules.conditionAge){\(sel)} and on (namespace, kind, task) (sedna_task_stage == 1) and on (namespace, kind, task) (sedna_task_condition{condition=~\"Ready|Starting|Running\"} == 1))", instant: true, table: true)],
                              w: 12, h: 7)
        stuck.transformations = mergeAndHide(["Time"], rename: [("Value", "in condition for")])
        stuck.overrides = [linkOverride(field: "task")]
        stuck.thresholds = [(nil, "green"), (10800, "red")]

        var failedCount = DashPanel("stat", "Failed", "Number of tasks whose current condition or phase is Failed.", unit: "none",
                                    [DashQuery("count(\(SednaRules.failed){\(sel)}) or vector(0)")], w: 4, h: 4)
        failedCount.thresholds = [(nil, "green"), (1, "red")]

        let kindVar: GenValue = DashboardRenderer.queryVariable("kind", "Kind", "label_values(sedna_task_info{namespace=~\"$namespace\"}, kind)", multi: true)
        var spec = DashboardSpec(
            file: "deploy/grafana/dashboards/overview.json", uid: overviewUID, title: "Sedna / Overview",
            description: "Every Sedna task of the cluster: kind, condition, stage, age; counts by kind and condition; failing and stuck tasks; workers on edge and cloud nodes. Generated by `sedna-exporter generate`.",
            tags: ["sedna", "overview"], taskKind: nil, taskMulti: true, panels: [
                DashPanel("stat", "Task count", "Sedna tasks matching the variables.", unit: "none",
                          [DashQuery("count(sedna_task_info{\(sel)})")], w: 4, h: 4),
                failedCount,
                DashPanel("stat", "Workers by location", "Worker pods Sedna created, on edge and on cloud nodes (recording rule \(SednaRules.workersByLocation)).", unit: "none",
                          [DashQuery("sum by (location) (\(SednaRules.workersByLocation){namespace=~\"$namespace\"})", legend: "{{location}}")], w: 8, h: 4),
                DashPanel("stat", "Datasets and samples", "Samples in the Datasets of the namespace, as counted by the LocalController.", unit: "short",
                          [DashQuery("sum(sedna_dataset_samples{namespace=~\"$namespace\"})", legend: "samples")], w: 8, h: 4, proposal: ["SampleNum"]),
                tasks,
                DashPanel("bargauge", "Tasks by kind and condition", "Current condition of the tasks, counted per kind (recording rule \(SednaRules.tasksByCondition)).", unit: "none",
                          [DashQuery("sum by (kind, condition) (\(SednaRules.tasksByCondition){namespace=~\"$namespace\", kind=~\"$kind\"})", legend: "{{kind}} {{condition}}", instant: true)], w: 12, h: 8),
                DashPanel("timeseries", "Tasks by condition over time", "Number of tasks in each condition.", unit: "none",
                          [DashQuery("sum by (condition) (\(SednaRules.tasksByCondition){namespace=~\"$namespace\", kind=~\"$kind\"})", legend: "{{condition}}")], w: 12, h: 8),
                failed, stuck,
                statePanel("state-timeline", "Condition timeline", "Current condition of every task over time (the last element of status.conditions).",
                           record: SednaRules.conditionCode, family: "sedna_task_condition", selector: sel, legend: "{{kind}} {{task}}", w: 24, h: 9,
                           proposal: ["StageConditionStatus"]),
            ])
        spec.extraVariables = [kindVar]
        return spec
    }

    // MARK: Joint inference

    static func jointInference() -> DashboardSpec {
        let sel = "namespace=\"$namespace\", task=\"$task\""
        var ratio = DashPanel("timeseries", "Hard-example ratio",
                              "Share of the inputs found hard and sent to the cloud worker over 5 minutes (recording rule \(SednaRules.hardExampleRatio), 0 while nothing is inferred). Sedna's own uploadCloudRatio divides by inferenceNumber, which counts each hard example twice in the default mining mode, so it is not shown. A spike is reported by SednaHardExampleRatioSpike.",
                              unit: "percentunit", [
                                DashQuery("\(SednaRules.hardExampleRatio){\(sel)}", legend: "hard examples / inputs (5m)"),
                              ], w: 12, h: 8)
        ratio.minValue = 0
        ratio.maxValue = 1
        return DashboardSpec(
            file: "deploy/grafana/dashboards/joint-inference.json", uid: "sedna-joint-inference", title: "Sedna / Joint Inference",
            description: "A JointInferenceService: inputs answered by the edge workers, hard examples sent to the cloud worker, the hard-example ratio and the worker pods. Figures come from the edge workers' own reports captured by the node relay (per pod), else from the service's status.metrics.",
            tags: ["sedna", "joint-inference"], taskKind: "JointInferenceService", taskMulti: false, panels: [
                DashPanel("stat", "Inputs answered", "Inputs the edge workers answered since they started, summed over pods (captured reports; else status.metrics inferenceNumber - hardExampleNumber; resets when a worker restarts).",
                          unit: "short", [DashQuery("sum(sedna_joint_inference_worker_inferences_total{\(sel)}) or (sum(sedna_joint_inference_inferences_total{\(sel)}) - sum(sedna_joint_inference_hard_examples_total{\(sel)}))")], w: 6, h: 4, proposal: ["EdgeInferenceCount"]),
                DashPanel("stat", "Hard examples (cloud calls)", "Hard examples found at the edge and sent to the cloud worker (captured reports; else status.metrics hardExampleNumber).",
                          unit: "short", [DashQuery("sum(sedna_joint_inference_worker_hard_examples_total{\(sel)}) or sum(sedna_joint_inference_hard_examples_total{\(sel)})")], w: 6, h: 4, proposal: ["HardSampleNum", "CloudInferenceCount"]),
                DashPanel("stat", "Condition", "Current condition of the service.", unit: "none",
                          [DashQuery("\(SednaRules.conditionCode){\(sel)}")], w: 6, h: 4, proposal: ["StageConditionStatus"]).withMappings(stateMappings("sedna_task_condition")),
                DashPanel("stat", "Active workers", "Deployments of the service whose last condition is Progressing (status.active).", unit: "none",
                          [DashQuery("sum(sedna_task_active_workers{\(sel)})")], w: 6, h: 4),
                DashPanel("timeseries", "Inference rate at the edge and in the cloud",
                          "Inputs answered and cloud calls (hard examples) per second, summed over the edge pods. The counters move when an edge worker reports, so short windows are step-shaped.",
                          unit: "ops", [
                            DashQuery("sum(rate(sedna_joint_inference_worker_inferences_total{\(sel)}[$__rate_interval])) or sum(rate(sedna_joint_inference_inferences_total{\(sel)}[$__rate_interval]) - rate(sedna_joint_inference_hard_examples_total{\(sel)}[$__rate_interval]))", legend: "inputs"),
                            DashQuery("sum(rate(sedna_joint_inference_worker_hard_examples_total{\(sel)}[$__rate_interval])) or sum(rate(sedna_joint_inference_hard_examples_total{\(sel)}[$__rate_interval]))", legend: "cloud calls (hard examples)"),
                          ], w: 12, h: 8, proposal: ["EdgeInferenceCount", "CloudInferenceCount"]),
                ratio,
                DashPanel("timeseries", "Totals per edge pod", "Inputs answered and hard examples of each edge pod as its worker reports them (captured reports; a drop is a worker restart). Replicas share one worker name, so each pod is its own series.", unit: "short", [
                    DashQuery("sum by (pod) (sedna_joint_inference_worker_inferences_total{\(sel)})", legend: "{{pod}} inputs"),
                    DashQuery("sum by (pod) (sedna_joint_inference_worker_hard_examples_total{\(sel)})", legend: "{{pod}} hard examples"),
                ], w: 12, h: 8, proposal: ["HardSampleNum"]),
                statePanel("state-timeline", "Worker pod phases", "Phase of each worker pod (edge and cloud) over time.", record: SednaRules.workerPhaseCode,
                           family: "sedna_worker_phase", selector: sel, legend: "{{pod}}", w: 12, h: 8, proposal: ["PodStatus"]),
                workerTable(sel),
            ])
    }

    // MARK: Incremental learning

    static func incrementalLearning() -> DashboardSpec {
        let sel = "namespace=\"$namespace\", task=\"$task\""
        var models = DashPanel("table", "Model URLs", "Newest train output, eval candidate and deployed model (credentials and query strings stripped).",
                               unit: "none", [DashQuery("max by (role, url, format) (sedna_learning_model_info{\(sel)})", instant: true, table: true)],
                               w: 12, h: 6, proposal: ["TrainOutputModelUrl", "EvalNewModelUrl", "DeployModelUrl"])
        models.transformations = mergeAndHide(["Time", "Value"])
        var hyper = DashPanel("table", "Configured hyperparameters", "Numeric hyperparameters of the worker templates' env (learning rate, epochs, batch size, ...). The values a worker actually uses appear under Training telemetry.",
                              unit: "none", [DashQuery("max by (worker_type, parameter) (sedna_task_hyperparameter{\(sel)})", instant: true, table: true)],
                              w: 12, h: 6, proposal: ["LearningRate", "EpochNum", "BatchSize"])
        hyper.transformations = mergeAndHide(["Time"], rename: [("Value", "value")])
        var eval = DashPanel("timeseries", "Eval metrics: new vs deployed model",
                             "Newest evaluation of the newly trained model and of the deployed model, per metric (per-class lists averaged). Each step is one iteration's evaluation, so the history is the per-iteration record.",
                             unit: "percentunit", [DashQuery("max by (model_role, metric) (sedna_learning_eval_metric{\(sel)})", legend: "{{model_role}} {{metric}}")],
                             w: 12, h: 8, proposal: ["AccuracyMetricForNewModel", "AccuracyMetricForOldModel"])
        eval.minValue = 0
        return DashboardSpec(
            file: "deploy/grafana/dashboards/incremental-learning.json", uid: "sedna-incremental-learning", title: "Sedna / Incremental Learning",
            description: "An IncrementalLearningJob: the Train, Eval, Deploy loop, iterations, samples, train loss, new vs deployed model per iteration, deploy status, model URLs and the training telemetry workers push.",
            tags: ["sedna", "incremental-learning"], taskKind: "IncrementalLearningJob", taskMulti: false, panels: [
                statePanel("state-timeline", "Stage", "Stage of the newest condition: Train, Eval or Deploy.", record: SednaRules.stageCode,
                           family: "sedna_task_stage", selector: sel, legend: "stage", w: 12, h: 5, proposal: ["TaskStage"]),
                statePanel("state-timeline", "Status", "Type of the newest condition: Waiting, Ready, Starting, Running, Completed or Failed.", record: SednaRules.conditionCode,
                           family: "sedna_task_condition", selector: sel, legend: "status", w: 12, h: 5, proposal: ["CurrentStatus", "StageConditionStatus"]),
                DashPanel("stat", "Iteration", "Completed training rounds (Train/Completed conditions).", unit: "none",
                          [DashQuery("max(sedna_learning_iteration{\(sel)})")], w: 4, h: 4, proposal: ["IterationNo"]),
                statePanel("stat", "Deploy status", "Outcome of the newest Deploy stage: Waiting, OK or NotOK.", record: SednaRules.deployStatusCode,
                           family: "sedna_learning_deploy_status", selector: sel, legend: "", w: 4, h: 4, proposal: ["DeployStatus"]),
                DashPanel("stat", "Dataset samples", "Samples in the job's Dataset (status.numberOfSamples, counted by the LocalController).", unit: "short",
                          [DashQuery("sum(sedna_dataset_samples and on (namespace, dataset) sedna_learning_dataset_train_ratio{\(sel)})")], w: 4, h: 4, proposal: ["SampleNum"]),
                DashPanel("stat", "Train share", "Share of the dataset used for training (spec.dataset.trainProb).", unit: "percentunit",
                          [DashQuery("max(sedna_learning_dataset_train_ratio{\(sel)})")], w: 4, h: 4),
                DashPanel("stat", "Time in current stage", "Time since the newest condition was appended.", unit: "s",
                          [DashQuery("max(\(SednaRules.conditionAge){\(sel)})")], w: 8, h: 4),
                DashPanel("timeseries", "Train loss", "Loss reported with the newest train output, one step per iteration.", unit: "none",
                          [DashQuery("max(sedna_learning_train_loss{\(sel)})", legend: "loss")], w: 12, h: 8, proposal: ["TrainLoss"]),
                eval,
                DashPanel("timeseries", "New minus deployed", "Difference between the new and the deployed model per metric (recording rule \(SednaRules.evalDelta)); below 0 the candidate is worse (SednaEvaluatedModelWorse).",
                          unit: "percentunit", [DashQuery("\(SednaRules.evalDelta){\(sel)}", legend: "{{metric}}")], w: 12, h: 8),
                DashPanel("bargauge", "Per-class eval metrics", "Newest per-class values of the new and the deployed model (class is the list index).", unit: "percentunit",
                          [DashQuery("max by (model_role, metric, class) (sedna_learning_eval_class_metric{\(sel)})", legend: "{{model_role}} {{metric}} class {{class}}", instant: true)],
                          w: 12, h: 8, proposal: ["AccuracyMetricForNewModel", "AccuracyMetricForOldModel"]),
                models, hyper,
                .row("Training telemetry (pushed by workers)"),
                telemetry("sedna_training_learning_rate", "Learning rate", "Learning rate the train worker uses.", unit: "none", proposal: ["LearningRate"]),
                telemetry("sedna_training_epoch", "Epoch", "Current epoch of the train worker.", unit: "none", proposal: ["EpochNum"]),
                telemetry("sedna_training_batch_size", "Batch size", "Batch size of the train worker.", unit: "none", proposal: ["BatchSize"]),
                telemetry("sedna_training_loss", "Loss during training", "Loss reported by the train worker while it trains.", unit: "none", proposal: ["TrainLoss"]),
                telemetry("sedna_training_remaining_seconds", "Remaining time", "Time the train or eval worker expects to need.", unit: "s", proposal: ["TrainRemainingTime", "EvalRemainingTime"]),
                .row("Workers"),
                workerTable(sel),
            ])
    }

    // MARK: Federated learning

    static func federatedLearning() -> DashboardSpec {
        let sel = "namespace=\"$namespace\", task=\"$task\""
        var nodes = DashPanel("table", "Train nodes", "One row per training worker: its node and its dataset (spec.trainingWorkers).", unit: "short",
                              [DashQuery("max by (node, dataset) (sedna_federated_learning_train_node_info{\(sel)})", instant: true, table: true),
                               DashQuery("max by (node, dataset) (sedna_federated_learning_node_samples{\(sel)})", instant: true, table: true)],
                              w: 12, h: 7, proposal: ["TrainNodes", "NodeSampleNum"])
        nodes.transformations = mergeAndHide(["Time", "Value #A"], rename: [("Value #B", "samples")])
        return DashboardSpec(
            file: "deploy/grafana/dashboards/federated-learning.json", uid: "sedna-federated-learning", title: "Sedna / Federated Learning",
            description: "A FederatedLearningJob: train nodes and their samples, rounds and aggregations, status and phase, per-node training telemetry.",
            tags: ["sedna", "federated-learning"], taskKind: "FederatedLearningJob", taskMulti: false, panels: [
                DashPanel("stat", "Rounds in the last hour", "Training rounds completed in the last hour (changes of the round the train workers report, captured by the node relay; else of the GM's Training conditions); 0 while running means a stalled round.", unit: "none",
                          [DashQuery("max(changes(sedna_federated_learning_worker_round{\(sel)}[1h])) or max(changes(sedna_federated_learning_round{\(sel)}[1h]))")], w: 4, h: 4, proposal: ["IterationNo"]),
                DashPanel("stat", "Since last round report", "Time since a train worker last reported a round (captured by the node relay); else since the newest condition was appended (a Training condition per round where the GM gets the reports).", unit: "s",
                          [DashQuery("time() - max(sedna_worker_last_report_timestamp_seconds{\(sel)}) or max(\(SednaRules.conditionAge){\(sel)})")], w: 4, h: 4),
                statePanel("stat", "Phase", "status.phase of the job.", record: SednaRules.phaseCode,
                           family: "sedna_task_phase", selector: sel, legend: "", w: 4, h: 4, proposal: []),
                DashPanel("stat", "Workers", "Worker pods by phase (status.active, succeeded, failed).", unit: "none", [
                    DashQuery("sum(sedna_task_active_workers{\(sel)})", legend: "active"),
                    DashQuery("sum(sedna_task_succeeded_workers{\(sel)})", legend: "succeeded"),
                    DashQuery("sum(sedna_task_failed_workers{\(sel)})", legend: "failed"),
                ], w: 12, h: 4),
                DashPanel("timeseries", "Round and aggregation progress", "Current round and aggregations over time. Each train worker reports currentRound after receiving the aggregated weights of a round (lib/sedna/core/federated_learning/federated_learning.py), so its highest value is both the round and the number of aggregations; without the capture route, Sedna as released writes no Training condition and the GM-derived series (newest Training condition, number of Training conditions) stay empty. A flat line while running is a stalled round (SednaFederatedRoundStalled).", unit: "none", [
                    DashQuery("max(sedna_federated_learning_worker_round{\(sel)}) or max(sedna_federated_learning_round{\(sel)})", legend: "round"),
                    DashQuery("max(sedna_federated_learning_worker_round{\(sel)}) or max(sedna_federated_learning_aggregations{\(sel)})", legend: "aggregations"),
                ], w: 12, h: 7, proposal: ["IterationNo", "AggregationNo"]),
                nodes,
                DashPanel("bargauge", "Samples per train node", "Samples of each training worker's Dataset.", unit: "short",
                          [DashQuery("max by (node) (sedna_federated_learning_node_samples{\(sel)})", legend: "{{node}}", instant: true)], w: 12, h: 7, proposal: ["NodeSampleNum"]),
                DashPanel("table", "Model metrics of the newest round", "Train metrics of the aggregated model that each train worker reports with its round (captured by the node relay); else the Models' status.metrics, which the GM writes only from reports that reach it.", unit: "none",
                          [DashQuery("max by (worker, metric) (sedna_worker_reported_metric{\(sel), phase=\"train\"}) or max by (model, metric) (sedna_model_metric{namespace=\"$namespace\"})", instant: true, table: true)], w: 12, h: 7),
                statePanel("state-timeline", "Status", "Type of the newest condition over time: Training, Complete or Failed.", record: SednaRules.conditionCode,
                           family: "sedna_task_condition", selector: sel, legend: "{{task}}", w: 24, h: 5, proposal: ["TrainStatus"]),
                .row("Per-node training telemetry (pushed by workers)"),
                telemetry("sedna_training_loss", "Loss per train worker", "Loss each train worker reports for its local round.", unit: "none", proposal: []),
                telemetry("sedna_training_epoch", "Epoch per train worker", "Current local epoch of each train worker.", unit: "none", proposal: []),
                telemetry("sedna_training_remaining_seconds", "Remaining time per train worker", "Time each train worker expects to need for its round.", unit: "s", proposal: []),
                .row("Workers"),
                workerTable(sel),
            ])
    }

    // MARK: Lifelong learning

    static func lifelongLearning() -> DashboardSpec {
        let sel = "namespace=\"$namespace\", task=\"$task\""
        var evals = DashPanel("table", "Evaluated models", "Model being evaluated (eval candidate), newest train output (knowledge-base index) and deployed model.", unit: "none",
                              [DashQuery("max by (role, url, format) (sedna_learning_model_info{\(sel)})", instant: true, table: true)], w: 12, h: 6,
                              proposal: ["EvalNewModelUrl", "DeployModelUrl"])
        evals.transformations = mergeAndHide(["Time", "Value"])
        return DashboardSpec(
            file: "deploy/grafana/dashboards/lifelong-learning.json", uid: "sedna-lifelong-learning", title: "Sedna / Lifelong Learning",
            description: "A LifelongLearningJob: stages, iterations and failures, evaluations of the new vs the deployed model, and deploy status.",
            tags: ["sedna", "lifelong-learning"], taskKind: "LifelongLearningJob", taskMulti: false, panels: [
                statePanel("state-timeline", "Stage", "Stage of the newest condition: Train, Eval or Deploy.", record: SednaRules.stageCode,
                           family: "sedna_task_stage", selector: sel, legend: "stage", w: 12, h: 5, proposal: ["TaskStage"]),
                statePanel("state-timeline", "Status", "Type of the newest condition.", record: SednaRules.conditionCode,
                           family: "sedna_task_condition", selector: sel, legend: "status", w: 12, h: 5, proposal: ["CurrentStatus"]),
                DashPanel("stat", "Iteration", "Completed training rounds.", unit: "none",
                          [DashQuery("max(sedna_learning_iteration{\(sel)})")], w: 6, h: 4, proposal: ["IterationNo"]),
                // No knowledge-base panels: the GM fills status.knowledgeBase from report fields no
                // Sedna worker sends (pkg/globalmanager/controllers/lifelonglearning/upstream.go), so
                // they would stay empty on every real cluster; the families remain in the catalog
                // for workers that do send them.
                DashPanel("stat", "Failed iterations", "Train or eval runs that failed. Sedna follows a Failed condition with Train/Waiting on the next sync, so the current status rarely shows a failure; this count keeps it.", unit: "none",
                          [DashQuery("max(sedna_learning_failed_iterations_total{\(sel)})")], w: 6, h: 4),
                statePanel("stat", "Deploy status", "Outcome of the newest Deploy stage.", record: SednaRules.deployStatusCode,
                           family: "sedna_learning_deploy_status", selector: sel, legend: "", w: 12, h: 4, proposal: ["DeployStatus"]),
                DashPanel("timeseries", "Evaluations: new vs deployed model", "Newest evaluation of the candidate and of the deployed model per metric, one step per iteration.",
                          unit: "percentunit", [DashQuery("max by (model_role, metric) (sedna_learning_eval_metric{\(sel)})", legend: "{{model_role}} {{metric}}")], w: 12, h: 8,
                          proposal: ["AccuracyMetricForNewModel", "AccuracyMetricForOldModel"]),
                evals,
                DashPanel("stat", "Dataset samples", "Samples in the job's Dataset.", unit: "short",
                          [DashQuery("sum(sedna_dataset_samples and on (namespace, dataset) sedna_learning_dataset_train_ratio{\(sel)})")], w: 12, h: 4, proposal: ["SampleNum"]),
                .row("Workers"),
                workerTable(sel),
            ])
    }

    // MARK: Components and workers

    static func components() -> DashboardSpec {
        let wsel = "namespace=~\"$namespace\", task=~\"$task\""
        var lcs = DashPanel("table", "Sedna components", "GlobalManager (gm), LocalController (lc, one per node, edge and cloud) and KnowledgeBase (kb) pods with node, location and readiness.",
                            unit: "none", [DashQuery("max by (component, pod, node, location) (sedna_component_info)", instant: true, table: true),
                                           DashQuery("max by (component, pod, node) (sedna_component_ready)", instant: true, table: true)],
                            w: 12, h: 8)
        lcs.transformations = mergeAndHide(["Time", "Value #A"], rename: [("Value #B", "ready")])
        var synced = DashPanel("table", "Exporter resources", "Per watched resource: available (CRD installed), synced (listed and watch healthy), objects held, seconds since the last event or LIST.",
                               unit: "none", [DashQuery("max by (resource) (sedna_exporter_resource_available)", instant: true, table: true),
                                              DashQuery("max by (resource) (sedna_exporter_resource_synced)", instant: true, table: true),
                                              DashQuery("max by (resource) (sedna_exporter_objects)", instant: true, table: true),
                                              DashQuery("time() - max by (resource) (sedna_exporter_last_sync_timestamp_seconds)", instant: true, table: true)],
                               w: 12, h: 8)
        synced.transformations = mergeAndHide(["Time"], rename: [("Value #A", "available"), ("Value #B", "synced"), ("Value #C", "objects"), ("Value #D", "since last sync")])
        synced.overrides = [unitOverride("since last sync", "s")]
        var exporterReady = DashPanel("stat", "Exporter ready", "1 when every watched resource has synced and no watch keeps failing (/readyz).", unit: "bool_yes_no",
                                      [DashQuery("min(sedna_exporter_ready)")], w: 4, h: 4)
        exporterReady.thresholds = [(nil, "red"), (1, "green")]
        var gmReady = DashPanel("stat", "GM ready", "Ready GlobalManager pods.", unit: "none",
                                [DashQuery("sum(sedna_component_ready{component=\"gm\"})")], w: 4, h: 4)
        gmReady.thresholds = [(nil, "red"), (1, "green")]
        return DashboardSpec(
            file: "deploy/grafana/dashboards/components.json", uid: "sedna-components", title: "Sedna / Components and workers",
            description: "Health of Sedna's GM, LocalControllers (per node, edge and cloud), KB and worker pods, with kube-state-metrics pod, container, Job and node views, and the exporter's own health.",
            tags: ["sedna", "components"], taskKind: nil, taskMulti: true, panels: [
                gmReady,
                DashPanel("stat", "LocalControllers ready", "Ready LocalController pods, by location.", unit: "none",
                          [DashQuery("sum by (location) (sedna_component_ready{component=\"lc\"} * on (namespace, pod) group_left (location) sedna_component_info{component=\"lc\"})", legend: "{{location}}")], w: 8, h: 4),
                DashPanel("stat", "KB ready", "Ready KnowledgeBase pods (lifelong learning).", unit: "none",
                          [DashQuery("sum(sedna_component_ready{component=\"kb\"})")], w: 4, h: 4),
                exporterReady,
                DashPanel("stat", "Edge nodes ready", "Edge nodes whose Ready condition is True (edgecore reports it).", unit: "none",
                          [DashQuery("sum(sedna_node_ready{location=\"edge\"})", legend: "ready"), DashQuery("count(sedna_node_info{location=\"edge\"})", legend: "total")], w: 4, h: 4),
                lcs,
                DashPanel("timeseries", "Component container restarts", "Container restarts of GM, LC and KB pods per interval.", unit: "short",
                          [DashQuery("sum by (component, pod) (increase(sedna_component_container_restarts_total[$__rate_interval]))", legend: "{{component}} {{pod}}")], w: 12, h: 8),
                .row("Worker pods"),
                statePanel("state-timeline", "Worker pod phases", "Phase of every worker pod of the selected tasks.", record: SednaRules.workerPhaseCode,
                           family: "sedna_worker_phase", selector: wsel, legend: "{{pod}}", w: 12, h: 8, proposal: ["PodStatus"]),
                DashPanel("bargauge", "Waiting containers", "Worker containers that are waiting, with the kubelet's reason (CrashLoopBackOff, ImagePullBackOff, ...).", unit: "none",
                          [DashQuery("max by (pod, container, reason) (sedna_worker_container_waiting_reason{\(wsel)})", legend: "{{pod}}/{{container}}: {{reason}}", instant: true)],
                          w: 12, h: 8, proposal: ["ContainerStatus"]),
                DashPanel("timeseries", "Worker container restarts", "Container restarts of the worker pods per interval.", unit: "short",
                          [DashQuery("sum by (pod, container) (increase(sedna_worker_container_restarts_total{\(wsel)}[$__rate_interval]))", legend: "{{pod}}/{{container}}")], w: 12, h: 8),
                DashPanel("bargauge", "Workers per node", "Worker pods on each node (recording rule \(SednaRules.workersByNode)).", unit: "none",
                          [DashQuery("sum by (node, location) (\(SednaRules.workersByNode))", legend: "{{node}} ({{location}})", instant: true)], w: 12, h: 8),
                .row("kube-state-metrics"),
                DashPanel("timeseries", "Pod phase (kube-state-metrics)", "Phase of the selected tasks' pods as kube-state-metrics reports it (pods named <task>-...).", unit: "none",
                          [DashQuery("sum by (phase) (kube_pod_status_phase{namespace=~\"$namespace\", pod=~\"($task)-.*\"} == 1)", legend: "{{phase}}")],
                          w: 12, h: 8, needs: .kubeStateMetrics, proposal: ["PodStatus"]),
                DashPanel("timeseries", "Containers running, waiting, terminated (kube-state-metrics)", "Container states of the selected tasks' pods.", unit: "none", [
                    DashQuery("sum(kube_pod_container_status_running{namespace=~\"$namespace\", pod=~\"($task)-.*\"})", legend: "running"),
                    DashQuery("sum(kube_pod_container_status_waiting{namespace=~\"$namespace\", pod=~\"($task)-.*\"})", legend: "waiting"),
                    DashQuery("sum(kube_pod_container_status_terminated{namespace=~\"$namespace\", pod=~\"($task)-.*\"})", legend: "terminated"),
                ], w: 12, h: 8, needs: .kubeStateMetrics, proposal: ["ContainerStatus"]),
                DashPanel("timeseries", "Container restarts (kube-state-metrics)", "Restarts per second of the selected tasks' containers.", unit: "ops",
                          [DashQuery("sum by (pod) (rate(kube_pod_container_status_restarts_total{namespace=~\"$namespace\", pod=~\"($task)-.*\"}[$__rate_interval]))", legend: "{{pod}}")],
                          w: 12, h: 8, needs: .kubeStateMetrics),
                DashPanel("timeseries", "Jobs succeeded and failed (kube-state-metrics)", "Kubernetes Jobs of the namespace (Sedna creates none itself; user Jobs around tasks).", unit: "none", [
                    DashQuery("sum(kube_job_status_succeeded{namespace=~\"$namespace\"})", legend: "succeeded"),
                    DashQuery("sum(kube_job_status_failed{namespace=~\"$namespace\"})", legend: "failed"),
                ], w: 12, h: 8, needs: .kubeStateMetrics, proposal: ["K8sJobStatus"]),
                DashPanel("state-timeline", "Edge nodes hosting workers: Ready (kube-state-metrics)", "Ready condition of the edge nodes that host Sedna worker pods.", unit: "bool_yes_no",
                          [DashQuery("max by (node) (kube_node_status_condition{condition=\"Ready\", status=\"true\"}) * on (node) group_left () (max by (node) (\(SednaRules.workersByNode){location=\"edge\"}) > bool 0)", legend: "{{node}}")],
                          w: 24, h: 6, needs: .kubeStateMetrics),
                .row("Exporter"),
                synced,
                DashPanel("timeseries", "List and watch requests", "LIST requests and ended WATCH streams per second by resource and result (ok, gone, error, timeout); errors are reported by SednaExporterWatchFailing.", unit: "ops", [
                    DashQuery("sum by (resource, result) (rate(sedna_exporter_list_requests_total[$__rate_interval]))", legend: "list {{resource}} {{result}}"),
                    DashQuery("sum by (resource, result) (rate(sedna_exporter_watch_requests_total[$__rate_interval]))", legend: "watch {{resource}} {{result}}"),
                ], w: 12, h: 8),
                DashPanel("timeseries", "Watch events", "Watch events received per second by resource.", unit: "ops",
                          [DashQuery("sum by (resource) (rate(sedna_exporter_watch_events_total[$__rate_interval]))", legend: "{{resource}}")], w: 12, h: 8),
                DashPanel("timeseries", "Scrape duration and render time", "Time to assemble /metrics, and the share of time spent translating objects after events.", unit: "s", [
                    DashQuery("max(sedna_exporter_scrape_duration_seconds)", legend: "scrape"),
                    DashQuery("sum(rate(sedna_exporter_render_seconds_total[$__rate_interval]))", legend: "render (s/s)"),
                ], w: 12, h: 8),
            ])
    }

    // MARK: Logs

    static func logs() -> DashboardSpec {
        let stream = "{namespace=\"$namespace\", pod=~\"$task-.*\"}"
        let search: GenValue = ["name": "search", "label": "Search", "type": "textbox", "query": "", "current": ["text": "", "value": ""],
                                "hide": 0, "options": []]
        var spec = DashboardSpec(
            file: "deploy/grafana/dashboards/logs.json", uid: logsUID, title: "Sedna / Logs",
            description: "Logs of the selected task's worker pods from Loki (cloud and edge; pods are matched by name, <task>-..., so edge pods need no pod labels), volume by level, errors, and what GM and LCs log about the task.",
            tags: ["sedna", "logs"], taskKind: nil, taskMulti: false, panels: [
                DashPanel("timeseries", "Log volume by level", "Worker log lines per interval by level (set by the Alloy pipelines for Python and klog lines; empty for other formats).", unit: "short",
                          [DashQuery("sum by (level) (count_over_time(\(stream) [$__interval]))", legend: "{{level}}")], w: 12, h: 7, needs: .loki),
                DashPanel("timeseries", "Error lines", "Worker lines at level error, critical or fatal, or mentioning an error, exception or traceback, per pod.", unit: "short",
                          [DashQuery("sum by (pod) (count_over_time(\(stream) |~ \"(?i)(error|exception|traceback)\" [$__interval]))", legend: "{{pod}}")], w: 12, h: 7, needs: .loki),
                DashPanel("logs", "Worker logs", "Log lines of the task's worker pods, newest first, filtered by the Search box.", unit: "none",
                          [DashQuery("\(stream) |= \"$search\"")], w: 24, h: 14, needs: .loki),
                DashPanel("logs", "Errors", "Worker lines at level error, critical or fatal.", unit: "none",
                          [DashQuery("{namespace=\"$namespace\", pod=~\"$task-.*\", level=~\"error|critical|fatal\"}")], w: 24, h: 8, needs: .loki),
                DashPanel("logs", "GM and LC lines about the task", "GlobalManager and LocalController lines that mention the task's name.", unit: "none",
                          [DashQuery("{sedna_component=~\"gm|lc\"} |= \"$task\"")], w: 24, h: 8, needs: .loki),
            ])
        spec.extraVariables = [search]
        return spec
    }
}

extension DashPanel {
    func withMappings(_ m: [GenValue]) -> DashPanel {
        var p = self
        p.mappings = m
        return p
    }
}
