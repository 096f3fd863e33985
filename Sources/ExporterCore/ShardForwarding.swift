import AsyncHTTPClient
import Exposition
import Foundation
import Hummingbird
import Intake
import Logging
import NIOCore
import SednaCatalog
import ServerSupport

/// On a sharded exporter every shard accepts every worker report, relay batch and push, and
/// hands what belongs to another shard's task to that shard over HTTP, so that a Service
/// spreading requests over the shards loses nothing and every figure shows up once
/// (docs/architecture.md, "Intake"). Runs as a middleware in front of `IntakeRoutes`: what this
/// shard handles goes on to them unchanged (body included), so the unsharded behaviour stays
/// exactly as it is. `ShardRouting` makes the decision; this type only does the I/O.
///
/// - Direct reports (`POST /sedna/workers/<w>/info`) are tied to their task with the intake's
///   resolver (the worker's address first) and forwarded byte for byte with the bearer token,
///   `X-Sedna-Forwarded-By: <shard>` and `X-Sedna-Forwarded-Peer: <worker address>`.
/// - Pushes (`/metrics/job/...`) go with the task or pod their grouping key names; unbound
///   groups to shard 0.
/// - Relay batches: see `ShardRelayDistribution`.
///
/// When the owner cannot be reached (it restarts) the sender gets 503 and keeps what it sent:
/// the relay keeps the reports spooled and sends them again; Sedna's worker library logs the
/// status and drops that report (`http_request` in lib/sedna/service/client.py retries
/// nothing), but `LCReporter` sends running totals every 30 s, so the next report restores them.
public struct ShardForwarding: RouterMiddleware, Sendable {
    public typealias Context = ExporterRequestContext

    let routes: IntakeRoutes
    let directory: any WorkerDirectory
    let assignment: ShardAssignmentBox
    let peers: ShardPeers
    let client: HTTPClient
    let counters: ShardForwardCounters
    /// The acknowledgement ledgers of the relays whose ledger shard this is.
    let relayAcks: RelayLedger
    /// How long a hand-off to the owner may take.
    let timeout: TimeAmount
    /// How long a relay batch handed whole to its ledger shard may take: that shard hands it on
    /// to the owners (each within `timeout`, side by side), and the relay waits 10 s.
    let ledgerTimeout: TimeAmount

    public init(routes: IntakeRoutes, directory: any WorkerDirectory, assignment: ShardAssignmentBox, peers: ShardPeers,
                client: HTTPClient, counters: ShardForwardCounters, relayAcks: RelayLedger = RelayLedger(),
                timeout: TimeAmount = .seconds(3), ledgerTimeout: TimeAmount = .seconds(8)) {
        self.routes = routes
        self.directory = directory
        self.assignment = assignment
        self.peers = peers
        self.client = client
        self.counters = counters
        self.relayAcks = relayAcks
        self.timeout = timeout
        self.ledgerTimeout = ledgerTimeout
    }

