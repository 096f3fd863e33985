import Foundation
import Hummingbird
import NIOCore
import SednaCatalog
import SimulatedCluster
import Synchronization

/// The simulated cluster's LocalController: `POST /sedna/workers/{worker}/info`, answered
/// exactly as Sedna's LC answers (`messageHandler` in `pkg/localcontroller/server/server.go`,
/// written by go-restful's pretty-printing JSON writer): 200 `{"Status":200,"Message":"OK"}`
/// for any report, also one whose `ownerKind` has no manager (the LC drops it silently), and
/// 400 with the LC's message when the body's `name` differs from the path or the body cannot
/// be read.
///
/// One stand-in serves every simulated node: host-network workers reach it as
/// `localhost:9100`, the relay as its `--lc-url`. What the GM then does with a report is the
/// simulated world's business; the stand-in only answers and counts.
final class LocalControllerStandIn: Sendable {
    /// The managers the LC registers (`cmd/sedna-lc/app/server.go`); any other `ownerKind`
    /// is dropped.
    static let managers: Set<String> = [
        "dataset", "model", "jointinferenceservice", "federatedlearningjob", "incrementallearningjob", "lifelonglearningjob",
    ]

    struct Counts: Sendable, Equatable {
        var handled = 0
        var dropped = 0
        var rejected = 0
    }

    private let counts = Mutex(Counts())
    var snapshot: Counts { counts.withLock { $0 } }

    func register(on router: Router<BasicRequestContext>, maxBodyBytes: Int = 1 << 20) {
        router.post("/sedna/workers/:worker/info") { [self] request, context -> Response in
            let worker = context.parameters.get("worker") ?? ""
            let body = try? await request.body.collect(upTo: maxBodyBytes)
            let (status, answer, outcome) = Self.answer(worker: worker, body: body.map { Array($0.readableBytesView) })
            counts.withLock { c in
                switch outcome {
                case .handled: c.handled += 1
                case .dropped: c.dropped += 1
                case .rejected: c.rejected += 1
                }
            }
            return Response(status: .init(code: status), headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: ByteBuffer(bytes: answer)))
        }
    }

    enum Outcome: Equatable { case handled, dropped, rejected }

    /// Status, body and outcome for a report posted to `/sedna/workers/{worker}/info` (pure).
    static func answer(worker: String, body: [UInt8]?) -> (Int, [UInt8], Outcome) {
        let object = body.flatMap { try? JSONSerialization.jsonObject(with: Data($0)) as? [String: Any] }
        let name = object?["name"] as? String ?? ""
        if name != worker || object == nil {
            let message = name != worker
                ? "worker name(name=\(worker)) in the api is different from that(name=\(name)) in the message body"
                : "read worker(name=\(worker)) message body failed, error: invalid JSON"
            return (400, reply(400, message), .rejected)
        }
        let kind = object?["ownerKind"] as? String ?? ""
        return (200, reply(200, "OK"), managers.contains(kind) ? .handled : .dropped)
    }

    /// go-restful's pretty JSON (`json.MarshalIndent(v, " ", " ")`) of the LC's `ResponseMessage`.
    static func reply(_ status: Int, _ message: String) -> [UInt8] {
        Array("{\n  \"Status\": \(status),\n  \"Message\": \(goString(message))\n }".utf8)
    }

    /// A JSON string as Go's encoder writes it (HTML characters escaped).
    static func goString(_ s: String) -> String { JSONWriter.quote(s, escapingHTML: true) }
}
