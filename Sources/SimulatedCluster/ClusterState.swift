import SednaCatalog

/// What the lifecycles share: the simulated time, the pods (so node health can mark every pod
/// on a node not ready), node readiness, dataset sample counts, and the output of the current
/// `advance`.
///
/// Times inside the simulation are *nominal* seconds since the first advance; wall-clock time
/// is `start + nominal / speed`, which is what every timestamp written into an object uses.
struct ClusterState: Sendable {
    let start: Double
    let speed: Double
    /// Nominal time of the event being handled.
    var time: Double = 0
    var step = SimulationStep()
    var pods: [String: SimPod] = [:]
    var nodeReady: [String: Bool] = [:]
    var datasetSamples: [String: Int] = [:]
    var network = NodeNetwork()
    /// The capture route is installed: worker pods carry the admission webhook's rewritten
    /// `LC_SERVER` (`WorkerEnv`).
    let capture: Bool

    init(start: Double, speed: Double, capture: Bool) {
        self.start = start
        self.speed = speed
        self.capture = capture
    }

    func wall(_ nominal: Double) -> Double { start + nominal / speed }
    var wallNow: Double { wall(time) }
    /// RFC 3339 "now", as the API server and the GM write it.
    var timestamp: String { Timestamp.format(wallNow) }
    /// `%Y-%m-%d %H:%M:%S` "now", as Sedna's Python workers write it.
    var localTime: String { Timestamp.sednaWorkerTime(wallNow) }
    /// Nominal seconds for a wall-clock duration a worker reports (remaining time).
    func wallSeconds(_ nominal: Double) -> Double { nominal / speed }

    func isReady(_ node: String) -> Bool { nodeReady[node] ?? true }

    mutating func put(_ resource: WatchedResource, _ object: JSON) {
        step.changes.append(.put(resource, object))
    }

    mutating func delete(_ resource: WatchedResource, namespace: String, name: String) {
        step.changes.append(.delete(resource, namespace: namespace, name: name))
    }

    mutating func send(_ t: WorkerTelemetry) { step.telemetry.append(t) }

    /// A worker's report to its effective `LC_SERVER`: the route follows from the pod's env
    /// and network (`ReportRoute.of`). Returns the route, so that the caller can apply what
    /// the GM does with a report that reaches the LC.
    @discardableResult
    mutating func report(from podKey: String, worker: String, body: JSON) -> ReportRoute {
        let route = pods[podKey].map { ReportRoute.of(env: $0.container["env"].array ?? [], hostNetwork: $0.hostNetwork) } ?? .lost
        send(.report(worker: worker, body: body, route: route))
        return route
    }

    // MARK: pods

    mutating func putPod(_ pod: SimPod) {
        var p = pod
        p.nodeReady = isReady(p.node)
        pods[p.key] = p
        put(.pods, p.json)
    }

    /// Changes a pod and writes it; nothing when it is gone.
    /// `change` gets the pod and the current timestamp.
    mutating func updatePod(_ key: String, _ change: (inout SimPod, String) -> Void) {
        guard var p = pods[key] else { return }
        change(&p, timestamp)
        putPod(p)
    }

    mutating func deletePod(_ key: String) {
        guard let p = pods.removeValue(forKey: key) else { return }
        delete(.pods, namespace: p.namespace, name: p.name)
    }
}

/// One independently scheduled part of the world (a task, the nodes, the datasets...).
///
/// `begin` writes the objects that exist before the first advance; `fire` handles the event
/// due at `nextEvent` (nominal seconds) and schedules the next one (`.infinity` for none).
protocol Lifecycle: Sendable {
    var nextEvent: Double { get }
    mutating func begin(_ c: inout ClusterState)
    mutating func fire(_ c: inout ClusterState)
}
