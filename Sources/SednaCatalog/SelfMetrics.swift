/// The own families of the exporter, its intake, the edge relay and the admission webhook
/// (documented with the catalog in docs/metrics.md; values kept by the process that serves them).
/// Each is written through `TextFormat.header`/`appendSample` like the object families, so the
/// name, type, help and labels live here only.
public enum SelfMetrics {
    static let e = "exporter"
    static let i = "intake"
    static let r = "relay"
    static let w = "webhook"
    public static let buildInfo = MetricFamily(
        "sedna_exporter_build_info", .info, help: "Version of the running exporter.",
        labels: ["version"], source: .exporter, emittedBy: e)
    public static let listRequests = MetricFamily(
        "sedna_exporter_list_requests_total", .counter, help: "LIST requests to the Kubernetes API by resource and result.",
        labels: ["resource", "result"], source: .exporter, emittedBy: e)
    public static let listItems = MetricFamily(
        "sedna_exporter_list_items_total", .counter,
        help: "Items of LIST responses by resource: parsed, or unchanged (byte for byte what the exporter holds from an earlier LIST; not parsed again).",
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
    public static let scrapeBodiesCoalesced = MetricFamily(
        "sedna_exporter_scrape_bodies_coalesced_total", .counter,
        help: "Scrapes answered with a body that was no longer current but younger than --scrape-body-max-age (a newer one built behind them); 0 without the flag.",
        labels: [], source: .exporter, emittedBy: e)
    /// How much of a gzip'd body was compressed anew: the object part and the pushed groups are
    /// kept as segments deflated once, and a changed body deflates only the segments whose
    /// objects or groups changed (docs/benchmarks.md, session 18).
    public static let gzipSegments = MetricFamily(
        "sedna_exporter_gzip_segments_total", .counter,
        help: "Segments of gzip'd /metrics bodies by part (objects, pushes) and result: deflated (new or changed since the last body) or reused (sent as compressed before).",
        labels: ["part", "result"], source: .exporter, emittedBy: e)
    public static let gzipDeflatedBytes = MetricFamily(
        "sedna_exporter_gzip_deflated_bytes_total", .counter,
        help: "Bytes of /metrics bodies deflated by part (objects, pushes); segments reused are not counted.",
        unit: "bytes", labels: ["part"], source: .exporter, emittedBy: e)
    public static let ready = MetricFamily(
        "sedna_exporter_ready", .gauge, help: "1 when every watched resource has synced and no watch keeps failing (/readyz).",
        labels: [], source: .exporter, emittedBy: e)
    /// The shard this exporter serves, as kube-state-metrics' `kube_state_metrics_shard_ordinal`
    /// and `kube_state_metrics_total_shards`: a task belongs to shard `FNV1a(task UID) % total`
    /// (docs/deploy.md, "Scaling out"). Static with `--shard/--total-shards`, following the
    /// StatefulSet with `--auto-sharding`.
    public static let shardOrdinal = MetricFamily(
        "sedna_exporter_shard_ordinal", .gauge, help: "The shard this exporter serves (0-based).",
        labels: [], source: .exporter, emittedBy: e)
    public static let totalShards = MetricFamily(
        "sedna_exporter_total_shards", .gauge, help: "The number of shards the exporter's objects are split into.",
        labels: [], source: .exporter, emittedBy: e)

    /// Requests and connections refused or closed as hostile (ServerSupport's HTTP guard).
    public static let httpRejected = MetricFamily(
        "sedna_exporter_http_rejected_total", .counter,
        help: "HTTP requests and connections refused or closed as hostile (body_too_large, body_timeout, body_incomplete, head_timeout, too_many_requests, connection_limit, unauthorized, tls).",
        labels: ["reason"], source: .exporter, emittedBy: e)

    /// Only with `serve --webhook-listen`.
    public static let webhookAdmissions = MetricFamily(
        "sedna_webhook_admissions_total", .counter,
        help: "Pod admissions the mutating webhook answered, by outcome (mutated, already_mutated, relay_not_ready, ...).",
        labels: ["outcome"], source: .exporter, emittedBy: w)

    // MARK: intake (served by `serve` when the intake is enabled)

    public static let intakeReports = MetricFamily(
        "sedna_intake_reports_total", .counter,
        help: "Worker reports received, by the task kind they were tied to and outcome.",
        labels: ["kind", "outcome"], source: .exporter, emittedBy: i)
    public static let intakePushes = MetricFamily(
        "sedna_intake_pushes_total", .counter, help: "Pushgateway-style requests, by method and result.",
        labels: ["method", "result"], source: .exporter, emittedBy: i)
    public static let intakeRelayReports = MetricFamily(
        "sedna_intake_relay_reports_total", .counter,
        help: "Reports delivered by edge relays: accepted, or duplicate (already accepted, dropped).",
        labels: ["relay", "result"], source: .exporter, emittedBy: i)
    /// Every answer of an intake endpoint, rejections (401, 4xx, 5xx) included, so that a
    /// worker or relay being turned away is visible without reading logs.
    public static let intakeResponses = MetricFamily(
        "sedna_intake_responses_total", .counter,
        help: "Intake responses, by endpoint (report, relay, push, delete) and HTTP status code.",
        labels: ["endpoint", "code"], source: .exporter, emittedBy: i)
    /// Only on a sharded exporter with peers (`--shard-peers`, `--shard-peer-template`): reports,
    /// relay batches and pushes handed to the shard that owns their task (docs/architecture.md,
    /// "Intake"). `delivered`: the owner answered (its own status, counted there under
    /// sedna_intake_responses_total); `failed`: it could not be reached or answered 5xx, and the
    /// sender got 503 so that it sends again.
    public static let intakeForwarded = MetricFamily(
        "sedna_intake_forwarded_total", .counter,
        help: "Intake requests handed to the shard that owns their task, by endpoint (report, relay, push, delete) and result (delivered, failed).",
        labels: ["endpoint", "result"], source: .exporter, emittedBy: i)
    public static let intakeGroups = MetricFamily(
        "sedna_intake_groups", .gauge, help: "Pushed groups held.",
        labels: [], source: .exporter, emittedBy: i)
    public static let intakeWorkers = MetricFamily(
        "sedna_intake_workers", .gauge, help: "Workers whose newest report is held.",
        labels: [], source: .exporter, emittedBy: i)
    public static let intakeHeldReports = MetricFamily(
        "sedna_intake_held_reports", .gauge, help: "Reports waiting for their pod or task to be watched.",
        labels: [], source: .exporter, emittedBy: i)

    // MARK: edge relay (served by `relay` on its own /metrics)

    public static let relayQueueDepth = MetricFamily(
        "sedna_relay_queue_depth", .gauge, help: "Reports waiting for the central exporter.",
        labels: [], source: .exporter, emittedBy: r)
    public static let relayQueueBytes = MetricFamily(
        "sedna_relay_queue_bytes", .gauge, help: "Bytes of the waiting reports.",
        unit: "bytes", labels: [], source: .exporter, emittedBy: r)
    public static let relayOldestQueuedAge = MetricFamily(
        "sedna_relay_oldest_queued_age_seconds", .gauge, help: "Age of the oldest waiting report.",
        unit: "seconds", labels: [], source: .exporter, emittedBy: r)
    public static let relayDelivered = MetricFamily(
        "sedna_relay_delivered_total", .counter,
        help: "Reports the central exporter acknowledged (since the relay started).",
        labels: [], source: .exporter, emittedBy: r)
    public static let relayDropped = MetricFamily(
        "sedna_relay_dropped_total", .counter, help: "Reports dropped because the spool reached its size bound.",
        labels: [], source: .exporter, emittedBy: r)
    public static let relayDeliveryFailures = MetricFamily(
        "sedna_relay_delivery_failures_total", .counter, help: "Failed deliveries to the central exporter.",
        labels: [], source: .exporter, emittedBy: r)
    public static let relayLCUnreachable = MetricFamily(
        "sedna_relay_lc_unreachable_total", .counter,
        help: "Worker reports the LocalController did not answer (the worker got 502; the copy was still kept).",
        labels: [], source: .exporter, emittedBy: r)

    public static let relayHTTPRejected = MetricFamily(
        "sedna_relay_http_rejected_total", .counter,
        help: "HTTP requests and connections the relay refused or closed as hostile (same reasons as sedna_exporter_http_rejected_total).",
        labels: ["reason"], source: .exporter, emittedBy: r)

    public static let exporterFamilies = [
        buildInfo, listRequests, listItems, watchRequests, watchEvents, lastSync, objects, resourceAvailable, resourceSynced,
        translateErrors, renderDuration, scrapes, scrapeDuration, scrapeBodiesCoalesced, gzipSegments, gzipDeflatedBytes, ready,
        shardOrdinal, totalShards, httpRejected,
    ]
    public static let intakeFamilies = [
        intakeReports, intakePushes, intakeRelayReports, intakeResponses, intakeForwarded, intakeGroups, intakeWorkers,
        intakeHeldReports,
    ]
    public static let relayFamilies = [
        relayQueueDepth, relayQueueBytes, relayOldestQueuedAge, relayDelivered, relayDropped, relayDeliveryFailures,
        relayLCUnreachable, relayHTTPRejected,
    ]
    public static let webhookFamilies = [webhookAdmissions]

    /// Every self-metric family, in the order of docs/metrics.md.
    public static let families = exporterFamilies + intakeFamilies + relayFamilies + webhookFamilies
}
