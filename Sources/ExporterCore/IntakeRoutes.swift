import AsyncHTTPClient
import Exposition
import Foundation
import Hummingbird
import Intake
import KubeWatch
import Logging
import NIOCore
import Relay
import SednaCatalog
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

/// HTTP handlers of the intake: Sedna worker reports and the Pushgateway-compatible API.
public struct IntakeRoutes: Sendable {
    let store: IntakeStore
    let inventory: Inventory
    let config: IntakeConfiguration
    let forwarder: HTTPClient?
    let logger: Logger

    public init(store: IntakeStore, inventory: Inventory, config: IntakeConfiguration, forwarder: HTTPClient?, logger: Logger) {
        self.store = store
        self.inventory = inventory
        self.config = config
        self.forwarder = forwarder
        self.logger = logger
        inventory.onRemoval { [store] id in store.removed(id) }
        // The observer runs under the inventory's lock: it only schedules the retry, and a
        // burst of additions (a relist) coalesces into one pass.
        let scheduled = RetryFlag()
        inventory.onAddition { [store, inventory] in
            guard scheduled.claim() else { return }
            Task {
                scheduled.release()
                IntakeRoutes.retryHeld(store: store, inventory: inventory)
            }
        }
    }

    /// Ties the held reports whose pod or task is now watched.
    static func retryHeld(store: IntakeStore, inventory: Inventory) {
        guard store.heldCount > 0 else { return }
        store.retryHeld(now: Date().timeIntervalSince1970) { e in
            resolve(e.report, peer: e.peer, inventory: inventory)
        }
    }

    static func resolve(_ r: WorkerReport, peer: String?, inventory: Inventory) -> TaskResolver.Resolution? {
        TaskResolver.resolve(r, peer: peer, pods: inventory.workerPods(namespace: r.namespace),
                             taskExists: { kind, name in inventory.hasTask(kind, namespace: r.namespace, name: name) },
                             taskKinds: { name in inventory.taskKinds(namespace: r.namespace, name: name) })
    }

    func register(on router: Router<ExporterRequestContext>) {
        router.post("/sedna/workers/:worker/info") { request, context in
            try await guarded(request) {
                try await report(request, worker: context.parameters.get("worker") ?? "", peer: context.peerIP)
            }
        }
        router.post("/sedna/relay/:relay/reports") { request, context in
            try await guarded(request) { try await relayBatch(request, relay: context.parameters.get("relay") ?? "") }
        }
        for method in [HTTPRequest.Method.put, .post, .delete] {
            router.on("/metrics/**", method: method) { request, context in
                try await guarded(request) { try await push(request, method: method, path: context.parameters.getCatchAll()) }
            }
        }
    }

