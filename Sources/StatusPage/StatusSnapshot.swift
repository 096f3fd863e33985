import Exposition

/// Everything the exporter's status page shows, as plain values: built quickly from the
/// exporter's state (ExporterCore/StatusSnapshot.swift) and rendered afterwards, outside every
/// lock, by `ExporterStatusPage`.
public struct StatusSnapshot: Sendable {
    public struct Label: Sendable, Equatable {
        public let name: String
        public let value: String
        public init(_ name: String, _ value: String) { self.name = name; self.value = value }
    }

    /// One reflector: listed, watching, failing (with its last error) or not served.
    public struct Watch: Sendable, Equatable {
        public let resource: String
        public let available: Bool
        public let synced: Bool
        public let consecutiveFailures: Int
        public let lastError: String?
        public let lastSync: Double?
        public init(resource: String, available: Bool, synced: Bool, consecutiveFailures: Int = 0, lastError: String? = nil,
                    lastSync: Double? = nil) {
            self.resource = resource
            self.available = available
            self.synced = synced
            self.consecutiveFailures = consecutiveFailures
            self.lastError = lastError
            self.lastSync = lastSync
        }
    }

    /// The newest report of a worker, tied to its task (and pod, when one was singled out).
    public struct Report: Sendable, Equatable {
        public let namespace: String
        public let worker: String
        public let kind: String
        public let task: String
        public let pod: String?
        public let phase: String
        public let status: String
        public let time: Double
        public init(namespace: String, worker: String, kind: String, task: String, pod: String?, phase: String, status: String,
                    time: Double) {
            self.namespace = namespace
            self.worker = worker
            self.kind = kind
            self.task = task
            self.pod = pod
            self.phase = phase
            self.status = status
            self.time = time
        }
    }

    /// A report not tied to a task yet: no watched pod or task matches it (docs/architecture.md,
    /// "How a worker report finds its task").
    public struct HeldReport: Sendable, Equatable {
        public let namespace: String
        public let worker: String
        public let ownerKind: String
        public let ownerName: String
        public let peer: String?
        public let since: Double
        public init(namespace: String, worker: String, ownerKind: String, ownerName: String, peer: String?, since: Double) {
            self.namespace = namespace
            self.worker = worker
            self.ownerKind = ownerKind
            self.ownerName = ownerName
            self.peer = peer
            self.since = since
        }
    }

    /// A Pushgateway-style group, as Pushgateway's own page lists them.
    public struct PushedGroup: Sendable, Equatable {
        public let labels: [Label]
        public let series: Int
        public let pushTime: Double
        public let kind: String?
        public let task: String?
        public let pod: String?
        public init(labels: [Label], series: Int, pushTime: Double, kind: String? = nil, task: String? = nil, pod: String? = nil) {
            self.labels = labels
            self.series = series
            self.pushTime = pushTime
            self.kind = kind
            self.task = task
            self.pod = pod
        }
    }

    /// A counter of the intake, with its labels (as /metrics has it).
    public struct Counter: Sendable, Equatable {
        public let name: String
        public let labels: [Label]
        public let value: Double
        public init(name: String, labels: [Label], value: Double) {
            self.name = name
            self.labels = labels
            self.value = value
        }
    }

    public var now: Double
    public var version: String = ""
    public var ready: Bool = false
    public var readinessReasons: [String] = []
    public var watches: [Watch] = []
    public var tasks: [TaskSummary] = []
    public var workers: [WorkerPodSummary] = []
    /// nil: the intake is off (`--disable-intake`).
    public var intake: Intake?

    public struct Intake: Sendable, Equatable {
        public var reports: [Report] = []
        public var held: [HeldReport] = []
        public var groups: [PushedGroup] = []
        public var counters: [Counter] = []
        public init(reports: [Report] = [], held: [HeldReport] = [], groups: [PushedGroup] = [], counters: [Counter] = []) {
            self.reports = reports
            self.held = held
            self.groups = groups
            self.counters = counters
        }
    }

    public init(now: Double) { self.now = now }
}

/// Which tasks and pods get a red (or amber) mark.
public enum Health: Sendable, Equatable {
    case ok
    /// In a running state for longer than `stuckAfter` without a new condition.
    case stuck
    case failed

    /// The alert SednaTaskStageStuck's threshold (Sources/ObservabilityArtifacts/SednaRules.swift):
    /// an incremental or lifelong learning stage Ready, Starting or Running for three hours.
    public static let stuckAfter: Double = 3 * 3600

    /// Failed: the current condition or the phase is Failed (alert SednaTaskFailed). Stuck: a
    /// staged task in Ready, Starting or Running for `stuckAfter`.
    public static func of(_ t: TaskSummary, now: Double) -> Health {
        if t.condition == "Failed" || t.phase == "Failed" { return .failed }
        if t.stage != nil, ["Ready", "Starting", "Running"].contains(t.condition), let since = t.conditionSince,
           now - since > stuckAfter { return .stuck }
        return .ok
    }

    /// A failed pod, or a container the kubelet keeps restarting or cannot start.
    public static func of(_ p: WorkerPodSummary) -> Health {
        if p.phase == "Failed" { return .failed }
        let bad = ["CrashLoopBackOff", "ImagePullBackOff", "ErrImagePull", "CreateContainerConfigError", "CreateContainerError",
                   "InvalidImageName", "RunContainerError"]
        return p.waitingReasons.contains(where: bad.contains) ? .failed : .ok
    }
}
