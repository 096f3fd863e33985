import Exposition
import SednaCatalog
import Synchronization
import Testing
import TestSupport

/// Shards keep the whole context and index, and render only what they own: together they
/// export exactly what one unsharded exporter exports.
@Suite struct InventoryShardTests {
    func samples(_ inv: Inventory) -> [String] {
        var out: [UInt8] = []
        inv.store.write(format: .text004, into: &out)
        return String(decoding: out, as: UTF8.self).split(separator: "\n").filter { !$0.hasPrefix("#") }.map(String.init)
    }

    /// Pods before nodes and jobs before datasets, so the joined facts arrive late and the
    /// dependants are rendered again.
    func feed(_ inv: Inventory) {
        let all = Fixtures.allCluster()
        let order = ["pods", "federatedlearningjobs"]
        for r in order { inv.replaceAll(WatchedResource(plural: r)!, all.filter { $0.0 == r }.map(\.1)) }
        for (r, o) in all where !order.contains(r) { inv.upsert(WatchedResource(plural: r)!, o) }
    }

    @Test func shardsPartitionTheUnshardedSeriesWithFullContext() throws {
        let whole = Inventory()
        let shards = [Inventory(filter: ObjectFilter(shard: 0, totalShards: 2)), Inventory(filter: ObjectFilter(shard: 1, totalShards: 2))]
        feed(whole)
        shards.forEach(feed)
        let expected = samples(whole)
        let parts = shards.map(samples)
        #expect(!parts[0].isEmpty && !parts[1].isEmpty)
        #expect(Set(parts[0]).isDisjoint(with: parts[1]), "no series on both shards")
        #expect((parts[0] + parts[1]).sorted() == expected.sorted(), "the union is the unsharded set exactly")
        // Worker pods on shard 1 know their node although only shard 0 exports nodes.
        let unknown = expected.filter { $0.contains("location=\"unknown\"") }.count
        #expect(parts.map { $0.filter { $0.contains("location=\"unknown\"") }.count }.reduce(0, +) == unknown)
        #expect(shards[1].store.count(.nodes) == 0)
        let workerLines = parts[1].filter { $0.hasPrefix("sedna_worker_info") && !$0.contains("location=\"unknown\"") }
        #expect(!workerLines.isEmpty, "shard 1 has worker pods in the fixtures")
        // FL per-node sample counts, on whichever shard owns the job.
        let flSamples = expected.filter { $0.hasPrefix("sedna_federated_learning_node_samples") }
        #expect(!flSamples.isEmpty)
        let owner = ObjectFilter.shard(ofTaskUID: "uid-fl-sdd", totalShards: 2)
        #expect(parts[owner].filter { $0.hasPrefix("sedna_federated_learning_node_samples") } == flSamples)
    }

    @Test func everyShardResolvesEveryTaskAndWorker() throws {
        let shards = (0..<3).map { Inventory(filter: ObjectFilter(shard: $0, totalShards: 3)) }
        shards.forEach(feed)
        let uid = try #require(shards[0].taskUID(.federatedLearningJob, namespace: "default", name: "surface-defect-detection"))
        #expect(uid == "uid-fl-sdd")
        for inv in shards {
            #expect(inv.taskUID(.federatedLearningJob, namespace: "default", name: "surface-defect-detection") == uid)
            #expect(inv.workerPods(namespace: "default").contains { $0.pod == "surface-defect-detection-train-t1x9z" })
            #expect(inv.taskUID(.incrementalLearningJob, namespace: "default", name: "surface-defect-detection") == nil)
        }
        let filters = (0..<3).map { ObjectFilter(shard: $0, totalShards: 3) }
        #expect(filters.filter { $0.owns(taskUID: uid) }.count == 1)
        #expect(ObjectFilter().owns(taskUID: uid))
    }

    @Test func observersRunAfterTheLockIsReleased() {
        let inv = Inventory()
        let seen = Mutex<(added: Int, removed: [String])>((0, []))
        // Both call back into the inventory: under its lock that would deadlock.
        inv.onAddition { seen.withLock { $0.added += 1 }; _ = inv.workerPods(namespace: "default") }
        inv.onRemoval { id in _ = inv.hasTask(.federatedLearningJob, namespace: id.namespace, name: id.name); seen.withLock { $0.removed.append(id.name) } }
        let pod = Fixtures.object("pods", named: "surface-defect-detection-train-t1x9z")
        inv.upsert(.pods, pod)
        inv.replaceAll(.pods, [])
        #expect(seen.withLock { $0.added } == 1)
        #expect(seen.withLock { $0.removed } == ["surface-defect-detection-train-t1x9z"])
        #expect(inv.workerPods(namespace: "default").isEmpty)
    }

    @Test func relistsLargerThanAChunk() {
        let inv = Inventory()
        func dataset(_ i: Int) -> KubeObject {
            Fixtures.json(#"{"metadata":{"name":"d\#(i)","namespace":"ns","uid":"u\#(i)"},"status":{"numberOfSamples":\#(i)}}"#)
        }
        inv.replaceAll(.sedna(.dataset), (0..<1000).map(dataset))
        #expect(inv.store.count(.sedna(.dataset)) == 1000)
        inv.replaceAll(.sedna(.dataset), (500..<1100).map(dataset))
        #expect(inv.store.count(.sedna(.dataset)) == 600)
        #expect(samples(inv).contains("sedna_dataset_samples{namespace=\"ns\",dataset=\"d1099\"} 1099"))
        #expect(!samples(inv).contains { $0.contains("dataset=\"d499\"") })
    }
}