    /// Auth, then the handler; IntakeErrors become their status with a plain-text message.
    func guarded(_ request: Request, _ body: () async throws -> Response) async throws -> Response {
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
    /// exporter directly.
    func report(_ request: Request, worker: String, peer: String?) async throws -> Response {
        let body = try await readBody(request)
        if let ct = request.headers[.contentType], !ct.lowercased().contains("json") {
            throw IntakeError(415, "content type must be application/json, got \(ct.prefix(80))")
        }
        let r = try WorkerReport.decode(body)
        guard r.name == worker else {
            // The LC answers 400 in this case too (pkg/localcontroller/server/server.go).
            return json(400, ["Status": 400, "Message": "worker name in the body (\(r.name.prefix(80))) differs from the path"])
        }
        try ingest(r, peer: peer)
        if let lc = config.forwardLC, let forwarder {
            if let answer = await forward(body, to: lc, worker: worker, client: forwarder) { return answer }
        }
        return json(200, ["Status": 200, "Message": "OK"])
    }

    /// Reports from an edge relay: `{"incarnation": "<spool id>", "reports": [{"seq": N, "worker": "...", "body": <the worker's
    /// JSON, as an object or as text>, "peer": "<worker IP>", "node": "<node>"}]}` (peer and node
    /// optional) in sequence order; answers `{"acked": <highest sequence accepted from this relay>}`.
    /// A report held for its pod or task counts as accepted: the relay must not resend it.
    func relayBatch(_ request: Request, relay: String) async throws -> Response {
        guard !relay.isEmpty, relay.utf8.count <= 253 else { throw IntakeError(400, "invalid relay name") }
        let body = try await readBody(request)
        let batch: JSON
        do { batch = try JSON.decode(body) } catch { throw IntakeError(400, "relay batch is not valid JSON") }
        guard let reports = batch["reports"].array else { throw IntakeError(400, "relay batch needs a \"reports\" array") }
        // The relay's spool incarnation (absent from relays that predate it): see RelayLedger.
        let incarnation = batch["incarnation"].string
        if !batch["incarnation"].isNull && (incarnation.map { $0.isEmpty || $0.utf8.count > 64 } ?? true) {
            throw IntakeError(400, "a relay batch's \"incarnation\" must be a string of 1 to 64 bytes")
        }
        for entry in reports {
            guard let seqNumber = entry["seq"].number, seqNumber >= 1, seqNumber < 9e15, let worker = entry["worker"].string,
                  entry["body"].string != nil || entry["body"].object != nil else {
                throw IntakeError(400, "each relayed report needs seq, worker and body")
            }
            if !entry["peer"].isNull && entry["peer"].string == nil { throw IntakeError(400, "a relayed report's \"peer\" must be a string") }
            guard store.relays.admit(relay: relay, incarnation: incarnation, seq: UInt64(seqNumber)) else { continue }
            // An unusable report still advances the sequence: one bad report must not block the queue.
            do {
                let bytes: [UInt8]
                if let text = entry["body"].string { bytes = Array(text.utf8) } else { bytes = Array(try JSONEncoder().encode(entry["body"])) }
                let r = try WorkerReport.decode(bytes)
                guard r.name == worker else { throw IntakeError(400, "worker name differs") }
                try ingest(r, peer: entry["peer"].string.flatMap { $0.isEmpty ? nil : String($0.prefix(64)) })
            } catch {
                store.countReport(kind: "unknown", outcome: "relay_rejected")
            }
        }
        return json(200, ["acked": store.relays.last(relay: relay)])
    }

    /// Ties a report to its task and stores it, or holds it until its pod or task is watched
    /// (counted unresolved only when holding is off).
    func ingest(_ r: WorkerReport, peer: String?) throws {
        let now = Date().timeIntervalSince1970
        if let res = Self.resolve(r, peer: peer, inventory: inventory) {
            try store.report(r, kind: res.kind, task: res.task, pod: res.pod, miningMode: res.miningMode, now: now)
            store.countReport(kind: res.kind.rawValue, outcome: res.outcome)
        } else if config.holdMax > 0 && config.holdSeconds > 0 {
            store.hold(r, peer: peer, now: now)
            logger.debug("worker report held until its pod or task is watched", metadata: [
                "worker": "\(r.name.prefix(80))", "namespace": "\(r.namespace.prefix(80))"])
        } else {
            store.countReport(kind: SednaKind.fromLowercased(r.ownerKind)?.rawValue ?? "unknown", outcome: "unresolved")
            logger.info("worker report not tied to any watched task", metadata: [
                "worker": "\(r.name.prefix(80))", "namespace": "\(r.namespace.prefix(80))",
                "ownerKind": "\(r.ownerKind.prefix(40))", "ownerName": "\(r.ownerName.prefix(80))"])
        }
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

    // MARK: pushes

    func push(_ request: Request, method: HTTPRequest.Method, path: [Substring]) async throws -> Response {
        let segments = path.map { String($0).removingPercentEncoding ?? String($0) }
        let key = try GroupingKey.parse(segments, limits: config.limits)
        let (binding, taskLabels) = PushBinder.bind(key, pods: inventory.workerPods(namespace: key.value("namespace") ?? "")) { kind, name in
            inventory.hasTask(kind, namespace: key.value("namespace") ?? "", name: name)
        }
        if method == .delete {
            try store.push(.delete, key: key, families: [], binding: binding, taskLabels: taskLabels, now: Date().timeIntervalSince1970)
            return text(202, "")
        }
        if let ct = request.headers[.contentType]?.lowercased(), ct.contains("protobuf") {
            throw IntakeError(415, "protobuf pushes are not supported; send text format 0.0.4")
        }
        let body = try await readBody(request)
        let families: [TextParser.Family]
        do { families = try TextParser.parse(body) } catch { throw IntakeError(400, "text format: \(error)") }
        try store.push(method == .put ? .put : .post, key: key, families: families, binding: binding, taskLabels: taskLabels,
                       now: Date().timeIntervalSince1970)
        return text(200, "")
    }

    // MARK: helpers

    func text(_ status: Int, _ s: String, headers: HTTPFields = [:]) -> Response {
        var h = headers
        h[.contentType] = "text/plain; charset=utf-8"
        return Response(status: .init(code: status), headers: h, body: .init(byteBuffer: ByteBuffer(string: s)))
    }

    func json(_ status: Int, _ object: [String: Any]) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return Response(status: .init(code: status), headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var diff = UInt8(x.count == y.count ? 0 : 1)
        for i in 0..<max(x.count, y.count) { diff |= (i < x.count ? x[i] : 0) ^ (i < y.count ? y[i] : 0) }
        return diff == 0
    }
}

/// A claim flag that coalesces retry passes (set while one is scheduled and not yet started).
final class RetryFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    func claim() -> Bool { flag.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged }
    func release() { flag.store(false, ordering: .releasing) }
}
