import Exposition
import Foundation
import Intake
import NIOCore
import ServerSupport
import KubeWatch
import SednaCatalog
import Synchronization

/// Serves /metrics bodies: the `Scrape` of the inventory (with the intake's reports, counters and
/// pushes when the intake is on), the exporter's self-metrics and the webhook's counters. Keeps
/// the scrape count and the previous scrape's duration for the self-metrics.
public final class MetricsEndpoint: Sendable {
    public let inventory: Inventory
    public let stats: WatchStats
    let resources: [WatchedResource]
    /// The object families of the last body, plain and gzip'd, until the next change.
    let cache: ScrapeBodyCache
    /// The pushed groups as the buffer a plain body sends and the part a gzip'd one sends, until
    /// the next push (or the max age).
    let pushBuffers: PushSectionBuffers
    /// Object parts rendered (plain or gzip'd) since start; a scrape of an unchanged store adds none.
    public var cacheBuilds: Int { cache.builds.load(ordering: .relaxed) }
    /// Scrapes answered with the body from before a relist being applied (`ScrapeBodyCache`).
    public var staleBodiesServed: Int { cache.staleServed.load(ordering: .relaxed) }
    /// Scrapes answered with a body younger than `--scrape-body-max-age` that was no longer current.
    public var coalescedBodiesServed: Int { cache.coalesced.load(ordering: .relaxed) }
    public let intake: IntakeService?
    let webhook: WebhookCounters?
    /// Refused hostile requests and connections (`sedna_exporter_http_rejected_total`), once the
    /// server is wired.
    private let rejections = Mutex<HTTPRejections?>(nil)
    public var httpRejections: HTTPRejections? {
        get { rejections.withLock { $0 } }
        set { rejections.withLock { $0 = newValue } }
    }
    /// The shard this exporter serves (`sedna_exporter_shard_ordinal`, `sedna_exporter_total_shards`).
    private let shardBox = Mutex<ShardAssignmentBox?>(nil)
    public var shardAssignment: ShardAssignmentBox? {
        get { shardBox.withLock { $0 } }
        set { shardBox.withLock { $0 = newValue } }
    }
    private let scrapeState = Mutex<(count: Int, lastSeconds: Double)>((0, 0))
    /// The self-metrics' per-resource families of the last scrape (`PerResourceFamilies`).
    private let perResourceFamilies = PerResourceFamilies()
    /// `sedna_intake_forwarded_total`, on a sharded exporter that forwards (`ShardForwarding`).
    private let forwardCounters = Mutex<ShardForwardCounters?>(nil)
    public var shardForwardCounters: ShardForwardCounters? {
        get { forwardCounters.withLock { $0 } }
        set { forwardCounters.withLock { $0 = newValue } }
    }

    public init(inventory: Inventory, stats: WatchStats, resources: [WatchedResource], intake: IntakeService? = nil,
                webhook: WebhookCounters? = nil, bodyMaxAge: Duration = .zero) {
        self.cache = ScrapeBodyCache(maxAge: bodyMaxAge)
        self.pushBuffers = PushSectionBuffers(maxAge: bodyMaxAge)
        self.webhook = webhook
        self.inventory = inventory
        self.stats = stats
        self.resources = resources
        self.intake = intake
        // After a relist the new body is assembled off the request path (`ScrapeBodyCache.rebuild`).
        inventory.store.onBulkEnd { [weak self] since in
            guard let self else { return }
            self.cache.rebuildComing(after: since)
            BackgroundThreads.shared.run { self.cache.rebuild { self.objectScrape() } }
        }
    }

    /// What the cached object part is made of: the store and the workers' reports.
    func objectScrape() -> Scrape {
        intake?.scrape(objects: inventory.store) ?? Scrape(objects: inventory.store)
    }

    public var readiness: (ready: Bool, reasons: [String]) { stats.readiness(expected: resources) }

    /// A /metrics response body: the cached object part (see `ScrapeBodyCache`) and the fresh
    /// tail, as buffers to send in order, gzip'd when `gzip` and compression works.
    public struct Body: Sendable {
        public let buffers: [ByteBuffer]
        public let encoding: String?
        public var byteCount: Int { buffers.reduce(0) { $0 + $1.readableBytes } }

