import Exposition
import Hummingbird
import NIOCore
import ServerSupport
import StatusPage

/// The exporter's HTTP surface: /metrics (content negotiation, gzip), /healthz, /readyz, and the
/// status page at / (links to Grafana and Prometheus from `links`).
public enum ExporterRouter {
    /// `bodyGuard` bounds the bodies, deadlines and concurrency of the requests that carry a
    /// body (the intake's POST, PUT and DELETE); scrapes and health checks pass untouched.
    /// `shardForwarding` (a sharded exporter with peers) hands intake requests owned by another
    /// shard to it, after the guard and before the intake's routes.
    public static func build(endpoint: MetricsEndpoint, intake: IntakeRoutes? = nil,
                             bodyGuard: HostileClientGuard<ExporterRequestContext>? = nil,
                             links: StatusLinks = StatusLinks(),
                             web: WebConfigMiddleware<ExporterRequestContext>? = nil,
                             shardForwarding: ShardForwarding? = nil) -> Router<ExporterRequestContext> {
        let router = Router(context: ExporterRequestContext.self)
        // The web config's basic auth and headers come first: an unauthenticated request is
        // answered before its body is read or counted against the intake's concurrency.
        if let web, web.isActive { router.add(middleware: web) }
        if let bodyGuard { router.add(middleware: bodyGuard) }
        if let shardForwarding { router.add(middleware: shardForwarding) }
        intake?.register(on: router)
        router.get("/") { _, _ -> Response in
            HTMLResponse.make(ExporterStatusPage.render(endpoint.statusSnapshot(), links: links), head: false)
        }
        router.head("/") { _, _ -> Response in
            HTMLResponse.make(ExporterStatusPage.render(endpoint.statusSnapshot(), links: links), head: true)
        }
        router.get("/metrics") { request, _ -> Response in
            let format = ExpositionFormat.negotiate(accept: request.headers[.accept])
            let body = endpoint.response(format: format, gzip: acceptsGzip(request.headers[.acceptEncoding]))
            var headers: HTTPFields = [.contentType: format.contentType]
            if let encoding = body.encoding { headers[.contentEncoding] = encoding }
            // The cached buffers go out as they are: no copy into one response buffer.
            return Response(status: .ok, headers: headers, body: .init(contentsOf: body.buffers))
        }
        router.get("/healthz") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(string: "ok\n")))
        }
        router.get("/readyz") { _, _ -> Response in
            let (ready, reasons) = endpoint.readiness
            let text = ready ? "ready\n" : "not ready:\n" + reasons.map { "- \($0)\n" }.joined()
            return Response(status: ready ? .ok : .serviceUnavailable, headers: [.contentType: "text/plain"],
                            body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        return router
    }

    /// The response body and its Content-Encoding: gzip when the client accepts it and
    /// compression works; a compression failure is answered uncompressed rather than as an empty
    /// body labelled gzip.
    static func encode(_ body: [UInt8], acceptEncoding: String?,
                       compress: ([UInt8]) -> [UInt8]? = { Gzip.compress($0) }) -> (body: [UInt8], encoding: String?) {
        guard acceptsGzip(acceptEncoding), let compressed = compress(body) else { return (body, nil) }
        return (compressed, "gzip")
    }

    /// Whether an `Accept-Encoding` value accepts gzip: a `gzip` coding (any case, spaces around
    /// it) without a weight of 0 (`q=0`, `q=0.000`: "not acceptable", RFC 9110 section 12.5.3).
    /// Read byte by byte: every scrape asks, and Foundation's trimming and substring calls were
    /// 2 % of a gzip'd scrape's CPU (docs/benchmarks.md, session 17).
    static func acceptsGzip(_ header: String?) -> Bool {
        guard let header else { return false }
        for part in header.utf8.split(separator: UInt8(ascii: ",")) {
            let fields = part.split(separator: UInt8(ascii: ";"), omittingEmptySubsequences: false)
            guard let coding = fields.first, isGzip(coding) else { continue }
            for field in fields.dropFirst() {
                let param = field.filter { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") }
                guard param.count > 2, param[0] | 0x20 == UInt8(ascii: "q"), param[1] == UInt8(ascii: "=") else { continue }
                if let q = Double(String(decoding: param[2...], as: UTF8.self)), q == 0 { return false }
            }
            return true
        }
        return false
    }

    /// `gzip` in any case, with spaces or tabs around it.
    private static func isGzip(_ coding: Substring.UTF8View) -> Bool {
        let bytes = Array(coding)
        let blank: (UInt8) -> Bool = { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
        guard let first = bytes.firstIndex(where: { !blank($0) }), let last = bytes.lastIndex(where: { !blank($0) }) else { return false }
        return bytes[first...last].map { $0 | 0x20 }.elementsEqual("gzip".utf8)
    }
}

import Foundation
