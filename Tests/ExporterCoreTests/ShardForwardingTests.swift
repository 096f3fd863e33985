import AsyncHTTPClient
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

/// Two shards in one process, over real HTTP on 127.0.0.1: reports, pushes and relay batches
/// reaching the shard that does not own their task land on the owner, once, with the worker's
/// address; an unreachable owner gets the sender a 503 and the relay an acknowledgement that
/// stops before the first report the owner did not take.
@Suite struct ShardForwardingTests {
    /// Every task known on every shard (what the inventory keeps for the intake), with UIDs:
    /// FNV1a("uid-b") % 2 == 0 owns task "zero", FNV1a("uid-a") % 2 == 1 owns task "one".
    struct Directory: WorkerDirectory {
        static let tasks: [(SednaKind, String, String)] = [(.incrementalLearningJob, "zero", "uid-b"),
                                                           (.jointInferenceService, "one", "uid-a")]
        static let pods = [
            Inventory.WorkerPod(namespace: "ns", pod: "ji-edge-a", workerName: "edge", kind: .jointInferenceService, task: "one",
                                podIP: "127.0.0.1"),
            Inventory.WorkerPod(namespace: "ns", pod: "ji-edge-b", workerName: "edge", kind: .jointInferenceService, task: "one",
                                podIP: "10.0.0.2"),
        ]
        func workerPods(namespace: String) -> [Inventory.WorkerPod] { namespace == "ns" ? Self.pods : [] }
        func hasTask(_ kind: SednaKind, namespace: String, name: String) -> Bool { taskUID(kind, namespace: namespace, name: name) != nil }
        func taskKinds(namespace: String, name: String) -> [SednaKind] {
            namespace == "ns" ? Self.tasks.filter { $0.1 == name }.map(\.0) : []
        }
        func taskUID(_ kind: SednaKind, namespace: String, name: String) -> String? {
            namespace == "ns" ? Self.tasks.first { $0.0 == kind && $0.1 == name }?.2 : nil
        }
    }

    struct Shard: Sendable {
        let service: IntakeService
        let forwarding: ShardForwarding

        var exposition: String {
            var out: [UInt8] = []
            MetricsStore().write(format: .text004, extra: service.store.workerRenderings(), into: &out)
            service.store.writeSelfMetrics(format: .text004, into: &out)
            service.store.writePushes(format: .text004, into: &out)
            return String(decoding: out, as: UTF8.self)
        }
    }

    func shard(_ i: Int, peers: String, client: HTTPClient) throws -> (Shard, Router<ExporterRequestContext>) {
        let service = IntakeService(store: IntakeStore(), directory: Directory())
        let routes = IntakeRoutes(service: service, config: IntakeConfiguration(), forwarder: nil, logger: Logger(label: "test"))
        let forwarding = ShardForwarding(routes: routes, directory: Directory(), assignment: ShardAssignmentBox(shard: i, total: 2),
                                         peers: try #require(try ShardPeers.parse(list: peers, template: nil)), client: client,
                                         counters: ShardForwardCounters(), timeout: .seconds(2))
        let router = ExporterRouter.build(endpoint: MetricsEndpoint(inventory: Inventory(), stats: .init(), resources: []),
                                          intake: routes, shardForwarding: forwarding)
        return (Shard(service: service, forwarding: forwarding), router)
    }

    static func report(_ worker: String, task: String, kind: String, n: Int = 1) -> String {
        #"{"name":"\#(worker)","namespace":"ns","ownerName":"\#(task)","ownerKind":"\#(kind)","kind":"inference","status":"running","ownerInfo":{"inferenceNumber":\#(n),"hardExampleNumber":0}}"#
    }

    static func entry(_ seq: Int, _ body: String) -> String {
        #"{"seq":\#(seq),"worker":"\#(try! WorkerReport.decode(Array(body.utf8)).name)","body":\#(body)}"#
    }

    func live(_ router: Router<ExporterRequestContext>) -> some ApplicationProtocol {
        Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    }

