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
    static func stateMappings(_ familyName: String) -> [DocumentValue] {
        let states = family(familyName).states
        let options: [(String, DocumentValue)] = states.enumerated().map { i, s in
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

    /// Dashboard uid of each task kind; the kinds without their own dashboard open the generic
    /// task dashboard.
    static let kindDashboards: [(kind: String, uid: String)] = [
        ("JointInferenceService", "sedna-joint-inference"), ("IncrementalLearningJob", "sedna-incremental-learning"),
        ("FederatedLearningJob", "sedna-federated-learning"), ("LifelongLearningJob", "sedna-lifelong-learning"),
    ]

    /// `expr` with a `dashboard` label naming the uid of its `kind`'s dashboard, so that a table
    /// row links to the one dashboard that shows its task (a data link cannot map values).
    static func withDashboardLabel(_ expr: String) -> String {
        var e = "label_replace(\(expr), \"dashboard\", \"\(taskUID)\", \"kind\", \".+\")"
        for (kind, uid) in kindDashboards { e = "label_replace(\(e), \"dashboard\", \"\(uid)\", \"kind\", \"\(kind)\")" }
        return e
    }

    /// Data links of a task row: its kind's dashboard (from the hidden `dashboard` column) and
    /// its logs. Single values from the row; the cluster selection passed as it is.
    static func taskLinks(dashboard: Bool = true) -> [DocumentValue] {
        let base = "var-namespace=${__data.fields.namespace}&var-kind=${__data.fields.kind}&var-task=${__data.fields.task}&${cluster:queryparam}&${__url_time_range}"
        var out: [DocumentValue] = [["title": "Logs of ${__data.fields.task}", "url": .string("/d/\(logsUID)/sedna-logs?\(base)")]]
        if dashboard {
            out.insert(["title": "Dashboard of ${__data.fields.task}", "url": .string("/d/${__data.fields.dashboard}?\(base)")], at: 0)
        }
        return out
    }

    static func linkOverride(field: String, dashboard: Bool = true) -> DocumentValue {
        ["matcher": ["id": "byName", "options": .string(field)],
         "properties": [["id": "links", "value": .array(taskLinks(dashboard: dashboard))]]]
    }

    /// A table of tasks whose rows link to their own dashboard: every query carries the
    /// `dashboard` label, kept hidden.
    static func taskTable(_ p: DashPanel) -> DashPanel {
        var p = p
        p.queries = p.queries.map { q in
            var q = q
            q.expr = withDashboardLabel(q.expr)
            return q
        }
        p.hiddenColumns.append("dashboard")
        p.overrides.append(linkOverride(field: "task"))
        return p
    }

    /// 0/1 shown as No (red) / Yes (green).
    static let yesNo: [DocumentValue] = [["type": "value", "options": [
        "0": ["text": "No", "color": "red", "index": 0],
        "1": ["text": "Yes", "color": "green", "index": 1],
    ]]]

    /// A stat of components ready out of those expected: ready and total in a neutral colour,
    /// not ready green at 0 and red above.
    static func readyOfTotal(_ title: String, _ description: String, ready: String, total: String, w: Int) -> DashPanel {
        var p = DashPanel("stat", title, description, unit: "none", [
            DashQuery(ready, legend: "ready"), DashQuery(total, legend: "total"),
            DashQuery("\(total) - \(ready)", legend: "not ready"),
        ], w: w, h: 4)
        p.thresholds = [(nil, "blue")]
        p.overrides = [["matcher": ["id": "byName", "options": "not ready"], "properties": [
            ["id": "thresholds", "value": ["mode": "absolute", "steps": [["color": "green", "value": nil], ["color": "red", "value": 1]]]],
        ]]]
        p.extraOptions = [("textMode", "value_and_name")]
        return p
    }

    static func unitOverride(_ field: String, _ unit: String) -> DocumentValue {
        ["matcher": ["id": "byName", "options": .string(field)], "properties": [["id": "unit", "value": .string(unit)]]]
    }

    static func mergeAndHide(_ hidden: [String], rename: [(String, String)] = []) -> [DocumentValue] {
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
                            DashQuery("max by (namespace, kind, task, pod, worker_type, node, location) (sedna_worker_info{\(sel)})", instant: true, table: true),
                            DashQuery("max by (namespace, kind, task, pod) (sedna_worker_ready{\(sel)})", instant: true, table: true),
                            DashQuery("sum by (namespace, kind, task, pod) (sedna_worker_container_restarts_total{\(sel)})", instant: true, table: true),
                          ], w: 24, h: 7, proposal: ["PodStatus"])
        p.transformations = mergeAndHide(["Time", "Value #A"], rename: [("Value #B", "ready"), ("Value #C", "restarts")])
        p.overrides = [linkOverride(field: "task", dashboard: false)]
        p.mappings = yesNo
        p.thresholds = [(nil, "green"), (1, "orange")]
        p.coloredColumns = ["restarts"]
        return p
    }

    /// The newest report of each worker (captured by the node relay): phase, status and age.
    /// Finished IL/LL workers keep their last report, so an old age is not by itself a fault.
    static func workerReports(_ sel: String) -> DashPanel {
        var p = DashPanel("table", "Worker reports",
                          "Newest report of each worker as the node relay captured it (POST /sedna/workers/{worker}/info): phase (train, eval, deploy, inference), status and seconds since it arrived. A finished train or eval worker keeps its last report.",
                          unit: "none", [
                            DashQuery("max by (worker, pod, phase, status) (sedna_worker_report_info{\(sel)})", instant: true, table: true),
                            DashQuery("time() - max by (worker, pod) (sedna_worker_last_report_timestamp_seconds{\(sel)})", instant: true, table: true),
                          ], w: 12, h: 7)
        p.transformations = mergeAndHide(["Time", "Value #A"], rename: [("Value #B", "report age")])
        p.overrides = [unitOverride("report age", "s")]
        return p
    }

    /// The `kind` variable: the kinds of the tasks in the selected namespaces, or only `kinds`.
    static func kindVariable(_ settings: ArtifactSettings, kinds: [String]? = nil) -> DocumentValue {
        let only = kinds.map { ", kind=~\"\($0.joined(separator: "|"))\"" } ?? ""
        return DashboardRenderer.queryVariable("kind", "Kind", "label_values(sedna_task_info{\(ClusterFilter.matcher(settings.clusterLabel)), namespace=~\"$namespace\"\(only)}, kind)",
                                               multi: kinds == nil)
    }

    static func telemetry(_ name: String, _ title: String, _ description: String, unit: String, proposal: [String],
                          sel: String, by: String = "pod", legend: String = "{{pod}}") -> DashPanel {
        DashPanel("timeseries", title, description + " Pushed by the workers through the intake (grouping key namespace and pod); the exporter adds the task's kind and task labels.",
                  unit: unit, [DashQuery("max by (\(by)) (\(name){\(sel)})", legend: legend)],
                  w: 8, h: 7, needs: .telemetry, proposal: proposal)
    }

    public static func all() -> [DashboardSpec] {
        all(settings: .default)
    }

    /// Every dashboard for a site's settings: each query filtered by the `$cluster` variable.
    public static func all(settings: ArtifactSettings) -> [DashboardSpec] {
        let matcher = ClusterFilter.matcher(settings.clusterLabel)
        let specs = [overview(settings), jointInference(), incrementalLearning(), federatedLearning(), lifelongLearning(), task(settings),
                     components(settings), logs(settings), nodes(settings)]
        return specs.map { d in
            var d = d
            d.settings = settings
            d.panels = d.panels.map { $0.isRow ? $0 : ClusterFilter.apply($0, matcher: matcher) }
            return d
        }
    }

    // MARK: Overview

    /// The platform's health, first on the Overview: is anything watching, is Sedna's control
    /// plane up, are the edge nodes and relays there, what is firing. Every figure is "No data"
    /// rather than 0 while the exporter is not scraped.
    static func healthRow(_ settings: ArtifactSettings) -> [DashPanel] {
        var exporter = DashPanel("stat", "Exporter up and ready",
                                 "up: Prometheus reaches the exporter's target (job \(settings.exporterSelector)); ready: every watched resource has synced and no watch keeps failing (/readyz). No data means no exporter target at all (SednaExporterDown).",
                                 unit: "none", [DashQuery("max(up{\(settings.exporterSelector)})", legend: "up"),
                                                DashQuery("min(sedna_exporter_ready)", legend: "ready")], w: 4, h: 4)
        exporter.mappings = yesNo
        exporter.thresholds = [(nil, "red"), (1, "green")]
        exporter.extraOptions = [("textMode", "value_and_name")]
        var gm = DashPanel("stat", "GM ready", "Whether a GlobalManager pod is Ready: without it no task progresses.", unit: "none",
                           [DashQuery("max(sedna_component_ready{component=\"gm\"})")], w: 4, h: 4)
        gm.mappings = yesNo
        gm.thresholds = [(nil, "red"), (1, "green")]
        var alerts = DashPanel("table", "Sedna alerts",
                               "Sedna alerts this Prometheus evaluates (ALERTS), firing first, then pending; see docs/runbooks.md for each.",
                               unit: "none", [DashQuery("max by (alertname, alertstate, severity, namespace, kind, task, node) (ALERTS{alertname=~\"Sedna.*\"})", instant: true, table: true)],
                               w: 24, h: 5)
        alerts.transformations = mergeAndHide(["Time", "Value"])
        alerts.mappings = [["type": "value", "options": [
            "firing": ["text": "firing", "color": "red", "index": 0],
            "pending": ["text": "pending", "color": "yellow", "index": 1],
        ]]]
        alerts.coloredColumns = ["alertstate"]
        alerts.extraOptions = [("sortBy", [["displayName": "alertstate", "desc": false]])]
        return [
            .row("Health"),
            exporter, gm,
            readyOfTotal("LocalControllers ready / total", "LocalController pods Ready out of those running (one per node, edge and cloud).",
                         ready: "sum(sedna_component_ready{component=\"lc\"})", total: "count(sedna_component_info{component=\"lc\"})", w: 5),
            readyOfTotal("Edge nodes ready / total", "Edge nodes whose Ready condition is True (edgecore reports it) out of those registered.",
                         ready: "sum(sedna_node_ready{location=\"edge\"})", total: "count(sedna_node_info{location=\"edge\"})", w: 5),
            readyOfTotal("Relays up / total", "Edge relays Prometheus reaches (job \(settings.relaySelector), port 9480) out of its relay targets.",
                         ready: "sum(up{\(settings.relaySelector)})", total: "count(up{\(settings.relaySelector)})", w: 6),
            alerts,
        ]
    }

    static func overview(_ settings: ArtifactSettings) -> DashboardSpec {
        let sel = "namespace=~\"$namespace\", kind=~\"$kind\", task=~\"$task\""
        var tasks = DashPanel("table", "Tasks",
                              "Every Sedna task with its kind, namespace, current condition (the last element of status.conditions), stage (incremental and lifelong learning), age, time in the current condition and completion time (status.completionTime; IL and LL jobs never set it). Click a task to open its kind's dashboard or its logs.",
                              unit: "none", [
                                DashQuery("\(SednaRules.currentCondition){\(sel)}", instant: true, table: true),
                                DashQuery("max by (namespace, kind, task, task_stage) (sedna_task_stage{\(sel)} == 1)", instant: true, table: true),
                                DashQuery("\(SednaRules.taskAge){\(sel)}", instant: true, table: true),
                                DashQuery("\(SednaRules.conditionAge){\(sel)}", instant: true, table: true),
                                DashQuery("1000 * max by (namespace, kind, task) (sedna_task_completion_timestamp_seconds{\(sel)})", instant: true, table: true),
                              ], w: 24, h: 10, proposal: ["StageConditionStatus", "CurrentStatus", "TaskStage", "StartTime", "CompletionTime"])
        tasks.transformations = mergeAndHide(["Time", "Value #A", "Value #B"], rename: [("Value #C", "age"), ("Value #D", "in condition for"),
                                                                                     ("Value #E", "completed"), ("task_stage", "stage")])
        tasks.overrides = [unitOverride("age", "s"), unitOverride("in condition for", "s"), unitOverride("completed", "dateTimeAsIso")]
        tasks.mappings = [["type": "value", "options": .object(family("sedna_task_condition").states.enumerated().map { i, c -> (String, DocumentValue) in
            (c, ["text": .string(c), "color": .string(stateColors[c] ?? "text"), "index": .int(i)])
        })]]
        tasks.coloredColumns = ["condition"]
        tasks = taskTable(tasks)

        var failed = DashPanel("table", "Failed tasks",
                               "Tasks whose current condition or phase is Failed (recording rule \(SednaRules.failed)); see the SednaTaskFailed runbook. A failed IL/LL iteration is followed by Train/Waiting on the GM's next sync and so is counted by the Failed stat instead.",
                               unit: "s", [DashQuery("\(SednaRules.conditionAge){\(sel)} and on (cluster, namespace, kind, task) \(SednaRules.failed)", instant: true, table: true)],
                               w: 12, h: 7)
        failed.transformations = mergeAndHide(["Time"], rename: [("Value", "failed for")])
        failed = taskTable(failed)

        var stuck = DashPanel("table", "Longest in Ready, Starting or Running",
                              "Incremental and lifelong learning tasks ordered by the time spent in their current stage while Ready, Starting or Running; over 3 hours is reported by SednaTaskStageStuck.",
                              unit: "s", [DashQuery("topk(10, \(SednaRules.conditionAge){\(sel)} and on (cluster, namespace, kind, task) (sedna_task_stage == 1) and on (cluster, namespace, kind, task) (sedna_task_condition{condition=~\"Ready|Starting|Running\"} == 1))", instant: true, table: true)],
                              w: 12, h: 7)
        stuck.transformations = mergeAndHide(["Time"], rename: [("Value", "in condition for")])
        stuck.thresholds = [(nil, "green"), (10800, "red")]
        stuck.coloredColumns = ["in condition for"]
        stuck = taskTable(stuck)

        // Failed now, or a failed IL/LL iteration within the dashboard's range: Sedna replaces a
        // Failed condition with Train/Waiting on the next sync
        // (pkg/globalmanager/controllers/incrementallearning/incrementallearningjob.go), so only the
        // exporter's counter keeps it. 0 only while the exporter is scraped: no `or vector(0)`.
        var failedCount = DashPanel("stat", "Failed",
                                    "Tasks whose current condition or phase is Failed, or with a failed incremental or lifelong learning iteration in the time range (sedna_learning_failed_iterations_total: Sedna follows a Failed condition with Train/Waiting, so the condition alone loses it). No data while the exporter is not scraped.",
                                    unit: "none",
                                    [DashQuery("count(\(SednaRules.failed){\(sel)} or on (cluster, namespace, kind, task) (increase(sedna_learning_failed_iterations_total{\(sel)}[$__range]) > 0)) or on () (0 * min(sedna_exporter_ready))")],
                                    w: 4, h: 4)
        failedCount.thresholds = [(nil, "green"), (1, "red")]
        var taskCount = DashPanel("stat", "Task count", "Sedna tasks matching the variables.", unit: "none",
                                  [DashQuery("count(sedna_task_info{\(sel)})")], w: 4, h: 4)
        taskCount.thresholds = [(nil, "blue")]
        var workers = DashPanel("stat", "Workers by location", "Worker pods Sedna created, on edge and on cloud nodes (recording rule \(SednaRules.workersByLocation)).", unit: "none",
                                [DashQuery("sum by (location) (\(SednaRules.workersByLocation){namespace=~\"$namespace\"})", legend: "{{location}}")], w: 8, h: 4)
        workers.thresholds = [(nil, "blue")]
        workers.extraOptions = [("textMode", "value_and_name")]
        var samples = DashPanel("stat", "Datasets and samples", "Samples in the Datasets of the namespace, as counted by the LocalController.", unit: "short",
                                [DashQuery("sum(sedna_dataset_samples{namespace=~\"$namespace\"})", legend: "samples")], w: 8, h: 4, proposal: ["SampleNum"])
        samples.thresholds = [(nil, "blue")]

        var spec = DashboardSpec(
            file: "deploy/grafana/dashboards/overview.json", uid: overviewUID, title: "Sedna / Overview",
            description: "The health of the platform (exporter, GM, LocalControllers, edge nodes, relays, firing alerts), then every Sedna task of the cluster: kind, condition, stage, age; counts by kind and condition; failing and stuck tasks; workers on edge and cloud nodes. Generated by `sedna-exporter generate`.",
            tags: ["sedna", "overview"], taskKind: nil, taskMulti: true, panels: healthRow(settings) + [
                .row("Tasks"),
                taskCount,
                failedCount,
                workers,
                samples,
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
        spec.extraVariables = [kindVariable(settings)]
        return spec
    }

    // MARK: Joint inference

    static func jointInference() -> DashboardSpec {
        let sel = "namespace=\"$namespace\", kind=\"JointInferenceService\", task=\"$task\""
        var ratio = DashPanel("timeseries", "Hard-example ratio",
                              "Share of the inputs found hard and sent to the cloud worker over 5 minutes (recording rule \(SednaRules.hardExampleRatio), 0 while nothing is inferred). Sedna's own uploadCloudRatio divides by inferenceNumber, which counts each hard example twice in the default mining mode, so it is not shown. A spike is reported by SednaHardExampleRatioSpike.",
                              unit: "percentunit", [
                                DashQuery("\(SednaRules.hardExampleRatio){\(sel)}", legend: "hard examples / inputs (5m)"),
                              ], w: 12, h: 8)
        ratio.minValue = 0
        ratio.maxValue = 1
        var perWorker = DashPanel("table", "Per edge worker",
                                  "What each edge worker reported last (captured by the node relay): inputs answered, inferences run at the edge alone and hard examples sent to the cloud worker (cloud calls). Counters restart with the worker.",
                                  unit: "short", [
                                    DashQuery("max by (worker, pod) (sedna_joint_inference_worker_inferences_total{\(sel)})", instant: true, table: true),
                                    DashQuery("max by (worker, pod) (sedna_joint_inference_worker_edge_inferences_total{\(sel)})", instant: true, table: true),
                                    DashQuery("max by (worker, pod) (sedna_joint_inference_worker_hard_examples_total{\(sel)})", instant: true, table: true),
                                  ], w: 12, h: 7, proposal: ["EdgeInferenceCount", "CloudInferenceCount", "HardSampleNum"])
        perWorker.transformations = mergeAndHide(["Time"], rename: [("Value #A", "inputs answered"), ("Value #B", "at the edge"), ("Value #C", "cloud calls")])
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
                .row("Workers"),
                perWorker,
                workerReports(sel),
                workerTable(sel),
            ])
    }

    // MARK: Incremental learning

    static func incrementalLearning() -> DashboardSpec {
        let sel = "namespace=\"$namespace\", kind=\"IncrementalLearningJob\", task=\"$task\""
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
                          [DashQuery("sum(sedna_dataset_samples and on (cluster, namespace, dataset) sedna_learning_dataset_train_ratio{\(sel)})")], w: 4, h: 4, proposal: ["SampleNum"]),
                DashPanel("stat", "Train share", "Share of the dataset used for training (spec.dataset.trainProb).", unit: "percentunit",
                          [DashQuery("max(sedna_learning_dataset_train_ratio{\(sel)})")], w: 4, h: 4),
                DashPanel("stat", "Time in current stage", "Time since the newest condition was appended.", unit: "s",
                          [DashQuery("max(\(SednaRules.conditionAge){\(sel)})")], w: 4, h: 4),
                failedIterations(sel),
                DashPanel("timeseries", "Train loss", "Loss reported with the newest train output, one step per iteration.", unit: "none",
                          [DashQuery("max(sedna_learning_train_loss{\(sel)})", legend: "loss")], w: 12, h: 8, proposal: ["TrainLoss"]),
                eval,
                DashPanel("timeseries", "New minus deployed", "Difference between the new and the deployed model per metric (recording rule \(SednaRules.evalDelta)); below 0 the candidate is worse (SednaEvaluatedModelWorse).",
                          unit: "percentunit", [DashQuery("\(SednaRules.evalDelta){\(sel)}", legend: "{{metric}}")], w: 12, h: 8),
                DashPanel("bargauge", "Per-class eval metrics", "Newest per-class values of the new and the deployed model (class is the list index).", unit: "percentunit",
                          [DashQuery("max by (model_role, metric, class) (sedna_learning_eval_class_metric{\(sel)})", legend: "{{model_role}} {{metric}} class {{class}}", instant: true)],
                          w: 12, h: 8, proposal: ["AccuracyMetricForNewModel", "AccuracyMetricForOldModel"]),
                models, hyper,
                lcSampleCounts(sel),
                .row("Training telemetry (pushed by workers)"),
                telemetry("sedna_training_learning_rate", "Learning rate", "Learning rate the train worker uses.", unit: "none", proposal: ["LearningRate"], sel: sel),
                telemetry("sedna_training_epoch", "Epoch", "Current epoch of the train worker.", unit: "none", proposal: ["EpochNum"], sel: sel),
                telemetry("sedna_training_batch_size", "Batch size", "Batch size of the train worker.", unit: "none", proposal: ["BatchSize"], sel: sel),
                telemetry("sedna_training_loss", "Loss during training", "Loss reported by the train worker while it trains.", unit: "none", proposal: ["TrainLoss"], sel: sel),
                telemetry("sedna_training_remaining_seconds", "Remaining time", "Time the train or eval worker expects to need.", unit: "s", proposal: ["TrainRemainingTime", "EvalRemainingTime"], sel: sel),
                telemetry("sedna_training_samples", "Training samples", "Samples the train or eval worker uses in its current phase (Sedna's LC only logs them).", unit: "short",
                          proposal: ["TrainSampleNum", "EvalSampleNum"], sel: sel, by: "pod, phase", legend: "{{pod}} {{phase}}"),
                telemetry("sedna_learning_iteration_hard_examples_total", "Hard examples this iteration", "Hard examples the inference worker found since the current iteration's model was deployed.", unit: "short",
                          proposal: ["IterationHardSampleNum"], sel: sel),
                telemetry("sedna_learning_iteration_inferences_total", "Inferences this iteration", "Inferences the inference worker ran since the current iteration's model was deployed.", unit: "short",
                          proposal: ["IterationInferenceCount"], sel: sel),
                .row("Workers"),
                workerReports(sel),
                workerTable(sel),
            ])
    }

    // MARK: Federated learning

    static func federatedLearning() -> DashboardSpec {
        let sel = "namespace=\"$namespace\", kind=\"FederatedLearningJob\", task=\"$task\""
        var nodes = DashPanel("table", "Train nodes", "One row per training worker: its node and its dataset (spec.trainingWorkers).", unit: "short",
                              [DashQuery("max by (node, dataset) (sedna_federated_learning_train_node_info{\(sel)})", instant: true, table: true),
                               DashQuery("max by (node, dataset) (sedna_federated_learning_node_samples{\(sel)})", instant: true, table: true)],
                              w: 12, h: 7, proposal: ["TrainNodes", "NodeSampleNum"])
        nodes.transformations = mergeAndHide(["Time", "Value #A"], rename: [("Value #B", "samples")])
        var flWorkers = DashPanel("table", "Round and samples per train worker",
                                  "What each train worker reported with its newest round (captured by the node relay): the round and the samples of all train workers in that round as the aggregator counts them (sampleCount, lib/sedna/core/federated_learning/federated_learning.py).",
                                  unit: "short", [
                                    DashQuery("max by (worker, pod) (sedna_federated_learning_worker_round{\(sel)})", instant: true, table: true),
                                    DashQuery("max by (worker, pod) (sedna_federated_learning_worker_aggregated_samples{\(sel)})", instant: true, table: true),
                                  ], w: 12, h: 7, proposal: ["AggregationNo"])
        flWorkers.transformations = mergeAndHide(["Time"], rename: [("Value #A", "round"), ("Value #B", "samples in the round")])
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
                .row("Per train worker"),
                flWorkers,
                workerReports(sel),
                .row("Per-node training telemetry (pushed by workers)"),
                telemetry("sedna_training_loss", "Loss per train worker", "Loss each train worker reports for its local round.", unit: "none", proposal: [], sel: sel),
                telemetry("sedna_training_epoch", "Epoch per train worker", "Current local epoch of each train worker.", unit: "none", proposal: [], sel: sel),
                telemetry("sedna_training_remaining_seconds", "Remaining time per train worker", "Time each train worker expects to need for its round.", unit: "s", proposal: [], sel: sel),
                .row("Workers"),
                workerTable(sel),
            ])
    }

    // MARK: Lifelong learning

    static func lifelongLearning() -> DashboardSpec {
        let sel = "namespace=\"$namespace\", kind=\"LifelongLearningJob\", task=\"$task\""
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
                failedIterations(sel, w: 6),
                statePanel("stat", "Deploy status", "Outcome of the newest Deploy stage.", record: SednaRules.deployStatusCode,
                           family: "sedna_learning_deploy_status", selector: sel, legend: "", w: 12, h: 4, proposal: ["DeployStatus"]),
                DashPanel("timeseries", "Evaluations: new vs deployed model", "Newest evaluation of the candidate and of the deployed model per metric, one step per iteration.",
                          unit: "percentunit", [DashQuery("max by (model_role, metric) (sedna_learning_eval_metric{\(sel)})", legend: "{{model_role}} {{metric}}")], w: 12, h: 8,
                          proposal: ["AccuracyMetricForNewModel", "AccuracyMetricForOldModel"]),
                evals,
                DashPanel("stat", "Dataset samples", "Samples in the job's Dataset.", unit: "short",
                          [DashQuery("sum(sedna_dataset_samples and on (cluster, namespace, dataset) sedna_learning_dataset_train_ratio{\(sel)})")], w: 12, h: 4, proposal: ["SampleNum"]),
                lcSampleCounts(sel),
                .row("Workers"),
                workerReports(sel),
                workerTable(sel),
            ])
    }

    /// Failed train or eval runs of an IL/LL job: the condition alone loses them (the GM follows
    /// a Failed condition with Train/Waiting on its next sync), the exporter's counter keeps them.
    /// TrainSampleNum and EvalSampleNum as Sedna has them: only in the LocalController's log
    /// (`job(ns/kind/name)'s current train samples nums is N`, pkg/localcontroller/managers/
    /// incrementallearning/incrementallearningjob.go and lifelonglearning/lifelonglearningjob.go),
    /// turned into gauges by the Alloy pipeline. The LC logs a figure only when the dataset grows,
    /// hence `last_over_time`.
    static func lcSampleCounts(_ sel: String) -> DashPanel {
        DashPanel("timeseries", "Samples at the LC (from its log)", "Train samples the newest dataset growth added and eval samples so far, as the LocalController logs them when the dataset grows (Sedna writes them nowhere else).", unit: "short", [
            DashQuery("max(last_over_time(loki_process_custom_sedna_lc_train_samples{\(sel)}[30d]))", legend: "train"),
            DashQuery("max(last_over_time(loki_process_custom_sedna_lc_eval_samples{\(sel)}[30d]))", legend: "eval"),
        ], w: 12, h: 8, needs: .alloyLogMetrics, proposal: ["TrainSampleNum", "EvalSampleNum"])
    }

    static func failedIterations(_ sel: String, w: Int = 4) -> DashPanel {
        var p = DashPanel("stat", "Failed iterations", "Train or eval runs that failed since the job was created. Sedna follows a Failed condition with Train/Waiting on the next sync, so the current status rarely shows a failure; this count keeps it.", unit: "none",
                          [DashQuery("max(sedna_learning_failed_iterations_total{\(sel)})")], w: w, h: 4)
        p.thresholds = [(nil, "green"), (1, "red")]
        return p
    }

    // MARK: Components and workers

    /// The intake (worker reports, relay batches, pushes) and the edge relays: what reaches the
    /// exporter and what waits or is lost on the way.
    static func pipelineRow(_ settings: ArtifactSettings) -> [DashPanel] {
        let relay = settings.relaySelector
        var spool = DashPanel("timeseries", "Relay spool", "Reports each edge relay holds for the central exporter and the age of the oldest: it grows while the exporter cannot be reached and drains once it can (see the relay alerts in docs/runbooks.md).", unit: "s", [
            DashQuery("max by (instance) (sedna_relay_oldest_queued_age_seconds{\(relay)})", legend: "{{instance}} oldest"),
            DashQuery("max by (instance) (sedna_relay_queue_depth{\(relay)})", legend: "{{instance}} reports"),
        ], w: 8, h: 8)
        spool.overrides = [["matcher": ["id": "byRegexp", "options": ".* reports"], "properties": [
            ["id": "unit", "value": "short"], ["id": "custom.axisPlacement", "value": "right"]]]]
        return [
            .row("Intake and relay"),
            DashPanel("timeseries", "Intake responses", "Responses of the intake per second by endpoint (report, relay, push, delete) and HTTP status: 401 is a bad token, 4xx a rejected body, 5xx the exporter.", unit: "reqps",
                      [DashQuery("sum by (endpoint, code) (rate(sedna_intake_responses_total[$__rate_interval]))", legend: "{{endpoint}} {{code}}")], w: 8, h: 8),
            DashPanel("timeseries", "Reports and pushes taken in", "Worker reports per second by kind and outcome, relay batches' reports by relay and result (duplicates are re-sent reports dropped), pushes by method and result.", unit: "reqps", [
                DashQuery("sum by (kind, outcome) (rate(sedna_intake_reports_total[$__rate_interval]))", legend: "report {{kind}} {{outcome}}"),
                DashQuery("sum by (relay, result) (rate(sedna_intake_relay_reports_total[$__rate_interval]))", legend: "relay {{relay}} {{result}}"),
                DashQuery("sum by (method, result) (rate(sedna_intake_pushes_total[$__rate_interval]))", legend: "push {{method}} {{result}}"),
            ], w: 8, h: 8),
            spool,
            DashPanel("timeseries", "Relay deliveries", "Reports per second each relay delivered to the exporter, failed to deliver (retried), dropped because the spool was full (lost), and reports the node's LocalController could not take.", unit: "reqps", [
                DashQuery("sum by (instance) (rate(sedna_relay_delivered_total{\(relay)}[$__rate_interval]))", legend: "{{instance}} delivered"),
                DashQuery("sum by (instance) (rate(sedna_relay_delivery_failures_total{\(relay)}[$__rate_interval]))", legend: "{{instance}} failed"),
                DashQuery("sum by (instance) (rate(sedna_relay_dropped_total{\(relay)}[$__rate_interval]))", legend: "{{instance}} dropped"),
                DashQuery("sum by (instance) (rate(sedna_relay_lc_unreachable_total{\(relay)}[$__rate_interval]))", legend: "{{instance}} LC unreachable"),
            ], w: 12, h: 8),
            DashPanel("timeseries", "Relay spool size and held reports", "Bytes each relay's spool holds, and reports the intake holds until their pod or task is watched.", unit: "bytes", [
                DashQuery("max by (instance) (sedna_relay_queue_bytes{\(relay)})", legend: "{{instance}} spool"),
                DashQuery("sum(sedna_intake_held_reports)", legend: "held by the intake"),
            ], w: 12, h: 8).withOverrides([["matcher": ["id": "byName", "options": "held by the intake"], "properties": [
                ["id": "unit", "value": "short"], ["id": "custom.axisPlacement", "value": "right"]]]]),
            DashPanel("timeseries", "Webhook admissions", "Worker pods the capture webhook answered per second, by outcome: mutated (reports routed through the node's relay), already mutated, or left alone because no relay was ready (relay_not_ready) and the like.", unit: "reqps",
                      [DashQuery("sum by (outcome) (rate(sedna_webhook_admissions_total[$__rate_interval]))", legend: "{{outcome}}")], w: 24, h: 6),
        ]
    }

    /// CPU and memory of the selected tasks' worker pods against their limits, and why their
    /// containers last ended. Pods are those of sedna_worker_info (the exporter's pod-to-task
    /// mapping), not matched by name.
    static func workerResourcesRow(_ wsel: String, cluster c: String) -> [DashPanel] {
        let pods = "on (\(c), namespace, pod) group_left () max by (\(c), namespace, pod) (sedna_worker_info{\(wsel)})"
        var oom = DashPanel("table", "Last termination reason", "Why each worker container last terminated (kube-state-metrics kube_pod_container_status_last_terminated_reason): OOMKilled means the memory limit is too low for the worker.", unit: "none",
                            [DashQuery("max by (namespace, pod, container, reason) (kube_pod_container_status_last_terminated_reason == 1 and on (\(c), namespace, pod) sedna_worker_info{\(wsel)})", instant: true, table: true)],
                            w: 8, h: 8, needs: .kubeStateMetrics)
        oom.transformations = mergeAndHide(["Time", "Value"])
        oom.mappings = [["type": "value", "options": ["OOMKilled": ["text": "OOMKilled", "color": "red", "index": 0],
                                                      "Error": ["text": "Error", "color": "orange", "index": 1],
                                                      "Completed": ["text": "Completed", "color": "green", "index": 2]]]]
        oom.coloredColumns = ["reason"]
        return [
            .row("Worker resources"),
            DashPanel("timeseries", "Worker CPU", "CPU cores used by each worker pod (cAdvisor container_cpu_usage_seconds_total), against its CPU limit where one is set.", unit: "short", [
                DashQuery("sum by (pod) (rate(container_cpu_usage_seconds_total{container!=\"\", container!=\"POD\"}[$__rate_interval]) * \(pods))", legend: "{{pod}}"),
            ], w: 8, h: 8, needs: .cadvisor),
            DashPanel("timeseries", "Worker memory vs limit", "Working-set memory of each worker pod (cAdvisor) and its memory limit (kube-state-metrics kube_pod_container_resource_limits); at the limit the kernel kills the worker (OOMKilled). Needs kube-state-metrics.", unit: "bytes", [
                DashQuery("sum by (pod) (container_memory_working_set_bytes{container!=\"\", container!=\"POD\"} * \(pods))", legend: "{{pod}} used"),
                DashQuery("sum by (pod) (kube_pod_container_resource_limits{resource=\"memory\"} * \(pods))", legend: "{{pod}} limit"),
            ], w: 8, h: 8, needs: .cadvisor),
            oom,
        ]
    }

    static func components(_ settings: ArtifactSettings) -> DashboardSpec {
        let wsel = "namespace=~\"$namespace\", kind=~\"$kind\", task=~\"$task\""
        let workerPods = "and on (\(settings.clusterLabel), namespace, pod) sedna_worker_info{\(wsel)}"
        var lcs = DashPanel("table", "Sedna components", "GlobalManager (gm), LocalController (lc, one per node, edge and cloud) and KnowledgeBase (kb) pods with node, location and readiness.",
                            unit: "none", [DashQuery("max by (component, pod, node, location) (sedna_component_info)", instant: true, table: true),
                                           DashQuery("max by (component, pod, node) (sedna_component_ready)", instant: true, table: true)],
                            w: 12, h: 8)
        lcs.transformations = mergeAndHide(["Time", "Value #A"], rename: [("Value #B", "ready")])
        lcs.mappings = yesNo
        lcs.thresholds = [(nil, "red"), (1, "green")]
        lcs.coloredColumns = ["ready"]
        var synced = DashPanel("table", "Exporter resources", "Per watched resource: available (CRD installed), synced (listed and watch healthy on every shard), objects held (summed over shards), seconds since the last event or LIST (the stalest shard).",
                               unit: "none", [DashQuery("max by (resource) (sedna_exporter_resource_available)", instant: true, table: true),
                                              DashQuery("min by (resource) (sedna_exporter_resource_synced)", instant: true, table: true),
                                              DashQuery("sum by (resource) (sedna_exporter_objects)", instant: true, table: true),
                                              DashQuery("time() - min by (resource) (sedna_exporter_last_sync_timestamp_seconds)", instant: true, table: true)],
                               w: 12, h: 8)
        synced.transformations = mergeAndHide(["Time"], rename: [("Value #A", "available"), ("Value #B", "synced"), ("Value #C", "objects"), ("Value #D", "since last sync")])
        synced.overrides = [unitOverride("since last sync", "s")]
        var exporterReady = DashPanel("stat", "Exporter ready", "Whether every watched resource has synced and no watch keeps failing (/readyz).", unit: "none",
                                      [DashQuery("min(sedna_exporter_ready)")], w: 4, h: 4)
        exporterReady.thresholds = [(nil, "red"), (1, "green")]
        exporterReady.mappings = yesNo
        var gmReady = DashPanel("stat", "GM ready", "Ready GlobalManager pods.", unit: "none",
                                [DashQuery("sum(sedna_component_ready{component=\"gm\"})")], w: 4, h: 4)
        gmReady.thresholds = [(nil, "red"), (1, "green")]
        var kbReady = DashPanel("stat", "KB ready", "Ready KnowledgeBase pods (lifelong learning); 0 is normal without lifelong learning.", unit: "none",
                                [DashQuery("sum(sedna_component_ready{component=\"kb\"})")], w: 4, h: 4)
        kbReady.thresholds = [(nil, "blue")]
        var lcReady = DashPanel("stat", "LocalControllers ready", "Ready LocalController pods, by location.", unit: "none",
                                [DashQuery("sum by (location) (sedna_component_ready{component=\"lc\"} * on (cluster, namespace, pod) group_left (location) sedna_component_info{component=\"lc\"})", legend: "{{location}}")], w: 8, h: 4)
        lcReady.thresholds = [(nil, "red"), (1, "green")]
        lcReady.extraOptions = [("textMode", "value_and_name")]
        var edgeReady = DashPanel("state-timeline", "Edge nodes hosting workers: Ready (kube-state-metrics)", "Ready condition of the edge nodes that host Sedna worker pods: NotReady in red.", unit: "none",
                                  [DashQuery("max by (cluster, node) (kube_node_status_condition{condition=\"Ready\", status=\"true\"}) * on (cluster, node) group_left () (max by (cluster, node) (\(SednaRules.workersByNode){location=\"edge\"}) > bool 0)", legend: "{{node}}")],
                                  w: 24, h: 6, needs: .kubeStateMetrics)
        edgeReady.mappings = [["type": "value", "options": [
            "0": ["text": "NotReady", "color": "red", "index": 0],
            "1": ["text": "Ready", "color": "green", "index": 1],
        ]]]
        edgeReady.thresholds = [(nil, "red"), (1, "green")]
        var spec = DashboardSpec(
            file: "deploy/grafana/dashboards/components.json", uid: "sedna-components", title: "Sedna / Components and workers",
            description: "Health of Sedna's GM, LocalControllers (per node, edge and cloud), KB and worker pods, worker CPU and memory, with kube-state-metrics pod, container, Job and node views, the intake and the edge relays, and the exporter's own health.",
            tags: ["sedna", "components"], taskKind: nil, taskMulti: true, panels: [
                gmReady,
                lcReady,
                kbReady,
                exporterReady,
                readyOfTotal("Edge nodes ready", "Edge nodes whose Ready condition is True (edgecore reports it) out of those registered.",
                             ready: "sum(sedna_node_ready{location=\"edge\"})", total: "count(sedna_node_info{location=\"edge\"})", w: 4),
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
            ] + workerResourcesRow(wsel, cluster: settings.clusterLabel) + [
                .row("kube-state-metrics"),
                DashPanel("timeseries", "Pod phase (kube-state-metrics)", "Phase of the selected tasks' worker pods as kube-state-metrics reports it (the pods of sedna_worker_info).", unit: "none",
                          [DashQuery("sum by (phase) (kube_pod_status_phase == 1 \(workerPods))", legend: "{{phase}}")],
                          w: 12, h: 8, needs: .kubeStateMetrics, proposal: ["PodStatus"]),
                DashPanel("timeseries", "Containers running, waiting, terminated (kube-state-metrics)", "Container states of the selected tasks' worker pods.", unit: "none", [
                    DashQuery("sum(kube_pod_container_status_running \(workerPods))", legend: "running"),
                    DashQuery("sum(kube_pod_container_status_waiting \(workerPods))", legend: "waiting"),
                    DashQuery("sum(kube_pod_container_status_terminated \(workerPods))", legend: "terminated"),
                ], w: 12, h: 8, needs: .kubeStateMetrics, proposal: ["ContainerStatus"]),
                DashPanel("timeseries", "Container restarts (kube-state-metrics)", "Restarts per second of the selected tasks' containers.", unit: "ops",
                          [DashQuery("sum by (pod) (rate(kube_pod_container_status_restarts_total[$__rate_interval]) \(workerPods))", legend: "{{pod}}")],
                          w: 12, h: 8, needs: .kubeStateMetrics),
                DashPanel("timeseries", "Jobs succeeded and failed (kube-state-metrics)", "Kubernetes Jobs of the namespace (Sedna creates none itself; user Jobs around tasks).", unit: "none", [
                    DashQuery("sum(kube_job_status_succeeded{namespace=~\"$namespace\"})", legend: "succeeded"),
                    DashQuery("sum(kube_job_status_failed{namespace=~\"$namespace\"})", legend: "failed"),
                ], w: 12, h: 8, needs: .kubeStateMetrics, proposal: ["K8sJobStatus"]),
                edgeReady,
            ] + pipelineRow(settings) + [
                .row("Exporter"),
                synced,
                DashPanel("timeseries", "List and watch requests", "LIST requests and ended WATCH streams per second by resource and result (ok, gone, error, timeout); errors are reported by SednaExporterWatchFailing.", unit: "reqps", [
                    DashQuery("sum by (resource, result) (rate(sedna_exporter_list_requests_total[$__rate_interval]))", legend: "list {{resource}} {{result}}"),
                    DashQuery("sum by (resource, result) (rate(sedna_exporter_watch_requests_total[$__rate_interval]))", legend: "watch {{resource}} {{result}}"),
                ], w: 12, h: 8),
                DashPanel("timeseries", "Watch events", "Watch events received per second by resource.", unit: "cps",
                          [DashQuery("sum by (resource) (rate(sedna_exporter_watch_events_total[$__rate_interval]))", legend: "{{resource}}")], w: 12, h: 8),
                DashPanel("timeseries", "Scrape duration and render time", "Time to assemble /metrics, and the share of time spent translating objects after events (seconds per second).", unit: "s", [
                    DashQuery("max(sedna_exporter_scrape_duration_seconds)", legend: "scrape"),
                    DashQuery("sum(rate(sedna_exporter_render_seconds_total[$__rate_interval]))", legend: "render (s/s)"),
                ], w: 12, h: 8),
            ])
        spec.extraVariables = [kindVariable(settings)]
        return spec
    }

    // MARK: Logs

    static func logs(_ settings: ArtifactSettings) -> DashboardSpec {
        // Pods by the exporter's pod-to-task mapping (sedna_worker_info, from the pods' owner
        // labels, pkg/globalmanager/runtime/worker.go), not by a name prefix: `<task>-.*` also
        // matches the pods of a task named `<task>-v2`. LogQL regex matchers are anchored.
        let stream = "{namespace=~\"$namespace\", pod=~\"${pod:regex}\"}"
        let search: DocumentValue = ["name": "search", "label": "Search", "type": "textbox", "query": "", "current": ["text": "", "value": ""],
                                "hide": 0, "options": []]
        let pod = DashboardRenderer.queryVariable(
            "pod", "Pod", "label_values(sedna_worker_info{\(ClusterFilter.matcher(settings.clusterLabel)), namespace=~\"$namespace\", kind=~\"$kind\", task=~\"$task\"}, pod)",
            multi: true)
            .setting("allValue", nil)
            .setting("current", ["selected": true, "text": ["All"], "value": ["$__all"]])
            .setting("hide", 2)
        var spec = DashboardSpec(
            file: "deploy/grafana/dashboards/logs.json", uid: logsUID, title: "Sedna / Logs",
            description: "Logs of the selected tasks' worker pods from Loki (cloud and edge; the pods are those the exporter maps to the tasks, so edge pods need no extra labels), volume by level, errors, and what GM and LCs log about the tasks.",
            tags: ["sedna", "logs"], taskKind: nil, taskMulti: true, panels: [
                DashPanel("timeseries", "Log volume by level", "Worker log lines per interval by level (set by the Alloy pipelines for Python and klog lines; empty for other formats).", unit: "short",
                          [DashQuery("sum by (level) (count_over_time(\(stream) [$__interval]))", legend: "{{level}}")], w: 12, h: 7, needs: .loki),
                DashPanel("timeseries", "Error lines", "Worker lines at level error, critical or fatal, or mentioning an error, exception or traceback, per pod.", unit: "short",
                          [DashQuery("sum by (pod) (count_over_time(\(stream) |~ \"(?i)(error|exception|traceback)\" [$__interval]))", legend: "{{pod}}")], w: 12, h: 7, needs: .loki),
                DashPanel("logs", "Worker logs", "Log lines of the tasks' worker pods, newest first, filtered by the Search box.", unit: "none",
                          [DashQuery("\(stream) |= \"$search\"")], w: 24, h: 14, needs: .loki),
                DashPanel("logs", "Errors", "Worker lines at level error, critical or fatal.", unit: "none",
                          [DashQuery("{namespace=~\"$namespace\", pod=~\"${pod:regex}\", level=~\"error|critical|fatal\"}")], w: 24, h: 8, needs: .loki),
                DashPanel("logs", "GM and LC lines about the task", "GlobalManager and LocalController lines that mention one of the tasks' names.", unit: "none",
                          [DashQuery("{sedna_component=~\"gm|lc\"} |~ \"${task:regex}\"")], w: 24, h: 8, needs: .loki),
            ])
        spec.extraVariables = [kindVariable(settings), search]
        spec.trailingVariables = [pod]
        return spec
    }
}

extension DashPanel {
    func withOverrides(_ o: [DocumentValue]) -> DashPanel {
        var p = self
        p.overrides = o
        return p
    }

    func withMappings(_ m: [DocumentValue]) -> DashPanel {
        var p = self
        p.mappings = m
        return p
    }
}
