import SednaCatalog
@testable import SimulatedCluster
import Testing

@Suite struct DeterminismTests {
    func steps(seed: UInt64, times: [Double]) -> [SimulationStep] {
        var w = SimulatedWorld(seed: seed, start: WorldHarness.start)
        return times.map { w.advance(to: WorldHarness.start + $0) }
    }

    @Test func sameSeedSameSteps() {
        let times = stride(from: 0.0, through: 180, by: 2.5).map { $0 }
        #expect(steps(seed: 7, times: times) == steps(seed: 7, times: times))
    }

    @Test func differentSeedDifferentSteps() {
        let times = stride(from: 0.0, through: 60, by: 5).map { $0 }
        #expect(steps(seed: 7, times: times) != steps(seed: 8, times: times))
    }

    @Test func firstAdvancePutsEveryInitialObject() {
        var w = SimulatedWorld(seed: 1, start: WorldHarness.start)
        let first = w.advance(to: WorldHarness.start)
        var resources = Set<WatchedResource>()
        for case let .put(r, _) in first.changes { resources.insert(r) }
        #expect(resources.isSuperset(of: [.nodes, .pods, .sedna(.dataset), .sedna(.model), .sedna(.jointInferenceService),
                                          .sedna(.incrementalLearningJob), .sedna(.federatedLearningJob), .sedna(.objectTrackingService)]))
        #expect(w.advance(to: WorldHarness.start).changes.isEmpty)
    }

    @Test func timestampsAreRFC3339FromNow() {
        #expect(Timestamp.format(1_795_952_400) == "2026-11-29T11:40:00Z")
        #expect(Timestamp.format(0) == "1970-01-01T00:00:00Z")
        #expect(Timestamp.format(951_782_400.9) == "2000-02-29T00:00:00Z")
        #expect(Timestamp.sednaWorkerTime(1_795_952_400) == "2026-11-29 11:40:00")
        #expect(Timestamp.parse(Timestamp.format(1_795_952_461)) == 1_795_952_461)
    }

    @Test func speedCompressesTime() {
        let slow = WorldHarness(speed: 1)
        slow.run(until: 60, every: 2)
        let fast = WorldHarness(speed: 2)
        fast.run(until: 30, every: 1)
        let a = slow.value("sedna_task_conditions", "task=\"helmet-detection-demo\"")
        let b = fast.value("sedna_task_conditions", "task=\"helmet-detection-demo\"")
        #expect(a != nil && a == b)
    }
}