    @Test func whatReachesTheOtherShardLandsOnTheOwnerOnce() async throws {
        let client = ShardForwarding.makeClient()
        defer { Task { try? await client.shutdown() } }
        let il = Self.report("il-worker", task: "zero", kind: "incrementallearningjob")
        let ji = Self.report("edge", task: "one", kind: "jointinferenceservice", n: 7)
        // Shard 1 first (its port goes into shard 0's peers); shard 1 only receives here.
        let (one, router1) = try shard(1, peers: "http://127.0.0.1:1,http://127.0.0.1:1", client: client)
        try await live(router1).test(.live) { c1 in
            let (zero, router0) = try shard(0, peers: "http://127.0.0.1:1,http://127.0.0.1:\(c1.port!)", client: client)
            try await live(router0).test(.live) { c0 in
                // A direct report of shard 1's JI task, sent to shard 0 from 127.0.0.1 (ji-edge-a's IP).
                try await c0.execute(uri: "/sedna/workers/edge/info", method: .post, headers: [.contentType: "application/json"],
                                     body: ByteBuffer(string: ji)) { res in
                    #expect(res.status == .ok)
                    #expect(String(buffer: res.body) == #"{"Message":"OK","Status":200}"#)
                }
                // Shard 0's own report stays.
                try await c0.execute(uri: "/sedna/workers/il-worker/info", method: .post, headers: [.contentType: "application/json"],
                                     body: ByteBuffer(string: il)) { res in #expect(res.status == .ok) }
                // A push bound to shard 1's task, and an unbound one (shard 0's).
                try await c0.execute(uri: "/metrics/job/train/namespace/ns/task/one", method: .put,
                                     body: ByteBuffer(string: "train_loss 0.5\n")) { res in #expect(res.status == .ok) }
                try await c0.execute(uri: "/metrics/job/loose", method: .put, body: ByteBuffer(string: "x 1\n")) { res in
                    #expect(res.status == .ok)
                }
                // A relay batch whose ledger is shard 0 ("edge-1"), mixing both shards' reports.
                let batch = #"{"incarnation":"i1","reports":[\#(Self.entry(1, il)),\#(Self.entry(2, ji)),\#(Self.entry(3, il))]}"#
                try await c0.execute(uri: "/sedna/relay/edge%2D1/reports", method: .post, body: ByteBuffer(string: batch)) { res in
                    #expect(String(buffer: res.body) == #"{"acked":3}"#)
                }
                // Sent again (a lost acknowledgement): nothing is stored twice.
                try await c0.execute(uri: "/sedna/relay/edge%2D1/reports", method: .post, body: ByteBuffer(string: batch)) { res in
                    #expect(String(buffer: res.body) == #"{"acked":3}"#)
                }
                #expect(zero.forwarding.counters.value(endpoint: "report", result: "delivered") == 1)
                #expect(zero.forwarding.counters.value(endpoint: "push", result: "delivered") == 1)
                #expect(zero.forwarding.counters.value(endpoint: "relay", result: "delivered") == 1)
                let t0 = zero.exposition
                #expect(!t0.contains(#"worker="edge""#), "shard 1's report is not on shard 0")
                #expect(t0.contains(#"task="zero",worker="il-worker""#))
                #expect(zero.service.store.groupCount == 1, "the unbound push stays on shard 0")
                // Shard 0 took seq 1 and 3 of edge-1, shard 1 seq 2; the batch sent again went nowhere.
                #expect(t0.contains(#"sedna_intake_relay_reports_total{relay="edge-1",result="accepted"} 2"#))
                #expect(!t0.contains(#"result="duplicate""#))
            }
        }
        let t1 = one.exposition
        #expect(t1.contains(#"worker="edge",pod="ji-edge-a"} 7"#), "the worker's address picked the replica on the owner")
        #expect(one.service.store.groupCount == 1, "the push bound to task one is on shard 1")
        #expect(t1.contains(#"sedna_intake_relay_reports_total{relay="edge-1",result="accepted"} 1"#))
        #expect(!t1.contains("il-worker"))
    }

    @Test func anUnreachableOwnerGets503AndTheRelayAnAckUpToItsFirstReport() async throws {
        let client = ShardForwarding.makeClient()
        defer { Task { try? await client.shutdown() } }
        let il = Self.report("il-worker", task: "zero", kind: "incrementallearningjob")
        let ji = Self.report("edge", task: "one", kind: "jointinferenceservice")
        // Shard 1 listens nowhere (port 1 refuses).
        let (zero, router0) = try shard(0, peers: "http://127.0.0.1:1,http://127.0.0.1:1", client: client)
        try await live(router0).test(.live) { c0 in
            try await c0.execute(uri: "/sedna/workers/edge/info", method: .post, body: ByteBuffer(string: ji)) { res in
                #expect(res.status == .serviceUnavailable)
            }
            try await c0.execute(uri: "/metrics/job/train/namespace/ns/task/one", method: .put,
                                 body: ByteBuffer(string: "train_loss 0.5\n")) { res in #expect(res.status == .serviceUnavailable) }
            let batch = #"{"incarnation":"i1","reports":[\#(Self.entry(1, il)),\#(Self.entry(2, ji)),\#(Self.entry(3, il))]}"#
            try await c0.execute(uri: "/sedna/relay/edge%2D1/reports", method: .post, body: ByteBuffer(string: batch)) { res in
                #expect(String(buffer: res.body) == #"{"acked":1}"#, "stops before seq 2, whose owner did not take it")
            }
            // The relay sends 2 and 3 again: nothing moves (503, the relay backs off), and seq 3,
            // already stored here, is not stored twice.
            let rest = #"{"incarnation":"i1","reports":[\#(Self.entry(2, ji)),\#(Self.entry(3, il))]}"#
            try await c0.execute(uri: "/sedna/relay/edge%2D1/reports", method: .post, body: ByteBuffer(string: rest)) { res in
                #expect(res.status == .serviceUnavailable)
            }
        }
        let t0 = zero.exposition
        #expect(t0.contains(#"sedna_intake_relay_reports_total{relay="edge-1",result="accepted"} 2"#))
        #expect(t0.contains(#"sedna_intake_relay_reports_total{relay="edge-1",result="duplicate"} 1"#))
        #expect(zero.service.store.groupCount == 0 && !t0.contains(#"worker="edge""#))
        #expect(zero.forwarding.counters.value(endpoint: "report", result: "failed") == 1)
        #expect(zero.forwarding.counters.value(endpoint: "push", result: "failed") == 1)
        #expect(zero.forwarding.counters.value(endpoint: "relay", result: "failed") == 2)
        #expect(t0.contains(#"sedna_intake_responses_total{endpoint="report",code="503"} 1"#))
        var out: [UInt8] = []
        zero.forwarding.counters.write(format: .text004, into: &out)
        #expect(String(decoding: out, as: UTF8.self).contains(#"sedna_intake_forwarded_total{endpoint="relay",result="failed"} 2"#))
    }

    @Test func aForwardedRequestIsHandledWhereItArrivesEvenByAShardThatDisagrees() async throws {
        let client = ShardForwarding.makeClient()
        defer { Task { try? await client.shutdown() } }
        let ji = Self.report("edge", task: "one", kind: "jointinferenceservice", n: 4)
        let (zero, router0) = try shard(0, peers: "http://127.0.0.1:1,http://127.0.0.1:1", client: client)
        try await live(router0).test(.live) { c0 in
            try await c0.execute(uri: "/sedna/workers/edge/info", method: .post,
                                 headers: [.init("X-Sedna-Forwarded-By")!: "1", .init("X-Sedna-Forwarded-Peer")!: "10.0.0.2"],
                                 body: ByteBuffer(string: ji)) { res in #expect(res.status == .ok) }
        }
        #expect(zero.exposition.contains(#"worker="edge",pod="ji-edge-b"} 4"#), "kept, tied by the forwarded worker address")
        #expect(zero.forwarding.counters.value(endpoint: "report", result: "failed") == 0)
    }
}
