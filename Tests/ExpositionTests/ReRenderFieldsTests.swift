@testable import Exposition
import SednaCatalog
import Testing
import TestSupport

/// What the inventory keeps of a pod or federated job renders exactly as the whole object does:
/// every fixture pod, and each with the bulk a real API server adds (managedFields, volumes,
/// images, env, status details) that the kept form drops.
@Suite struct ReRenderFieldsTests {
    static let context = TranslationContext(nodeLocations: ["edge1": .edge, "cloud1": .cloud], datasetSamples: [:])

    func bytes(_ set: MetricSet) -> [[UInt8]] { RenderedObject(set).slices.map { Array($0.bytes) } }

    /// A fixture pod with what a real one carries on top: the kept form must not keep any of it.
    static func bulky(_ pod: KubeObject) -> KubeObject {
        guard case .object(var top) = pod.json, case .object(var meta) = top["metadata"] ?? .null else { return pod }
        meta["managedFields"] = .array([.object(["manager": "kubelet", "fieldsV1": .object(["f:status": .object([:])])])])
        meta["annotations"] = .object(["kubectl.kubernetes.io/last-applied-configuration": "{\"big\":true}"])
        top["metadata"] = .object(meta)
        var spec = top["spec"]?.object ?? [:]
        spec["volumes"] = .array([.object(["name": "model", "hostPath": .object(["path": "/models"])])])
        var containers = spec["containers"]?.array ?? [.object(["name": "worker"])]
        containers = containers.map { c in
            var c = c.object ?? [:]
            c["image"] = "kubeedge/sedna-example:v0.6.0"
            c["env"] = .array((c["env"]?.array ?? []) + [.object(["name": "MODEL_URL", "value": "s3://bucket/m.pb"]),
                                                        .object(["name": "MINING_MODE", "value": "1"])])
            return .object(c)
        }
        spec["containers"] = .array(containers)
        top["spec"] = .object(spec)
        var status = top["status"]?.object ?? [:]
        status["hostIP"] = "10.0.0.9"
        status["qosClass"] = "BestEffort"
        status["conditions"] = .array((status["conditions"]?.array ?? []) + [
            .object(["type": "PodScheduled", "status": "True", "lastTransitionTime": "2026-11-30T10:00:00Z"])])
        status["containerStatuses"] = .array((status["containerStatuses"]?.array ?? []).map { c in
            var c = c.object ?? [:]
            c["imageID"] = "docker-pullable://kubeedge/sedna-example@sha256:0123"
            c["lastState"] = .object(["terminated": .object(["exitCode": 1, "reason": "Error"])])
            return .object(c)
        })
        top["status"] = .object(status)
        return KubeObject(.object(top))
    }

    @Test func keptPodsRenderAsTheWholePod() {
        let pods = Fixtures.cluster("pods")
        #expect(pods.count >= 10)
        for pod in pods + pods.map(Self.bulky) {
            let kept = ReRenderFields.pod(pod)
            #expect(bytes(PodTranslator.translate(kept, context: Self.context)) == bytes(PodTranslator.translate(pod, context: Self.context)),
                    "\(pod.name)")
            #expect(PodRole.classify(kept) == PodRole.classify(pod))
            #expect(kept.key == pod.key && kept.namespace == pod.namespace && kept.name == pod.name)
            #expect(kept.spec["nodeName"] == pod.spec["nodeName"] && kept.status["podIP"] == pod.status["podIP"])
            #expect(ReRenderFields.pod(kept) == kept, "keeping is idempotent")
        }
    }

    /// A pod with none of what an API server adds (an emulator's) is kept as it is: nothing to drop.
    @Test func leanPodsAreKeptAsTheyAre() {
        for pod in Fixtures.cluster("pods") where pod.metadata["managedFields"].isNull && pod.status["hostIP"].isNull {
            #expect(ReRenderFields.pod(pod) == pod)
        }
    }

    @Test func keptPodsDropWhatNoTranslatorReads() {
        let pod = Self.bulky(Fixtures.object("pods", named: "surface-defect-detection-train-t1x9z"))
        let kept = ReRenderFields.pod(pod)
        let text = String(decoding: JSONWriter.compact.bytes(kept.json), as: UTF8.self)
        for gone in ["managedFields", "last-applied", "volumes", "image", "MODEL_URL", "hostIP", "qosClass", "PodScheduled", "lastState"] {
            #expect(!text.contains(gone), "\(gone)")
        }
        #expect(text.contains("MINING_MODE"))
        #expect(JSONWriter.compact.bytes(kept.json).count * 2 < JSONWriter.compact.bytes(pod.json).count)
    }

    /// The inventory renders a pod again from what it kept when its node arrives: the same bytes
    /// as a pod seen after its node.
    @Test func aReRenderFromTheKeptFormEqualsAFreshRender() {
        for pod in Fixtures.cluster("pods").map(Self.bulky) {
            let a = Inventory(), b = Inventory()
            a.upsert(.pods, pod)
            for n in Fixtures.cluster("nodes") { a.upsert(.nodes, n); b.upsert(.nodes, n) }
            b.upsert(.pods, pod)
            var x: [UInt8] = [], y: [UInt8] = []
            a.store.write(format: .text004, into: &x)
            b.store.write(format: .text004, into: &y)
            #expect(x == y, "\(pod.name)")
        }
    }

    @Test func federatedJobsLoseOnlyManagedFieldsAndLastApplied() {
        for job in Fixtures.cluster("federatedlearningjobs") {
            guard case .object(var top) = job.json, case .object(var meta) = top["metadata"] ?? .null else { continue }
            meta["managedFields"] = .array([.object(["manager": "kubectl"])])
            meta["annotations"] = .object(["kubectl.kubernetes.io/last-applied-configuration": "{}", "keep": "me"])
            top["metadata"] = .object(meta)
            let bulky = KubeObject(.object(top))
            let kept = ReRenderFields.federatedJob(bulky)
            #expect(kept.metadata["managedFields"].isNull)
            #expect(kept.metadata["annotations"]["keep"].string == "me")
            #expect(kept.spec == job.spec && kept.status == job.status)
            #expect(ReRenderFields.federatedJob(job) == job)
        }
    }
}
