import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOSSL
import SednaCatalog
import ServerSupport
import ServiceLifecycle
import Synchronization

/// Settings of `sedna-exporter relay`.
public struct RelayConfiguration: Sendable {
    public var host = "0.0.0.0"
    public var port = 9480
    /// The node's LocalController; every report is also forwarded there (nil: don't).
    public var lcURL: String?
    /// The central exporter (its intake endpoints).
    public var centralURL: String
    public var spoolDir: String
    public var maxSpoolBytes = 256 << 20
    public var relayName: String
    /// The node this relay runs on, sent with each report (`--node-name`, default $NODE_NAME).
    public var nodeName: String?
    /// Bearer token for the central exporter's intake.
    public var token: String?
    public var batchSize = 200
    /// Bounds against hostile clients (body size, read deadlines, connections); see `HTTPLimits`.
    public var limits = HTTPLimits()
    public var maxBodyBytes: Int {
        get { limits.maxBodyBytes }
        set { limits.maxBodyBytes = newValue }
    }
    /// `--web.config.file`: TLS, basic auth and headers of the relay's own listener.
    public var web: WebConfig?
    /// How the sender reaches an https central exporter (CA, client certificate, basic auth).
    public var central = CentralTLS()

    public init(centralURL: String, spoolDir: String, relayName: String) {
        self.centralURL = centralURL
        self.spoolDir = spoolDir
        self.relayName = relayName
    }

    /// Every problem with the settings, each naming its flag; empty when the relay can start.
    public func problems() -> [String] {
        var p = limits.problems()
        if maxSpoolBytes <= 0 { p.append("--max-spool-bytes must be positive (got \(maxSpoolBytes))") }
        if !(1...10_000).contains(batchSize) { p.append("the batch size must be in 1...10000 (got \(batchSize))") }
        if relayName.isEmpty || relayName.utf8.count > 253 { p.append("--relay-name must be 1 to 253 bytes long") }
        return p
    }
}

