import Exposition
import SednaCatalog
import NIOCore
import Synchronization

/// The object families of the last /metrics body, plain and gzip'd, kept until the store or the
/// worker reports change, so that a scrape of an unchanged cluster sends bytes rendered once
/// instead of concatenating every object's slice again (docs/benchmarks.md has the numbers).
///
/// Each representation is built on first demand for a generation: a Prometheus that only asks
/// for gzip never makes the plain one be kept. Buffers are handed to the HTTP layer as they are
/// (ByteBuffer is copy-on-write and a write does not mutate it), so a hit copies nothing. The
/// changing tail (self-metrics, intake counters, pushes) is added per scrape by the caller.
final class ScrapeBodyCache: Sendable {
    /// What the object part depends on.
    struct Key: Equatable, Sendable {
        let generation: UInt64
        let format: ExpositionFormat
        let workerReports: [RenderedObject]
    }

    /// The gzip member header and a raw deflate stream of the object part ended by a sync flush
    /// (no last-block bit), with the CRC-32 and length of what it compresses.
    struct Compressed: Sendable {
        let buffer: ByteBuffer
        let crc: UInt32
        let length: Int
    }

    struct Entry: Sendable {
        var key: Key
        var plain: ByteBuffer?
        var gzip: Compressed?
        var built: ContinuousClock.Instant
    }

    /// How old a body may be when it is served during a relist instead of being assembled anew.
    let maxStale: Duration
    /// Scrapes answered with the body from before a relist that was being applied.
    let staleServed = Atomic<Int>(0)

    /// `--scrape-body-max-age`: how long after it was built a body may still be served once
    /// the store or the reports have moved on, and its builds behind the scrapes; a max age of
    /// zero (the default) assembles a changed body on the scrape that finds it. See `recent`.
    let builder: BuildsBehind<HeldBodies>
    /// One build behind the scrapes at a time, of every representation held (`buildHeld`).
    enum HeldBodies: Hashable, Sendable { case all }
    /// Scrapes answered with a body younger than the max age that was no longer current.
    let coalesced = Atomic<Int>(0)

    /// The time bodies are aged by: `ContinuousClock.now`, or a test's clock it moves itself.
    let now: @Sendable () -> ContinuousClock.Instant


