import SednaCatalog
@testable import SimulatedCluster
import Testing

/// `simulate --recreate-learning-jobs-after`: the operator's clean-up that keeps a long run at
/// a steady size. Without it, stage pods pile up as Sedna's IL/LL controllers leave them.
@Suite struct RecreatedJobTests {
    static let job = "helmet-detection-demo"

    func jobPods(_ h: WorldHarness, uid: String) -> [JSON] {
        (h.objects[.pods] ?? [:]).values.filter { p in
            (p["metadata"]["ownerReferences"].array ?? []).contains { $0["uid"].string == uid }
        }
    }

    @Test func withoutALifetimeStagePodsPileUp() {
        let h = WorldHarness()
        h.run(until: 600)
        let uid = h.object(.sedna(.incrementalLearningJob), Self.job)["metadata"]["uid"].string ?? ""
        // Several iterations, each leaving its train and eval pods behind (Sedna as released).
        #expect(jobPods(h, uid: uid).count > 8)
    }

    @Test func aRecreatedJobGetsANewUIDAndItsOldPodsAreCollected() throws {
        let h = WorldHarness(learningJobLifetime: 200)
        h.run(until: 150)
        let first = h.object(.sedna(.incrementalLearningJob), Self.job)["metadata"]["uid"].string ?? ""
        #expect(!first.isEmpty)
        #expect(!jobPods(h, uid: first).isEmpty)
        h.run(until: 260)
        let second = h.object(.sedna(.incrementalLearningJob), Self.job)["metadata"]["uid"].string ?? ""
        #expect(!second.isEmpty && second != first, "the job was applied again as a new object")
        #expect(jobPods(h, uid: first).isEmpty, "the garbage collector took every pod of the deleted job")
        // The API saw a DELETED for the old job before the new one came.
        let deleted = h.steps.flatMap(\.changes).contains { change in
            if case let .delete(resource, _, name) = change { return resource == .sedna(.incrementalLearningJob) && name == Self.job }
            return false
        }
        #expect(deleted)
        // The new incarnation (applied at 200 s, due again at 400 s) starts over at Train/Waiting
        // and iterates again.
        h.run(until: 390)
        let conditions = h.object(.sedna(.incrementalLearningJob), Self.job)["status"]["conditions"].array ?? []
        #expect(conditions.first?["stage"].string == "Train" && conditions.first?["type"].string == "Waiting")
        #expect(!jobPods(h, uid: second).isEmpty)
        // A worker's last push can race its pod's deletion (the group is then kept unbound, as
        // the intake does for any push whose pod it does not know); nothing else is refused.
        #expect(h.rejected.allSatisfy { $0.hasPrefix("unbound push ") }, "\(h.rejected.prefix(5))")
    }

    @Test func theClusterStaysAtASteadySize() {
        let h = WorldHarness(learningJobLifetime: 180)
        h.run(until: 900, every: 2)
        let middle = h.objects[.pods]?.count ?? 0
        h.run(until: 1800, every: 2)
        let end = h.objects[.pods]?.count ?? 0
        let unbounded = WorldHarness()
        unbounded.run(until: 1800, every: 2)
        let grown = unbounded.objects[.pods]?.count ?? 0
        #expect(end <= middle + middle / 4, "pods: \(middle) at 15 min, \(end) at 30 min")
        #expect(grown > end, "without the clean-up: \(grown) pods at 30 min")
    }
}
