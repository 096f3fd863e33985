import SednaCatalog
import Synchronization

/// Pre-rendered samples of every object, by resource and key; the only state a scrape reads.
///
/// Writers replace one object's bytes per event under a short lock. A scrape holds the lock only
/// to copy the dictionaries (copy-on-write: a reference each) and the generation; ordering and
/// concatenation happen outside it, so a relist putting thousands of objects never waits for a
/// scrape's work and a scrape never waits for more than one put.
///
/// `generation` counts changes: two snapshots with the same generation hold the same bytes, which
/// is what lets the server cache a rendered body until the next change (docs/architecture.md).
public final class MetricsStore: Sendable {
    struct Entry: Sendable {
        let sortKey: String
        let rendered: RenderedObject
    }

    struct State {
        var objects: [WatchedResource: [String: Entry]] = [:]
        /// Keys in exposition order per resource, valid while `members[r]` is unchanged.
        var order: [WatchedResource: (members: UInt64, keys: [String])] = [:]
        /// Bumped on every insert or delete of a resource's key (not on a replacement).
        var members: [WatchedResource: UInt64] = [:]
        var generation: UInt64 = 0
        var nextMembership: UInt64 = 0

        mutating func membershipChanged(_ r: WatchedResource) {
            nextMembership &+= 1
            members[r] = nextMembership
        }
    }

    private let state = Mutex(State())
    /// Bulk changes under way (`beginBulk`/`endBulk`: a relist being applied).
    private let bulk = Atomic<Int>(0)

    public init() {}

    /// A relist is under way (from its first LIST page until it is applied, a chunk at a time):
    /// until `endBulk`, the store passes through states that are neither the cluster before nor
    /// after it, and a scrape may be served the body from before (`bulkInProgress`) instead of
    /// assembling one for each chunk and each resource's apply.
    public func beginBulk() { bulk.wrappingAdd(1, ordering: .relaxed) }
    public func endBulk() { bulk.wrappingSubtract(1, ordering: .relaxed) }
    public var bulkInProgress: Bool { bulk.load(ordering: .relaxed) > 0 }

    /// Replaces (or inserts) an object's rendered samples; an empty rendering removes it.
    public func put(_ resource: WatchedResource, key: String, sortKey: String, _ rendered: RenderedObject) {
        if rendered.isEmpty { return remove(resource, key: key) }
        state.withLock { s in
            let old = s.objects[resource, default: [:]].updateValue(Entry(sortKey: sortKey, rendered: rendered), forKey: key)
            if old == nil || old!.sortKey != sortKey { s.membershipChanged(resource) }
            s.generation &+= 1
        }
    }

    public func remove(_ resource: WatchedResource, key: String) {
        state.withLock { s in
            if s.objects[resource]?.removeValue(forKey: key) != nil {
                s.membershipChanged(resource)
                s.generation &+= 1
            }
        }
    }

    /// Drops every object of a resource (resource gone, or a relist that replaces everything).
    public func removeAll(_ resource: WatchedResource) {
        state.withLock { s in
            guard s.objects.removeValue(forKey: resource) != nil else { return }
            s.order[resource] = nil
            s.membershipChanged(resource)
            s.generation &+= 1
        }
    }

    public func count(_ resource: WatchedResource) -> Int {
        state.withLock { $0.objects[resource]?.count ?? 0 }
    }

    /// Changes so far; equal generations mean identical contents.
    public var generation: UInt64 { state.withLock { $0.generation } }

    /// Every object's rendering in deterministic order (resources in `WatchedResource.all`
    /// order, objects by namespace/name within a resource) and the generation they belong to.
    func snapshot() -> (generation: UInt64, objects: [RenderedObject]) {
        let (generation, objects, order, members) = state.withLock { s in (s.generation, s.objects, s.order, s.members) }
        var out: [RenderedObject] = []
        out.reserveCapacity(objects.values.reduce(0) { $0 + $1.count })
        for r in WatchedResource.all {
            guard let objs = objects[r], !objs.isEmpty else { continue }
            let m = members[r] ?? 0
            if let cached = order[r], cached.members == m, cached.keys.count == objs.count {
                for k in cached.keys { out.append(objs[k]!.rendered) }
                continue
            }
            // Sorted outside the lock; the order is kept while no key comes or goes.
            let sorted = objs.sorted { ($0.value.sortKey, $0.key) < ($1.value.sortKey, $1.key) }
            for (_, e) in sorted { out.append(e.rendered) }
            let keys = sorted.map(\.key)
            state.withLock { s in
                if s.members[r] ?? 0 == m { s.order[r] = (m, keys) }
            }
        }
        return (generation, out)
    }

    /// The object families of a body (objects, then `extra` renderings in the families they
    /// belong to), as the ordered list of byte arrays to concatenate; nothing is copied yet, so
    /// the caller can write them into a buffer of exactly `byteCount` bytes or compress them.
    public func objectPart(format: ExpositionFormat, extra: [RenderedObject] = []) -> ObjectPart {
        let (generation, objects) = snapshot()
        let familyCount = Catalog.objectFamilies.count
        var buckets = [[ArraySlice<UInt8>]](repeating: [], count: familyCount)
        var byteCount = 0
        func add(_ o: RenderedObject) {
            var start = 0
            for f in o.families {
                buckets[f.family].append(o.bytes[start..<f.end])
                start = f.end
            }
            byteCount += o.bytes.count
        }
        for o in objects { add(o) }
        for o in extra { add(o) }
        let headers = format == .text004 ? Self.textHeaders : Self.openMetricsHeaders
        var chunks: [ArraySlice<UInt8>] = []
        chunks.reserveCapacity(objects.count * 8 + familyCount)
        for i in 0..<familyCount where !buckets[i].isEmpty {
            chunks.append(headers[i][...])
            byteCount += headers[i].count
            chunks.append(contentsOf: buckets[i])
        }
        return ObjectPart(generation: generation, chunks: chunks, byteCount: byteCount)
    }

    /// The exposition body of all objects: family by family, header then every object's slice.
    /// `extra` renderings (worker reports) join the families they belong to, after the objects.
    public func write(format: ExpositionFormat, extra: [RenderedObject] = [], into out: inout [UInt8]) {
        let part = objectPart(format: format, extra: extra)
        out.reserveCapacity(out.count + part.byteCount)
        for c in part.chunks { out.append(contentsOf: c) }
    }

    static let textHeaders = Catalog.objectFamilies.map { TextFormat.header($0, format: .text004) }
    static let openMetricsHeaders = Catalog.objectFamilies.map { TextFormat.header($0, format: .openMetrics) }
}

/// The object families of one body, not yet concatenated: `chunks` in order (slices of the
/// objects' renderings and of the family headers), `byteCount` bytes in all, from the store at
/// `generation`.
public struct ObjectPart: Sendable {
    public let generation: UInt64
    public let chunks: [ArraySlice<UInt8>]
    public let byteCount: Int

    /// The bytes in one array of exactly `byteCount` capacity.
    public func joined() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(byteCount)
        for c in chunks { out.append(contentsOf: c) }
        return out
    }
}
