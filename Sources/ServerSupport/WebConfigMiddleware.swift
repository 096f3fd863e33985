import HTTPTypes
import Hummingbird
import NIOCore

/// A web config's HTTP part for every route of a server: its `http_server_config.headers` on
/// every response (errors and 401s included), and `basic_auth_users` in front of every path.
/// A request without valid credentials gets 401 with `WWW-Authenticate: Basic` and is counted
/// as `unauthorized` in the server's `http_rejected_total`. On the exporter this composes with
/// the intake's bearer token: basic auth guards every path, the token is still required on the
/// intake paths. One `Authorization` header cannot carry both, so a client that passed basic
/// auth sends the token in `X-Sedna-Intake-Token` (the relay does), and it is handed to the
/// intake as its `Authorization: Bearer` (docs/deploy.md, "TLS and authentication").
///
/// A refused request that carries a body has it read and discarded first (bounded like the body
/// guard's 413, `HTTPLimits`), and the connection is closed after the 401: Python's urllib sends
/// the whole body before reading any answer, so a push refused unread would hang until its
/// timeout instead of seeing the 401.
public struct WebConfigMiddleware<Context: ChannelRequestContext>: RouterMiddleware {
    let headers: HTTPFields
    let authenticator: BasicAuthenticator?
    let rejections: HTTPRejections?
    let limits: HTTPLimits

    public init(_ config: WebConfig, limits: HTTPLimits = HTTPLimits(), rejections: HTTPRejections?) {
        var h = HTTPFields()
        for (name, value) in config.headers {
            if let field = HTTPField.Name(name) { h.append(HTTPField(name: field, value: value)) }
        }
        headers = h
        authenticator = config.users.isEmpty ? nil : BasicAuthenticator(users: config.users)
        self.rejections = rejections
        self.limits = limits
    }

    /// Whether the middleware has anything to do (no headers, no users: leave it out).
    public var isActive: Bool { !headers.isEmpty || authenticator != nil }

    public func handle(_ request: Request, context: Context,
                       next: (Request, Context) async throws -> Response) async throws -> Response {
        if let authenticator, !(await authenticator.check(authorization: request.headers[.authorization])) {
            rejections?.increment("unauthorized")
            var r: Response
            if Self.mayHaveBody(request) {
                if case .ended = await BodyReader.read(request.body, limit: 0, drain: limits.drainBytes) {
                    return HostileClientGuard<Context>.closed(context)
                }
                r = HostileClientGuard<Context>.closing(401, "Unauthorized\n", context: context, extra: [.wwwAuthenticate: "Basic"])
            } else {
                r = Response(status: .unauthorized,
                             headers: [.wwwAuthenticate: "Basic", .contentType: "text/plain; charset=utf-8"],
                             body: .init(byteBuffer: ByteBuffer(string: "Unauthorized\n")))
            }
            add(to: &r)
            return r
        }
        var request = request
        if authenticator != nil {
            // Basic credentials never travel further; the intake token takes their place.
            var head = request.head
            head.headerFields[.authorization] = nil
            if let token = head.headerFields[Self.intakeTokenHeader] {
                head.headerFields[Self.intakeTokenHeader] = nil
                head.headerFields[.authorization] = "Bearer " + token
            }
            request = Request(head: head, body: request.body)
        }
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        }
        add(to: &response)
        return response
    }

    static func mayHaveBody(_ request: Request) -> Bool {
        if request.headers[.transferEncoding] != nil { return true }
        if let length = request.headers[.contentLength], length != "0" { return true }
        return false
    }

    /// Where a client sends the intake's bearer token when `Authorization` carries basic auth.
    public static var intakeTokenHeader: HTTPField.Name { HTTPField.Name("X-Sedna-Intake-Token")! }

    func add(to response: inout Response) {
        for field in headers { response.headers[field.name] = field.value }
    }
}
