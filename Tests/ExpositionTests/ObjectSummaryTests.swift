import Exposition
import SednaCatalog
import Testing
import TestSupport

/// The task and worker summaries the status page lists follow the objects, as /metrics does.
@Suite struct ObjectSummaryTests {
    @Test func tasksAndWorkersAreSummarisedAndForgotten() {
        let inv = Inventory()
        let il = Fixtures.object("incrementallearningjobs", named: "helmet-detection-demo")
        inv.upsert(.sedna(.incrementalLearningJob), il)
        for node in Fixtures.cluster("nodes") { inv.upsert(.nodes, node) }
        for pod in Fixtures.cluster("pods") { inv.upsert(.pods, pod) }
        let (tasks, workers) = inv.summaries()
        let t = tasks.values.first { $0.name == "helmet-detection-demo" }
        #expect(t?.kind == .incrementalLearningJob)
        #expect(t?.condition == "Waiting")
        #expect(t?.stage == "Train")
        #expect(t?.conditionSince != nil)
        // Sedna's own components (gm, lc, kb) are no workers.
        #expect(!workers.values.contains { $0.pod.hasPrefix("gm-") })
        let train = workers.values.first { $0.pod == "helmet-detection-demo-train-9xk2p" }
        #expect(train?.task == "helmet-detection-demo")
        #expect(train?.node.isEmpty == false)
        inv.delete(.sedna(.incrementalLearningJob), il)
        #expect(inv.summaries().tasks.isEmpty)
    }

    @Test func anUnknownConditionReadsUnknown() {
        let inv = Inventory()
        inv.upsert(.sedna(.incrementalLearningJob), Fixtures.object("incrementallearningjobs", named: "il-malformed"))
        #expect(inv.summaries().tasks.values.first?.condition == "Unknown")
    }
}
