import Synchronization

/// Which shard this exporter is and how many there are. A task belongs to shard
/// `FNV1a.hash(taskUID) % total` (see `ObjectFilter`); nodes and Sedna's own components to shard 0.
public struct ShardAssignment: Sendable, Equatable, Hashable, CustomStringConvertible {
    public let shard: Int
    public let total: Int

    public init(shard: Int, total: Int) {
        self.shard = shard
        self.total = total
    }

    public var description: String { "\(shard)/\(total)" }
}

/// The current assignment, shared by everything that depends on it: the object filter, the
/// intake's forwarding to the owner shard (read on every request) and the shard self-metrics.
/// Fixed with `--shard/--total-shards`; with `--auto-sharding` it follows the StatefulSet's
/// replica count (`AutoShardingWatcher`). Observers run after the lock is released, in the
/// order they were added, only when the value actually changed.
public final class ShardAssignmentBox: Sendable {
    private struct State {
        var current: ShardAssignment
        var observers: [@Sendable (ShardAssignment) -> Void] = []
    }

    private let state: Mutex<State>

    public init(shard: Int, total: Int) {
        state = Mutex(State(current: ShardAssignment(shard: shard, total: total)))
    }

    public var current: ShardAssignment { state.withLock { $0.current } }

    public func set(_ assignment: ShardAssignment) {
        let observers = state.withLock { s -> [@Sendable (ShardAssignment) -> Void] in
            guard s.current != assignment else { return [] }
            s.current = assignment
            return s.observers
        }
        for o in observers { o(assignment) }
    }

    /// Called with every new assignment (not with the current one).
    public func onChange(_ observer: @escaping @Sendable (ShardAssignment) -> Void) {
        state.withLock { $0.observers.append(observer) }
    }
}
