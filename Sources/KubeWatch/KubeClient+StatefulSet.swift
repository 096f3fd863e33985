import AsyncHTTPClient
import SednaCatalog

/// The one extra read `serve --auto-sharding` makes: its own StatefulSet (GET, then a watch
/// narrowed to it by name), to learn the replica count. Needs `get`/`list`/`watch` on
/// `apps/statefulsets` in the exporter's namespace only (a Role, see deploy/kubernetes/overlays/auto-sharding).
extension KubeClient {
    static func statefulSetsPath(namespace: String) -> String {
        "/apis/apps/v1/namespaces/\(escape(namespace))/statefulsets"
    }

    /// The StatefulSet object.
    public func statefulSet(namespace: String, name: String) async throws -> KubeObject {
        let body = try await get(Self.statefulSetsPath(namespace: namespace) + "/" + Self.escape(name), maxBytes: 4 << 20)
        do { return KubeObject(try JSON.decode(body)) } catch {
            throw KubeError(.decode, "StatefulSet \(namespace)/\(name) is not valid JSON")
        }
    }

    /// A watch stream of this one StatefulSet (`fieldSelector=metadata.name=<name>`).
    public func watchStatefulSet(namespace: String, name: String, resourceVersion: String?,
                                 timeoutSeconds: Int) async throws -> HTTPClientResponse.Body {
        let path = Self.statefulSetsPath(namespace: namespace)
        var q = [("watch", "true"), ("fieldSelector", "metadata.name=\(name)"), ("timeoutSeconds", String(timeoutSeconds))]
        if let rv = resourceVersion { q.append(("resourceVersion", rv)) }
        let response: HTTPClientResponse
        do {
            response = try await http.execute(try request(path, q), timeout: requestTimeout)
        } catch let e as KubeError {
            throw e
        } catch {
            throw KubeError(.transport, "WATCH statefulsets \(namespace)/\(name): \(error)")
        }
        if response.status.code >= 300 {
            let body = try? await response.body.collect(upTo: 1 << 20)
            try Self.check(response.status, path: path, body: body)
        }
        return response.body
    }
}
