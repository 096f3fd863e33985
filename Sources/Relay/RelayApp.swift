import AsyncHTTPClient
import Exposition
import Foundation
import Hummingbird
import KubeWatch
import Logging
import NIOCore
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
    /// Bearer token for the central exporter's intake.
    public var token: String?
    public var batchSize = 200
    public var maxBodyBytes = 1 << 20

    public init(centralURL: String, spoolDir: String, relayName: String) {
        self.centralURL = centralURL
        self.spoolDir = spoolDir
        self.relayName = relayName
    }
}

/// The edge relay: answers workers like their LocalController, writes each report to the
/// spool before answering, and a sender drains the spool to the central exporter in order,
/// retrying with backoff while the link is down.
public enum RelayApp {
    public static func run(_ config: RelayConfiguration, logger: Logger) async throws {
        let spool = try Spool(dir: config.spoolDir, maxBytes: config.maxSpoolBytes)
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let failures = FailureCounter()
        let router = Router()
        router.post("/sedna/workers/:worker/info") { request, context -> Response in
            let worker = context.parameters.get("worker") ?? ""
            let body: [UInt8]
            do { body = Array(try await request.body.collect(upTo: config.maxBodyBytes).readableBytesView) } catch {
                return json(413, ["Status": 413, "Message": "body larger than \(config.maxBodyBytes) bytes"])
            }
            guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
                  let name = object["name"] as? String else {
                return json(400, ["Status": 400, "Message": "body is not a worker report (a JSON object with a name)"])
            }
            guard name == worker else {
                return json(400, ["Status": 400, "Message": "worker name in the body differs from the path"])
            }
            do {
                if try spool.append(worker: worker, body: body, now: Date().timeIntervalSince1970) == nil {
                    logger.warning("spool full; report dropped", metadata: ["worker": "\(worker.prefix(80))"])
                }
            } catch {
                logger.error("cannot write the spool", metadata: ["error": "\(error)"])
                return json(503, ["Status": 503, "Message": "relay cannot write its spool"])
            }
            if let lc = config.lcURL, let answer = await forward(body, lc: lc, worker: worker, client: client) {
                return answer
            }
            return json(200, ["Status": 200, "Message": "OK"])
        }
        router.get("/metrics") { _, _ -> Response in
            let s = spool.stats(now: Date().timeIntervalSince1970)
            var out = ""
            func g(_ name: String, _ type: String, _ help: String, _ v: Double) {
                out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n\(name) \(v == v.rounded() ? String(Int64(v)) : String(v))\n"
            }
            g("sedna_relay_queue_depth", "gauge", "Reports waiting for the central exporter.", Double(s.depth))
            g("sedna_relay_queue_bytes", "gauge", "Bytes of the waiting reports.", Double(s.bytes))
            g("sedna_relay_oldest_queued_age_seconds", "gauge", "Age of the oldest waiting report.", s.oldestAge)
            g("sedna_relay_delivered_total", "counter", "Reports the central exporter acknowledged (since the relay started).", Double(s.delivered))
            g("sedna_relay_dropped_total", "counter", "Reports dropped because the spool reached its size bound.", Double(s.dropped))
            g("sedna_relay_delivery_failures_total", "counter", "Failed deliveries to the central exporter.", Double(failures.value))
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: out)))
        }
        router.get("/healthz") { _, _ in "ok\n" }
        let app = Application(router: router, configuration: .init(address: .hostname(config.host, port: config.port),
                                                                    serverName: "sedna-relay"), logger: logger)
        let sender = Sender(spool: spool, config: config, logger: logger, failures: failures)
        let group = ServiceGroup(configuration: .init(services: [app, sender], gracefulShutdownSignals: [.sigterm, .sigint],
                                                      logger: logger))
        try await group.run()
        try? await client.shutdown()
    }

    static func forward(_ body: [UInt8], lc: String, worker: String, client: HTTPClient) async -> Response? {
        guard let a = try? await LocalControllerForwarder.forward(body, lc: lc, worker: worker, client: client) else { return nil }
        return Response(status: .init(code: a.status), headers: [.contentType: a.contentType], body: .init(byteBuffer: a.body))
    }

    static func json(_ status: Int, _ object: [String: Any]) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return Response(status: .init(code: status), headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// Drains the spool to the central exporter in sequence order.
struct Sender: Service {
    let spool: Spool
    let config: RelayConfiguration
    let logger: Logger
    let failures: FailureCounter

    func run() async throws {
        var url = config.centralURL
        while url.hasSuffix("/") { url.removeLast() }
        let target = url + "/sedna/relay/\(config.relayName.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "relay")/reports"
        await cancelWhenGracefulShutdown {
            var backoff = Backoff(initial: 0.5, cap: 10, jitter: 0.5)
            // A fresh client after each failure: AsyncHTTPClient's pool keeps retrying a refused
            // connection with its own growing backoff, which would delay delivery after the link
            // returns.
            var client = Self.makeClient()
            defer { let c = client; Task { try? await c.shutdown() } }
            while !Task.isCancelled {
                let batch = spool.pending(limit: config.batchSize)
                if batch.isEmpty {
                    try? await Task.sleep(for: .milliseconds(200))
                    continue
                }
                do {
                    let payload: [String: Any] = ["reports": batch.map { ["seq": $0.seq, "worker": $0.worker, "body": $0.body] }]
                    var req = HTTPClientRequest(url: target)
                    req.method = .POST
                    req.headers.add(name: "Content-Type", value: "application/json")
                    if let t = config.token { req.headers.add(name: "Authorization", value: "Bearer \(t)") }
                    req.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: payload)))
                    let resp = try await client.execute(req, timeout: .seconds(10))
                    let answer = try await resp.body.collect(upTo: 1 << 20)
                    guard resp.status.code == 200,
                          let obj = try JSONSerialization.jsonObject(with: Data(answer.readableBytesView)) as? [String: Any],
                          let acked = (obj["acked"] as? NSNumber)?.uint64Value else {
                        throw RelayError(message: "central exporter answered \(resp.status.code)")
                    }
                    try spool.ack(through: acked)
                    backoff.reset()
                } catch {
                    failures.increment()
                    let old = client
                    Task { try? await old.shutdown() }
                    client = Self.makeClient()
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

final class FailureCounter: Sendable {
    private let count = Mutex(0)
    var value: Int { count.withLock { $0 } }
    func increment() { count.withLock { $0 += 1 } }
}

extension Sender {
    static func makeClient() -> HTTPClient {
        var c = HTTPClient.Configuration()
        c.timeout = .init(connect: .seconds(3), read: .seconds(30))
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: c)
    }
}

struct RelayError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
