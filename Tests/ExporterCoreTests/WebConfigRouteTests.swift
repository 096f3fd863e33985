@testable import ExporterCore
import Exposition
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Intake
import KubeWatch
import Logging
import NIOCore
import SednaCatalog
import ServerSupport
import Testing

/// A web config's basic auth and headers in front of the exporter's routes, and their
/// composition with the intake's bearer token (docs/deploy.md, "TLS and authentication").
@Suite struct WebConfigRouteTests {
    /// bcrypt (cost 4, Python's bcrypt) of "scrape-pass".
    static let hash = "$2a$04$GXjY9AwnDd7sLgBXZ8s8UuLq4z1pnktp.5xhYBSV3ue8/t7qvzUEK"
    static let good = "Basic " + Data("prom:scrape-pass".utf8).base64EncodedString()
    static let report = #"{"name":"w","namespace":"ns","ownerName":"t","ownerKind":"incrementallearningjob"}"#

    func app(rejections: HTTPRejections, token: String?) throws -> some ApplicationProtocol {
        let web = try WebConfig.parse("""
        http_server_config: {headers: {X-Frame-Options: sameorigin, X-Content-Type-Options: nosniff}}
        basic_auth_users: {prom: '\(Self.hash)'}
        """)
        var config = IntakeConfiguration()
        config.token = token
        let service = IntakeService(store: IntakeStore(limits: config.limits), directory: Inventory())
        let routes = IntakeRoutes(service: service, config: config, forwarder: nil, logger: Logger(label: "test"))
        let endpoint = MetricsEndpoint(inventory: Inventory(), stats: WatchStats(), resources: [.pods])
        return Application(router: ExporterRouter.build(endpoint: endpoint, intake: routes,
                                                        web: WebConfigMiddleware(web, rejections: rejections)))
    }

    @Test func basicAuthGuardsEveryPathAndHeadersGoOnEveryAnswer() async throws {
        let rejections = HTTPRejections()
        try await app(rejections: rejections, token: nil).test(.router) { client in
            for path in ["/metrics", "/healthz", "/", "/nowhere"] {
                try await client.execute(uri: path, method: .get) { res in
                    #expect(res.status == .unauthorized, "\(path)")
                    #expect(res.headers[.wwwAuthenticate] == "Basic")
                    #expect(res.headers[HTTPField.Name("X-Frame-Options")!] == "sameorigin")
                }
            }
            try await client.execute(uri: "/metrics", method: .get,
                                     headers: [.authorization: "Basic " + Data("prom:nope".utf8).base64EncodedString()]) { res in
                #expect(res.status == .unauthorized)
            }
            try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: Self.good]) { res in
                #expect(res.status == .ok)
                #expect(res.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
            }
            try await client.execute(uri: "/nowhere", method: .get, headers: [.authorization: Self.good]) { res in
                #expect(res.status == .notFound)
                #expect(res.headers[HTTPField.Name("X-Frame-Options")!] == "sameorigin")
            }
            // Without an intake token, basic auth alone opens the intake.
            try await client.execute(uri: "/sedna/workers/w/info", method: .post, headers: [.authorization: Self.good],
                                     body: ByteBuffer(string: Self.report)) { res in
                #expect(res.status == .ok)
            }
        }
        #expect(rejections.count("unauthorized") == 5)
    }

    @Test func theIntakeTokenIsStillRequiredBehindBasicAuth() async throws {
        let rejections = HTTPRejections()
        try await app(rejections: rejections, token: "s3cret").test(.router) { client in
            try await client.execute(uri: "/sedna/workers/w/info", method: .post, headers: [.authorization: Self.good],
                                     body: ByteBuffer(string: Self.report)) { res in
                #expect(res.status == .unauthorized)
                #expect(res.headers[.wwwAuthenticate] == "Bearer")
            }
            var wrong = HTTPFields([HTTPField(name: .authorization, value: Self.good)])
            wrong[WebConfigMiddleware<ExporterRequestContext>.intakeTokenHeader] = "nope"
            try await client.execute(uri: "/sedna/workers/w/info", method: .post, headers: wrong,
                                     body: ByteBuffer(string: Self.report)) { res in
                #expect(res.status == .unauthorized)
            }
            var right = HTTPFields([HTTPField(name: .authorization, value: Self.good)])
            right[WebConfigMiddleware<ExporterRequestContext>.intakeTokenHeader] = "s3cret"
            try await client.execute(uri: "/sedna/workers/w/info", method: .post, headers: right,
                                     body: ByteBuffer(string: Self.report)) { res in
                #expect(res.status == .ok)
            }
            // The token alone (no basic auth) does not pass the web config.
            try await client.execute(uri: "/sedna/workers/w/info", method: .post, headers: [.authorization: "Bearer s3cret"],
                                     body: ByteBuffer(string: Self.report)) { res in
                #expect(res.status == .unauthorized)
                #expect(res.headers[.wwwAuthenticate] == "Basic")
            }
        }
        #expect(rejections.count("unauthorized") == 1)
    }
}
