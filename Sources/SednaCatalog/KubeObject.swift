/// A Kubernetes object as the translators see it: a JSON tree with typed accessors for the
/// metadata every translator needs.
public struct KubeObject: Sendable, Equatable {
    public let json: JSON

    public init(_ json: JSON) { self.json = json }

    public var metadata: JSON { json["metadata"] }
    public var spec: JSON { json["spec"] }
    public var status: JSON { json["status"] }
    public var kind: String? { json["kind"].string }
    public var name: String { metadata["name"].string ?? "" }
    public var namespace: String { metadata["namespace"].string ?? "" }
    public var resourceVersion: String? { metadata["resourceVersion"].string }

    /// The object's UID; some emulators leave it out or write a placeholder.
    public var uid: String? {
        guard let u = metadata["uid"].string, !u.isEmpty, u != "..." else { return nil }
        return u
    }

    /// Stable identity inside one resource: the UID when there is one, else namespace/name
    /// (kmock, the emulator the tests use, stores `metadata.uid` as the client sent it, or not at all).
    public var key: String { uid ?? "\(namespace)/\(name)" }

    public var labels: [String: String] {
        var out: [String: String] = [:]
        for (k, v) in metadata["labels"].object ?? [:] { if let s = v.string { out[k] = s } }
        return out
    }

    public var creationTimestamp: Double? {
        metadata["creationTimestamp"].string.flatMap(Timestamp.parse)
    }

    public var deletionTimestamp: Double? {
        metadata["deletionTimestamp"].string.flatMap(Timestamp.parse)
    }

    public var ownerReferences: [JSON] { metadata["ownerReferences"].array ?? [] }
}
