import AdmissionWebhook
import Exposition
import Foundation
import Hummingbird
import HummingbirdTLS
import Logging
import NIOCore
import SednaCatalog
import ServerSupport
import Synchronization

/// Settings of the mutating admission webhook (`serve --webhook-listen ...`).
public struct WebhookConfiguration: Sendable {
    public var host: String
    public var port: Int
    public var certFile: String
    public var keyFile: String
    public var maxBodyBytes = 8 << 20

    public init(host: String, port: Int, certFile: String, keyFile: String) {
        self.host = host
        self.port = port
        self.certFile = certFile
        self.keyFile = keyFile
    }
}

/// What the webhook did, by outcome, for `sedna_webhook_admissions_total`.
public final class WebhookCounters: ExpositionSection {
    private let counts = Mutex<[AdmissionOutcome: Int]>([:])

    public init() {}

    func record(_ o: AdmissionOutcome) { counts.withLock { $0[o, default: 0] += 1 } }

    public var snapshot: [AdmissionOutcome: Int] { counts.withLock { $0 } }

    /// Every outcome, zeros included, so a rate over a fresh exporter is defined.
    public func write(format: ExpositionFormat, into out: inout [UInt8]) {
        let snap = snapshot
        let samples = AdmissionOutcome.allCases.sorted(by: { $0.rawValue < $1.rawValue }).map { ([$0.rawValue], Double(snap[$0] ?? 0)) }
        TextFormat.appendFamily(SelfMetrics.webhookAdmissions, format: format, samples: samples, to: &out)
    }
}

/// The HTTPS listener of the webhook: `POST /mutate-pods` takes an AdmissionReview v1 and
/// answers at once from what the exporter already knows (no API call on the request path, so it
/// answers well within the webhook's `timeoutSeconds`).
enum WebhookServer {
    static func makeApplication(_ config: WebhookConfiguration, tracker: RelayTracker, counters: WebhookCounters,
                                logger: Logger) throws -> some ApplicationProtocol {
        let certificate = try ReloadingCertificate(certFile: config.certFile, keyFile: config.keyFile)
        let router = Router()
        router.post("/mutate-pods") { request, _ -> Response in
            let body: ByteBuffer
            do { body = try await request.body.collect(upTo: config.maxBodyBytes) } catch {
                counters.record(.badRequest)
                return Response(status: .contentTooLarge, headers: [.contentType: "application/json"],
                                body: .init(byteBuffer: ByteBuffer(string: "{\"error\":\"body too large\"}")))
            }
            let (status, data, outcome) = AdmissionDecision.handle(body: Data(body.readableBytesView), relays: tracker.presence)
            counters.record(outcome)
            if outcome == .badRequest {
                logger.warning("webhook: request is not an AdmissionReview", metadata: ["bytes": "\(body.readableBytes)"])
            } else {
                logger.debug("webhook: admission", metadata: ["outcome": "\(outcome.rawValue)"])
            }
            return Response(status: .init(code: status), headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
        router.get("/healthz") { _, _ in "ok\n" }
        return Application(router: router,
                            server: try .tls(.http1(), tlsConfiguration: certificate.tlsConfiguration()),
                            configuration: .init(address: .hostname(config.host, port: config.port), serverName: "sedna-webhook"),
                            logger: logger)
    }
}
