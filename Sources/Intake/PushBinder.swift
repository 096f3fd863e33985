import Exposition
import SednaCatalog

/// Decides which task or pod a pushed group belongs to, from its grouping key: `namespace` and
/// `pod` name a worker pod (and through its labels, the task); `namespace` and `task` (with
/// `kind`, or any kind that has a task of that name) name a task. Anything else is unbound.
public enum PushBinder {
    /// What a pushed group is bound to, and the labels that binding adds to its series.
    public struct Bound: Sendable {
        public let binding: IntakeStore.Binding
        /// `kind` and `task` of the bound task, added to every series of the group; empty when unbound.
        public let taskLabels: [(String, String)]

        public init(_ binding: IntakeStore.Binding, taskLabels: [(String, String)]) {
            self.binding = binding
            self.taskLabels = taskLabels
        }

        public static let unbound = Bound(IntakeStore.Binding(), taskLabels: [])
    }

    public static func bind(_ key: GroupingKey, pods: [Inventory.WorkerPod],
                            taskExists: (SednaKind, String) -> Bool) -> Bound {
        bind(key, pod: { name in pods.first { $0.pod == name } }, taskExists: taskExists)
    }

    /// `bind` asking for the one worker pod the key names (`WorkerDirectory.workerPod`): a
    /// push no longer copies every worker pod of its namespace (9 % of the exporter's CPU under
    /// churn with a few thousand pods in one namespace, docs/benchmarks.md, session 13).
    public static func bind(_ key: GroupingKey, pod: (String) -> Inventory.WorkerPod?,
                            taskExists: (SednaKind, String) -> Bool) -> Bound {
        guard let ns = key.value("namespace") else { return .unbound }
        if let podName = key.value("pod"), let p = pod(podName) {
            return Bound(IntakeStore.Binding(task: Inventory.Identity(resource: .sedna(p.kind), namespace: ns, name: p.task),
                                             pod: Inventory.Identity(resource: .pods, namespace: ns, name: p.pod)),
                         taskLabels: [("kind", p.kind.rawValue), ("task", p.task)])
        }
        if let task = key.value("task") {
            let kinds: [SednaKind]
            if let k = key.value("kind") {
                kinds = SednaKind.fromLowercased(k).map { [$0] } ?? []
            } else {
                kinds = SednaKind.allCases.filter { $0.isTask && taskExists($0, task) }
            }
            if kinds.count == 1, let kind = kinds.first, kind.isTask {
                return Bound(IntakeStore.Binding(task: Inventory.Identity(resource: .sedna(kind), namespace: ns, name: task)),
                             taskLabels: [("kind", kind.rawValue), ("task", task)])
            }
        }
        return .unbound
    }
}