    /// The client for hand-offs. A restarting owner refuses connections, and AsyncHTTPClient
    /// retries a refused connection until its connect timeout: one second keeps a brief hiccup
    /// harmless while a shard that is down is answered 503 well within the sender's deadline.
    public static func makeClient() -> HTTPClient {
        var c = HTTPClient.Configuration()
        c.timeout = .init(connect: .seconds(1), read: .seconds(5))
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: c)
    }

    var service: IntakeService { routes.service }
    var logger: Logger { routes.logger }

    public func handle(_ request: Request, context: Context,
                       next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        let isReport = request.method == .post && path.hasPrefix("/sedna/workers/") && path.hasSuffix("/info")
        let isRelay = request.method == .post && path.hasPrefix("/sedna/relay/") && path.hasSuffix("/reports")
        let isPush = path.hasPrefix("/metrics/") && [HTTPRequest.Method.put, .post, .delete].contains(request.method)
        guard isReport || isRelay || isPush else { return try await next(request, context) }
        // The routes answer 401 themselves; nothing unauthenticated is read or forwarded.
        if let token = routes.config.token,
           !routes.constantTimeEqual(request.headers[.authorization] ?? "", "Bearer " + token) {
            return try await next(request, context)
        }
        var context = context
        if Self.header(request, ShardRouting.forwardedByHeader) != nil {
            // Handed over by another shard: handled here whatever this shard thinks (no loops);
            // a direct report keeps the worker's own address for the resolver.
            if isReport, let peer = Self.header(request, ShardRouting.forwardedPeerHeader), !peer.isEmpty {
                context.forwardedPeer = String(peer.prefix(64))
            }
            if isRelay, Self.header(request, ShardRouting.relayStageHeader) == "ledger" {
                return try await ShardRelayDistribution(forwarding: self).distribute(request, context: context, next: next)
            }
            return try await next(request, context)
        }
        let now = assignment.current
        guard now.total > 1 else { return try await next(request, context) }
        if isRelay {
            switch ShardRouting.decideRelay(relay: IntakeRoutes.relayName(segment(path, 2)), assignment: now, peers: peers) {
            case .forward(let shard, let url):
                return try await forwardWhole(request, endpoint: "relay", shard: shard, url: url, from: now.shard,
                                              extra: [(ShardRouting.relayStageHeader, "ledger")], timeout: ledgerTimeout)
            case .handle, .hold:
                return try await ShardRelayDistribution(forwarding: self).distribute(request, context: context, next: next)
            }
        }
        // Read the body once; what stays here goes on with the same bytes.
        var request = request
        let raw: ByteBuffer
        do {
            raw = try await request.body.collect(upTo: routes.config.limits.maxBodyBytes)
        } catch {
            let endpoint = isReport ? "report" : request.method == .delete ? "delete" : "push"
            service.countResponse(endpoint: endpoint, code: 413)
            return routes.text(413, "body larger than \(routes.config.limits.maxBodyBytes) bytes (max-body-bytes)\n")
        }
        request.body = RequestBody(buffer: raw)
        let target: ShardRouting.Target?
        if isReport {
            target = try await reportTarget(request, peer: context.peerIP)
        } else {
            target = pushTarget(path)
        }
        guard let target,
              case let .forward(shard, url) = ShardRouting.decide(target, assignment: now, forwardedBy: nil, peers: peers) else {
            return try await next(request, context)
        }
        let endpoint = isReport ? "report" : request.method == .delete ? "delete" : "push"
        var extra: [(String, String)] = []
        if isReport, let peer = context.peerIP { extra.append((ShardRouting.forwardedPeerHeader, peer)) }
        return try await forwardWhole(request, endpoint: endpoint, shard: shard, url: url, from: now.shard, extra: extra)
    }

    /// The owner of a direct report; nil when the routes should answer it (bad body, wrong name).
    func reportTarget(_ request: Request, peer: String?) async throws -> ShardRouting.Target? {
        let bytes: [UInt8]
        do { bytes = try await routes.readBody(request) } catch { return nil }
        guard let r = try? WorkerReport.decode(bytes) else { return nil }
        return target(of: r, peer: peer)
    }

    func target(of r: WorkerReport, peer: String?) -> ShardRouting.Target {
        guard let res = service.resolve(r, peer: peer),
              let uid = directory.taskUID(res.kind, namespace: r.namespace, name: res.task) else { return .unknown }
        return .task(uid: uid)
    }

    /// The owner of a pushed group, from its grouping key (`PushBinder`, as the intake binds it);
    /// nil for a key the routes refuse.
    func pushTarget(_ path: String) -> ShardRouting.Target? {
        let segments = path.dropFirst("/metrics/".count).split(separator: "/", omittingEmptySubsequences: false)
            .map { String($0).removingPercentEncoding ?? String($0) }
        guard let key = try? GroupingKey.parse(segments, limits: routes.config.limits) else { return nil }
        let namespace = key.value("namespace") ?? ""
        let bound = PushBinder.bind(key, pod: { directory.workerPod(namespace: namespace, pod: $0) }) { kind, name in
            directory.hasTask(kind, namespace: namespace, name: name)
        }
        guard let task = bound.binding.task else { return .unbound }
        guard case .sedna(let kind) = task.resource,
              let uid = directory.taskUID(kind, namespace: task.namespace, name: task.name) else { return .unknown }
        return .task(uid: uid)
    }

    /// A request header by name (case-insensitive).
    static func header(_ request: Request, _ name: String) -> String? {
        let lower = name.lowercased()
        return request.headers.first { $0.name.canonicalName == lower }?.value
    }

    func segment(_ path: String, _ index: Int) -> String? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        return index + 1 < parts.count ? String(parts[index + 1]) : nil
    }

    // MARK: I/O

    /// The owner's answer to a request sent on unchanged (method, path, body, content headers,
    /// bearer token), or nil when it could not be reached or failed (5xx). `contentType`: a body
    /// of this shard's making (a relay sub-batch), sent as is instead of the request's.
    func send(_ request: Request, body: ByteBuffer?, url: String, from shard: Int, extra: [(String, String)],
              contentType: String? = nil, timeout: TimeAmount? = nil) async -> (status: Int, headers: HTTPFields, body: ByteBuffer)? {
        var req = HTTPClientRequest(url: url + request.uri.description)
        req.method = .init(rawValue: request.method.rawValue)
        if let v = request.headers[.authorization] { req.headers.add(name: "Authorization", value: v) }
        if let contentType {
            req.headers.add(name: "Content-Type", value: contentType)
        } else {
            if let v = request.headers[.contentType] { req.headers.add(name: "Content-Type", value: v) }
            if let v = request.headers[.contentEncoding] { req.headers.add(name: "Content-Encoding", value: v) }
        }
        req.headers.add(name: ShardRouting.forwardedByHeader, value: String(shard))
        for (n, v) in extra { req.headers.add(name: n, value: v) }
        if let body { req.body = .bytes(body) }
        do {
            let resp = try await client.execute(req, timeout: timeout ?? self.timeout)
            let answer = try await resp.body.collect(upTo: 1 << 20)
            guard resp.status.code < 500 else { return nil }
            var headers: HTTPFields = [:]
            if let ct = resp.headers.first(name: "Content-Type") { headers[.contentType] = ct }
            if let auth = resp.headers.first(name: "WWW-Authenticate") { headers[.wwwAuthenticate] = auth }
            return (Int(resp.status.code), headers, answer)
        } catch {
            return nil
        }
    }

    /// Forwards the whole request and returns the owner's answer, or 503 (counted) when the owner
    /// cannot take it: the sender keeps the request and sends it again.
    func forwardWhole(_ request: Request, endpoint: String, shard: Int, url: String, from: Int,
                      extra: [(String, String)], timeout: TimeAmount? = nil) async throws -> Response {
        var body: ByteBuffer? = nil
        if request.method != .delete {
            do {
                body = try await request.body.collect(upTo: routes.config.limits.maxBodyBytes)
            } catch {
                service.countResponse(endpoint: endpoint, code: 413)
                return routes.text(413, "body larger than \(routes.config.limits.maxBodyBytes) bytes (max-body-bytes)\n")
            }
        }
        if let answer = await send(request, body: body, url: url, from: from, extra: extra, timeout: timeout) {
            counters.count(endpoint: endpoint, result: "delivered")
            return Response(status: .init(code: answer.status), headers: answer.headers, body: .init(byteBuffer: answer.body))
        }
        counters.count(endpoint: endpoint, result: "failed")
        service.countResponse(endpoint: endpoint, code: 503)
        logger.warning("the shard owning this request could not take it; answered 503", metadata: [
            "endpoint": "\(endpoint)", "owner_shard": "\(shard)"])
        let message = "shard \(shard), which owns this task, cannot be reached; send again later"
        if endpoint == "report" {
            return routes.json(503, .object(["Status": .number(503), "Message": .string(message)]))
        }
        return routes.text(503, message + "\n")
    }
}
