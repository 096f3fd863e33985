import Exposition
import Intake
import SednaCatalog
import Testing

/// A fixed cluster for the service: worker pods and tasks, no watch.
struct FixedDirectory: WorkerDirectory {
    var pods: [Inventory.WorkerPod] = []
    var tasks: [(SednaKind, String)] = []

    func workerPods(namespace: String) -> [Inventory.WorkerPod] { pods.filter { $0.namespace == namespace } }
    func hasTask(_ kind: SednaKind, namespace: String, name: String) -> Bool {
        namespace == "ns" && tasks.contains { $0.0 == kind && $0.1 == name }
    }
    func taskKinds(namespace: String, name: String) -> [SednaKind] {
        namespace == "ns" ? tasks.filter { $0.1 == name }.map(\.0) : []
    }
}

/// The intake's logic without HTTP: resolving, holding, relay acknowledgement, pushes bound to
/// pods, and the scrape it contributes to.
@Suite struct IntakeServiceTests {
    static let edgePod = Inventory.WorkerPod(namespace: "ns", pod: "ji-edge-0", workerName: "edge", kind: .jointInferenceService,
                                             task: "ji", podIP: "10.0.0.1")
    let directory = FixedDirectory(pods: [Self.edgePod], tasks: [(.jointInferenceService, "ji"), (.incrementalLearningJob, "il")])

