import Foundation
import Hummingbird
import HummingbirdCore
import NIOCore
import NIOHTTPTypes
import Synchronization

/// Bounds against hostile or broken HTTP clients, shared by the exporter and the relay.
///
/// - Request head deadline: Hummingbird's HTTP/1 idle timeout closes a connection that has not
///   sent a complete request head within `readTimeout` (slowloris), and idle keep-alive ones.
/// - Body deadline: a request's body must end within `readTimeout` of its head, or the
///   connection is closed (`ConnectionDeadlines`, on the connection's event loop).
/// - Body size: `HostileClientGuard` reads the body of a request it guards; a body over
///   `maxBodyBytes` is read and discarded up to `drainBytes` and then
///   answered 413 with its reason, and the connection closed after the answer. Reading the rest
///   matters: Python's `http.client` (urllib, `prometheus_client.push_to_gateway`) sends the
///   whole body before it reads any answer, so a server that stops reading leaves it blocked
///   until its own timeout, and one that closes with unread data makes the kernel reset the
///   connection, destroying the answer. Past `drainBytes` the connection is closed at once.
/// - Connections: at most `maxConnections` open; past it the listener stops accepting until one
///   closes (the kernel backlog holds the rest).
/// - Guarded requests in flight: at most `maxConcurrentRequests`; more are answered 503 with
///   `Retry-After` (Sedna's worker client and `prometheus_client` report it as an HTTP error).
///
/// Every refusal is counted by reason (`sedna_exporter_http_rejected_total`,
/// `sedna_relay_http_rejected_total`).
public struct HTTPLimits: Sendable, Equatable {
    public var maxBodyBytes: Int
    public var drainBytes: Int
    public var readTimeout: Double
    public var maxConnections: Int
    public var maxConcurrentRequests: Int

    public init(maxBodyBytes: Int = 1 << 20, drainBytes: Int = 64 << 20, readTimeout: Double = 30,
                maxConnections: Int = 1_024, maxConcurrentRequests: Int = 256) {
        self.maxBodyBytes = maxBodyBytes
        self.drainBytes = drainBytes
        self.readTimeout = readTimeout
        self.maxConnections = maxConnections
        self.maxConcurrentRequests = maxConcurrentRequests
    }

    /// Every problem with the values, each as a sentence naming its flag; empty when valid.
    public func problems() -> [String] {
        var p: [String] = []
        if maxBodyBytes <= 0 { p.append("--max-body-bytes must be positive (got \(maxBodyBytes))") }
        if maxBodyBytes > 256 << 20 { p.append("--max-body-bytes must be at most \(256 << 20) (got \(maxBodyBytes))") }
        if !(readTimeout > 0 && readTimeout <= 3_600) {
            p.append("--http-read-timeout must be more than 0 and at most 3600 seconds (got \(readTimeout))")
        }
        if !(1...65_536).contains(maxConnections) { p.append("--max-connections must be in 1...65536 (got \(maxConnections))") }
        if !(1...65_536).contains(maxConcurrentRequests) {
            p.append("--max-concurrent-intake must be in 1...65536 (got \(maxConcurrentRequests))")
        }
        if drainBytes < 0 { p.append("the drain bound must not be negative") }
        return p
    }

    /// The HTTP/1 server with the head deadline and the timeout watcher in its pipeline.
    public func serverBuilder(rejections: HTTPRejections) -> HTTPServerBuilder {
        let timeout = readTimeout
        return .http1(configuration: .init(
            additionalChannelHandlers: [ConnectionDeadlines(timeout: timeout, rejections: rejections)],
            idleTimeout: .nanoseconds(Int64(timeout * 1e9))))
    }

    /// The connection cap for `ApplicationConfiguration.availableConnectionsDelegate`.
    public func connectionCap(rejections: HTTPRejections) -> any AvailableConnectionsDelegate {
        ConnectionCap(max: maxConnections, rejections: rejections)
    }
}

