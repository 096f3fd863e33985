import Exposition
import SednaCatalog

/// Ties a worker report to its task. The worker itself is the evidence first (a watched pod
/// whose WORKER_NAME env or name matches, carrying the GM's `<kind>.sedna.io/*` labels); the
/// body's ownerKind/ownerName come last, because Sedna fills them wrongly for joint inference
/// ("sedna") and federated learning ("default": `lib/sedna/core/base.py` sets
/// `job_kind = "default"` and the FL train worker keeps it, `lib/sedna/core/federated_learning`).
public enum TaskResolver {
    public struct Resolution: Sendable, Equatable {
        public let kind: SednaKind
        public let task: String
        public let pod: String?
        /// How it was resolved: by_pod_ip, by_worker_env, by_pod_name, by_owner, by_owner_name.
        public let outcome: String
        /// The pod's MINING_MODE env, when the report was tied to pods that set it.
        public let miningMode: String?

        public init(kind: SednaKind, task: String, pod: String?, outcome: String, miningMode: String? = nil) {
            self.kind = kind
            self.task = task
            self.pod = pod
            self.outcome = outcome
            self.miningMode = miningMode
        }
    }

    /// - Parameters:
    ///   - peer: the IP address the report came from (the request's remote address, or the
    ///     `peer` a relay recorded); it singles out one of several pods sharing a WORKER_NAME
    ///     (HPA-scaled JI edge replicas of one Deployment, `pkg/globalmanager/runtime/worker.go`).
    ///   - taskExists: whether a task of this kind and name is watched in the report's namespace.
    ///   - taskKinds: the kinds of the watched tasks of that name in the report's namespace.
    public static func resolve(_ r: WorkerReport, peer: String? = nil, pods: [Inventory.WorkerPod],
                               taskExists: (SednaKind, String) -> Bool,
                               taskKinds: (String) -> [SednaKind] = { _ in [] }) -> Resolution? {
        let byEnv = pods.filter { $0.workerName == r.name }
        if let peer, !peer.isEmpty {
            let byIP = byEnv.filter { $0.podIP == peer }
            if byIP.count == 1, let p = byIP.first {
                return Resolution(kind: p.kind, task: p.task, pod: p.pod, outcome: "by_pod_ip", miningMode: p.miningMode)
            }
        }
        // All replicas of a Deployment share one WORKER_NAME; they belong to the same task.
        if let p = byEnv.first, byEnv.allSatisfy({ $0.kind == p.kind && $0.task == p.task }) {
            let mode = byEnv.allSatisfy({ $0.miningMode == p.miningMode }) ? p.miningMode : nil
            return Resolution(kind: p.kind, task: p.task, pod: byEnv.count == 1 ? p.pod : nil, outcome: "by_worker_env", miningMode: mode)
        }
        if let p = pods.first(where: { $0.pod == r.name }) {
            return Resolution(kind: p.kind, task: p.task, pod: p.pod, outcome: "by_pod_name", miningMode: p.miningMode)
        }
        let ownerKind = SednaKind.fromLowercased(r.ownerKind)
        if let kind = ownerKind, kind.isTask, !r.ownerName.isEmpty, taskExists(kind, r.ownerName) {
            return Resolution(kind: kind, task: r.ownerName, pod: nil, outcome: "by_owner")
        }
        // An ownerKind that names no task kind ("default" from the FL train worker): the task is
        // the one named ownerName in the namespace, if exactly one task of any kind has that name.
        if ownerKind?.isTask != true, !r.ownerName.isEmpty {
            let kinds = taskKinds(r.ownerName)
            if kinds.count == 1, let kind = kinds.first {
                return Resolution(kind: kind, task: r.ownerName, pod: nil, outcome: "by_owner_name")
            }
        }
        return nil
    }
}