        /// The body in one array (tests, callers without a ByteBuffer sink).
        public var bytes: [UInt8] { buffers.flatMap { Array($0.readableBytesView) } }
    }

    public func response(format: ExpositionFormat, gzip: Bool) -> Body {
        let started = ContinuousClock.now
        let (count, last) = scrapeState.withLock { s -> (Int, Double) in
            s.count += 1
            return (s.count, s.lastSeconds)
        }
        var sections: [any ExpositionSection] = [
            SelfMetricsWriter(stats: stats, inventory: inventory, resources: resources, scrapes: count,
                              lastScrapeSeconds: last, coalescedBodies: coalescedBodiesServed,
                              gzipSegments: GzipSegmentCounts(objects: Array(cache.segments.values), pushes: Array(pushBuffers.segments.values)),
                              ready: readiness.ready,
                              shard: shardAssignment?.current ?? ShardAssignment(shard: 0, total: 1),
                              perResource: perResourceFamilies),
        ]
        if let webhook { sections.append(webhook) }
        if let r = httpRejections { sections.append(HTTPRejectionSection(family: SelfMetrics.httpRejected, rejections: r)) }
        if let f = shardForwardCounters { sections.append(f) }
        let scrape: Scrape
        if let intake {
            intake.expire(now: Date().timeIntervalSince1970)
            scrape = intake.scrape(objects: inventory.store, sections: sections, pushes: false)
        } else {
            scrape = Scrape(objects: inventory.store, sections: sections)
        }
        // The tail: the sections (fresh), the pushed groups (kept, `PushSectionBuffers`), `# EOF`
        // in OpenMetrics.
        let sectionBytes = scrape.renderTail(format: format, eof: false)
        let eof = Scrape.eof(format)
        var out: Body?
        if gzip, let head = cache.gzip(scrape, format: format) {
            var pushes: ScrapeBodyCache.Compressed?
            var compressed = true
            if let intake {
                pushes = pushBuffers.compressed(intake.store, format: format)
                compressed = pushes != nil
            }
            if compressed, let rest = ScrapeBodyCache.finishGzip(after: head, sections: sectionBytes, pushes: pushes, eof: eof) {
                out = Body(buffers: [head.buffer] + rest, encoding: "gzip")
            }
        }
        // Plain when asked, or when compression failed (answered uncompressed rather than as an
        // empty body labelled gzip).
        let response: Body
        if let out {
            response = out
        } else {
            var buffers = [cache.plain(scrape, format: format), ByteBuffer(bytes: sectionBytes)]
            if let pushes = intake.map({ pushBuffers.buffer($0.store, format: format) }), pushes.readableBytes > 0 {
                buffers.append(pushes)
            }
            if !eof.isEmpty { buffers.append(ByteBuffer(bytes: eof)) }
            response = Body(buffers: buffers, encoding: nil)
        }
        let elapsed = (ContinuousClock.now - started).seconds
        scrapeState.withLock { $0.lastSeconds = elapsed }
        return response
    }

    /// The plain body in one array.
    public func body(format: ExpositionFormat) -> [UInt8] {
        response(format: format, gzip: false).bytes
    }
}

/// The intake's push section (`IntakeStore.pushSection(format:)`) as the buffer a plain body
/// sends and, compressed once, as the part a gzip'd body sends, per format, kept until the
/// intake's generation moves. Under pushes the section is most of the body's tail (1.8 MiB of a
/// 19 MiB body at 100 simulated tasks): it was copied into the tail's array and then into a new
/// buffer on every scrape, two copies and their page faults (6.5 % of the exporter's CPU when
/// scraped back to back, docs/benchmarks.md, session 14), and deflated anew by every gzip'd
/// scrape. With a max age (`--scrape-body-max-age`) a section is also kept that long after it
/// was taken when pushes came since, and a newer one is built behind the scrapes from half the
/// max age on, as the object part is (`ScrapeBodyCache.recent`): under churn the generation moves
/// between any two scrapes. Before, the scrape that found the section older than the max age
/// built it itself (sorting 2,000 groups and deflating the changed segments: 14-64 ms under
/// churn, most of the scrapes over 3 ms inside the exporter in a 60 s run, docs/benchmarks.md,
/// session 19).
final class PushSectionBuffers: Sendable {
    struct Kept: Sendable {
        let generation: UInt64
        let taken: ContinuousClock.Instant
        let buffer: ByteBuffer
    }