/// Refusals by reason: `body_too_large`, `body_timeout`, `body_incomplete` (the connection ended
/// mid-body), `head_timeout`, `too_many_requests`, `connection_limit`; with a web config also
/// `unauthorized` (basic auth failed) and `tls` (a failed handshake).
public final class HTTPRejections: Sendable {
    public static let reasons = ["body_too_large", "body_timeout", "body_incomplete", "head_timeout", "too_many_requests",
                                 "connection_limit", "unauthorized", "tls"]
    private let counts = Mutex<[String: Int]>([:])

    public init() {}

    public func increment(_ reason: String) { counts.withLock { $0[reason, default: 0] += 1 } }

    public func count(_ reason: String) -> Int { counts.withLock { $0[reason] ?? 0 } }

    /// Every reason with its count, zeros included, so rates work from the start.
    public var samples: [([String], Double)] {
        let c = counts.withLock { $0 }
        return Self.reasons.map { ([$0], Double(c[$0] ?? 0)) }
    }
}

/// A request context that knows its connection, so a guard can close it after its answer.
public protocol ChannelRequestContext: RequestContext {
    var channel: any Channel { get }
}

/// The body guard (see `HTTPLimits`) for the routes `guards` selects (those that take bodies:
/// intake and worker reports; `/metrics` GETs stay out of it).
public struct HostileClientGuard<Context: ChannelRequestContext>: RouterMiddleware {
    let limits: HTTPLimits
    let rejections: HTTPRejections
    let guards: @Sendable (Request) -> Bool
    private let inFlight = InFlight()

    public init(limits: HTTPLimits, rejections: HTTPRejections, guards: @escaping @Sendable (Request) -> Bool) {
        self.limits = limits
        self.rejections = rejections
        self.guards = guards
    }

    public func handle(_ request: Request, context: Context,
                       next: (Request, Context) async throws -> Response) async throws -> Response {
        guard guards(request) else { return try await next(request, context) }
        guard inFlight.enter(max: limits.maxConcurrentRequests) else {
            rejections.increment("too_many_requests")
            // Read what the client sends (bounded by the body limit) so it sees the answer.
            if case .ended = await BodyReader.read(request.body, limit: 0, drain: limits.maxBodyBytes) {
                return Self.closed(context)
            }
            return Self.closing(503, "too many concurrent requests (max \(limits.maxConcurrentRequests)); retry later\n",
                                context: context, extra: [.retryAfter: "1"])
        }
        defer { inFlight.leave() }
        switch await BodyReader.read(request.body, limit: limits.maxBodyBytes, drain: limits.drainBytes) {
        case .complete(let buffer):
            var request = request
            request.body = RequestBody(buffer: buffer)
            return try await next(request, context)
        case .tooLarge:
            rejections.increment("body_too_large")
            return Self.closing(413, "body larger than \(limits.maxBodyBytes) bytes (max-body-bytes)\n", context: context)
        case .ended:
            // The connection ended mid-body (`ConnectionDeadlines` counted why).
            return Self.closed(context)
        }
    }

    /// An answer after which the connection is closed: `Connection: close`, and a quiesce
    /// event so Hummingbird's connection handler closes once the answer is written.
    static func closing(_ status: Int, _ text: String, context: Context, extra: HTTPFields = [:]) -> Response {
        let channel = context.channel
        channel.eventLoop.execute { channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent()) }
        var headers: HTTPFields = [.contentType: "text/plain; charset=utf-8", .connection: "close"]
        headers.append(contentsOf: extra)
        return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// The connection is already closed; the answer goes nowhere.
    static func closed(_ context: Context) -> Response {
        context.channel.close(promise: nil)
        return Response(status: .requestTimeout, headers: [.connection: "close"])
    }
}

final class InFlight: Sendable {
    private let n = Atomic<Int>(0)
    func enter(max: Int) -> Bool {
        guard n.wrappingAdd(1, ordering: .relaxed).oldValue < max else {
            n.wrappingSubtract(1, ordering: .relaxed)
            return false
        }
        return true
    }
    func leave() { n.wrappingSubtract(1, ordering: .relaxed) }
}

