import Exposition
import Hummingbird
import NIOCore
import Relay
import StatusPage

/// The exporter's HTTP surface: /metrics (content negotiation, gzip), /healthz, /readyz, and the
/// status page at / (links to Grafana and Prometheus from `links`).
public enum ExporterRouter {
    public static func build(endpoint: MetricsEndpoint, intake: IntakeRoutes? = nil,
                             links: StatusLinks = StatusLinks()) -> Router<ExporterRequestContext> {
        let router = Router(context: ExporterRequestContext.self)
        intake?.register(on: router)
        router.get("/") { _, _ -> Response in
            HTMLResponse.make(ExporterStatusPage.render(endpoint.statusSnapshot(), links: links), head: false)
        }
        router.head("/") { _, _ -> Response in
            HTMLResponse.make(ExporterStatusPage.render(endpoint.statusSnapshot(), links: links), head: true)
        }
        router.get("/metrics") { request, _ -> Response in
            let format = ExpositionFormat.negotiate(accept: request.headers[.accept])
            var body = endpoint.body(format: format)
            var headers: HTTPFields = [.contentType: format.contentType]
            if acceptsGzip(request.headers[.acceptEncoding]) {
                body = Gzip.compress(body)
                headers[.contentEncoding] = "gzip"
            }
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
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

    static func acceptsGzip(_ header: String?) -> Bool {
        guard let header else { return false }
        for part in header.split(separator: ",") {
            let fields = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.first?.lowercased() == "gzip" else { continue }
            if fields.dropFirst().contains(where: { $0.replacingOccurrences(of: " ", with: "") == "q=0" }) { return false }
            return true
        }
        return false
    }
}

import Foundation
