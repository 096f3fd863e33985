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

/// The intake's HTTP layer through Hummingbird's in-process client: the bearer token, gzip'd
/// bodies, the answers' status and reason, the relay's acknowledgement and the responses counter.
@Suite struct IntakeRoutesTests {
    struct Setup {
        let service: IntakeService
        let app: Application<RouterResponder<ExporterRequestContext>>

        /// `sedna_intake_*` as the exporter would serve them.
        var counters: String {
            var out: [UInt8] = []
            service.store.writeSelfMetrics(into: &out)
            return String(decoding: out, as: UTF8.self)
        }
    }

    func setup(token: String? = nil, maxBodyBytes: Int? = nil) -> Setup {
        var config = IntakeConfiguration()
        config.token = token
        if let maxBodyBytes { config.limits.maxBodyBytes = maxBodyBytes }
        let service = IntakeService(store: IntakeStore(limits: config.limits), directory: Inventory())
        let routes = IntakeRoutes(service: service, config: config, forwarder: nil, logger: Logger(label: "test"))
        let router = Router(context: ExporterRequestContext.self)
        routes.register(on: router)
        return Setup(service: service, app: Application(router: router))
    }

    static let report = #"{"name":"w","namespace":"ns","ownerName":"t","ownerKind":"incrementallearningjob"}"#

    @Test func withATokenOnlyTheRightBearerGetsIn() async throws {
        let s = setup(token: "s3cret")
        try await s.app.test(.router) { client in
            try await client.execute(uri: "/sedna/workers/w/info", method: .post, body: ByteBuffer(string: Self.report)) { res in
                #expect(res.status == .unauthorized)
                #expect(res.headers[.wwwAuthenticate] == "Bearer")
                #expect(String(buffer: res.body) == "missing or wrong bearer token\n")
            }
            try await client.execute(uri: "/metrics/job/j", method: .put, headers: [.authorization: "Bearer wrong"],
                                     body: ByteBuffer(string: "a 1\n")) { res in
                #expect(res.status == .unauthorized)
            }
            try await client.execute(uri: "/sedna/workers/w/info", method: .post, headers: [.authorization: "Bearer s3cret"],
                                     body: ByteBuffer(string: Self.report)) { res in
                #expect(res.status == .ok)
                #expect(String(buffer: res.body) == #"{"Message":"OK","Status":200}"#)
            }
        }
        #expect(s.service.store.groupCount == 0, "the refused push changed nothing")
        let c = s.counters
        #expect(c.contains(#"sedna_intake_responses_total{endpoint="push",code="401"} 1"#))
        #expect(c.contains(#"sedna_intake_responses_total{endpoint="report",code="200"} 1"#))
        #expect(c.contains(#"sedna_intake_responses_total{endpoint="report",code="401"} 1"#))
    }

    @Test func withoutATokenTheIntakeIsOpen() async throws {
        let s = setup()
        try await s.app.test(.router) { client in
            try await client.execute(uri: "/metrics/job/j", method: .put, body: ByteBuffer(string: "a 1\n")) { res in
                #expect(res.status == .ok)
            }
            try await client.execute(uri: "/metrics/job/j", method: .delete) { res in
                #expect(res.status == .accepted)
            }
        }
        #expect(s.counters.contains(#"sedna_intake_responses_total{endpoint="delete",code="202"} 1"#))
        #expect(s.counters.contains(#"sedna_intake_responses_total{endpoint="push",code="200"} 1"#))
    }

    @Test func aGzipPushIsDecompressed() async throws {
        let s = setup()
        let body = try #require(Gzip.compress(Array("# TYPE loss gauge\nloss 0.25\n".utf8)))
        try await s.app.test(.router) { client in
            try await client.execute(uri: "/metrics/job/trainer/namespace/ns", method: .post, headers: [.contentEncoding: "gzip"],
                                     body: ByteBuffer(bytes: body)) { res in
                #expect(res.status == .ok)
            }
            try await client.execute(uri: "/metrics/job/trainer", method: .post, headers: [.contentEncoding: "gzip"],
                                     body: ByteBuffer(string: "loss 1\n")) { res in
                #expect(res.status == .badRequest)
                #expect(String(buffer: res.body).hasPrefix("gzip body: "))
            }
        }
        var out: [UInt8] = []
        s.service.store.writePushes(into: &out)
        #expect(String(decoding: out, as: UTF8.self).contains(#"loss{job="trainer",namespace="ns"} 0.25"#))
    }

