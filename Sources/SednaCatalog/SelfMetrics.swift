/// The exporter's own families (documented with the catalog; values kept by the exporter).
public enum SelfMetrics {
    static let e = "exporter"
    public static let buildInfo = MetricFamily(
        "sedna_exporter_build_info", .info, help: "Version of the running exporter.",
        labels: ["version"], source: .exporter, emittedBy: e)
    public static let listRequests = MetricFamily(
        "sedna_exporter_list_requests_total", .counter, help: "LIST requests to the Kubernetes API by resource and result.",
        labels: ["resource", "result"], source: .exporter, emittedBy: e)
    public static let watchRequests = MetricFamily(
        "sedna_exporter_watch_requests_total", .counter,
        help: "WATCH streams opened, by resource and how they ended (ok, gone, error, timeout).",
        labels: ["resource", "result"], source: .exporter, emittedBy: e)
    public static let watchEvents = MetricFamily(
        "sedna_exporter_watch_events_total", .counter, help: "Watch events received, by resource and event type.",
        labels: ["resource", "type"], source: .exporter, emittedBy: e)
    public static let lastSync = MetricFamily(
        "sedna_exporter_last_sync_timestamp_seconds", .gauge,
        help: "Unix time of the last complete LIST or watch event of each resource.",
        unit: "seconds", labels: ["resource"], source: .exporter, emittedBy: e)
    public static let objects = MetricFamily(
        "sedna_exporter_objects", .gauge, help: "Objects held per resource.",
        labels: ["resource"], source: .exporter, emittedBy: e)
    public static let resourceAvailable = MetricFamily(
        "sedna_exporter_resource_available", .gauge,
        help: "1 when the resource is served by the API server (its CRD is installed), 0 while it is absent.",
        labels: ["resource"], source: .exporter, emittedBy: e)
    public static let resourceSynced = MetricFamily(
        "sedna_exporter_resource_synced", .gauge,
        help: "1 when the resource's reflector has completed a LIST and its watch is healthy.",
        labels: ["resource"], source: .exporter, emittedBy: e)
    public static let translateErrors = MetricFamily(
        "sedna_exporter_translate_errors_total", .counter,
        help: "Objects that could not be decoded or translated, by resource; such an object keeps no series.",
        labels: ["resource"], source: .exporter, emittedBy: e)
    public static let renderDuration = MetricFamily(
        "sedna_exporter_render_seconds_total", .counter,
        help: "Time spent translating and rendering objects after events (a counter of seconds; rate it).",
        unit: "seconds", labels: [], source: .exporter, emittedBy: e)
    public static let scrapes = MetricFamily(
        "sedna_exporter_scrapes_total", .counter, help: "Scrapes of /metrics served.",
        labels: [], source: .exporter, emittedBy: e)
    public static let scrapeDuration = MetricFamily(
        "sedna_exporter_scrape_duration_seconds", .gauge, help: "Time taken to assemble the previous /metrics response.",
        unit: "seconds", labels: [], source: .exporter, emittedBy: e)
    public static let ready = MetricFamily(
        "sedna_exporter_ready", .gauge, help: "1 when every watched resource has synced and no watch keeps failing (/readyz).",
        labels: [], source: .exporter, emittedBy: e)

    /// Only with `serve --webhook-listen`.
    public static let webhookAdmissions = MetricFamily(
        "sedna_webhook_admissions_total", .counter,
        help: "Pod admissions the mutating webhook answered, by outcome (mutated, already_mutated, relay_not_ready, ...).",
        labels: ["outcome"], source: .exporter, emittedBy: e)

    public static let families = [
        buildInfo, listRequests, watchRequests, watchEvents, lastSync, objects, resourceAvailable, resourceSynced,
        translateErrors, renderDuration, scrapes, scrapeDuration, ready, webhookAdmissions,
    ]
}
