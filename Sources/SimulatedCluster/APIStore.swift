import SednaCatalog

/// The simulated API server's storage: current objects, one cluster-wide resource version and a
/// bounded history of changes, with the list and watch semantics clients rely on.
///
/// Like etcd behind a real API server, every change gets the next resource version, and a
/// watch can resume from any version still in the history window. A version older than the
/// window is answered with 410 Gone, which forces the client to relist: that path is exactly
/// what a reflector must survive after a long disconnect, so the simulator makes it reachable
/// (a small `historyWindow`) instead of keeping everything forever.
public struct APIStore: Sendable {
    /// A change as a watch stream reports it.
    public struct Event: Sendable, Equatable {
        public enum Kind: String, Sendable { case added = "ADDED", modified = "MODIFIED", deleted = "DELETED" }
        public let kind: Kind
        public let resource: WatchedResource
        public let namespace: String
        /// The object with `metadata.resourceVersion` set to this event's version.
        public let object: JSON
        public let resourceVersion: Int
    }

    /// Why a watch cannot start where the client asked.
    public enum WatchStart: Sendable, Equatable {
        /// Replay these events (newer than the asked version), then stream.
        case events([Event])
        /// The asked version is older than the history window: answer 410 Gone.
        case gone(oldest: Int)
    }

    /// One page of a LIST.
    public struct ListPage: Sendable, Equatable {
        public var items: [JSON]
        public var resourceVersion: Int
        /// Opaque token for the next page; nil on the last page.
        public var continueToken: String?
    }

    public enum ListError: Error, Sendable, Equatable {
        /// The continue token does not come from this server.
        case badContinue
    }

    public let historyWindow: Int
    public private(set) var resourceVersion = 1
    private var objects: [WatchedResource: [String: JSON]] = [:]
    private var history: [Event] = []
    /// Index in `history` of the oldest retained event (the array is trimmed in chunks).
    private var historyStart = 0

    public init(historyWindow: Int = 5_000) {
        precondition(historyWindow > 0)
        self.historyWindow = historyWindow
    }

    /// The oldest resource version a watch can still resume from.
    public var oldestResumable: Int {
        historyStart < history.count ? history[historyStart].resourceVersion - 1 : resourceVersion
    }

    public func count(_ resource: WatchedResource) -> Int { objects[resource]?.count ?? 0 }

    public func get(_ resource: WatchedResource, namespace: String, name: String) -> JSON? {
        objects[resource]?[Self.key(namespace, name)]
    }

    /// Applies one change; returns its event, or nil when nothing changed (deleting an absent
    /// object, or a put identical to what is stored: a real API server does not bump the
    /// version for a no-op update either).
    @discardableResult
    public mutating func apply(_ change: ClusterChange) -> Event? {
        switch change {
        case .put(let resource, let object):
            let ns = object["metadata"]["namespace"].string ?? ""
            guard let name = object["metadata"]["name"].string, !name.isEmpty else { return nil }
            let key = Self.key(ns, name)
            let old = objects[resource]?[key]
            if let old, Self.withoutVersion(old) == Self.withoutVersion(object) { return nil }
            resourceVersion += 1
            let stored = Self.setVersion(object, resourceVersion)
            objects[resource, default: [:]][key] = stored
            return record(Event(kind: old == nil ? .added : .modified, resource: resource, namespace: ns,
                                object: stored, resourceVersion: resourceVersion))
        case .delete(let resource, let ns, let name):
            let key = Self.key(ns, name)
            guard let old = objects[resource]?.removeValue(forKey: key) else { return nil }
            resourceVersion += 1
            return record(Event(kind: .deleted, resource: resource, namespace: ns,
                                object: Self.setVersion(old, resourceVersion), resourceVersion: resourceVersion))
        }
    }

    /// A LIST of `resource` (optionally one namespace), sorted by namespace and name, paged by
    /// `limit`. Later pages read the current state past the previous page's last key; the list
    /// keeps the first page's version, so a watch from it replays whatever changed meanwhile
    /// (at worst an object is seen twice, never missed).
    public func list(_ resource: WatchedResource, namespace: String? = nil, limit: Int? = nil,
                     continueToken: String? = nil) throws(ListError) -> ListPage {
        var after: String? = nil
        var version = resourceVersion
        if let token = continueToken, !token.isEmpty {
            guard let (v, key) = Self.decodeContinue(token) else { throw .badContinue }
            version = v
            after = key
        }
        var keys = (objects[resource] ?? [:]).keys.filter { k in
            namespace.map { k.hasPrefix($0 + "/") } ?? true
        }.sorted()
        if let after { keys = keys.filter { $0 > after } }
        var next: String? = nil
        if let limit, limit > 0, keys.count > limit {
            keys = Array(keys.prefix(limit))
            next = Self.encodeContinue(version, keys.last!)
        }
        let items = keys.compactMap { objects[resource]?[$0] }
        return ListPage(items: items, resourceVersion: version, continueToken: next)
    }

    /// Where a watch of `resource` from `version` starts. A nil version (or "0") means "from now,
    /// after the current state": synthetic ADDED events for every object, as Kubernetes does.
    public func watchStart(_ resource: WatchedResource, namespace: String? = nil, from version: Int?) -> WatchStart {
        guard let version, version > 0 else {
            let page = (try? list(resource, namespace: namespace)) ?? ListPage(items: [], resourceVersion: resourceVersion)
            return .events(page.items.map { o in
                Event(kind: .added, resource: resource, namespace: o["metadata"]["namespace"].string ?? "", object: o,
                      resourceVersion: Int(o["metadata"]["resourceVersion"].string ?? "") ?? resourceVersion)
            })
        }
        if version < oldestResumable { return .gone(oldest: oldestResumable) }
        var out: [Event] = []
        for e in history[historyStart...] where e.resourceVersion > version && e.resource == resource {
            if let namespace, e.namespace != namespace { continue }
            out.append(e)
        }
        return .events(out)
    }

    private mutating func record(_ e: Event) -> Event {
        history.append(e)
        if history.count - historyStart > historyWindow { historyStart += 1 }
        // Trim in chunks so that appending stays amortised O(1).
        if historyStart > max(1_024, historyWindow) {
            history.removeFirst(historyStart)
            historyStart = 0
        }
        return e
    }

    static func key(_ namespace: String, _ name: String) -> String { namespace + "/" + name }

    static func withoutVersion(_ o: JSON) -> JSON { setVersion(o, nil) }

    static func setVersion(_ o: JSON, _ version: Int?) -> JSON {
        guard case .object(var top) = o else { return o }
        var meta = top["metadata"]?.object ?? [:]
        meta["resourceVersion"] = version.map { .string(String($0)) }
        top["metadata"] = .object(meta)
        return .object(top)
    }

    /// Continue tokens are "<version>:<last key>" in hex so that they are opaque-looking,
    /// URL-safe and cannot be confused with a resource version.
    static func encodeContinue(_ version: Int, _ key: String) -> String {
        String(version) + ":" + key.utf8.map { b in
            let s = String(b, radix: 16)
            return s.count == 1 ? "0" + s : s
        }.joined()
    }

    static func decodeContinue(_ token: String) -> (Int, String)? {
        let parts = token.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, let v = Int(parts[0]), v > 0, parts[1].count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        var i = parts[1].startIndex
        while i < parts[1].endIndex {
            let j = parts[1].index(i, offsetBy: 2)
            guard let b = UInt8(parts[1][i..<j], radix: 16) else { return nil }
            bytes.append(b)
            i = j
        }
        return (v, String(decoding: bytes, as: UTF8.self))
    }
}