    func report(_ name: String, ownerKind: String = "jointinferenceservice", ownerName: String = "sedna") -> [UInt8] {
        Array(#"{"name":"\#(name)","namespace":"ns","ownerName":"\#(ownerName)","ownerKind":"\#(ownerKind)","ownerInfo":{"inferenceNumber":7,"hardExampleNumber":2}}"#.utf8)
    }

    func make(holding: Bool = true) -> IntakeService {
        let store = IntakeStore(hold: holding ? HeldReports() : HeldReports(maxCount: 0, maxAge: 0))
        return IntakeService(store: store, directory: directory)
    }

    func text(_ s: IntakeService, _ format: ExpositionFormat = .text004) -> String {
        String(decoding: s.scrape(objects: MetricsStore()).render(format: format), as: UTF8.self)
    }

    @Test func aReportIsTiedToItsPodAndStored() throws {
        let s = make()
        let answer = try s.report(worker: "edge", peer: nil, contentType: "application/json", body: report("edge"), now: 1)
        guard case let .accepted(r, .stored(res)) = answer else { Issue.record("not stored: \(answer)"); return }
        #expect(r.name == "edge" && res.task == "ji" && res.pod == "ji-edge-0" && res.outcome == "by_worker_env")
        let t = text(s)
        #expect(t.contains(#"sedna_joint_inference_worker_hard_examples_total{namespace="ns",kind="JointInferenceService",task="ji",worker="edge",pod="ji-edge-0"} 2"#))
        #expect(t.contains(#"sedna_intake_reports_total{kind="JointInferenceService",outcome="by_worker_env"} 1"#))
    }

    @Test func aReportNamingAnotherWorkerOrInTheWrongTypeIsRefused() throws {
        let s = make()
        #expect(try s.report(worker: "other", peer: nil, contentType: nil, body: report("edge"), now: 1)
            == .workerNameMismatch("worker name in the body (edge) differs from the path"))
        #expect(throws: IntakeError(415, "content type must be application/json, got text/plain")) {
            try s.report(worker: "edge", peer: nil, contentType: "text/plain", body: report("edge"), now: 1)
        }
        #expect(throws: IntakeError.self) { try s.report(worker: "edge", peer: nil, contentType: nil, body: Array("{".utf8), now: 1) }
        #expect(s.store.workerCount == 0)
        // The content type is matched ignoring case, anywhere in it.
        for ct in ["Application/JSON; charset=utf-8", "application/vnd.sedna+json", "JSON"] {
            #expect(throws: Never.self) { try s.report(worker: "edge", peer: nil, contentType: ct, body: report("edge"), now: 1) }
        }
        for ct in ["", "jso", "application/js on", "text/plain; j=son"] {
            #expect(throws: IntakeError.self) { try s.report(worker: "edge", peer: nil, contentType: ct, body: report("edge"), now: 1) }
        }
    }

    @Test func anUntiedReportIsHeldOrCountedUnresolved() throws {
        let held = make(holding: true)
        #expect(try held.ingest(WorkerReport.decode(report("ghost", ownerName: "nope")), peer: nil, now: 1) == .held)
        #expect(held.store.heldCount == 1)
        let dropped = make(holding: false)
        #expect(try dropped.ingest(WorkerReport.decode(report("ghost", ownerName: "nope")), peer: nil, now: 1) == .unresolved)
        #expect(dropped.store.heldCount == 0)
        #expect(text(dropped).contains(#"sedna_intake_reports_total{kind="JointInferenceService",outcome="unresolved"} 1"#))
    }

    @Test func aRelayIsAcknowledgedUpToItsHighestSequenceAndDuplicatesAreDropped() throws {
        let s = make()
        func batch(_ entries: String) -> [UInt8] { Array(#"{"reports":[\#(entries)]}"#.utf8) }
        let one = #"{"seq":1,"worker":"edge","peer":"10.0.0.1","body":\#(String(decoding: report("edge"), as: UTF8.self))}"#
        // seq 2 is unusable (its body names another worker), seq 3 cannot be tied yet: both are
        // acknowledged, so the relay does not resend them forever.
        let two = #"{"seq":2,"worker":"edge","body":\#(String(decoding: report("x"), as: UTF8.self))}"#
        let three = #"{"seq":3,"worker":"ghost","body":\#(String(decoding: report("ghost", ownerName: "nope"), as: UTF8.self))}"#
        #expect(try s.relayBatch(relay: "edge1", body: batch([one, two, three].joined(separator: ",")), now: 1) == 3)
        #expect(try s.relayBatch(relay: "edge1", body: batch(one), now: 2) == 3, "a resent report is a duplicate")
        #expect(s.store.workerCount == 1 && s.store.heldCount == 1)
        let t = text(s)
        #expect(t.contains(#"sedna_intake_relay_reports_total{relay="edge1",result="accepted"} 3"#))
        #expect(t.contains(#"sedna_intake_relay_reports_total{relay="edge1",result="duplicate"} 1"#))
        #expect(t.contains(#"sedna_intake_reports_total{kind="JointInferenceService",outcome="by_pod_ip"} 1"#))
        #expect(t.contains(#"sedna_intake_reports_total{kind="unknown",outcome="relay_rejected"} 1"#))
    }

    @Test func aMalformedRelayBatchIsRefusedWithItsReason() {
        let s = make()
        #expect(throws: IntakeError(400, "relay batch is not valid JSON")) { try s.relayBatch(relay: "r", body: Array("[".utf8), now: 1) }
        #expect(throws: IntakeError(400, "relay batch needs a \"reports\" array")) { try s.relayBatch(relay: "r", body: Array("{}".utf8), now: 1) }
        #expect(throws: IntakeError(400, "each relayed report needs seq, worker and body")) {
            try s.relayBatch(relay: "r", body: Array(#"{"reports":[{"seq":0,"worker":"w","body":"{}"}]}"#.utf8), now: 1)
        }
        #expect(throws: IntakeError(400, "invalid relay name")) { try s.relayBatch(relay: "", body: Array("{}".utf8), now: 1) }
    }

    @Test func theRelayNameIsCheckedBeforeTheBodyIsRead() async {
        let s = make()
        await #expect(throws: IntakeError(400, "invalid relay name")) {
            try await s.relayBatch(relay: String(repeating: "r", count: 254), now: 1) {
                Issue.record("body read for a bad relay name")
                return []
            }
        }
    }

    @Test func aPushForAPodGetsItsTaskLabelsAndGoesWithThePod() throws {
        let s = make()
        let binding = try s.push(.put, path: ["job", "trainer", "namespace", "ns", "pod", "ji-edge-0"], contentType: nil,
                                 body: Array("# TYPE loss gauge\nloss 0.5\n".utf8), now: 10)
        #expect(binding.pod?.name == "ji-edge-0" && binding.task?.name == "ji")
        var t = text(s)
        #expect(t.contains(#"loss{job="trainer",namespace="ns",pod="ji-edge-0",kind="JointInferenceService",task="ji"} 0.5"#))
        #expect(t.contains(#"push_time_seconds{job="trainer",namespace="ns",pod="ji-edge-0",kind="JointInferenceService",task="ji"} 10"#))
        #expect(t.contains(#"sedna_intake_pushes_total{method="put",result="ok"} 1"#))
        s.removed(Inventory.Identity(resource: .pods, namespace: "ns", name: "ji-edge-0"))
        t = text(s)
        #expect(!t.contains("loss{") && !t.contains("push_time_seconds{"))
        #expect(t.contains("sedna_intake_groups 0"))
    }

    /// A push that came before the exporter knew its pod stays unbound, but it still goes when
    /// the pod it names is deleted; groups naming another pod, or no pod, stay.
    @Test func anUnboundPushGoesWithThePodItNames() throws {
        let s = make()
        let early = try s.push(.put, path: ["job", "sedna-worker", "namespace", "ns", "pod", "il-train-abcde"], contentType: nil,
                               body: Array("# TYPE loss gauge\nloss 0.5\n".utf8), now: 10)
        #expect(early.pod == nil && early.task == nil)
        _ = try s.push(.put, path: ["job", "sedna-worker", "namespace", "other", "pod", "il-train-abcde"], contentType: nil,
                       body: Array("# TYPE loss gauge\nloss 0.7\n".utf8), now: 10)
        _ = try s.push(.put, path: ["job", "batch"], contentType: nil, body: Array("# TYPE done gauge\ndone 1\n".utf8), now: 10)
        #expect(text(s).contains("sedna_intake_groups 3"))
        s.removed(Inventory.Identity(resource: .sedna(.incrementalLearningJob), namespace: "ns", name: "il-train-abcde"))
        #expect(text(s).contains("sedna_intake_groups 3"), "only a pod's removal names a pod")
        s.removed(Inventory.Identity(resource: .pods, namespace: "ns", name: "il-train-abcde"))
        let t = text(s)
        #expect(t.contains("sedna_intake_groups 2"))
        #expect(!t.contains(#"loss{job="sedna-worker",namespace="ns""#))
        #expect(t.contains(#"loss{job="sedna-worker",namespace="other",pod="il-train-abcde"} 0.7"#))
        #expect(t.contains(#"done{job="batch"} 1"#))
    }

    @Test func pushesAreRefusedWithTheirReason() async throws {
        let s = make()
        #expect(throws: IntakeError(400, "the path must be /metrics/job/<job>{/<label>/<value>}")) {
            try s.push(.put, path: ["job"], contentType: nil, body: [], now: 1)
        }
        await #expect(throws: IntakeError(415, "protobuf pushes are not supported; send text format 0.0.4")) {
            try await s.push(.put, path: ["job", "j"], contentType: "application/vnd.google.PROTOBUF; proto=io.prometheus.client.MetricFamily",
                             now: 1) {
                Issue.record("body read for a protobuf push")
                return []
            }
        }
        do {
            try s.push(.post, path: ["job", "j"], contentType: nil, body: Array("not a metric line\n".utf8), now: 1)
            Issue.record("bad text accepted")
        } catch {
            #expect(error.status == 400 && error.message.hasPrefix("text format: "))
        }
        #expect(throws: IntakeError.self) {
            try s.push(.put, path: ["job", "j"], contentType: nil, body: Array("sedna_exporter_ready 1\n".utf8), now: 1)
        }
        #expect(text(s).contains(#"sedna_intake_pushes_total{method="put",result="rejected"} 1"#))
        // DELETE reads no body and answers for a group that is not there too.
        try await s.push(.delete, path: ["job", "j"], contentType: "application/vnd.google.protobuf", now: 1) {
            Issue.record("body read for a DELETE")
            return []
        }
    }

    @Test func thePushSectionIsAssembledOncePerChange() throws {
        let s = make()
        try s.push(.put, path: ["job", "b"], contentType: nil, body: Array("x 1\n".utf8), now: 1)
        try s.push(.put, path: ["job", "a"], contentType: nil, body: Array("x 2\ny 3\n".utf8), now: 2)
        var out: [UInt8] = []
        s.store.writePushes(into: &out)
        let first = String(decoding: out, as: UTF8.self)
        #expect(first == """
        # HELP x Pushed by a worker.
        # TYPE x untyped
        x{job="a"} 2
        x{job="b"} 1
        # HELP y Pushed by a worker.
        # TYPE y untyped
        y{job="a"} 3
        # HELP push_time_seconds Last Unix time a group was pushed (PUT or POST).
        # TYPE push_time_seconds gauge
        push_time_seconds{job="a"} 2
        push_time_seconds{job="b"} 1

        """)
        out = []
        s.store.writePushes(into: &out)
        #expect(String(decoding: out, as: UTF8.self) == first)
        try s.push(.post, path: ["job", "b"], contentType: nil, body: Array("x 5\n".utf8), now: 3)
        out = []
        s.store.writePushes(into: &out)
        #expect(String(decoding: out, as: UTF8.self).contains("x{job=\"b\"} 5\n"), "a change is seen by the next scrape")
    }

    @Test func theOpenMetricsScrapeEndsWithEOFAndUsesOpenMetricsHeaders() throws {
        let s = make()
        s.countResponse(endpoint: "report", code: 401)
        let om = text(s, .openMetrics)
        #expect(om.hasSuffix("# EOF\n"))
        #expect(om.contains("# TYPE sedna_intake_responses counter\n"))
        #expect(om.contains(#"sedna_intake_responses_total{endpoint="report",code="401"} 1"#))
        let plain = text(s)
        #expect(!plain.contains("# EOF"))
        #expect(plain.contains("# TYPE sedna_intake_responses_total counter\n"))
    }

    @Test func aHeldReportIsTiedOnRetryOnceItsTaskIsKnown() throws {
        var dir = FixedDirectory()
        let store = IntakeStore()
        let before = IntakeService(store: store, directory: dir)
        try before.ingest(WorkerReport.decode(report("fl-train", ownerKind: "default", ownerName: "fl")), peer: nil, now: 1)
        #expect(before.retryHeld(now: 2) == 0)
        dir.tasks = [(.federatedLearningJob, "fl")]
        let after = IntakeService(store: store, directory: dir)
        #expect(after.retryHeld(now: 3) == 1)
        #expect(store.heldCount == 0 && store.workerCount == 1)
    }
}
