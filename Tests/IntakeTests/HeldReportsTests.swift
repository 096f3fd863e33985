import Exposition
import Intake
import SednaCatalog
import Testing

/// Resolution that loses no report: ownerKind "default" tied by ownerName, reports held until
/// their pod or task appears (bounded, every drop counted), replicas kept apart by peer IP.
@Suite struct HeldReportsTests {
    func report(_ name: String, kind: String = "default", owner: String = "fl", info: String = "{}") -> WorkerReport {
        try! WorkerReport.decode(Array(
            #"{"name":"\#(name)","namespace":"default","ownerKind":"\#(kind)","ownerName":"\#(owner)","kind":"inference","status":"running","ownerInfo":\#(info)}"#.utf8))
    }

    func counts(_ store: IntakeStore) -> String {
        var out: [UInt8] = []
        store.writeSelfMetrics(into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    func exposition(_ store: IntakeStore) -> String {
        var out: [UInt8] = []
        MetricsStore().write(format: .text004, extra: store.workerRenderings(), into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    @Test func defaultOwnerKindWithNoPodIsTiedToTheOneTaskOfThatName() {
        // Sedna's FL train worker: ownerKind "default" (lib/sedna/core/base.py), pod not watched.
        let one = TaskResolver.resolve(report("trainworker-x"), pods: [], taskExists: { _, _ in false },
                                       taskKinds: { $0 == "fl" ? [.federatedLearningJob] : [] })
        #expect(one == .init(kind: .federatedLearningJob, task: "fl", pod: nil, outcome: "by_owner_name"))
        // Two tasks of different kinds with that name: ambiguous, not tied.
        let two = TaskResolver.resolve(report("trainworker-x"), pods: [], taskExists: { _, _ in false },
                                       taskKinds: { _ in [.federatedLearningJob, .incrementalLearningJob] })
        #expect(two == nil)
        // A task kind in ownerKind whose task is not watched is not re-guessed by name.
        let named = TaskResolver.resolve(report("w", kind: "incrementallearningjob"), pods: [], taskExists: { _, _ in false },
                                         taskKinds: { _ in [.federatedLearningJob] })
        #expect(named == nil)
    }

    @Test func replicasSharingAWorkerNameAreKeptApartByPeerIP() throws {
        let pods = [
            Inventory.WorkerPod(namespace: "default", pod: "ji-edge-a", workerName: "edgeworker", kind: .jointInferenceService,
                                task: "ji", podIP: "10.0.0.1"),
            Inventory.WorkerPod(namespace: "default", pod: "ji-edge-b", workerName: "edgeworker", kind: .jointInferenceService,
                                task: "ji", podIP: "10.0.0.2", miningMode: nil),
        ]
        let r = report("edgeworker", kind: "jointinferenceservice", owner: "sedna")
        let a = TaskResolver.resolve(r, peer: "10.0.0.1", pods: pods, taskExists: { _, _ in false })
        #expect(a == .init(kind: .jointInferenceService, task: "ji", pod: "ji-edge-a", outcome: "by_pod_ip"))
        let b = TaskResolver.resolve(r, peer: "10.0.0.2", pods: pods, taskExists: { _, _ in false })
        #expect(b?.pod == "ji-edge-b")
        // A peer that singles out no pod (a NAT, the node's relay without "peer"): as before.
        let other = TaskResolver.resolve(r, peer: "192.168.1.9", pods: pods, taskExists: { _, _ in false })
        #expect(other == .init(kind: .jointInferenceService, task: "ji", pod: nil, outcome: "by_worker_env"))

        // Each replica's totals are their own series: no replica overwrites another.
        let store = IntakeStore()
        let ra = report("edgeworker", kind: "jointinferenceservice", owner: "sedna", info: #"{"inferenceNumber":120,"hardExampleNumber":20}"#)
        let rb = report("edgeworker", kind: "jointinferenceservice", owner: "sedna", info: #"{"inferenceNumber":11,"hardExampleNumber":1}"#)
        try store.report(ra, kind: .jointInferenceService, task: "ji", pod: a?.pod, now: 1)
        try store.report(rb, kind: .jointInferenceService, task: "ji", pod: b?.pod, now: 2)
        let t = exposition(store)
        #expect(t.contains(#"sedna_joint_inference_worker_inferences_total{namespace="default",kind="JointInferenceService",task="ji",worker="edgeworker",pod="ji-edge-a"} 100"#))
        #expect(t.contains(#"sedna_joint_inference_worker_inferences_total{namespace="default",kind="JointInferenceService",task="ji",worker="edgeworker",pod="ji-edge-b"} 10"#))
        #expect(store.workerCount == 2)
    }

    @Test func aHeldReportIsTiedWhenItsTaskAppears() {
        let store = IntakeStore()
        store.hold(report("trainworker-x"), peer: nil, now: 10)
        #expect(store.heldCount == 1)
        // Nothing watched yet: still held.
        #expect(store.retryHeld(now: 11) { _ in nil } == 0)
        #expect(store.heldCount == 1)
        // The job appears.
        let tied = store.retryHeld(now: 12) { e in
            TaskResolver.resolve(e.report, peer: e.peer, pods: [], taskExists: { _, _ in false }, taskKinds: { _ in [.federatedLearningJob] })
        }
        #expect(tied == 1 && store.heldCount == 0 && store.workerCount == 1)
        let c = counts(store)
        #expect(c.contains(#"sedna_intake_reports_total{kind="unknown",outcome="held"} 1"#))
        #expect(c.contains(#"sedna_intake_reports_total{kind="FederatedLearningJob",outcome="held_then_tied"} 1"#))
        #expect(c.contains("sedna_intake_held_reports 0"))
        #expect(exposition(store).contains(#"sedna_worker_last_report_timestamp_seconds{namespace="default",kind="FederatedLearningJob",task="fl",worker="trainworker-x",pod=""} 12"#))
    }

    @Test func expiredAndOverflowingReportsAreCountedNotLost() {
        let store = IntakeStore(hold: HeldReports(maxCount: 2, maxAge: 60))
        store.hold(report("a"), peer: nil, now: 0)
        store.hold(report("b"), peer: nil, now: 1)
        store.hold(report("c"), peer: nil, now: 2)   // pushes out "a"
        #expect(store.heldCount == 2)
        store.hold(report("c"), peer: nil, now: 3)   // a newer report of the same worker replaces the held one
        #expect(store.heldCount == 2)
        store.expireHeld(now: 62)                    // "b" (held at 1) is past 60 s; "c" (3) is not
        #expect(store.heldCount == 1)
        let c = counts(store)
        #expect(c.contains(#"sedna_intake_reports_total{kind="unknown",outcome="held"} 4"#))
        #expect(c.contains(#"sedna_intake_reports_total{kind="unknown",outcome="held_overflow"} 1"#))
        #expect(c.contains(#"sedna_intake_reports_total{kind="unknown",outcome="held_superseded"} 1"#))
        #expect(c.contains(#"sedna_intake_reports_total{kind="unknown",outcome="held_expired"} 1"#))
        #expect(c.contains("sedna_intake_held_reports 1"))
    }

    @Test func holdingNothingDropsAtOnce() {
        var h = HeldReports(maxCount: 0, maxAge: 60)
        let (_, overflow) = h.hold(.init(report: report("a"), peer: nil, since: 0))
        #expect(overflow.count == 1 && h.entries.isEmpty)
    }
}

/// What Sedna's JointInference counters mean in each MINING_MODE
/// (lib/sedna/core/joint_inference/joint_inference.py, LCReporter in lib/sedna/service/client.py).
@Suite struct JointInferenceCountsTests {
    @Test func inferenceThenMiningCountsEachHardExampleTwice() throws {
        // 100 inputs, 20 hard: 100 edge inferences + 20 cloud calls -> inferenceNumber 120, hard 20.
        let c = try #require(JointInferenceCounts(["inferenceNumber": 120, "hardExampleNumber": 20], miningMode: nil))
        #expect(c == JointInferenceCounts(["inferenceNumber": 120, "hardExampleNumber": 20], miningMode: "inference-then-mining"))
        #expect(c.inputs == 100 && c.edge == 100 && c.hardExamples == 20)
    }

    @Test func miningThenInferenceSendsHardExamplesToTheCloudOnly() throws {
        // 100 inputs, 20 hard: 80 edge + 20 cloud -> inferenceNumber 100, hard 20.
        let c = try #require(JointInferenceCounts(["inferenceNumber": 100, "hardExampleNumber": 20], miningMode: "mining-then-inference"))
        #expect(c.inputs == 100 && c.edge == 80 && c.hardExamples == 20)
    }

    @Test func inconsistentOrMissingCountersGiveNothing() {
        #expect(JointInferenceCounts(["inferenceNumber": 5, "hardExampleNumber": 6], miningMode: nil) == nil)
        #expect(JointInferenceCounts(["currentRound": 3], miningMode: nil) == nil)
    }
}
