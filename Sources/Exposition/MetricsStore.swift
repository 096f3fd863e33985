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
    /// Bulk changes under way (`beginBulk`/`endBulk`: relists), and the generation and time at
    /// which the first of them began.
    private let bulk = Mutex<(count: Int, since: BulkStart?)>((0, nil))

    /// When the bulk changes under way began: the store was at `generation` then.
    public struct BulkStart: Sendable {
        public let generation: UInt64
        public let at: ContinuousClock.Instant

        public init(generation: UInt64, at: ContinuousClock.Instant) {
            self.generation = generation
            self.at = at
        }
    }

    public init() {}

    /// A relist is under way (from its first LIST page until it is applied, a chunk at a time):
    /// until `endBulk`, the store passes through states that are neither the cluster before nor
    /// after it, and a scrape may be served the body from before (`bulkInProgress`) instead of
    /// assembling one for each chunk and each resource's apply.
    public func beginBulk() {
        let start = BulkStart(generation: generation, at: .now)
        bulk.withLock { b in
            if b.count == 0 { b.since = start }
            b.count += 1
        }
    }

    public func endBulk() {
        let ended = bulk.withLock { b -> BulkStart? in
            b.count = max(0, b.count - 1)
            guard b.count == 0 else { return nil }
            defer { b.since = nil }
            return b.since
        }
        guard let ended else { return }
        for o in bulkEndObservers.withLock({ $0 }) { o(ended) }
    }

    /// Calls `observer` (on the thread that ended it, outside every lock) when the last bulk
    /// change under way ends, with when the bulk began: the server then rebuilds its cached body
    /// in the background while it still serves the one from before (`ScrapeBodyCache.rebuild`).
    public func onBulkEnd(_ observer: @escaping @Sendable (BulkStart) -> Void) {
        bulkEndObservers.withLock { $0.append(observer) }
    }

    private let bulkEndObservers = Mutex<[@Sendable (BulkStart) -> Void]>([])

    public var bulkInProgress: Bool { bulk.withLock { $0.count > 0 } }
    /// When the bulk changes under way began; nil when none is.
    public var bulkSince: BulkStart? { bulk.withLock { $0.since } }

    /// Replaces (or inserts) an object's rendered samples; an empty rendering removes it.
    ///
    /// A rendering byte for byte equal to the one in place changes nothing, and the generation
    /// stays: most of what a Kubernetes watch sends is not in the samples (a pod's
    /// `resourceVersion`, `managedFields`, an annotation, a condition's heartbeat), and a relist
    /// after a `410 Gone` hands back mostly the objects as they were. Without the comparison each
    /// of those events made the next scrape assemble the whole body again (46 MiB at 10k tasks);
    /// with it the cached body stays valid (docs/benchmarks.md, session 12). The comparison is a
    /// `memcmp` of the object's bytes under the lock, against the translation and rendering that
    /// produced them outside it.
    public func put(_ resource: WatchedResource, key: String, sortKey: String, _ rendered: RenderedObject) {
        if rendered.isEmpty { return remove(resource, key: key) }
        state.withLock { s in
            if let old = s.objects[resource]?[key], old.sortKey == sortKey, old.rendered == rendered { return }
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
    /// belong to), as the ordered list of pieces to concatenate; nothing is copied yet, so the
    /// caller can write them into a buffer of exactly `byteCount` bytes or compress them.
    ///
    /// The pieces are placed by a counting sort on the family index into one flat array of
    /// (object, start, end) triples of plain integers: one allocation, where a growing list of
    /// slices per family (what this was) retained every object's bytes once per family and again
    /// when the lists were joined (150k pieces at 10k tasks; docs/benchmarks.md, session 9).
    public func objectPart(format: ExpositionFormat, extra: [RenderedObject] = []) -> ObjectPart {
        var (generation, objects) = snapshot()
        objects.append(contentsOf: extra)
        let headers = format == .text004 ? Self.textHeaders : Self.openMetricsHeaders
        // Pieces per family, then where each family's pieces begin (its header first).
        var counts = [Int](repeating: 0, count: headers.count)
        var byteCount = 0
        for o in objects {
            for f in o.families { counts[f.family] += 1 }
            byteCount += o.bytes.count
        }
        var next = [Int](repeating: 0, count: headers.count)
        var total = 0
        for i in 0..<headers.count where counts[i] > 0 {
            next[i] = total + 1
            total += counts[i] + 1
            byteCount += headers[i].count
        }
        let pieces = [ObjectPart.Piece](unsafeUninitializedCapacity: total) { out, initialized in
            for i in 0..<headers.count where counts[i] > 0 {
                out[next[i] - 1] = ObjectPart.Piece(object: -1, start: Int32(i), end: 0)
            }
            for (index, o) in objects.enumerated() {
                var start = 0
                for f in o.families {
                    out[next[f.family]] = ObjectPart.Piece(object: Int32(index), start: Int32(start), end: Int32(f.end))
                    next[f.family] += 1
                    start = f.end
                }
            }
            initialized = total
        }
        return ObjectPart(generation: generation, byteCount: byteCount, objects: objects, headers: headers, pieces: pieces)
    }

    /// The exposition body of all objects: family by family, header then every object's slice.
    /// `extra` renderings (worker reports) join the families they belong to, after the objects.
    public func write(format: ExpositionFormat, extra: [RenderedObject] = [], into out: inout [UInt8]) {
        let part = objectPart(format: format, extra: extra)
        out.reserveCapacity(out.count + part.byteCount)
        part.forEachChunk { out.append(contentsOf: $0) }
    }

    static let textHeaders = Catalog.objectFamilies.map { TextFormat.header($0, format: .text004) }
    static let openMetricsHeaders = Catalog.objectFamilies.map { TextFormat.header($0, format: .openMetrics) }
}

/// The object families of one body, not yet concatenated: `byteCount` bytes in all, from the
/// store at `generation`, as pieces of the objects' renderings and of the family headers.
public struct ObjectPart: Sendable {
    /// `end > start` bytes of `objects[object].bytes`, or (object -1) the header of family `start`.
    struct Piece {
        let object: Int32
        let start: Int32
        let end: Int32
    }

    public let generation: UInt64
    public let byteCount: Int
    let objects: [RenderedObject]
    let headers: [[UInt8]]
    let pieces: [Piece]

    /// Hands every piece to `body` in order, as memory valid only for that call.
    public func forEachChunk(_ body: (UnsafeRawBufferPointer) -> Void) {
        forEachChunk(in: pieces.indices, body)
    }

    /// The bytes in one array of exactly `byteCount` capacity.
    public func joined() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(byteCount)
        forEachChunk { out.append(contentsOf: $0) }
        return out
    }
}
