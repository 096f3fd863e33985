import Hummingbird

// Usage: http-floor PORT. Listens on 127.0.0.1 only.
let port = Int(CommandLine.arguments.dropFirst().first ?? "") ?? 9099
let router = Router()
router.put("/metrics/job/:job/instance/:instance") { request, _ -> HTTPResponse.Status in
    var bytes = 0
    for try await chunk in request.body { bytes += chunk.readableBytes }
    return bytes <= 1 << 20 ? .ok : .contentTooLarge
}
router.get("/healthz") { _, _ in "ok\n" }
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
try await app.runService()
