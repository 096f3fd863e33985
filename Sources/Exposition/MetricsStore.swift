import SednaCatalog
import Synchronization

/// Pre-rendered samples of every object, by resource and key; the only state a scrape reads.
///
/// Writers replace one object's bytes per event; a scrape takes the lock only long enough to
/// copy references (arrays are copy-on-write), then concatenates outside it.
public final class MetricsStore: Sendable {
    struct Entry: Sendable {
        let sortKey: String
        let rendered: RenderedObject
    }

    struct State {
        var objects: [WatchedResource: [String: Entry]] = [:]
        /// Keys in exposition order per resource; nil after an insert or delete.
        var order: [WatchedResource: [String]] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    /// Replaces (or inserts) an object's rendered samples; an empty rendering removes it.
    public func put(_ resource: WatchedResource, key: String, sortKey: String, _ rendered: RenderedObject) {
        if rendered.isEmpty { return remove(resource, key: key) }
        state.withLock { s in
            let isNew = s.objects[resource]?[key] == nil
            s.objects[resource, default: [:]][key] = Entry(sortKey: sortKey, rendered: rendered)
            if isNew { s.order[resource] = nil }
        }
    }

    public func remove(_ resource: WatchedResource, key: String) {
        state.withLock { s in
            if s.objects[resource]?.removeValue(forKey: key) != nil { s.order[resource] = nil }
        }
    }

    /// Drops every object of a resource (resource gone, or a relist that replaces everything).
    public func removeAll(_ resource: WatchedResource) {
        state.withLock { s in
            s.objects[resource] = nil
            s.order[resource] = nil
        }
    }

    public func count(_ resource: WatchedResource) -> Int {
        state.withLock { $0.objects[resource]?.count ?? 0 }
    }

    /// Every object's rendering in deterministic order: resources in `WatchedResource.all`
    /// order, objects by namespace/name within a resource.
    func snapshot() -> [RenderedObject] {
        state.withLock { s in
            var out: [RenderedObject] = []
            for r in WatchedResource.all {
                guard let objs = s.objects[r], !objs.isEmpty else { continue }
                let keys: [String]
                if let cached = s.order[r], cached.count == objs.count {
                    keys = cached
                } else {
                    keys = objs.keys.sorted { (objs[$0]!.sortKey, $0) < (objs[$1]!.sortKey, $1) }
                    s.order[r] = keys
                }
                out.reserveCapacity(out.count + keys.count)
                for k in keys { out.append(objs[k]!.rendered) }
            }
            return out
        }
    }

    /// The exposition body of all objects: family by family, header then every object's slice.
    /// `extra` renderings (worker reports) join the families they belong to, after the objects.
    public func write(format: ExpositionFormat, extra: [RenderedObject] = [], into out: inout [UInt8]) {
        let objects = snapshot() + extra
        let familyCount = Catalog.objectFamilies.count
        var buckets = [[[UInt8]]](repeating: [], count: familyCount)
        for o in objects {
            for slice in o.slices { buckets[slice.family].append(slice.bytes) }
        }
        let headers = format == .text004 ? Self.textHeaders : Self.openMetricsHeaders
        for i in 0..<familyCount where !buckets[i].isEmpty {
            out.append(contentsOf: headers[i])
            for b in buckets[i] { out.append(contentsOf: b) }
        }
    }

    static let textHeaders = Catalog.objectFamilies.map { TextFormat.header($0, format: .text004) }
    static let openMetricsHeaders = Catalog.objectFamilies.map { TextFormat.header($0, format: .openMetrics) }
}