    private let kept = Mutex<[ExpositionFormat: Kept]>([:])
    let now: @Sendable () -> ContinuousClock.Instant
    /// The max age and the builds behind the scrapes: one per representation (`gzip`) and format.
    let builder: BuildsBehind<Refresh>
    struct Refresh: Hashable, Sendable {
        let format: ExpositionFormat
        let gzip: Bool
    }

    init(maxAge: Duration = .zero, now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now },
         behind: @escaping @Sendable (@escaping @Sendable () -> Void) -> Void = { BackgroundThreads.shared.run($0) }) {
        self.builder = BuildsBehind(maxAge: maxAge, behind: behind)
        self.now = now
    }

    /// The section to send: the kept one while it is current, or with a max age still served
    /// (`BuildsBehind.keepsServing`), else the intake's current one (kept from now on).
    private func current(_ store: IntakeStore, format: ExpositionFormat) -> Kept {
        let held = kept.withLock { $0[format] }
        if let held, held.generation == store.pushGeneration
            || builder.keepsServing(age: now() - held.taken, Refresh(format: format, gzip: false), build: {
                _ = self.buildSection(store, format: format)
                return true
            }) {
            return held
        }
        return buildSection(store, format: format)
    }

    /// The intake's current section as a buffer, kept unless a newer one was kept meanwhile.
    private func buildSection(_ store: IntakeStore, format: ExpositionFormat) -> Kept {
        let taken = now()
        let section = store.pushSection(format: format)
        let fresh = Kept(generation: section.generation, taken: taken, buffer: ByteBuffer(bytes: section.bytes))
        return kept.withLock { k in
            if let existing = k[format], existing.generation >= section.generation { return existing }
            k[format] = fresh
            return fresh
        }
    }

    func buffer(_ store: IntakeStore, format: ExpositionFormat) -> ByteBuffer {
        current(store, format: format).buffer
    }

    /// The section as a sync-flushed raw deflate part (`ScrapeBodyCache.finishGzip`), kept until
    /// the intake's generation moves (or, with a max age, that long), and made of segments
    /// compressed once (`CompressedSegments`): after a push only the segments holding the
    /// group's lines are deflated again, not the whole section, and the section is never
    /// assembled for a gzip'd scrape. Nil when zlib fails.
    func compressed(_ store: IntakeStore, format: ExpositionFormat) -> ScrapeBodyCache.Compressed? {
        let held = compressedKept.withLock { $0[format] }
        if let held, held.generation == store.pushGeneration
            || builder.keepsServing(age: now() - held.taken, Refresh(format: format, gzip: true), build: {
                self.buildCompressed(store, format: format) != nil
            }) {
            return held.compressed
        }
        return buildCompressed(store, format: format)
    }

    /// The intake's current section compressed, kept unless a newer one was kept meanwhile.
    private func buildCompressed(_ store: IntakeStore, format: ExpositionFormat) -> ScrapeBodyCache.Compressed? {
        let taken = now()
        let part = store.pushPart(format: format)
        guard let compressed = segments[format]!.compress(part) else { return nil }
        return compressedKept.withLock { k in
            if let existing = k[format], existing.generation >= part.generation { return existing.compressed }
            k[format] = (part.generation, taken, compressed)
            return compressed
        }
    }

    private let compressedKept = Mutex<[ExpositionFormat: (generation: UInt64, taken: ContinuousClock.Instant,
                                                              compressed: ScrapeBodyCache.Compressed)]>([:])
    /// The pushed groups' segments as last compressed, per format: smaller than the object
    /// part's (the section is a tenth of the body and each push changes one group's lines).
    let segments: [ExpositionFormat: CompressedSegments] = [
        .text004: CompressedSegments(target: 16 * 1024, memberHeader: false),
        .openMetrics: CompressedSegments(target: 16 * 1024, memberHeader: false),
    ]
}
