/// Worker pods the inventory saw deleted, remembered for a while by namespace and name.
///
/// A push can name a pod that is already gone: a worker's last push racing its pod's deletion,
/// a relay replaying its spool after an outage, telemetry queued behind a slow link. Such a push
/// cannot be bound (the pod is not watched any more) and, unbound, it would be kept for ever as a
/// Pushgateway keeps groups, one more for every such race: the soak at `--tasks 50` gained about
/// 26 such groups a minute. Remembering which pods went lets the intake keep that group visible
/// for a grace period (Prometheus scrapes the last values) and then drop it
/// (docs/architecture.md, "How a worker report finds its task").
///
/// Bounded twice: an entry is forgotten after `memory` seconds, and at `capacity` entries the
/// oldest half goes.
struct DepartedPods: Sendable {
    private(set) var removedAt: [String: Double] = [:]
    let memory: Double
    let capacity: Int

    init(memory: Double = 3_600, capacity: Int = 100_000) {
        self.memory = memory
        self.capacity = max(2, capacity)
    }

    static func key(namespace: String, pod: String) -> String { namespace + "/" + pod }

    mutating func add(namespace: String, pod: String, now: Double) {
        if removedAt.count >= capacity {
            let times = removedAt.values.sorted()
            let cut = times[times.count / 2]
            removedAt = removedAt.filter { $0.value > cut }
        }
        removedAt[Self.key(namespace: namespace, pod: pod)] = now
    }

    func contains(namespace: String, pod: String) -> Bool {
        removedAt[Self.key(namespace: namespace, pod: pod)] != nil
    }

    mutating func forget(now: Double) {
        guard !removedAt.isEmpty else { return }
        removedAt = removedAt.filter { now - $0.value <= memory }
    }

    var count: Int { removedAt.count }
}
