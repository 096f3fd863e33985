import Exposition
import SednaCatalog

/// Which shard handles an intake request: the pure decision behind `ShardForwarding`.
///
/// A task belongs to shard `FNV1a(task UID) % total` (as `ObjectFilter` assigns its series), so
/// its reports and pushes are handed to that shard and every figure shows up once across shards.
/// A request already forwarded by another shard (`X-Sedna-Forwarded-By`) is never forwarded
/// again: a shard that disagrees about the owner (mid re-shard) keeps it rather than loop. A
/// report whose task no shard knows yet is held where it arrives; a push bound to no task
/// belongs to shard 0. The assignment is read on each request, since `--auto-sharding` changes it.
public enum ShardRouting {
    /// What an intake request is about, as far as ownership goes.
    public enum Target: Sendable, Equatable {
        /// A watched task, by UID.
        case task(uid: String)
        /// A report not tied to any watched task (yet).
        case unknown
        /// A pushed group bound to no task or pod.
        case unbound
    }

    public enum Decision: Sendable, Equatable {
        /// This shard owns it: handle it as an unsharded exporter would.
        case handle
        /// No task is known for it: handle it here (the intake holds it).
        case hold
        /// Hand it to `shard` at `url` (its base URL).
        case forward(shard: Int, url: String)
    }

    /// The header a forwarding shard adds (its own shard number).
    public static let forwardedByHeader = "X-Sedna-Forwarded-By"
    /// The worker's address on a forwarded direct report (the owner ties JI replicas by it).
    public static let forwardedPeerHeader = "X-Sedna-Forwarded-Peer"
    /// `ledger` on a relay batch handed whole to the shard that keeps the relay's ledger.
    public static let relayStageHeader = "X-Sedna-Relay-Stage"

    /// The shard owning a task: `ObjectFilter`'s rule itself, so the shard a report is handed to
    /// is always the one that renders its task.
    public static func owner(taskUID: String, total: Int) -> Int {
        ObjectFilter.shard(ofTaskUID: taskUID, totalShards: total)
    }

    /// The shard that keeps a relay's acknowledgement ledger.
    public static func ledgerShard(relay: String, total: Int) -> Int {
        Int(FNV1a.hash(relay) % UInt64(max(1, total)))
    }

    public static func decide(_ target: Target, assignment: ShardAssignment, forwardedBy: String?,
                              peers: ShardPeers?) -> Decision {
        let owner: Int
        switch target {
        case .unknown: return .hold
        case .unbound: owner = 0
        case .task(let uid): owner = Self.owner(taskUID: uid, total: assignment.total)
        }
        return route(to: owner, assignment: assignment, forwardedBy: forwardedBy, peers: peers)
    }

    /// What a relay batch that reached this shard directly (not forwarded) becomes: handed whole
    /// to the relay's ledger shard, or (`.handle`) split here among the owners.
    public static func decideRelay(relay: String, assignment: ShardAssignment, peers: ShardPeers?) -> Decision {
        route(to: ledgerShard(relay: relay, total: assignment.total), assignment: assignment, forwardedBy: nil, peers: peers)
    }

    static func route(to owner: Int, assignment: ShardAssignment, forwardedBy: String?, peers: ShardPeers?) -> Decision {
        guard assignment.total > 1, forwardedBy == nil, owner != assignment.shard,
              let url = peers?.url(shard: owner) else { return .handle }
        return .forward(shard: owner, url: url)
    }
}
