import Exposition
@testable import Intake
import SednaCatalog
import Testing

@Suite struct IntakeStoreTests {
    let key = try! GroupingKey.parse(["job", "w", "namespace", "ns", "task", "t"], limits: IntakeLimits())
    let task = Inventory.Identity(resource: .sedna(.incrementalLearningJob), namespace: "ns", name: "t")

    func families(_ s: String) -> [TextParser.Family] { try! TextParser.parse(Array(s.utf8)) }

    func text(_ store: IntakeStore) -> String {
        var out: [UInt8] = []
        store.expire(now: 100)
        store.writePushes(into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// A group's lines are what `TextFormat.appendSample` writes for the sample's own labels
    /// followed by the extra labels it does not have (escapes, no labels, special values too).
    @Test func pushedLinesAreTheTextFormatsSampleLines() throws {
        let body = "# TYPE a gauge\na 1\na{x=\"q\\\"\\\\\\n\",namespace=\"own\"} 2.5\na{y=\"\"} NaN\na{z=\"é\"} -Inf\n"
        let family = try #require(try TextParser.parse(Array(body.utf8)).first)
        let extra = [("namespace", "ns"), ("pod", "p-0"), ("task", "t")]
        var expected: [UInt8] = []
        for s in family.samples {
            var names = s.labels.map(\.0), values = s.labels.map(\.1)
            for e in extra where !names.contains(e.0) {
                names.append(e.0)
                values.append(e.1)
            }
            TextFormat.appendSample(name: s.name, labels: names, values: values, value: s.value, to: &expected)
        }
        #expect(IntakeStore.Group.render(family, extraLabels: extra) == expected)
        #expect(String(decoding: expected, as: UTF8.self).contains("a{namespace=\"ns\",pod=\"p-0\",task=\"t\"} 1\n"))
    }

    @Test func putReplacesPostMergesDeleteRemoves() throws {
        let store = IntakeStore()
        let b = IntakeStore.Binding(task: task)
        try store.push(.put, key: key, families: families("a 1\nb 2\n"), binding: b, taskLabels: [("kind", "IncrementalLearningJob")], now: 1)
        try store.push(.post, key: key, families: families("b 3\n"), binding: b, taskLabels: [], now: 2)
        var t = text(store)
        #expect(t.contains("a{job=\"w\",namespace=\"ns\",task=\"t\"} 1"))
        #expect(t.contains("b{job=\"w\",namespace=\"ns\",task=\"t\"} 3"))
        #expect(t.contains("push_time_seconds{job=\"w\",namespace=\"ns\",task=\"t\"} 2"))
        try store.push(.put, key: key, families: families("c 4\n"), binding: b, taskLabels: [], now: 3)
        t = text(store)
        #expect(!t.contains("a{") && !t.contains("b{") && t.contains("c{"))
        try store.push(.delete, key: key, families: [], binding: b, taskLabels: [], now: 4)
        #expect(text(store) == "")
    }

    @Test func rejectedPushChangesNothing() throws {
        var limits = IntakeLimits()
        limits.maxSeriesPerGroup = 2
        let store = IntakeStore(limits: limits)
        try store.push(.put, key: key, families: families("a 1\n"), binding: .init(), taskLabels: [], now: 1)
        let before = text(store)
        #expect(throws: IntakeError.self) {
            try store.push(.post, key: key, families: families("b 1\nc 1\n"), binding: .init(), taskLabels: [], now: 2)
        }
        #expect(text(store) == before)
    }

    @Test func groupsBoundToATaskOrPodGoWithIt() throws {
        let store = IntakeStore()
        let pod = Inventory.Identity(resource: .pods, namespace: "ns", name: "p")
        let other = try GroupingKey.parse(["job", "w", "namespace", "ns", "pod", "p"], limits: IntakeLimits())
        try store.push(.put, key: key, families: families("a 1\n"), binding: .init(task: task), taskLabels: [], now: 1)
        try store.push(.put, key: other, families: families("a 1\n"), binding: .init(task: task, pod: pod), taskLabels: [], now: 1)
        #expect(store.groupCount == 2)
        store.removed(pod, now: 1)
        #expect(store.groupCount == 1)
        store.removed(task, now: 1)
        #expect(store.groupCount == 0)
    }

    @Test func unboundGroupsExpireWhenConfigured() throws {
        let store = IntakeStore(unboundExpiry: 50)
        try store.push(.put, key: key, families: families("a 1\n"), binding: .init(), taskLabels: [], now: 10)
        #expect(text(store).isEmpty, "rendered at now=100, 90 s after the push")
        #expect(store.groupCount == 0)
    }

    /// A push naming a pod that was already deleted (a worker's last push racing its deletion,
    /// a relay replaying its spool) stays visible for the grace, then goes; a push naming a pod
    /// never seen (not Sedna's) stays, as in the Pushgateway.
    @Test func aPushForADepartedPodGoesAfterItsGrace() throws {
        let store = IntakeStore(departedGrace: 30)
        let gone = Inventory.Identity(resource: .pods, namespace: "ns", name: "p-old")
        let late = try GroupingKey.parse(["job", "w", "namespace", "ns", "pod", "p-old"], limits: IntakeLimits())
        let stranger = try GroupingKey.parse(["job", "w", "namespace", "ns", "pod", "not-sedna"], limits: IntakeLimits())
        store.removed(gone, now: 10)
        try store.push(.put, key: late, families: families("late_metric 1\n"), binding: .init(), taskLabels: [], now: 20)
        try store.push(.put, key: stranger, families: families("stranger_metric 1\n"), binding: .init(), taskLabels: [], now: 20)
        store.expire(now: 45)
        #expect(store.groupCount == 2, "within the grace: both visible")
        store.expire(now: 51)
        #expect(store.groupCount == 1)
        let t = text(store)
        #expect(t.contains("stranger_metric") && !t.contains("late_metric"))
        // Forgotten after its memory: a push naming it then is kept like any unbound group.
        let short = IntakeStore(departedGrace: 30, departedMemory: 60)
        short.removed(gone, now: 10)
        short.expire(now: 80)
        try short.push(.put, key: late, families: families("late_metric 1\n"), binding: .init(), taskLabels: [], now: 81)
        short.expire(now: 200)
        #expect(short.groupCount == 1)
    }

    @Test func departedPodsAreBounded() {
        var d = DepartedPods(memory: 100, capacity: 10)
        for i in 0..<25 { d.add(namespace: "ns", pod: "p\(i)", now: Double(i)) }
        #expect(d.count <= 10)
        #expect(d.contains(namespace: "ns", pod: "p24") && !d.contains(namespace: "ns", pod: "p0"))
        d.forget(now: 200)
        #expect(d.count == 0)
    }

    @Test func reportsAreKeptPerWorkerAndDroppedWithTheTask() throws {
        let store = IntakeStore()
        let r = try WorkerReport.decode(Array(#"""
        {"name":"w1","namespace":"ns","ownerName":"t","ownerKind":"incrementallearningjob","kind":"eval","status":"completed",
         "results":[{"metrics":{"precision":[0.8,0.9]}},{"metrics":{"precision":[0.7,0.7]}}]}
        """#.utf8))
        try store.report(r, kind: .incrementalLearningJob, task: "t", pod: nil, now: 5)
        try store.report(r, kind: .incrementalLearningJob, task: "t", pod: nil, now: 6)
        #expect(store.workerCount == 1)
        var out: [UInt8] = []
        MetricsStore().write(format: .text004, extra: store.workerRenderings(), into: &out)
        let t = String(decoding: out, as: UTF8.self)
        #expect(t.contains(#"sedna_worker_reported_metric{namespace="ns",kind="IncrementalLearningJob",task="t",worker="w1",pod="",phase="eval",model_role="deployed",metric="precision"} 0.7"#))
        #expect(t.contains(#"sedna_worker_last_report_timestamp_seconds{namespace="ns",kind="IncrementalLearningJob",task="t",worker="w1",pod=""} 6"#))
        store.removed(task, now: 1)
        #expect(store.workerCount == 0)
    }
}

@Suite struct ResolutionTests {
    let pods = [
        Inventory.WorkerPod(namespace: "default", pod: "ji-deployment-edge-abc", workerName: "edgeworker-ab1cd", kind: .jointInferenceService, task: "ji"),
        Inventory.WorkerPod(namespace: "default", pod: "ji-deployment-edge-def", workerName: "edgeworker-ab1cd", kind: .jointInferenceService, task: "ji"),
        Inventory.WorkerPod(namespace: "default", pod: "fl-train-x1", workerName: "trainworker-zz", kind: .federatedLearningJob, task: "fl"),
    ]

    func report(_ name: String, kind: String, owner: String) -> WorkerReport {
        try! WorkerReport.decode(Array(#"{"name":"\#(name)","namespace":"default","ownerKind":"\#(kind)","ownerName":"\#(owner)"}"#.utf8))
    }

    @Test func workerEvidenceBeatsTheBody() {
        // Sedna's JI worker says ownerName "sedna"; two replicas share WORKER_NAME.
        let ji = TaskResolver.resolve(report("edgeworker-ab1cd", kind: "jointinferenceservice", owner: "sedna"), pods: pods) { _, _ in false }
        #expect(ji == .init(kind: .jointInferenceService, task: "ji", pod: nil, outcome: "by_worker_env"))
        // Sedna's FL worker says ownerKind "default".
        let fl = TaskResolver.resolve(report("fl-train-x1", kind: "default", owner: "sedna"), pods: pods) { _, _ in false }
        #expect(fl == .init(kind: .federatedLearningJob, task: "fl", pod: "fl-train-x1", outcome: "by_pod_name"))
        let il = TaskResolver.resolve(report("eval-worker-1", kind: "incrementallearningjob", owner: "il"), pods: pods) { k, n in
            k == .incrementalLearningJob && n == "il"
        }
        #expect(il?.outcome == "by_owner")
        #expect(TaskResolver.resolve(report("x", kind: "default", owner: "sedna"), pods: pods) { _, _ in true } == nil)
        #expect(TaskResolver.resolve(report("x", kind: "dataset", owner: "d"), pods: pods) { _, _ in true } == nil)
    }

    @Test func pushBinding() throws {
        let byPod = try GroupingKey.parse(["job", "w", "namespace", "default", "pod", "fl-train-x1"], limits: IntakeLimits())
        let bound = PushBinder.bind(byPod, pods: pods) { _, _ in false }
        #expect(bound.binding.pod?.name == "fl-train-x1" && bound.binding.task?.name == "fl")
        #expect(bound.taskLabels.map(\.0) == ["kind", "task"])
        let byTask = try GroupingKey.parse(["job", "w", "namespace", "default", "task", "il"], limits: IntakeLimits())
        let b2 = PushBinder.bind(byTask, pods: pods) { k, n in k == .incrementalLearningJob && n == "il" }.binding
        #expect(b2.task == Inventory.Identity(resource: .sedna(.incrementalLearningJob), namespace: "default", name: "il"))
        let nothing = try GroupingKey.parse(["job", "w"], limits: IntakeLimits())
        #expect(PushBinder.bind(nothing, pods: pods) { _, _ in true }.binding == IntakeStore.Binding())
    }
}
