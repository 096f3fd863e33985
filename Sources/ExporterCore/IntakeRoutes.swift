import AsyncHTTPClient
import Exposition
import Foundation
import Hummingbird
import Intake
import Logging
import NIOCore
import SednaCatalog
import ServerSupport
import Synchronization

/// Configuration of the intake endpoints.
public struct IntakeConfiguration: Sendable {
    public var limits = IntakeLimits()
    /// Bearer token required on intake endpoints (read from --intake-token-file); nil = open.
    public var token: String?
    /// The real LocalController to forward every accepted report to (--forward-lc).
    public var forwardLC: String?
    /// Seconds after which an unbound pushed group is dropped; 0 = never.
    public var unboundExpiry: Double = 0
    /// Reports held at most while their pod or task is not watched yet (--intake-hold-max).
    public var holdMax = 10_000
    /// Seconds a report is held at most (--intake-hold-seconds).
    public var holdSeconds: Double = 600

    public init() {}
}

/// HTTP handlers of the intake: Sedna worker reports, edge relay batches and the
/// Pushgateway-compatible API. Only what is HTTP lives here (the bearer token, reading and
/// un-gzipping bodies, status codes and the LC-shaped answers, forwarding to a real LC); what a
/// report or a push means is `IntakeService`'s. Every answer is counted by endpoint and status
/// code (`sedna_intake_responses_total`), rejections included.
public struct IntakeRoutes: Sendable {
    let service: IntakeService
    let config: IntakeConfiguration
    let forwarder: HTTPClient?
    let logger: Logger

    public init(service: IntakeService, config: IntakeConfiguration, forwarder: HTTPClient?, logger: Logger) {
        self.service = service
        self.config = config
        self.forwarder = forwarder
        self.logger = logger
    }

    /// Logs the reports the service held or could not tie (for `IntakeService`'s observer).
    public static func logIngestion(_ logger: Logger) -> @Sendable (WorkerReport, IntakeService.Ingestion) -> Void {
        { r, outcome in
            switch outcome {
            case .held:
                logger.debug("worker report held until its pod or task is watched", metadata: [
                    "worker": "\(r.name.prefix(80))", "namespace": "\(r.namespace.prefix(80))"])
            case .unresolved:
                logger.info("worker report not tied to any watched task", metadata: [
                    "worker": "\(r.name.prefix(80))", "namespace": "\(r.namespace.prefix(80))",
                    "ownerKind": "\(r.ownerKind.prefix(40))", "ownerName": "\(r.ownerName.prefix(80))"])
            case .stored:
                break
            }
        }
    }

    func register(on router: Router<ExporterRequestContext>) {
        router.post("/sedna/workers/:worker/info") { request, context in
            try await guarded(request, endpoint: "report") {
                try await report(request, worker: context.parameters.get("worker") ?? "", peer: context.peerIP)
            }
        }
        router.post("/sedna/relay/:relay/reports") { request, context in
            try await guarded(request, endpoint: "relay") {
                let acked = try await service.relayBatch(relay: Self.relayName(context.parameters.get("relay")), now: Self.now()) {
                    try await readBody(request)
                }
                return json(200, .object(["acked": .number(Double(acked))]))
            }
        }
        for method in [HTTPRequest.Method.put, .post, .delete] {
            router.on("/metrics/**", method: method) { request, context in
                try await guarded(request, endpoint: method == .delete ? "delete" : "push") {
                    let segments = context.parameters.getCatchAll().map(Self.pathSegment)
                    try await service.push(method == .delete ? .delete : method == .put ? .put : .post, path: segments,
                                           contentType: request.headers[.contentType], now: Self.now()) {
                        try await readBody(request)
                    }
                    return Response(status: method == .delete ? .accepted : .ok, headers: Self.emptyTextHeaders)
                }
            }
        }
    }

    static func now() -> Double { Date().timeIntervalSince1970 }

    /// A grouping-key path segment, percent-decoded only when it has a `%` (most have none:
    /// Foundation's decoding is the costliest step of a push's path otherwise).
    static func pathSegment(_ s: Substring) -> String {
        s.utf8.contains(UInt8(ascii: "%")) ? (String(s).removingPercentEncoding ?? String(s)) : String(s)
    }

    /// The headers of a push's empty answer (made once).
    static let emptyTextHeaders: HTTPFields = [.contentType: "text/plain; charset=utf-8"]

