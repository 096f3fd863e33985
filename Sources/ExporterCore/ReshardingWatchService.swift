import Exposition
import KubeWatch
import Logging
import SednaCatalog
import ServiceLifecycle

/// The reflectors under a shard assignment that may change (`serve --auto-sharding`). The
/// watch supervisor only starts once the first assignment is known; on every later one it is
/// stopped (every reflector awaited), the inventory's filter is replaced, every resource is
/// marked unsynced (so /readyz answers 503 and `sedna_exporter_ready` is 0) and the supervisor
/// starts again: each resource is listed afresh and `replaceAll` drops the series this shard no
/// longer owns and renders the ones it now does.
struct ReshardingWatchService: Service {
    let supervisor: WatchSupervisor
    let client: KubeClient
    let inventory: Inventory
    let stats: WatchStats
    let namespaces: Set<String>
    let logger: Logger
    /// The first assignment, then every change (a newer one replaces one not yet taken).
    let assignments: AsyncStream<ShardAssignment>
    /// Runs alongside (the StatefulSet watcher), cancelled with the service.
    let companion: (@Sendable () async -> Void)?

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                if let companion { group.addTask { await companion() } }
                group.addTask { await reshardLoop() }
                await group.next()
                group.cancelAll()
            }
        }
        await client.shutdown()
    }

    private func reshardLoop() async {
        var running: Task<Void, Never>? = nil
        var first = true
        for await a in assignments {
            if let t = running {
                t.cancel()
                await t.value
                logger.info("re-sharding: relisting every resource", metadata: ["shard": "\(a.shard)", "total": "\(a.total)"])
            }
            inventory.setFilter(ObjectFilter(namespaces: namespaces, shard: a.shard, totalShards: a.total))
            if !first {
                for r in supervisor.resources { stats.update(r) { $0.synced = false } }
            }
            first = false
            let supervisor = self.supervisor
            running = Task { await supervisor.run() }
        }
        running?.cancel()
        await running?.value
    }
}
