import SednaCatalog

/// The generic task dashboard: the kinds without a paradigm dashboard of their own get their
/// condition, phase, workers and pods here, so that every row of the Overview links somewhere
/// that shows its task (`Dashboards.kindDashboards` maps the others).
extension Dashboards {
    public static let taskUID = "sedna-task"

    /// Kinds shown by the generic dashboard (docs/sedna-data-model.md lists their workers).
    static let genericKinds = [SednaKind.featureExtractionService, .objectSearchService, .objectTrackingService, .reidJob, .videoAnalyticsJob]
        .map(\.rawValue)

    static func task(_ settings: ArtifactSettings) -> DashboardSpec {
        let sel = "namespace=\"$namespace\", kind=\"$kind\", task=\"$task\""
        var condition = DashPanel("stat", "Condition", "Current condition: the type of the last element of status.conditions.", unit: "none",
                                  [DashQuery("max(\(SednaRules.conditionCode){\(sel)})")], w: 6, h: 4, proposal: ["StageConditionStatus"])
        condition.mappings = stateMappings("sedna_task_condition")
        var completed = DashPanel("stat", "Completed at", "status.completionTime: set by the GM when a ReidJob or VideoAnalyticsJob ends; the services never complete.",
                                  unit: "dateTimeAsIso", [DashQuery("1000 * max(sedna_task_completion_timestamp_seconds{\(sel)})")], w: 6, h: 4,
                                  proposal: ["CompletionTime"])
        completed.thresholds = [(nil, "blue")]
        var age = DashPanel("stat", "Age and time in condition", "Seconds since the task was created and since its current condition was appended.", unit: "s", [
            DashQuery("max(\(SednaRules.taskAge){\(sel)})", legend: "age"),
            DashQuery("max(\(SednaRules.conditionAge){\(sel)})", legend: "in condition"),
        ], w: 6, h: 4, proposal: ["StartTime"])
        age.thresholds = [(nil, "blue")]
        age.extraOptions = [("textMode", "value_and_name")]
        var active = DashPanel("stat", "Active workers", "status.active: running worker pods (ReidJob, VideoAnalyticsJob) or progressing Deployments (the services).", unit: "none",
                               [DashQuery("sum(sedna_task_active_workers{\(sel)})")], w: 6, h: 4)
        active.thresholds = [(nil, "blue")]
        var spec = DashboardSpec(
            file: "deploy/grafana/dashboards/task.json", uid: taskUID, title: "Sedna / Task",
            description: "A FeatureExtractionService, ObjectSearchService, ObjectTrackingService, ReidJob or VideoAnalyticsJob: condition, phase, completion, workers and their pods, with a link to the logs.",
            tags: ["sedna", "task"], taskKind: nil, taskMulti: false, panels: [
                condition, age, active, completed,
                statePanel("state-timeline", "Condition timeline", "Current condition over time.", record: SednaRules.conditionCode,
                           family: "sedna_task_condition", selector: sel, legend: "condition", w: 12, h: 5, proposal: ["CurrentStatus"]),
                statePanel("state-timeline", "Phase", "status.phase of a ReidJob or VideoAnalyticsJob (Pending, Running, Succeeded, Failed); the services have none.",
                           record: SednaRules.phaseCode, family: "sedna_task_phase", selector: sel, legend: "phase", w: 12, h: 5, proposal: []),
                .row("Workers"),
                statePanel("state-timeline", "Worker pod phases", "Phase of each worker pod over time.", record: SednaRules.workerPhaseCode,
                           family: "sedna_worker_phase", selector: sel, legend: "{{pod}}", w: 24, h: 7, proposal: ["PodStatus"]),
                workerTable(sel),
            ])
        spec.extraVariables = [kindVariable(settings, kinds: genericKinds)]
        return spec
    }
}
