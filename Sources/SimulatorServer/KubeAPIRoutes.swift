import Hummingbird
import NIOCore
import SednaCatalog
import SimulatedCluster

/// The part of the Kubernetes REST API the simulator serves: discovery, LIST (paged) and
/// WATCH (resume, bookmarks, 410 Gone, server-side timeout) of the Sedna kinds, pods and
/// nodes, cluster-wide and per namespace, and GET of one object. It is read-only: the
/// simulated control plane owns the objects, so writes answer 405 with a Status.
struct KubeAPIRoutes: Sendable {
    let api: SimulatedAPI
    /// Longest watch when the client sets no `timeoutSeconds` (a real API server picks 30-60 min).
    let maxWatchSeconds: Int
    /// Seconds between BOOKMARK events on watches that allow them.
    let bookmarkInterval: Double

    func register(on router: Router<BasicRequestContext>) {
        router.get("/version") { _, _ in json(APIDiscovery.version) }
        router.get("/api") { _, _ in json(APIDiscovery.coreVersions) }
        router.get("/api/v1") { _, _ in json(APIDiscovery.coreResources) }
        router.get("/apis") { _, _ in json(APIDiscovery.groups) }
        router.get("/apis/\(SednaKind.group)") { _, _ in json(APIDiscovery.sednaGroup) }
        router.get("/apis/\(SednaKind.group)/\(SednaKind.version)") { _, _ in json(APIDiscovery.sednaResources) }
        for path in ["/healthz", "/readyz", "/livez"] {
            router.get(RouterPath(path)) { _, _ in
                Response(status: .ok, headers: [.contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(string: "ok")))
            }
        }
        let sedna = "/apis/\(SednaKind.group)/\(SednaKind.version)"
        for prefix in ["/api/v1", sedna] {
            router.get(RouterPath("\(prefix)/:plural")) { request, context in
                try await collection(request, prefix: prefix, plural: context.parameters.get("plural"), namespace: nil)
            }
            router.get(RouterPath("\(prefix)/:plural/:name")) { _, context in
                // Cluster-scoped objects (nodes) by name.
                await one(prefix: prefix, plural: context.parameters.get("plural"), namespace: "", name: context.parameters.get("name"))
            }
            router.get(RouterPath("\(prefix)/namespaces/:namespace/:plural")) { request, context in
                try await collection(request, prefix: prefix, plural: context.parameters.get("plural"),
                                     namespace: context.parameters.get("namespace"))
            }
            router.get(RouterPath("\(prefix)/namespaces/:namespace/:plural/:name")) { _, context in
                await one(prefix: prefix, plural: context.parameters.get("plural"),
                          namespace: context.parameters.get("namespace") ?? "", name: context.parameters.get("name"))
            }
            for pattern in [":plural", ":plural/:name", "namespaces/:namespace/:plural", "namespaces/:namespace/:plural/:name"] {
                for method in [HTTPRequest.Method.post, .put, .patch, .delete] {
                    router.on(RouterPath("\(prefix)/\(pattern)"), method: method) { _, _ in
                        json(APIDiscovery.status(code: 405, reason: "MethodNotAllowed",
                                                 message: "the simulated cluster is read-only: its control plane drives every object"),
                             status: .methodNotAllowed)
                    }
                }
            }
        }
    }

    /// Maps a URL's plural to a served resource (pods and nodes under /api/v1, Sedna kinds
    /// under their group); nil is a 404 as for any resource a server does not have.
    static func resource(prefix: String, plural: String?) -> WatchedResource? {
        guard let plural, let r = WatchedResource(plural: plural) else { return nil }
        switch r {
        case .pods, .nodes: return prefix == "/api/v1" ? r : nil
        case .sedna: return prefix == "/api/v1" ? nil : r
        }
    }

