import ExporterCore
import Exposition
import SednaCatalog
import ServerSupport
import Synchronization
import Testing

/// `serve --auto-sharding`: the pod name and the StatefulSet's replica count give the shard, the
/// way kube-state-metrics derives it; the box tells its observers about changes only.
@Suite struct AutoShardingTests {
    @Test func podNamesSplitAtTheLastDash() throws {
        #expect(try AutoSharding.parsePodName("sedna-exporter-0") == .init(statefulSet: "sedna-exporter", ordinal: 0))
        #expect(try AutoSharding.parsePodName("sedna-exporter-12") == .init(statefulSet: "sedna-exporter", ordinal: 12))
        #expect(try AutoSharding.parsePodName("x-999999") == .init(statefulSet: "x", ordinal: 999_999))
    }

    @Test func podNamesThatNoStatefulSetGivesAreRefused() {
        for bad in ["", "  ", "sedna-exporter", "sedna-exporter-", "-3", "sedna-exporter-7c9d8-abcde", "sedna-exporter-01",
                    "sedna-exporter-+1", "sedna-exporter--1", "sedna-exporter-1000000", "sedna-exporter-٣"] {
            #expect(throws: ConfigurationError.self, "\(bad)") { try AutoSharding.parsePodName(bad) }
        }
        do {
            _ = try AutoSharding.parsePodName("")
        } catch {
            #expect(error.description.contains("--pod-name"))
        }
    }

    @Test func replicasDefaultToOneAndMustBeWhole() throws {
        #expect(AutoSharding.replicas(of: try JSON.decode(Array(#"{"spec":{"replicas":3}}"#.utf8))) == 3)
        #expect(AutoSharding.replicas(of: try JSON.decode(Array(#"{"spec":{}}"#.utf8))) == 1)
        #expect(AutoSharding.replicas(of: try JSON.decode(Array(#"{"spec":{"replicas":0}}"#.utf8))) == 0)
        for bad in [#"{"spec":{"replicas":-1}}"#, #"{"spec":{"replicas":2.5}}"#, #"{"spec":{"replicas":"3"}}"#,
                    #"{"spec":{"replicas":1e12}}"#, #"{"spec":{"replicas":true}}"#] {
            #expect(AutoSharding.replicas(of: try JSON.decode(Array(bad.utf8))) == nil, "\(bad)")
        }
    }

    @Test func theOrdinalIsTheShardWhileBelowTheReplicas() {
        #expect(AutoSharding.assignment(ordinal: 0, replicas: 1) == ShardAssignment(shard: 0, total: 1))
        #expect(AutoSharding.assignment(ordinal: 2, replicas: 3) == ShardAssignment(shard: 2, total: 3))
        #expect(AutoSharding.assignment(ordinal: 3, replicas: 3) == nil)   // being scaled away
        #expect(AutoSharding.assignment(ordinal: 0, replicas: 0) == nil)
    }

    @Test func theBoxTellsObserversAboutChangesOnly() {
        let box = ShardAssignmentBox(shard: 0, total: 1)
        let seen = Mutex<[ShardAssignment]>([])
        box.onChange { a in seen.withLock { $0.append(a) } }
        box.set(ShardAssignment(shard: 0, total: 1))
        box.set(ShardAssignment(shard: 1, total: 3))
        box.set(ShardAssignment(shard: 1, total: 3))
        box.set(ShardAssignment(shard: 1, total: 2))
        #expect(box.current == ShardAssignment(shard: 1, total: 2))
        #expect(seen.withLock { $0 } == [ShardAssignment(shard: 1, total: 3), ShardAssignment(shard: 1, total: 2)])
    }

    @Test func autoShardingSettingsAreChecked() {
        var c = ExporterConfiguration()
        c.autoSharding = AutoShardingConfiguration(podName: "sedna-exporter-1", namespace: "sedna-observability")
        #expect(c.problems().isEmpty)
        c.autoSharding = AutoShardingConfiguration(podName: "sedna-exporter", namespace: "")
        let p = c.problems()
        #expect(p.count == 2)
        #expect(p.contains { $0.contains("<statefulset>-<ordinal>") })
        #expect(p.contains { $0.contains("--pod-namespace") })
    }

    /// Re-sharding: a new filter plus a relist (`replaceAll`) keeps exactly what the new shard
    /// owns, so shards 0 and 1 of 2 together hold what one shard held.
    @Test func aNewFilterAndARelistKeepExactlyTheNewShardsTasks() throws {
        let tasks = try (0..<40).map { i in
            KubeObject(try JSON.decode(Array("""
                {"apiVersion":"sedna.io/v1alpha1","kind":"JointInferenceService",
                 "metadata":{"name":"ji-\(i)","namespace":"default","uid":"uid-\(i)"},"spec":{},"status":{}}
                """.utf8)))
        }
        let inventory = Inventory(filter: ObjectFilter())
        inventory.replaceAll(.sedna(.jointInferenceService), tasks)
        let all = Set(inventory.summaries().tasks.keys)
        #expect(all.count == 40)
        var union = Set<String>()
        for shard in 0..<2 {
            inventory.setFilter(ObjectFilter(shard: shard, totalShards: 2))
            inventory.replaceAll(.sedna(.jointInferenceService), tasks)
            let owned = Set(inventory.summaries().tasks.keys)
            #expect(!owned.isEmpty && owned.count < 40)
            #expect(union.isDisjoint(with: owned))
            union.formUnion(owned)
        }
        #expect(union == all)
        inventory.setFilter(ObjectFilter())
        inventory.replaceAll(.sedna(.jointInferenceService), tasks)
        #expect(Set(inventory.summaries().tasks.keys) == all)
    }
}