    init(maxStale: Duration = .seconds(5), maxAge: Duration = .zero,
         now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now },
         behind: @escaping @Sendable (@escaping @Sendable () -> Void) -> Void = { BackgroundThreads.shared.run($0) }) {
        self.maxStale = maxStale
        self.builder = BuildsBehind(maxAge: maxAge, behind: behind)
        self.now = now
    }

    /// With `maxAge` set, a scrape that finds the cluster changed since the body was built, less
    /// than `maxAge` ago, gets that body; once the body is half `maxAge` old such a scrape also
    /// has a newer one built behind it, off the request path. Scrapers back to back (a Prometheus pair, a federating one,
    /// dashboards asking directly, a client in a loop) then never wait for an assembly:
    /// under churn nearly every scrape found a changed cluster and assembled the whole body
    /// itself while the cluster's events competed for the cores (p99 10-26x the idle one,
    /// docs/benchmarks.md, session 14), and however many scrape, a body is assembled at most
    /// about twice per `maxAge`. A scrape that comes `maxAge` or more after the last build (a
    /// Prometheus scraping every 15 s with a max age of 1 s: every one) assembles the current
    /// body as without it, so what a scrape shows is never older than `maxAge` plus one
    /// assembly: while the build behind (started before the body was `maxAge` old) is under
    /// way, the body keeps being served past `maxAge` rather than assembled by the scrape too
    /// (a gzip'd body of 100 simulated tasks takes 300 ms and more to build under churn).
    private func recent<Part: Sendable>(_ scrape: Scrape, format: ExpositionFormat, _ part: KeyPath<Entry, Part?> & Sendable) -> Part? {
        guard builder.maxAge > .zero else { return nil }
        let found: (body: Part, age: Duration)? = entries.withLock { e in
            guard let entry = e[format], let body = entry[keyPath: part] else { return nil }
            return (body, now() - entry.built)
        }
        guard let found, builder.keepsServing(age: found.age, .all, build: { self.buildHeld(scrape: { scrape }) }) else { return nil }
        coalesced.add(1, ordering: .relaxed)
        return found.body
    }

    /// During a relist (`MetricsStore.bulkInProgress`: from a resource's first LIST page until
    /// it is applied) the store changes with every chunk applied and every resource's relist
    /// done, and assembling the whole body for each scrape then competed with the relist for
    /// the CPU (a scrape during a 31k-object relist took up to 571 ms, docs/benchmarks.md). The
    /// last body, from before the relist, is served instead while it is younger than `maxStale`:
    /// a consistent state a few seconds old, where the alternative is a half-applied one.
    ///
    /// Its age is counted from when it stopped being current: from the relist's start for a
    /// body of the generation the store had then (however long before it was built: a cluster
    /// at rest is scraped from one body for minutes), else from when it was built.
    ///
    /// The same holds after the relist while `rebuild` assembles the new body in the background.
    private func duringRelist(_ scrape: Scrape, format: ExpositionFormat) -> Entry? {
        guard let since = scrape.objects.bulkSince ?? rebuilding.withLock({ $0.since }) else { return nil }
        return entries.withLock { e in
            guard let entry = e[format] else { return nil }
            let outdatedAt = entry.key.generation == since.generation ? since.at : entry.built
            return now() - outdatedAt < maxStale ? entry : nil
        }
    }

    private let entries = Mutex<[ExpositionFormat: Entry]>([:])
    /// The gzip'd object part's segments as last compressed, per format.
    let segments: [ExpositionFormat: CompressedSegments] = [.text004: CompressedSegments(), .openMetrics: CompressedSegments()]
    let hits = Atomic<Int>(0)
    let builds = Atomic<Int>(0)

    private func lookup(_ key: Key) -> Entry? {
        entries.withLock { e in
            guard let entry = e[key.format], entry.key == key else { return nil }
            return entry
        }
    }

    private func store(_ key: Key, update: (inout Entry) -> Void) {
        entries.withLock { e in
            // A build from an older generation never replaces a newer entry.
            if let existing = e[key.format], existing.key != key, existing.key.generation > key.generation { return }
            var entry = e[key.format].flatMap { $0.key == key ? $0 : nil } ?? Entry(key: key, built: now())
            update(&entry)
            e[key.format] = entry
        }
    }

    /// The plain object part of `scrape` at the store's current generation.
    func plain(_ scrape: Scrape, format: ExpositionFormat) -> ByteBuffer {
        let key = Key(generation: scrape.objects.generation, format: format, workerReports: scrape.workerReports)
        if let hit = lookup(key)?.plain {
            hits.add(1, ordering: .relaxed)
            return hit
        }
        if let stale = duringRelist(scrape, format: format)?.plain {
            staleServed.add(1, ordering: .relaxed)
            return stale
        }
        if let recent = recent(scrape, format: format, \.plain) { return recent }
        let (built, buffer, _) = buildPlain(scrape, format: format, recycle: true)
        store(built) { $0.plain = buffer }
        return buffer
    }

    /// Assembles the plain object part; with `recycle`, into the cached body's buffer when no
    /// response holds it (which takes it out of the cache).
    private func buildPlain(_ scrape: Scrape, format: ExpositionFormat, recycle: Bool) -> (Key, ByteBuffer, ObjectPart) {
        builds.add(1, ordering: .relaxed)
        let part = scrape.objectPart(format: format)
        // At least the size needed, written once: no regrowth, no second copy.
        var buffer = recycle ? recycledPlain(format, capacity: part.byteCount) : ByteBufferAllocator().buffer(capacity: part.byteCount)
        part.forEachChunk { buffer.writeBytes($0) }
        return (Key(generation: part.generation, format: format, workerReports: scrape.workerReports), buffer, part)
    }

    /// Rebuilds, off the request path, every representation the cache holds, once a relist has
    /// ended (`MetricsStore.onBulkEnd`); until it is done, scrapes still get the body from before
    /// the relist, within `maxStale` of the relist's start (`duringRelist`). The first scrape
    /// after a relist of 10k tasks used to assemble the new 46 MiB body itself (100-150 ms, and
    /// deflating it for a gzip scrape several times that) while the relist's last resources were
    /// still being translated (docs/benchmarks.md, session 12). Runs on the caller's thread
    /// (`BackgroundThreads`, at low priority); the new representations replace the old together,
    /// so no scrape finds the new plain body without its gzip'd one and deflates it itself.
    /// A rebuild that finds the store unchanged (a relist that brought the objects back as they
    /// were) finds every entry current and builds nothing.
    func rebuild(scrape: () -> Scrape) {
        defer {
            rebuilding.withLock { r in
                r.pending -= 1
                if r.pending == 0 { r.since = nil }
            }
        }
        if buildHeld(scrape: scrape) { rebuilt.add(1, ordering: .relaxed) }
    }

    /// Builds the representations the cache holds (plain, gzip'd, per format) that are not
    /// current, and stores them together; whether it built anything.
    private func buildHeld(scrape: () -> Scrape) -> Bool {
        var any = false
        let held = entries.withLock { e in e.map { ($0.key, $0.value.plain != nil, $0.value.gzip != nil) } }
        for (format, hadPlain, hadGzip) in held {
            let s = scrape()
            let key = Key(generation: s.objects.generation, format: format, workerReports: s.workerReports)
            let current = lookup(key)
            var plain = current?.plain, gzip = current?.gzip, built = key, changed = false
            var part: ObjectPart?
            if hadPlain, plain == nil {
                let made = buildPlain(s, format: format, recycle: false)
                (built, plain, part) = (made.0, made.1, made.2)
                changed = true
            }
            if hadGzip, gzip == nil, let g = buildGzip(s, format: format, from: part.map { (built, $0) }) {
                if plain == nil { built = g.key }   // compressed from the store: its own generation
                gzip = g.compressed
                changed = true
            }
            guard changed else { continue }
            any = true
            store(built) { entry in
                if let plain { entry.plain = plain }
                if let gzip { entry.gzip = gzip }
            }
        }
        return any
    }

    /// Marks a rebuild as coming (before it is queued): scrapes meanwhile are served as during
    /// the relist. Every call is followed by one `rebuild`.
    func rebuildComing(after since: MetricsStore.BulkStart) {
        rebuilding.withLock { r in
            if r.since == nil { r.since = since }
            r.pending += 1
        }
    }

    /// The relist a rebuild under way follows, and how many rebuilds are queued or running.
    private let rebuilding = Mutex<(since: MetricsStore.BulkStart?, pending: Int)>((nil, 0))
    /// Rebuilds that built something (tests).
    let rebuilt = Atomic<Int>(0)
    /// Whether a rebuild is queued or running.
    var rebuildPending: Bool { rebuilding.withLock { $0.pending > 0 } }

    /// A buffer for the next plain body: the previous one's when no response holds it any more
    /// and it is not much larger than needed, else a new one of exactly `capacity` bytes.
    ///
    /// A body this size lives outside glibc's heap (`MemoryRelease`: mmap from 1 MiB), so a new
    /// buffer is fresh pages from the kernel, each faulted in and zeroed on first write: 11.8k
    /// faults for a 46 MiB body, a quarter of assembling it (docs/benchmarks.md). The previous
    /// buffer's pages are mapped already. One still being sent is left alone: `clear` gives this
    /// buffer new storage when another holds the old, so a response in flight never sees its
    /// bytes change (`aRebuiltBodyReusesTheBufferNoResponseHolds`).
    private func recycledPlain(_ format: ExpositionFormat, capacity: Int) -> ByteBuffer {
        // Taken out of the entry into the only binding left: `clear` reuses storage held once.
        guard var buffer = entries.withLock({ e -> ByteBuffer? in
            defer { e[format]?.plain = nil }
            return e[format]?.plain
        }), buffer.capacity <= capacity + capacity / 4 else {
            return ByteBufferAllocator().buffer(capacity: capacity)
        }
        buffer.clear(minimumCapacity: capacity)
        return buffer
    }

    /// The compressed object part of `scrape`; nil when zlib fails.
    func gzip(_ scrape: Scrape, format: ExpositionFormat) -> Compressed? {
        let key = Key(generation: scrape.objects.generation, format: format, workerReports: scrape.workerReports)
        if let hit = lookup(key)?.gzip {
            hits.add(1, ordering: .relaxed)
            return hit
        }
        if let stale = duringRelist(scrape, format: format)?.gzip {
            staleServed.add(1, ordering: .relaxed)
            return stale
        }
        if let recent = recent(scrape, format: format, \.gzip) { return recent }
        guard let built = buildGzip(scrape, format: format, from: nil) else { return nil }
        store(built.key) { $0.gzip = built.compressed }
        return built.compressed
    }

    /// Compresses the object part (`CompressedSegments`: only the segments whose objects changed
    /// since the last build are deflated): the given part of `key` when there is one (the plain
    /// body just built from it, so that both are of one generation), else the store's part as it
    /// is now. Nil when zlib fails.
    private func buildGzip(_ scrape: Scrape, format: ExpositionFormat, from given: (Key, ObjectPart)?) -> (key: Key, compressed: Compressed)? {
        builds.add(1, ordering: .relaxed)
        let part = given?.1 ?? scrape.objectPart(format: format)
        let builtKey = given?.0 ?? Key(generation: part.generation, format: format, workerReports: scrape.workerReports)
        guard let compressed = segments[format]!.compress(part) else { return nil }
        return (builtKey, compressed)
    }

    /// Sections up to this size follow the cached head as stored blocks (`Gzip.appendStoredBlocks`):
    /// the self-metrics alone are a few KiB, and deflating them anew on every scrape (zlib's
    /// state set up, hashed, matched) kept a cached gzip scrape at 2.2-2.4x nginx `gzip_static`
    /// of the same bytes; stored, 1.5-1.9x (docs/benchmarks.md, session 11). Larger ones are
    /// compressed: there the bytes saved on the wire outweigh the CPU. (The pushed groups, the
    /// large part of a tail, are compressed once and kept: `PushSectionBuffers`.)
    static let storedTailLimit = 64 * 1024

    /// The rest of a gzip member after `head`, as buffers to send after it: the scrape's
    /// sections (stored or compressed, `storedTailLimit`), the pushed groups compressed once
    /// and kept (`PushSectionBuffers.compressed`, sent as they are), then `eof` as the final
    /// block and the trailer, its CRC joined from the parts' (`Gzip.crc32Combine`). Nil when
    /// zlib fails.
    static func finishGzip(after head: Compressed, sections: [UInt8], pushes: Compressed?, eof: [UInt8]) -> [ByteBuffer]? {
        var buffers: [ByteBuffer] = []
        var crc = head.crc, length = head.length
        if !sections.isEmpty {
            guard let middle = blocks(sections) else { return nil }
            buffers.append(ByteBuffer(bytes: middle))
            crc = Gzip.crc32(sections, continuing: crc)
            length += sections.count
        }
        if let pushes, pushes.length > 0 {
            buffers.append(pushes.buffer)
            crc = Gzip.crc32Combine(crc, pushes.crc, lengthOfB: pushes.length)
            length += pushes.length
        }
        var end: [UInt8] = []
        end.reserveCapacity(Gzip.storedBlocksSize(eof.count) + 8)
        eof.withUnsafeBytes { Gzip.appendStoredBlocks($0, final: true, to: &end) }
        end += Gzip.memberTrailer(crc: Gzip.crc32(eof, continuing: crc), length: length + eof.count)
        buffers.append(ByteBuffer(bytes: end))
        return buffers
    }

    /// `bytes` as deflate blocks that end at a byte boundary, without the last-block bit: stored
    /// up to `storedTailLimit`, compressed (and sync-flushed) above it. Nil when zlib fails.
    private static func blocks(_ bytes: [UInt8]) -> [UInt8]? {
        if bytes.count <= storedTailLimit {
            var out: [UInt8] = []
            out.reserveCapacity(Gzip.storedBlocksSize(bytes.count) + 8)
            bytes.withUnsafeBytes { Gzip.appendStoredBlocks($0, final: false, to: &out) }
            return out
        }
        let deflater = Gzip.RawDeflater(expectedOutput: bytes.count / 4 + 64, chunk: 16 * 1024)
        deflater.feed(bytes)
        return deflater.finish(final: false)
    }

    /// The raw deflate stream of `bytes`, ended by a sync flush, with their CRC and length: a
    /// part of a gzip member compressed once and sent as it is by every scrape that follows.
    static func compressedPart(_ bytes: UnsafeRawBufferPointer) -> Compressed? {
        let deflater = Gzip.RawDeflater(expectedOutput: bytes.count / 4 + 64)
        deflater.feed(bytes)
        guard let raw = deflater.finish(final: false) else { return nil }
        return Compressed(buffer: ByteBuffer(bytes: raw), crc: deflater.crc, length: deflater.length)
    }
}