/// Reads a request body, keeping at most `limit` bytes and discarding up to `drain` in total.
/// The deadline is not here: `ConnectionDeadlines` closes a connection whose body is late, which
/// ends the body stream, so the read returns `.ended`.
enum BodyReader {
    enum Outcome: Sendable {
        case complete(ByteBuffer)
        case tooLarge
        /// The stream failed: the connection closed mid-body (the body deadline, the idle
        /// deadline, or the client); `ConnectionDeadlines` counted why.
        case ended
    }

    static func read(_ body: RequestBody, limit: Int, drain: Int) async -> Outcome {
        var kept = ByteBuffer()
        var total = 0
        do {
            for try await chunk in body {
                total += chunk.readableBytes
                if total <= limit {
                    var c = chunk
                    kept.writeBuffer(&c)
                } else if total > max(drain, limit) {
                    return .tooLarge
                }
            }
        } catch {
            return .ended
        }
        return total <= limit ? .complete(kept) : .tooLarge
    }
}

/// Stops accepting connections past the cap, counting each time it starts refusing.
struct ConnectionCap: AvailableConnectionsDelegate {
    let max: Int
    let rejections: HTTPRejections
    var open = 0

    init(max: Int, rejections: HTTPRejections) {
        self.max = max
        self.rejections = rejections
    }

    mutating func connectionOpened() { open += 1 }
    mutating func connectionClosed() { open -= 1 }
    func isAcceptingNewConnections() -> Bool {
        if open < max { return true }
        rejections.increment("connection_limit")
        return false
    }
}

/// A connection's read deadlines, kept on its event loop, and the refusals they cause:
///
/// - `head_timeout`: the connection never delivered a complete request head and lived at least
///   the deadline (Hummingbird's idle timeout closed it).
/// - `body_timeout`: a request's body had not ended `timeout` after its head; the connection is
///   closed, which ends the body stream its handler reads.
/// - `body_incomplete`: the connection ended mid-body for another reason (the client gave up,
///   the idle deadline) and not because the server chose to close it after an answer.
///
/// One timer per connection, armed at a head when none is pending and re-armed only when it
/// fires early: a request costs a look at each of its parts and two stores. (A timer per
/// request was set and cancelled from the handler's thread, two cross-thread wakeups of the
/// event loop per push; docs/benchmarks.md, session 14, has the profiles and the req/s of both.)
final class ConnectionDeadlines: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    let timeout: TimeAmount
    let rejections: HTTPRejections
    var sawHead = false
    let opened = NIODeadline.now()
    /// When the body of the request being received is late; nil between requests.
    var bodyDue: NIODeadline?
    var timer: Scheduled<Void>?
    /// The body deadline closed the connection, or an answer asked for it to be closed
    /// (`ChannelShouldQuiesceEvent`): not counted as `body_incomplete` then.
    var closingByServer = false

    init(timeout: Double, rejections: HTTPRejections) {
        self.timeout = .nanoseconds(Int64(timeout * 1e9))
        self.rejections = rejections
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            sawHead = true
            let due = NIODeadline.now() + timeout
            bodyDue = due
            if timer == nil { arm(context, at: due) }
        case .end:
            bodyDue = nil
        case .body:
            break
        }
        context.fireChannelRead(data)
    }

    private func arm(_ context: ChannelHandlerContext, at due: NIODeadline) {
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: due) {
            let (handler, context) = bound.value
            handler.fire(context)
        }
    }

    private func fire(_ context: ChannelHandlerContext) {
        timer = nil
        guard let due = bodyDue else { return }     // no body pending: the next head arms again
        if due <= .now() {
            closingByServer = true
            rejections.increment("body_timeout")
            context.close(promise: nil)
        } else {
            arm(context, at: due)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent { closingByServer = true }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        if bodyDue != nil, !closingByServer { rejections.increment("body_incomplete") }
        if !sawHead, NIODeadline.now() - opened >= .nanoseconds(Int64(Double(timeout.nanoseconds) * 0.99)) {
            rejections.increment("head_timeout")
        }
        context.fireChannelInactive()
    }
}

@available(*, unavailable)
extension ConnectionDeadlines: Sendable {}