/// The edge relay, the node-local front of Sedna's LocalController: each worker report is
/// forwarded unchanged to the LC and answered with the LC's own answer, while a copy (with the
/// worker's peer address) goes to the spool; a sender drains the spool to the central exporter in
/// order, retrying with backoff while the link is down. Without an LC URL the relay answers like
/// an LC itself, after the spool write.
public enum RelayApp {
    public static func run(_ config: RelayConfiguration, logger: Logger) async throws {
        let problems = config.problems()
        guard problems.isEmpty else { throw ConfigurationError(problems: problems) }
        let spool = try Spool(dir: config.spoolDir, maxBytes: config.maxSpoolBytes)
        let rejections = HTTPRejections()
        let listenerTLS = try config.web?.tls?.channelConfiguration()
        let centralTLS = try config.central.clientConfiguration()
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let failures = FailureCounter()
        let lcUnreachable = FailureCounter()
        let sightings = WorkerSightings()
        let router = Router(context: RelayRequestContext.self)
        // The web config's basic auth and headers first, before any body is read.
        if let web = config.web.map({ WebConfigMiddleware<RelayRequestContext>($0, limits: config.limits, rejections: rejections) }), web.isActive {
            router.add(middleware: web)
        }
        registerStatus(on: router, config: config, spool: spool, sightings: sightings, failures: failures, lcUnreachable: lcUnreachable)
        // The guard reads (and bounds) every body; the handlers below see it complete.
        router.add(middleware: HostileClientGuard<RelayRequestContext>(limits: config.limits, rejections: rejections) { $0.method == .post })
        router.post("/sedna/workers/:worker/info") { request, context -> Response in
            let worker = context.parameters.get("worker") ?? ""
            let body: [UInt8]
            do { body = Array(try await request.body.collect(upTo: config.maxBodyBytes).readableBytesView) } catch {
                return json(413, "body larger than \(config.maxBodyBytes) bytes")
            }
            let peer = context.remoteAddress?.ipAddress
            sightings.saw(worker: worker, peer: peer, now: Date().timeIntervalSince1970)
            let problem = ReportCheck.problem(body, worker: worker)
            guard let lc = config.lcURL else {
                // No LC behind the relay: it answers like one (`pkg/localcontroller/server/server.go`).
                if let problem { return json(400, problem) }
                do {
                    try await capture(body, worker: worker, peer: peer, spool: spool, logger: logger)
                } catch {
                    return json(503, "relay cannot write its spool")
                }
                return json(200, "OK")
            }
            // In front of the LC: the worker's bytes go to the LC at once and the worker gets the
            // LC's own answer, so Sedna behaves as without the relay. The copy is written to the
            // spool concurrently (its fsync does not wait for the LC, nor the LC for it); only a
            // well-formed report is kept, and a spool failure never changes the worker's answer.
            let copy: Task<Void, Never>? = problem == nil ? Task {
                try? await capture(body, worker: worker, peer: peer, spool: spool, logger: logger)
            } : nil
            let answer = await forward(body, lc: lc, worker: worker, client: client, unreachable: lcUnreachable, logger: logger)
            await copy?.value
            return answer
        }
        router.get("/metrics") { _, _ -> Response in
            let out = RelayMetrics.render(spool.stats(now: Date().timeIntervalSince1970), deliveryFailures: failures.value,
                                          lcUnreachable: lcUnreachable.value, rejections: rejections)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(bytes: out)))
        }
        router.get("/healthz") { _, _ in "ok\n" }
        let app = Application(router: router, server: try config.limits.serverBuilder(rejections: rejections, tls: listenerTLS),
                              configuration: .init(address: .hostname(config.host, port: config.port), serverName: "sedna-relay",
                                                   availableConnectionsDelegate: config.limits.connectionCap(rejections: rejections)),
                              logger: logger)
        let sender = Sender(spool: spool, config: config, logger: logger, failures: failures, tls: centralTLS)
        let group = ServiceGroup(configuration: .init(services: [app, sender], gracefulShutdownSignals: [.sigterm, .sigint],
                                                      logger: logger))
        try await group.run()
        try? await client.shutdown()
    }

    /// Writes the copy for the central exporter; a full spool drops it (counted), a write error
    /// is logged and rethrown.
    static func capture(_ body: [UInt8], worker: String, peer: String?, spool: Spool, logger: Logger) async throws {
        do {
            if try await spool.append(worker: worker, body: body, now: Date().timeIntervalSince1970, peer: peer) == nil {
                logger.warning("spool full; report dropped", metadata: ["worker": "\(worker.prefix(80))"])
            }
        } catch {
            logger.error("cannot write the spool", metadata: ["error": "\(error)"])
            throw error
        }
    }

    /// The LC's own status and body. When the LC cannot be reached (refused, reset, or no answer
    /// within the forwarder's deadline) the worker gets 502 with an LC-shaped body: Sedna's
    /// `http_request` (`lib/sedna/service/client.py`) treats any non-200 exactly like a refused
    /// connection (a warning, `None`), so the worker sees what it would see with the LC down.
    static func forward(_ body: [UInt8], lc: String, worker: String, client: HTTPClient, unreachable: FailureCounter,
                        logger: Logger) async -> Response {
        do {
            let a = try await LocalControllerForwarder.forward(body, lc: lc, worker: worker, client: client)
            return Response(status: .init(code: a.status), headers: [.contentType: a.contentType], body: .init(byteBuffer: a.body))
        } catch {
            unreachable.increment()
            logger.warning("LocalController unreachable; report kept for the central exporter",
                           metadata: ["worker": "\(worker.prefix(80))", "error": "\(error)"])
            return json(502, "LocalController unreachable")
        }
    }

    /// An LC-shaped answer (`{"Message": ..., "Status": ...}`, Sedna's `ResponseMessage`).
    static func json(_ status: Int, _ message: String) -> Response {
        let body = JSONWriter.compact.bytes(["Status": .number(Double(status)), "Message": .string(message)])
        return Response(status: .init(code: status), headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}

/// Drains the spool to the central exporter in sequence order.
struct Sender: Service {
    let spool: Spool
    let config: RelayConfiguration
    let logger: Logger
    let failures: FailureCounter
    /// Checked at start; each fresh client re-reads the files (a rotated client certificate is
    /// used from the next reconnect), keeping this one when they cannot be read.
    var tls: TLSConfiguration? = nil

    func run() async throws {
        let target = BaseURL.trimmed(config.centralURL) + "/sedna/relay/\(config.relayName.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "relay")/reports"
        await cancelWhenGracefulShutdown {
            var backoff = Backoff(initial: 0.5, cap: 10, jitter: 0.5)
            // A fresh client after each failure: AsyncHTTPClient's pool keeps retrying a refused
            // connection with its own growing backoff, which would delay delivery after the link
            // returns.
            var client = makeClient()
            defer { let c = client; Task { try? await c.shutdown() } }
            while !Task.isCancelled {
                let batch = spool.pending(limit: config.batchSize)
                if batch.isEmpty {
                    try? await Task.sleep(for: .milliseconds(200))
                    continue
                }
                do {
                    // The incarnation tells the central side which sequence space the numbers belong to.
                    let payload: JSON = ["incarnation": .string(spool.incarnation),
                                         "reports": .array(batch.map { Self.entry($0, node: config.nodeName) })]
                    var req = HTTPClientRequest(url: target)
                    req.method = .POST
                    req.headers.add(name: "Content-Type", value: "application/json")
                    Self.authorize(&req.headers, token: config.token, basicAuth: config.central.basicAuth)
                    req.body = .bytes(ByteBuffer(bytes: JSONWriter.compact.bytes(payload)))
                    let resp = try await client.execute(req, timeout: .seconds(10))
                    let answer = try await resp.body.collect(upTo: 1 << 20)
                    guard resp.status.code == 200, let acked = Self.acked(answer.readableBytesView) else {
                        throw RelayError(message: "central exporter answered \(resp.status.code)")
                    }
                    try spool.ack(through: acked)
                    backoff.reset()
                } catch {
                    failures.increment()
                    let old = client
                    Task { try? await old.shutdown() }
                    client = makeClient()
                    let delay = backoff.next(random: Double.random(in: 0..<1))
                    logger.info("delivery to the central exporter failed; retrying", metadata: [
                        "error": "\(error)", "retry_in_seconds": "\(String(format: "%.1f", delay))",
                        "queued": "\(spool.stats(now: Date().timeIntervalSince1970).depth)"])
                    try? await Task.sleep(for: .milliseconds(Int(delay * 1000)))
                }
            }
        }
    }
}

/// ServiceLifecycle logs its services at debug level: the default description would print the
/// whole configuration, central URL credentials and bearer token included.
extension Sender: CustomStringConvertible {
    var description: String { "Sender(relay: \(config.relayName))" }
}

final class FailureCounter: Sendable {
    private let count = Mutex(0)
    var value: Int { count.withLock { $0 } }
    func increment() { count.withLock { $0 += 1 } }
}

extension Sender {
    /// One report of the batch (`POST /sedna/relay/<relay>/reports`): `peer` is the worker's TCP
    /// peer address, `node` the relay's node; both only when known.
    static func entry(_ r: Spool.Record, node: String?) -> JSON {
        var e: [String: JSON] = ["seq": .number(Double(r.seq)), "worker": .string(r.worker), "body": .string(r.body)]
        if let p = r.peer { e["peer"] = .string(p) }
        if let node, !node.isEmpty { e["node"] = .string(node) }
        return .object(e)
    }

    /// The sequence the central exporter acknowledged (`{"acked": N}`); nil for any other body.
    static func acked(_ body: some Collection<UInt8>) -> UInt64? {
        guard case .number(let n)? = (try? JSON.decode(Array(body)))?["acked"], n >= 0, n < 9e15 else { return nil }
        return UInt64(exactly: n.rounded(.down))
    }

    func makeClient() -> HTTPClient {
        var c = HTTPClient.Configuration()
        c.timeout = .init(connect: .seconds(3), read: .seconds(30))
        if tls != nil { c.tlsConfiguration = (try? config.central.clientConfiguration()) ?? tls }
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: c)
    }
}

struct RelayError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
