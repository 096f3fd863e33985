import Exposition
import SednaCatalog

/// What the intake needs to know about the watched cluster to tie a report or a pushed group to
/// its task and pod: the worker pods of a namespace (with the labels the GM puts on them,
/// docs/sedna-data-model.md, "Pod labels") and which tasks exist. The exporter's `Inventory`
/// answers from its watch; tests may answer from a fixed list.
public protocol WorkerDirectory: Sendable {
    func workerPods(namespace: String) -> [Inventory.WorkerPod]
    /// The worker pod of that name in the namespace, if watched.
    func workerPod(namespace: String, pod: String) -> Inventory.WorkerPod?
    func hasTask(_ kind: SednaKind, namespace: String, name: String) -> Bool
    /// The kinds of the watched tasks of that name in the namespace.
    func taskKinds(namespace: String, name: String) -> [SednaKind]
    /// The task's UID, known on every shard: `ObjectFilter.owns(taskUID:)` says which shard
    /// renders the task, hence where its reports and pushes belong.
    func taskUID(_ kind: SednaKind, namespace: String, name: String) -> String?
}

extension WorkerDirectory {
    /// For directories that hold a short list (tests): a search of the namespace's pods.
    public func workerPod(namespace: String, pod: String) -> Inventory.WorkerPod? {
        workerPods(namespace: namespace).first { $0.pod == pod }
    }

    /// For directories that know no UIDs (fixed lists in tests): what `KubeObject.key` is for a
    /// task without one.
    public func taskUID(_ kind: SednaKind, namespace: String, name: String) -> String? {
        hasTask(kind, namespace: namespace, name: name) ? "\(namespace)/\(name)" : nil
    }
}

extension Inventory: WorkerDirectory {}