    /// Auth, then the handler; IntakeErrors become their status with a plain-text message. The
    /// answer is counted under `endpoint` whatever it is (an error Hummingbird turns into a 500
    /// is counted 500).
    func guarded(_ request: Request, endpoint: String, _ body: () async throws -> Response) async throws -> Response {
        let response: Response
        do {
            response = try await answer(request, body)
        } catch {
            service.countResponse(endpoint: endpoint, code: (error as? any HTTPResponseError)?.status.code ?? 500)
            throw error
        }
        service.countResponse(endpoint: endpoint, code: response.status.code)
        return response
    }

    private func answer(_ request: Request, _ body: () async throws -> Response) async throws -> Response {
        if let token = config.token {
            let given = request.headers[.authorization] ?? ""
            guard constantTimeEqual(given, "Bearer " + token) else {
                return text(401, "missing or wrong bearer token\n", headers: [.wwwAuthenticate: "Bearer"])
            }
        }
        do {
            return try await body()
        } catch let e as IntakeError {
            logger.info("intake request rejected", metadata: ["status": "\(e.status)", "reason": "\(e.message)"])
            return text(e.status, e.message + "\n")
        }
    }

    func readBody(_ request: Request) async throws -> [UInt8] {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: config.limits.maxBodyBytes)
        } catch {
            throw IntakeError(413, "body larger than \(config.limits.maxBodyBytes) bytes (max-body-bytes)")
        }
        var bytes = Array(buffer.readableBytesView)
        if let enc = request.headers[.contentEncoding]?.lowercased(), enc.contains("gzip") {
            do { bytes = try Gzip.decompress(bytes, limit: config.limits.maxBodyBytes) } catch {
                throw IntakeError(400, "gzip body: \(error) (max-body-bytes \(config.limits.maxBodyBytes) applies after decompression)")
            }
        }
        return bytes
    }

    // MARK: worker reports

    /// `peer` is the request's remote address: the worker's own pod IP when it reaches the
    /// exporter directly. The accepted body goes on unchanged to the real LC when one is set.
    func report(_ request: Request, worker: String, peer: String?) async throws -> Response {
        let body = try await readBody(request)
        let answer = try service.report(worker: worker, peer: peer, contentType: request.headers[.contentType], body: body,
                                        now: Self.now())
        if case let .workerNameMismatch(message) = answer {
            return json(400, .object(["Status": .number(400), "Message": .string(message)]))
        }
        if let lc = config.forwardLC, let forwarder {
            if let answer = await forward(body, to: lc, worker: worker, client: forwarder) { return answer }
        }
        return json(200, .object(["Status": .number(200), "Message": .string("OK")]))
    }

    /// Sends the report unchanged to the LocalController; nil when the LC cannot be reached
    /// (the report is already kept here, the worker gets our answer).
    func forward(_ body: [UInt8], to lc: String, worker: String, client: HTTPClient) async -> Response? {
        do {
            let a = try await LocalControllerForwarder.forward(body, lc: lc, worker: worker, client: client)
            return Response(status: .init(code: a.status), headers: [.contentType: a.contentType], body: .init(byteBuffer: a.body))
        } catch {
            logger.warning("forwarding a report to the LocalController failed; kept here", metadata: ["error": "\(error)"])
            return nil
        }
    }

    // MARK: helpers

    /// The relay's name from its path segment: the relay percent-encodes every character but
    /// letters and digits (`edge-1` arrives as `edge%2D1`), and the name is a label value.
    static func relayName(_ segment: String?) -> String {
        let raw = segment ?? ""
        return raw.removingPercentEncoding ?? raw
    }

    func text(_ status: Int, _ s: String, headers: HTTPFields = [:]) -> Response {
        var h = headers
        h[.contentType] = "text/plain; charset=utf-8"
        return Response(status: .init(code: status), headers: h, body: .init(byteBuffer: ByteBuffer(string: s)))
    }

    func json(_ status: Int, _ value: JSON) -> Response {
        Response(status: .init(code: status), headers: [.contentType: "application/json"],
                 body: .init(byteBuffer: ByteBuffer(bytes: JSONWriter.compact.bytes(value))))
    }

    /// The token check: ServerSupport's one constant-time comparison (also the web config's).
    func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        Bcrypt.constantTimeEquals(Array(a.utf8), Array(b.utf8))
    }
}

/// Ties held reports when the inventory gains pods or tasks (`Inventory.onAddition`). The
/// observer runs under the inventory's lock: it only schedules the pass, and a burst of additions
/// (a relist) coalesces into one pass.
public final class HeldReportRetry: Sendable {
    private let scheduled = Atomic<Bool>(false)
    let service: IntakeService

    public init(service: IntakeService) { self.service = service }

    /// For `Inventory.onAddition`.
    public func schedule() {
        guard scheduled.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else { return }
        Task {
            scheduled.store(false, ordering: .releasing)
            service.retryHeld(now: Date().timeIntervalSince1970)
        }
    }
}