    @Test func badBodiesAreRefusedWithTheirReason() async throws {
        let s = setup(maxBodyBytes: 200)
        try await s.app.test(.router) { client in
            try await client.execute(uri: "/sedna/workers/w/info", method: .post, body: ByteBuffer(string: "{")) { res in
                #expect(res.status == .badRequest)
                #expect(String(buffer: res.body) == "body is not valid JSON\n")
            }
            try await client.execute(uri: "/sedna/workers/other/info", method: .post, body: ByteBuffer(string: Self.report)) { res in
                // The LocalController's own answer shape (pkg/localcontroller/server/server.go).
                #expect(res.status == .badRequest)
                #expect(String(buffer: res.body).contains(#""Status":400"#))
            }
            try await client.execute(uri: "/sedna/workers/w/info", method: .post, headers: [.contentType: "text/plain"],
                                     body: ByteBuffer(string: Self.report)) { res in
                #expect(res.status == .unsupportedMediaType)
            }
            try await client.execute(uri: "/sedna/relay/edge1/reports", method: .post, body: ByteBuffer(string: #"{"reports":{}}"#)) { res in
                #expect(res.status == .badRequest)
                #expect(String(buffer: res.body) == "relay batch needs a \"reports\" array\n")
            }
            try await client.execute(uri: "/metrics/job/j", method: .put,
                                     body: ByteBuffer(string: String(repeating: "a 1\n", count: 60))) { res in
                #expect(res.status == .contentTooLarge)
                #expect(String(buffer: res.body).contains("max-body-bytes"))
            }
        }
        let c = s.counters
        #expect(c.contains(#"sedna_intake_responses_total{endpoint="report",code="400"} 2"#))
        #expect(c.contains(#"sedna_intake_responses_total{endpoint="report",code="415"} 1"#))
        #expect(c.contains(#"sedna_intake_responses_total{endpoint="relay",code="400"} 1"#))
        #expect(c.contains(#"sedna_intake_responses_total{endpoint="push",code="413"} 1"#))
    }

    @Test func aRelayGetsItsHighestAcceptedSequenceBack() async throws {
        let s = setup()
        @Sendable func entry(_ seq: Int) -> String { #"{"seq":\#(seq),"worker":"w","body":\#(Self.report)}"# }
        try await s.app.test(.router) { client in
            try await client.execute(uri: "/sedna/relay/edge1/reports", method: .post,
                                     body: ByteBuffer(string: #"{"reports":[\#(entry(1)),\#(entry(2))]}"#)) { res in
                #expect(res.status == .ok)
                #expect(String(buffer: res.body) == #"{"acked":2}"#)
            }
            // A lost acknowledgement: the relay resends 2 with 3; 2 is not taken twice.
            try await client.execute(uri: "/sedna/relay/edge1/reports", method: .post,
                                     body: ByteBuffer(string: #"{"reports":[\#(entry(2)),\#(entry(3))]}"#)) { res in
                #expect(String(buffer: res.body) == #"{"acked":3}"#)
            }
            try await client.execute(uri: "/sedna/relay/edge2/reports", method: .post, body: ByteBuffer(string: #"{"reports":[]}"#)) { res in
                #expect(String(buffer: res.body) == #"{"acked":0}"#)
            }
            // The relay percent-encodes its name in the path; the label holds the name itself.
            try await client.execute(uri: "/sedna/relay/edge%2D3/reports", method: .post,
                                     body: ByteBuffer(string: #"{"reports":[\#(entry(1))]}"#)) { res in
                #expect(String(buffer: res.body) == #"{"acked":1}"#)
            }
        }
        #expect(s.counters.contains(#"sedna_intake_relay_reports_total{relay="edge-3",result="accepted"} 1"#))
        let c = s.counters
        #expect(c.contains(#"sedna_intake_relay_reports_total{relay="edge1",result="accepted"} 3"#))
        #expect(c.contains(#"sedna_intake_relay_reports_total{relay="edge1",result="duplicate"} 1"#))
        #expect(c.contains(#"sedna_intake_responses_total{endpoint="relay",code="200"} 4"#))
    }
}
