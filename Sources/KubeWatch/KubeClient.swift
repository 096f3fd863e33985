import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import SednaCatalog
import ServerSupport
import Synchronization

/// The few Kubernetes API calls the exporter makes: discovery, LIST, WATCH. Read-only by
/// construction (least privilege: get, list, watch).
public final class KubeClient: Sendable {
    public let connection: ClusterConnection
    let configuration: HTTPClient.Configuration
    private let httpBox: Mutex<HTTPClient>
    var http: HTTPClient { httpBox.withLock { $0 } }
    /// LIST page size (client-go's default is 500).
    public let pageSize: Int
    /// Deadline for response headers. AsyncHTTPClient retries a refused connection until this
    /// deadline, so it also bounds how long a down API server hides behind one request.
    let requestTimeout: TimeAmount
    /// Deadline for a whole LIST or discovery body. AsyncHTTPClient's deadline ends with the
    /// response head and its idle read timeout only bounds the gaps, so a body trickled a few
    /// bytes at a time (a slow or hostile middlebox) would otherwise hold a reflector, and
    /// freeze its series, for as long as the trickle lasts. Watch bodies are long-lived by
    /// design and are not bound by it.
    let bodyTimeout: TimeAmount

    public init(connection: ClusterConnection, pageSize: Int = 500, idleReadTimeout: TimeAmount = .seconds(150),
                requestTimeout: TimeAmount = .seconds(10), bodyTimeout: TimeAmount = .seconds(60)) throws {
        self.connection = connection
        self.pageSize = pageSize
        self.requestTimeout = requestTimeout
        self.bodyTimeout = bodyTimeout
        var config = HTTPClient.Configuration()
        config.timeout = .init(connect: .seconds(10), read: idleReadTimeout)
        config.decompression = .enabled(limit: .ratio(100))
        config.httpVersion = .http1Only
        // Every watch holds one HTTP/1.1 connection for minutes; AsyncHTTPClient's default of 8
        // per host would queue the ninth watch forever (13 resources are watched).
        config.connectionPool = .init(idleTimeout: .seconds(60),
                                      concurrentHTTP1ConnectionsPerHostSoftLimit: WatchedResource.all.count + 8)
        if connection.server.scheme == "https" {
            var tls = TLSConfiguration.makeClientConfiguration()
            if connection.insecureSkipTLSVerify {
                tls.certificateVerification = .none
            } else if let ca = connection.caPEM {
                do {
                    tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(ca))
                } catch {
                    throw KubeError.config("certificate authority is not valid PEM: \(error)")
                }
            }
            if case let .clientCertificate(cert, key) = connection.credential {
                do {
                    tls.certificateChain = try NIOSSLCertificate.fromPEMBytes(cert).map { .certificate($0) }
                    tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: key, format: .pem))
                } catch {
                    throw KubeError.config("client certificate or key is not valid PEM: \(error)")
                }
            }
            config.tlsConfiguration = tls
        }
        self.configuration = config
        self.httpBox = Mutex(HTTPClient(eventLoopGroupProvider: .singleton, configuration: config))
    }

    private init(connection: ClusterConnection, configuration: HTTPClient.Configuration, pageSize: Int, requestTimeout: TimeAmount,
                 bodyTimeout: TimeAmount) {
        self.connection = connection
        self.configuration = configuration
        self.pageSize = pageSize
        self.requestTimeout = requestTimeout
        self.bodyTimeout = bodyTimeout
        self.httpBox = Mutex(HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration))
    }

    /// A client with the same settings and its own connection pool: each reflector gets one,
    /// so one resource's broken connections never hold up another's.
    public func fork() -> KubeClient {
        KubeClient(connection: connection, configuration: configuration, pageSize: pageSize, requestTimeout: requestTimeout,
                   bodyTimeout: bodyTimeout)
    }

    /// Drops every pooled connection and the pool's own reconnect backoff (which grows to a
    /// minute while the API server is unreachable); called after transport errors so that a
    /// recovered API server is used as soon as our own backoff says so.
    public func resetConnections() {
        let fresh = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let old = httpBox.withLock { box -> HTTPClient in
            let o = box
            box = fresh
            return o
        }
        Task { try? await old.shutdown() }
    }

    public func shutdown() async {
        try? await http.shutdown()
    }

    func url(_ path: String, _ query: [(String, String)]) -> String {
        var s = BaseURL.trimmed(connection.server.absoluteString) + path
        if !query.isEmpty {
            s += "?" + query.map { "\($0.0)=\(Self.escape($0.1))" }.joined(separator: "&")
        }
        return s
    }

    static func escape(_ v: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return v.addingPercentEncoding(withAllowedCharacters: allowed) ?? v
    }

    func request(_ path: String, _ query: [(String, String)]) throws -> HTTPClientRequest {
        var r = HTTPClientRequest(url: url(path, query))
        r.headers.add(name: "Accept", value: "application/json")
        r.headers.add(name: "User-Agent", value: "sedna-exporter")
        switch connection.credential {
        case .token(let t):
            r.headers.add(name: "Authorization", value: "Bearer \(t)")
        case .tokenFile(let f):
            guard let t = TokenFile.read(f) else { throw KubeError(.config, "cannot read token file \(f) (or it is empty)") }
            r.headers.add(name: "Authorization", value: "Bearer \(t)")
        default: break
        }
        return r
    }

    /// GET and collect the body, mapping HTTP errors to KubeError codes.
    func get(_ path: String, _ query: [(String, String)] = [], maxBytes: Int = 256 << 20) async throws -> [UInt8] {
        let response: HTTPClientResponse
        do {
            response = try await http.execute(try request(path, query), timeout: requestTimeout)
        } catch let e as KubeError {
            throw e
        } catch {
            throw KubeError(.transport, "GET \(path): \(error)")
        }
        let body: ByteBuffer
        do { body = try await Self.collect(response.body, upTo: maxBytes, within: bodyTimeout) } catch {
            throw KubeError(.transport, "GET \(path): reading body: \(error)")
        }
        try Self.check(response.status, path: path, body: body)
        return Array(body.readableBytesView)
    }

    struct BodyTimeout: Error, CustomStringConvertible {
        let seconds: Int64
        var description: String { "not complete within \(seconds) s (api-body-timeout)" }
    }

    /// Collects a body, or gives up after `timeout`: the collecting child is cancelled, which
    /// makes AsyncHTTPClient end the request and close its connection.
    static func collect(_ body: HTTPClientResponse.Body, upTo maxBytes: Int, within timeout: TimeAmount) async throws -> ByteBuffer {
        try await withThrowingTaskGroup(of: ByteBuffer?.self) { group in
            group.addTask { try await body.collect(upTo: maxBytes) }
            group.addTask {
                try await Task.sleep(nanoseconds: UInt64(max(0, timeout.nanoseconds)))
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let buffer = first else {
                throw BodyTimeout(seconds: timeout.nanoseconds / 1_000_000_000)
            }
            return buffer
        }
    }

    static func check(_ status: HTTPResponseStatus, path: String, body: ByteBuffer?) throws {
        switch status.code {
        case 200..<300: return
        case 410: throw KubeError(.gone, "GET \(path): 410 Gone")
        case 404: throw KubeError(.notFound, "GET \(path): 404 Not Found")
        default:
            var reason = ""
            if let body, let j = try? JSON.decode(Array(body.readableBytesView.prefix(64 << 10))), let m = j["message"].string {
                reason = ": " + String(m.prefix(200))
            }
            throw KubeError(.http(Int(status.code)), "GET \(path): HTTP \(status.code)\(reason)")
        }
    }

    /// The plurals served under sedna.io/v1alpha1; empty when the group is not installed.
    public func discoverSednaResources() async throws -> Set<String> {
        do {
            let body = try await get("/apis/\(SednaKind.group)/\(SednaKind.version)")
            let json = try JSON.decode(body)
            var out = Set<String>()
            for r in json["resources"].array ?? [] {
                if let n = r["name"].string, !n.contains("/") { out.insert(n) }
            }
            return out
        } catch let e as KubeError where e.code == .notFound {
            return []
        }
    }

    /// One LIST page; a large body is parsed on `work`'s queues (`WatchWork`), off the pool.
    /// One LIST page; with `known`, items whose bytes hash to one of its hashes are not parsed
    /// (`ListPage.decode(_:known:)`).
    public func list(_ resource: WatchedResource, continueToken: String?, known: [Int: String]? = nil,
                     work: WatchWork = .shared) async throws -> ListPage {
        var q = [("limit", String(pageSize))]
        if let c = continueToken { q.append(("continue", c)) }
        let body = try await get(resource.path, q)
        return try await work.run(heavy: body.count >= WatchWork.inlineListBytes) { Result { try ListPage.decode(body, known: known) } }.get()
    }

    /// Opens a watch stream; the caller reads lines from the body until it ends.
    public func watch(_ resource: WatchedResource, resourceVersion: String?, timeoutSeconds: Int) async throws -> HTTPClientResponse.Body {
        var q = [("watch", "true"), ("allowWatchBookmarks", "true"), ("timeoutSeconds", String(timeoutSeconds))]
        if let rv = resourceVersion { q.append(("resourceVersion", rv)) }
        let response: HTTPClientResponse
        do {
            response = try await http.execute(try request(resource.path, q), timeout: requestTimeout)
        } catch let e as KubeError {
            throw e
        } catch {
            throw KubeError(.transport, "WATCH \(resource): \(error)")
        }
        if response.status.code >= 300 {
            let body = try? await response.body.collect(upTo: 1 << 20)
            try Self.check(response.status, path: resource.path, body: body)
        }
        return response.body
    }
}
