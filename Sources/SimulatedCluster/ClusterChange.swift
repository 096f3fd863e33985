import SednaCatalog

/// One change the simulated control plane makes to the objects the API serves.
///
/// The world (pure) says what changed; the API store gives it a resource version and turns it
/// into watch events. Keeping the two apart lets the lifecycles be tested without any HTTP.
public enum ClusterChange: Sendable, Equatable {
    /// Create or replace the object identified by its `metadata.namespace` and `metadata.name`.
    /// The store sets `metadata.resourceVersion`; the world sets everything else (uid,
    /// creationTimestamp, labels, spec, status).
    case put(WatchedResource, JSON)
    /// Remove the object (nodes and other cluster-scoped objects use namespace "").
    case delete(WatchedResource, namespace: String, name: String)
}

/// What a simulated worker sends, exactly as a real worker would: Sedna reports to its
/// effective `LC_SERVER`, pushes (user instrumentation, not Sedna) to the exporter's intake.
public enum WorkerTelemetry: Sendable, Equatable {
    /// `POST {LC_SERVER}/sedna/workers/{worker}/info` with Sedna's `MessageContent` JSON
    /// (`pkg/localcontroller/worker/worker.go`, `lib/sedna/core/base.py` `report_task_info`),
    /// sent where the worker's effective `LC_SERVER` leads (`route`).
    case report(worker: String, body: JSON, route: ReportRoute)
    /// `PUT /metrics/job/{job}/namespace/{namespace}/pod/{pod}` with a text-format body, as
    /// prometheus_client's `push_to_gateway` sends it.
    case push(job: String, namespace: String, pod: String, exposition: String)
    /// `DELETE /metrics/job/{job}/namespace/{namespace}/pod/{pod}`.
    case deletePush(job: String, namespace: String, pod: String)
}

/// Everything one `advance` produced, in the order it happened.
public struct SimulationStep: Sendable, Equatable {
    public var changes: [ClusterChange] = []
    public var telemetry: [WorkerTelemetry] = []
    public init(changes: [ClusterChange] = [], telemetry: [WorkerTelemetry] = []) {
        self.changes = changes
        self.telemetry = telemetry
    }
}