    func collection(_ request: Request, prefix: String, plural: String?, namespace: String?) async throws -> Response {
        guard let resource = Self.resource(prefix: prefix, plural: plural), !(resource == .nodes && namespace != nil) else {
            return notFound(plural ?? "")
        }
        let q = request.uri.queryParameters
        let watch = q["watch"].map { ["true", "1"].contains(String($0)) } ?? false
        var version: Int? = nil
        if let v = q["resourceVersion"].map(String.init), !v.isEmpty {
            guard let n = Int(v), n >= 0 else {
                return json(APIDiscovery.status(code: 400, reason: "BadRequest", message: "invalid resourceVersion \(v.prefix(64))"),
                            status: .badRequest)
            }
            version = n
        }
        if watch {
            let timeout = q["timeoutSeconds"].flatMap { Int(String($0)) }.map { min(max($0, 1), maxWatchSeconds) } ?? maxWatchSeconds
            let bookmarks = q["allowWatchBookmarks"].map { String($0) == "true" } ?? false
            return await watchResponse(resource, namespace: namespace, from: version, timeout: Double(timeout), bookmarks: bookmarks)
        }
        let limit = q["limit"].flatMap { Int(String($0)) }
        do {
            let page = try await api.list(resource, namespace: namespace, limit: limit, continueToken: q["continue"].map(String.init))
            let (apiVersion, kind) = APIDiscovery.listKind(resource)
            var meta: [String: JSON] = ["resourceVersion": .string(String(page.resourceVersion))]
            if let c = page.continueToken { meta["continue"] = .string(c) }
            return json(.object(["apiVersion": .string(apiVersion), "kind": .string(kind), "metadata": .object(meta),
                                 "items": .array(page.items)]))
        } catch {
            return json(APIDiscovery.status(code: 400, reason: "BadRequest", message: "invalid continue token"), status: .badRequest)
        }
    }

    func one(prefix: String, plural: String?, namespace: String, name: String?) async -> Response {
        guard let resource = Self.resource(prefix: prefix, plural: plural), let name,
              (resource == .nodes) == namespace.isEmpty else { return notFound(plural ?? "") }
        guard let object = await api.get(resource, namespace: namespace, name: name) else {
            return json(APIDiscovery.status(code: 404, reason: "NotFound", message: "\(resource) \"\(name.prefix(253))\" not found"),
                        status: .notFound)
        }
        return json(object)
    }

    /// A watch answers 200 at once and streams one JSON event per line. A version older than
    /// the history window is an ERROR event carrying a 410 Status, as a real API server sends it.
    /// Its timeout and bookmarks follow the API's time, which advances with the ticks.
    func watchResponse(_ resource: WatchedResource, namespace: String?, from version: Int?, timeout: Double,
                       bookmarks: Bool) async -> Response {
        let (start, stream, id, openedAt) = await api.openWatch(resource, namespace: namespace, from: version)
        let api = self.api
        let interval = bookmarkInterval
        let (apiVersion, listKind) = APIDiscovery.listKind(resource)
        let kind = String(listKind.dropLast(4))
        let body = ResponseBody { writer in
            switch start {
            case .gone(let oldest):
                let status = APIDiscovery.status(code: 410, reason: "Expired",
                                                 message: "too old resource version: \(version ?? 0) (\(oldest))")
                try await writer.write(line(["type": "ERROR", "object": status]))
                try await writer.finish(nil)
                return
            case .events(let backlog):
                var buffer = ByteBuffer()
                for e in backlog { buffer.writeImmutableBuffer(line(event(e))) }
                if buffer.readableBytes > 0 { try await writer.write(buffer) }
            }
            guard let stream else { try await writer.finish(nil); return }
            let deadline = openedAt + timeout
            var lastBookmark = openedAt
            do {
                loop: for await item in stream {
                    switch item {
                    case .event(let e):
                        try await writer.write(line(event(e)))
                    case .tick(let rv, let now):
                        if now >= deadline { break loop }
                        if bookmarks, now - lastBookmark >= interval {
                            lastBookmark = now
                            try await writer.write(line(["type": "BOOKMARK", "object": [
                                "apiVersion": .string(apiVersion), "kind": .string(kind),
                                "metadata": ["resourceVersion": .string(String(rv))]]]))
                        }
                    }
                }
            } catch {
                await api.closeWatch(id)
                throw error
            }
            await api.closeWatch(id)
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "application/json"], body: body)
    }

    func notFound(_ plural: String) -> Response {
        json(APIDiscovery.status(code: 404, reason: "NotFound", message: "the server could not find the requested resource \(plural.prefix(64))"),
             status: .notFound)
    }
}

private func event(_ e: APIStore.Event) -> JSON {
    ["type": .string(e.kind.rawValue), "object": e.object]
}

private func line(_ value: JSON) -> ByteBuffer {
    var b = ByteBuffer(bytes: encode(value))
    b.writeString("\n")
    return b
}

/// Deterministic and faster than JSONEncoder; the same writer makes the GM's condition `data`.
func encode(_ value: JSON) -> [UInt8] { JSONWriter.sedna.bytes(value) }

func json(_ value: JSON, status: HTTPResponse.Status = .ok) -> Response {
    Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: encode(value))))
}
