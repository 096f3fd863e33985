import AdmissionWebhook
import Foundation
import SednaCatalog
import Testing

@Suite struct AdmissionDecisionTests {
    func presence(ready: [String], edge: [String]) -> RelayPresence {
        var p = RelayPresence()
        p.replaceNodes(edge.map { GMBuiltPods.node($0) } + [GMBuiltPods.node("cloud-1", edge: false)])
        p.replacePods(ready.map { GMBuiltPods.relayPod(node: $0) })
        return p
    }

    /// Runs the review, decodes the patch from the response and applies it to the pod.
    func admit(_ pod: JSON, _ relays: RelayPresence) throws -> (JSON, AdmissionOutcome, JSON) {
        let (status, body, outcome) = AdmissionDecision.handle(body: try JSONEncoder().encode(GMBuiltPods.review(pod)), relays: relays)
        #expect(status == 200)
        let response = try JSON.decode(body)
        #expect(response["apiVersion"].string == "admission.k8s.io/v1")
        #expect(response["kind"].string == "AdmissionReview")
        #expect(response["response"]["uid"].string == "7e3b1c2a-0001")
        #expect(response["response"]["allowed"] == .bool(true))
        guard let b64 = response["response"]["patch"].string else {
            #expect(response["response"]["patchType"].isNull)
            return (pod, outcome, response)
        }
        #expect(response["response"]["patchType"].string == "JSONPatch")
        let patch = try JSON.decode(try #require(Data(base64Encoded: b64)))
        let ops = try (patch.array ?? []).map { o in
            JSONPatchOperation(op: try #require(o["op"].string), path: try #require(o["path"].string), value: o["value"])
        }
        return (try JSONPatch.apply(ops, to: pod), outcome, response)
    }

    func lcServers(_ pod: JSON, container: Int = 0) -> [JSON] {
        (pod["spec"]["containers"][container]["env"].array ?? []).filter { $0["name"].string == "LC_SERVER" }
    }

    @Test func incrementalTrainPodOnAKnownNodeGetsTheNodesRelay() throws {
        let pod = GMBuiltPods.incrementalTrainPod()
        let (patched, outcome, _) = try admit(pod, presence(ready: ["edge-1"], edge: ["edge-1", "edge-2"]))
        #expect(outcome == .mutated)
        let env = patched["spec"]["containers"][0]["env"].array ?? []
        #expect(GMBuiltPods.effectiveValue("LC_SERVER", env: env, hostIP: "192.168.1.7") == "http://192.168.1.7:9480")
        // Exactly one entry pointing at the relay, and it is the effective (last) one.
        #expect(lcServers(patched).filter { $0["value"].string == LocalControllerRewrite.relayURL }.count == 1)
        #expect(lcServers(patched).last?["value"].string == LocalControllerRewrite.relayURL)
        // Every other entry kept, in order: the template's shadowed LC_SERVER too.
        let before = pod["spec"]["containers"][0]["env"].array ?? []
        let names = env.compactMap { $0["name"].string }
        #expect(names.filter { $0 != "SEDNA_RELAY_HOST_IP" } == before.compactMap { $0["name"].string })
        #expect(env.filter { $0["name"].string != "LC_SERVER" && $0["name"].string != "SEDNA_RELAY_HOST_IP" }
                == before.filter { $0["name"].string != "LC_SERVER" })
        // Init containers are not the GM's business: untouched. So is every other field.
        var rest = patched
        var original = pod
        if case .object(var s) = rest["spec"], case .object(var o) = original["spec"] {
            s["containers"] = nil; o["containers"] = nil
            rest = .object(["spec": .object(s), "metadata": patched["metadata"]])
            original = .object(["spec": .object(o), "metadata": pod["metadata"]])
        }
        #expect(rest == original)
        #expect(patched["spec"]["containers"][0]["resources"] == pod["spec"]["containers"][0]["resources"])
    }

    @Test func aSecondAdmissionChangesNothing() throws {
        let relays = presence(ready: ["edge-1"], edge: ["edge-1"])
        let (once, _, _) = try admit(GMBuiltPods.incrementalTrainPod(), relays)
        let (twice, outcome, response) = try admit(once, relays)
        #expect(outcome == .alreadyMutated)
        #expect(twice == once)
        #expect(response["response"]["patch"].isNull)
    }

    @Test func jointInferenceDeploymentPodWithoutNodeNeedsEveryEdgeRelay() throws {
        let pod = GMBuiltPods.jointInferenceEdgePod()
        let (_, notAll, _) = try admit(pod, presence(ready: ["edge-1"], edge: ["edge-1", "edge-2"]))
        #expect(notAll == .relaysNotReadyEverywhere)
        let (patched, outcome, _) = try admit(pod, presence(ready: ["edge-1", "edge-2"], edge: ["edge-1", "edge-2"]))
        #expect(outcome == .mutated)
        for c in 0..<2 {
            let env = patched["spec"]["containers"][c]["env"].array ?? []
            #expect(GMBuiltPods.effectiveValue("LC_SERVER", env: env, hostIP: "10.1.2.3") == "http://10.1.2.3:9480")
            #expect(lcServers(patched, container: c).count == 1)
            // The GM's entries after LC_SERVER stay where they were.
            #expect(env.last?["name"].string == (c == 0 ? "BIG_MODEL_PORT" : "HOSTNAME"))
        }
        let (_, again, _) = try admit(patched, presence(ready: ["edge-1", "edge-2"], edge: ["edge-1", "edge-2"]))
        #expect(again == .alreadyMutated)
    }

    @Test func noEdgeNodesMeansNoMutationForAnUnscheduledPod() throws {
        let (_, outcome, _) = try admit(GMBuiltPods.jointInferenceEdgePod(), presence(ready: [], edge: []))
        #expect(outcome == .relaysNotReadyEverywhere)
    }

    @Test func aNodeWithoutAReadyRelayIsLeftAlone() throws {
        let pod = GMBuiltPods.incrementalTrainPod(node: "edge-2")
        let (patched, outcome, _) = try admit(pod, presence(ready: ["edge-1"], edge: ["edge-1", "edge-2"]))
        #expect(outcome == .relayNotReady)
        #expect(patched == pod)
        var p = presence(ready: ["edge-1"], edge: ["edge-1", "edge-2"])
        p.upsertPod(GMBuiltPods.relayPod(node: "edge-2", ready: false))
        #expect(try admit(pod, p).1 == .relayNotReady)
        p.upsertPod(GMBuiltPods.relayPod(node: "edge-2", ready: true))
        #expect(try admit(pod, p).1 == .mutated)
        p.deletePod(GMBuiltPods.relayPod(node: "edge-2"))
        #expect(try admit(pod, p).1 == .relayNotReady)
    }

    @Test func otherPodsAndOperationsAreAllowedUntouched() throws {
        var labels = GMBuiltPods.incrementalTrainPod()
        if case .object(var o) = labels, case .object(var m) = o["metadata"] {
            m["labels"] = .object(["app": .string("web")]); o["metadata"] = .object(m); labels = .object(o)
        }
        let relays = presence(ready: ["edge-1"], edge: ["edge-1"])
        #expect(try admit(labels, relays).1 == .notWorker)
        let review = GMBuiltPods.review(GMBuiltPods.incrementalTrainPod(), operation: "UPDATE")
        #expect(try AdmissionDecision.review(review, relays: relays).outcome == .notPodCreate)
        let noLC = GMBuiltPods.jointInferenceEdgePod()["spec"]["containers"][1]["env"].array!.filter { $0["name"].string != "LC_SERVER" }
        #expect(LocalControllerRewrite.state(ofEnv: noLC) == .noLocalController)
    }

    @Test func badBodiesGetAClearErrorNotACrash() {
        for body in ["", "[]", "{\"request\":{}}", "not json", "{\"request\":{\"uid\":\"x\",\"object\":7}}"] {
            let (status, data, outcome) = AdmissionDecision.handle(body: Data(body.utf8), relays: RelayPresence())
            if body.contains("uid\":\"x") {
                #expect(status == 200 && outcome == .notPodCreate)
            } else {
                #expect(status == 400 && outcome == .badRequest)
                #expect(String(decoding: data, as: UTF8.self).contains("error"))
            }
        }
    }

    @Test func edgeNodeLabelRemovedOrNodeDeleted() {
        var p = presence(ready: ["edge-1"], edge: ["edge-1"])
        #expect(p.everyEdgeRelayReady)
        p.upsertNode(GMBuiltPods.node("edge-2"))
        #expect(!p.everyEdgeRelayReady)
        p.upsertNode(GMBuiltPods.node("edge-2", edge: false))
        #expect(p.everyEdgeRelayReady)
        p.upsertNode(GMBuiltPods.node("edge-3"))
        p.deleteNode(GMBuiltPods.node("edge-3"))
        #expect(p.everyEdgeRelayReady)
    }
}
