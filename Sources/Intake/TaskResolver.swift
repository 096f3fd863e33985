import Exposition
import SednaCatalog

/// Ties a worker report to its task. The worker itself is the evidence first (a watched pod
/// whose WORKER_NAME env or name matches, carrying the GM's `<kind>.sedna.io/*` labels); the
/// body's ownerKind/ownerName come last, because Sedna fills them wrongly for joint inference
/// ("sedna") and federated learning ("default") (DATA-MODEL.md 4.1, 5.1).
public enum TaskResolver {
    public struct Resolution: Sendable, Equatable {
        public let kind: SednaKind
        public let task: String
        public let pod: String?
        /// How it was resolved: by_worker_env, by_pod_name, by_owner.
        public let outcome: String

        public init(kind: SednaKind, task: String, pod: String?, outcome: String) {
            self.kind = kind
            self.task = task
            self.pod = pod
            self.outcome = outcome
        }
    }

    public static func resolve(_ r: WorkerReport, pods: [Inventory.WorkerPod],
                               taskExists: (SednaKind, String) -> Bool) -> Resolution? {
        let byEnv = pods.filter { $0.workerName == r.name }
        // All replicas of a Deployment share one WORKER_NAME; they belong to the same task.
        if let p = byEnv.first, byEnv.allSatisfy({ $0.kind == p.kind && $0.task == p.task }) {
            return Resolution(kind: p.kind, task: p.task, pod: byEnv.count == 1 ? p.pod : nil, outcome: "by_worker_env")
        }
        if let p = pods.first(where: { $0.pod == r.name }) {
            return Resolution(kind: p.kind, task: p.task, pod: p.pod, outcome: "by_pod_name")
        }
        if let kind = SednaKind.fromLowercased(r.ownerKind), kind.isTask, !r.ownerName.isEmpty, taskExists(kind, r.ownerName) {
            return Resolution(kind: kind, task: r.ownerName, pod: nil, outcome: "by_owner")
        }
        return nil
    }
}
