import Exposition
import SednaCatalog

/// What the intake needs to know about the watched cluster to tie a report or a pushed group to
/// its task and pod: the worker pods of a namespace (with the labels the GM puts on them,
/// docs/sedna-data-model.md, "Pod labels") and which tasks exist. The exporter's `Inventory`
/// answers from its watch; tests may answer from a fixed list.
public protocol WorkerDirectory: Sendable {
    func workerPods(namespace: String) -> [Inventory.WorkerPod]
    func hasTask(_ kind: SednaKind, namespace: String, name: String) -> Bool
    /// The kinds of the watched tasks of that name in the namespace.
    func taskKinds(namespace: String, name: String) -> [SednaKind]
    /// The UID of the watched task of this kind and name (known on every shard: the owner shard
    /// of a report or push is computed from it, docs/architecture.md "Intake").
    func taskUID(_ kind: SednaKind, namespace: String, name: String) -> String?
}

extension WorkerDirectory {
    /// The UID of a watched task, which decides its shard (`ObjectFilter`). A directory that does
    /// not know UIDs answers nil, and the intake then handles every report where it arrives.
    public func taskUID(_ kind: SednaKind, namespace: String, name: String) -> String? { nil }
}

extension Inventory: WorkerDirectory {}
