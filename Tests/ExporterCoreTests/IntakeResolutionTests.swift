@testable import ExporterCore
import Exposition
import Foundation
import Hummingbird
import HummingbirdTesting
import Intake
import Logging
import NIOCore
import SednaCatalog
import Testing
import Synchronization
import TestSupport

/// The intake wired to the inventory: held reports tied when their task appears, replicas
/// sharing a WORKER_NAME told apart by the peer address (direct requests and relay batches).
@Suite struct IntakeResolutionTests {
    let logger = Logger(label: "test")

    func pod(_ name: String, ip: String, worker: String = "edgeworker", miningMode: String? = nil) -> KubeObject {
        var env = #"[{"name":"WORKER_NAME","value":"\#(worker)"}"#
        if let miningMode { env += #",{"name":"MINING_MODE","value":"\#(miningMode)"}"# }
        env += "]"
        return Fixtures.json(#"""
        {"metadata":{"name":"\#(name)","namespace":"default","uid":"uid-\#(name)","labels":{
          "jointinferenceservice.sedna.io/name":"ji","jointinferenceservice.sedna.io/worker-type":"edge"}},
         "spec":{"containers":[{"name":"w","env":\#(env)}]},"status":{"phase":"Running","podIP":"\#(ip)"}}
        """#)
    }

    func make() -> (Inventory, IntakeStore, IntakeRoutes) {
        let inventory = Inventory()
        let store = IntakeStore()
        let service = IntakeService(store: store, directory: inventory)
        let routes = IntakeRoutes(service: service, config: IntakeConfiguration(), forwarder: nil, logger: logger)
        return (inventory, store, routes)
    }

    func exposition(_ store: IntakeStore) -> String {
        var out: [UInt8] = []
        MetricsStore().write(format: .text004, extra: store.workerRenderings(), into: &out)
        store.writeSelfMetrics(format: .text004, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    @Test func aReportBeforeItsTaskIsHeldAndTiedWhenTheTaskAppears() throws {
        let (inventory, store, routes) = make()
        // Sedna's FL train worker: ownerKind "default", its pod not watched.
        let r = try WorkerReport.decode(Array(
            #"{"name":"fl-train-1","namespace":"default","ownerName":"fl","ownerKind":"default","kind":"train","status":"running","ownerInfo":{"currentRound":3,"sampleCount":500}}"#.utf8))
        try routes.service.ingest(r, peer: nil, now: 1)
        #expect(store.heldCount == 1 && store.workerCount == 0)
        inventory.upsert(.sedna(.federatedLearningJob), Fixtures.json(#"{"metadata":{"name":"fl","namespace":"default","uid":"u-fl"}}"#))
        // The inventory's addition schedules this pass itself; calling it here makes the test
        // independent of when that task runs (a pass finds nothing left to tie after the other).
        routes.service.retryHeld(now: 2)
        #expect(store.heldCount == 0 && store.workerCount == 1)
        let t = exposition(store)
        #expect(t.contains(#"sedna_federated_learning_worker_round{namespace="default",kind="FederatedLearningJob",task="fl",worker="fl-train-1",pod=""} 3"#))
        #expect(t.contains(#"sedna_federated_learning_worker_aggregated_samples{namespace="default",kind="FederatedLearningJob",task="fl",worker="fl-train-1",pod=""} 500"#))
        #expect(t.contains(#"sedna_intake_reports_total{kind="FederatedLearningJob",outcome="held_then_tied"} 1"#))
    }

    @Test func theInventoryAnnouncesNewPodsAndTasksOnly() {
        let inventory = Inventory()
        let calls = Counter()
        inventory.onAddition { calls.add() }
        inventory.upsert(.pods, pod("a", ip: "10.0.0.1"))
        inventory.upsert(.pods, pod("a", ip: "10.0.0.1"))            // unchanged: nothing new to tie
        inventory.upsert(.pods, pod("a", ip: "10.0.0.9"))            // new IP: reports from it can now be tied
        inventory.upsert(.sedna(.jointInferenceService), Fixtures.json(#"{"metadata":{"name":"ji","namespace":"default","uid":"u"}}"#))
        inventory.upsert(.sedna(.dataset), Fixtures.json(#"{"metadata":{"name":"d","namespace":"default","uid":"d"}}"#))
        #expect(calls.value == 3)
        #expect(inventory.taskKinds(namespace: "default", name: "ji") == [.jointInferenceService])
        #expect(inventory.workerPods(namespace: "default").first?.podIP == "10.0.0.9")
    }

    @Test func relayedReportsOfTwoReplicasLandOnTheirPods() async throws {
        let (inventory, store, routes) = make()
        inventory.upsert(.pods, pod("ji-edge-a", ip: "10.0.0.1"))
        inventory.upsert(.pods, pod("ji-edge-b", ip: "10.0.0.2", miningMode: "mining-then-inference"))
        let router = Router(context: ExporterRequestContext.self)
        routes.register(on: router)
        let batch = #"""
        {"reports":[
          {"seq":1,"worker":"edgeworker","peer":"10.0.0.1","node":"edge1","body":{"name":"edgeworker","namespace":"default","ownerName":"sedna","ownerKind":"jointinferenceservice","kind":"inference","status":"running","ownerInfo":{"inferenceNumber":120,"hardExampleNumber":20}}},
          {"seq":2,"worker":"edgeworker","peer":"10.0.0.2","body":"{\"name\":\"edgeworker\",\"namespace\":\"default\",\"ownerName\":\"sedna\",\"ownerKind\":\"jointinferenceservice\",\"ownerInfo\":{\"inferenceNumber\":50,\"hardExampleNumber\":5}}"}
        ]}
        """#
        try await Application(router: router).test(.router) { client in
            try await client.execute(uri: "/sedna/relay/edge1/reports", method: .post, body: ByteBuffer(string: batch)) { res in
                #expect(res.status == .ok)
                #expect(String(buffer: res.body).contains(#""acked":2"#))
            }
        }
        let t = exposition(store)
        let l = #"namespace="default",kind="JointInferenceService",task="ji",worker="edgeworker""#
        // inference-then-mining (default): inputs = 120 - 20; mining-then-inference: inputs = 50.
        #expect(t.contains("sedna_joint_inference_worker_inferences_total{\(l),pod=\"ji-edge-a\"} 100"))
        #expect(t.contains("sedna_joint_inference_worker_edge_inferences_total{\(l),pod=\"ji-edge-a\"} 100"))
        #expect(t.contains("sedna_joint_inference_worker_inferences_total{\(l),pod=\"ji-edge-b\"} 50"))
        #expect(t.contains("sedna_joint_inference_worker_edge_inferences_total{\(l),pod=\"ji-edge-b\"} 45"))
        #expect(t.contains("sedna_joint_inference_worker_hard_examples_total{\(l),pod=\"ji-edge-b\"} 5"))
        #expect(t.contains(#"sedna_intake_reports_total{kind="JointInferenceService",outcome="by_pod_ip"} 2"#))
    }

    @Test func theDirectEndpointUsesTheRemoteAddress() async throws {
        let (inventory, store, routes) = make()
        inventory.upsert(.pods, pod("ji-edge-a", ip: "127.0.0.1"))
        inventory.upsert(.pods, pod("ji-edge-b", ip: "10.0.0.2"))
        let router = Router(context: ExporterRequestContext.self)
        routes.register(on: router)
        let body = #"{"name":"edgeworker","namespace":"default","ownerName":"sedna","ownerKind":"jointinferenceservice","ownerInfo":{"inferenceNumber":3,"hardExampleNumber":1}}"#
        try await Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0))).test(.live) { client in
            try await client.execute(uri: "/sedna/workers/edgeworker/info", method: .post,
                                     headers: [.contentType: "application/json"], body: ByteBuffer(string: body)) { res in
                #expect(res.status == .ok)
            }
        }
        #expect(exposition(store).contains(#"worker="edgeworker",pod="ji-edge-a"} 2"#))
    }
}

final class Counter: Sendable {
    private let n = Mutex(0)
    func add() { n.withLock { $0 += 1 } }
    var value: Int { n.withLock { $0 } }
}
