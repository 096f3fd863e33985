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
/// - Body deadline and size: `HostileClientGuard` reads the body of a request it guards within
///   `readTimeout`; a body over `maxBodyBytes` is read and discarded up to `drainBytes` and then
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
            additionalChannelHandlers: [HeadDeadlineWatcher(timeout: timeout, rejections: rejections)],
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
            let outcome = await BodyReader.read(request.body, limit: 0, drain: limits.maxBodyBytes, timeout: limits.readTimeout,
                                                channel: context.channel)
            if case .timedOut = outcome { return Self.closed(context) }
            return Self.closing(503, "too many concurrent requests (max \(limits.maxConcurrentRequests)); retry later\n",
                                context: context, extra: [.retryAfter: "1"])
        }
        defer { inFlight.leave() }
        switch await BodyReader.read(request.body, limit: limits.maxBodyBytes, drain: limits.drainBytes,
                                     timeout: limits.readTimeout, channel: context.channel) {
        case .complete(let buffer):
            var request = request
            request.body = RequestBody(buffer: buffer)
            return try await next(request, context)
        case .tooLarge:
            rejections.increment("body_too_large")
            return Self.closing(413, "body larger than \(limits.maxBodyBytes) bytes (max-body-bytes)\n", context: context)
        case .timedOut:
            rejections.increment("body_timeout")
            return Self.closed(context)
        case .failed:
            // The connection ended mid-body: the client gave up, or the idle deadline closed it.
            rejections.increment("body_incomplete")
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

/// Reads a request body within a deadline, keeping at most `limit` bytes and discarding up to
/// `drain` in total.
enum BodyReader {
    enum Outcome: Sendable {
        case complete(ByteBuffer)
        case tooLarge
        case timedOut
        case failed
    }

    /// The deadline is a timer on the connection's event loop that closes the connection:
    /// that ends the body stream, so the read returns. (A task group racing the read against a
    /// sleeping task did the same with two tasks and a timer on the global executor per request:
    /// most of a small push's cost.)
    static func read(_ body: RequestBody, limit: Int, drain: Int, timeout: Double, channel: any Channel) async -> Outcome {
        let expired = Expired()
        let deadline = channel.eventLoop.scheduleTask(in: .nanoseconds(Int64(timeout * 1e9))) {
            expired.flag.store(true, ordering: .releasing)
            channel.close(promise: nil)
        }
        defer { deadline.cancel() }
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
            return expired.flag.load(ordering: .acquiring) ? .timedOut : .failed
        }
        if expired.flag.load(ordering: .acquiring) { return .timedOut }
        return total <= limit ? .complete(kept) : .tooLarge
    }

    private final class Expired: Sendable {
        let flag = Atomic<Bool>(false)
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

/// Counts connections closed by the head deadline: those that never delivered a complete
/// request head and lived at least the deadline (Hummingbird's idle timeout closed them).
final class HeadDeadlineWatcher: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    let timeout: Double
    let rejections: HTTPRejections
    var sawHead = false
    let opened = ContinuousClock.now

    init(timeout: Double, rejections: HTTPRejections) {
        self.timeout = timeout
        self.rejections = rejections
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // Only the first head matters; unwrapping every part was a dynamic cast per part.
        if !sawHead, case .head = unwrapInboundIn(data) { sawHead = true }
        context.fireChannelRead(data)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !sawHead, ContinuousClock.now - opened >= .nanoseconds(Int64(timeout * 1e9 * 0.99)) {
            rejections.increment("head_timeout")
        }
        context.fireChannelInactive()
    }
}

@available(*, unavailable)
extension HeadDeadlineWatcher: Sendable {}
