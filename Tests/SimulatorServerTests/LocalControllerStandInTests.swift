import Foundation
import Hummingbird
import HummingbirdTesting
import SednaCatalog
import SimulatedCluster
@testable import SimulatorServer
import Testing

/// The LC stand-in answers exactly like Sedna's LC (pkg/localcontroller/server/server.go), and
/// reports go where the worker's effective LC_SERVER leads.
@Suite struct LocalControllerStandInTests {
    @Test func answersLikeTheLocalController() async throws {
        let lc = LocalControllerStandIn()
        let router = Router()
        lc.register(on: router)
        try await Application(router: router).test(.router) { client in
            let ok = #"{"name":"edgeworker-ab1cd","namespace":"default","ownerName":"svc","ownerKind":"jointinferenceservice","kind":"inference"}"#
            try await client.execute(uri: "/sedna/workers/edgeworker-ab1cd/info", method: .post, body: ByteBuffer(string: ok)) { r in
                #expect(r.status == .ok)
                #expect(r.headers[.contentType] == "application/json")
                #expect(String(buffer: r.body) == "{\n  \"Status\": 200,\n  \"Message\": \"OK\"\n }")
            }
            // ownerKind "default" (federated learning as released): still 200, dropped by the LC.
            let fl = #"{"name":"trainworker-x","ownerKind":"default","kind":"train","status":"running"}"#
            try await client.execute(uri: "/sedna/workers/trainworker-x/info", method: .post, body: ByteBuffer(string: fl)) { r in
                #expect(r.status == .ok)
            }
            try await client.execute(uri: "/sedna/workers/other/info", method: .post, body: ByteBuffer(string: ok)) { r in
                #expect(r.status == .badRequest)
                let answer = try JSONSerialization.jsonObject(with: Data(r.body.readableBytesView)) as? [String: Any]
                #expect(answer?["Status"] as? Int == 400)
                #expect(answer?["Message"] as? String
                    == "worker name(name=other) in the api is different from that(name=edgeworker-ab1cd) in the message body")
            }
            try await client.execute(uri: "/sedna/workers/w/info", method: .post, body: ByteBuffer(string: "not json")) { r in
                #expect(r.status == .badRequest)
            }
        }
        #expect(lc.snapshot == .init(handled: 1, dropped: 1, rejected: 2))
    }

    @Test func goStringEscapesAsGoDoes() {
        #expect(LocalControllerStandIn.goString(#"a"b<c>&"#) == #""a\"b\u003cc\u003e\u0026""#)
    }

    @Test func reportsGoWhereTheRouteLeadsAndPushesToTheIntake() {
        let targets = TelemetrySender.Targets(intake: "http://exporter", relay: "http://relay", localController: "http://sim")
        #expect(TelemetrySender.destination(of: .report(worker: "w", body: [:], route: .relay), targets)?.base == "http://relay")
        #expect(TelemetrySender.destination(of: .report(worker: "w", body: [:], route: .localController), targets)?.base == "http://sim")
        #expect(TelemetrySender.destination(of: .report(worker: "w", body: [:], route: .lost), targets) == nil)
        let push = TelemetrySender.destination(of: .push(job: "j", namespace: "n", pod: "p", exposition: ""), targets)
        #expect(push?.base == "http://exporter" && push?.withToken == true)
        #expect(TelemetrySender.destination(of: .report(worker: "w", body: [:], route: .relay), targets)?.withToken == false)
    }
}
