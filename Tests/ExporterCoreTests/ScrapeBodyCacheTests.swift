@testable import ExporterCore
import Exposition
import Foundation
import Intake
import KubeWatch
import NIOCore
import SednaCatalog
import Synchronization
import Testing
import TestSupport

/// The cached /metrics body: after every kind of change it equals a fresh render, gzip follows
/// the changes and inflates to the plain body, and a smaller body never carries old bytes.
@Suite struct ScrapeBodyCacheTests {
    struct Setup {
        let endpoint: MetricsEndpoint
        let inventory: Inventory
        let intake: IntakeStore
    }

    func setup() -> Setup {
        let inventory = Inventory()
        let stats = WatchStats()
        var resources: [WatchedResource] = []
        for (plural, o) in Fixtures.allCluster() {
            guard let r = WatchedResource(plural: plural) else { continue }
            if !resources.contains(r) { resources.append(r) }
            inventory.upsert(r, o)
        }
        stats.setDiscovered(true)
        for r in resources { stats.update(r) { s in s.available = true; s.synced = true } }
        let intake = IntakeStore()
        let endpoint = MetricsEndpoint(inventory: inventory, stats: stats, resources: resources,
                                       intake: IntakeService(store: intake, directory: inventory))
        return Setup(endpoint: endpoint, inventory: inventory, intake: intake)
    }

    /// The object families as rendered from scratch, without the cache.
    func fresh(_ s: Setup, _ format: ExpositionFormat) -> [UInt8] {
        IntakeService(store: s.intake, directory: s.inventory).scrape(objects: s.inventory.store).objectPart(format: format).joined()
    }

    /// A rendering of `n` samples of the first object family, `tag` in a label value.
    func rendering(_ tag: String, samples n: Int = 1) -> RenderedObject {
        let family = Catalog.objectFamilies[0]
        var set = MetricSet()
        for i in 0..<n { set.add(family, family.labels.indices.map { "\(tag)-\($0)-\(i)" }, Double(i)) }
        return RenderedObject(set)
    }

    /// Waits until the rebuild a relist's end started (on `BackgroundThreads`) is done.
    func settle(_ s: Setup, sourceLocation: SourceLocation = #_sourceLocation) {
        let deadline = ContinuousClock.now + .seconds(30)
        while s.endpoint.cache.rebuildPending && ContinuousClock.now < deadline { usleep(1_000) }
        #expect(!s.endpoint.cache.rebuildPending, sourceLocation: sourceLocation)
    }

    /// Checks one plain and one gzip'd response against a fresh render; returns the plain body.
    @discardableResult
    func check(_ s: Setup, _ format: ExpositionFormat, sourceLocation: SourceLocation = #_sourceLocation) throws -> [UInt8] {
        let expected = fresh(s, format)
        let plain = s.endpoint.response(format: format, gzip: false)
        #expect(plain.encoding == nil, sourceLocation: sourceLocation)
        #expect(Array(plain.buffers[0].readableBytesView) == expected, sourceLocation: sourceLocation)
        let zipped = s.endpoint.response(format: format, gzip: true)
        #expect(zipped.encoding == "gzip", sourceLocation: sourceLocation)
        let inflated = try Gzip.decompress(zipped.bytes, limit: 1 << 26)
        #expect(Array(inflated.prefix(expected.count)) == expected, sourceLocation: sourceLocation)
        // The tail is the self-metrics etc. of that scrape: same families as the plain one's.
        let tail = String(decoding: inflated.dropFirst(expected.count), as: UTF8.self)
        #expect(tail.hasPrefix("# HELP sedna_exporter_build_info") || tail.hasPrefix("# TYPE sedna_exporter_build_info"),
                sourceLocation: sourceLocation)
        if format == .openMetrics { #expect(tail.hasSuffix("# EOF\n"), sourceLocation: sourceLocation) }
        return plain.bytes
    }

    /// While a relist is applied (`MetricsStore.beginBulk`) a scrape gets the body from before it,
    /// plain and gzip'd, without assembling one; once it is applied, the new state.
    @Test func aRelistUnderWayServesTheBodyFromBeforeIt() throws {
        let s = setup()
        let store = s.inventory.store
        let before = try check(s, .text004)
        let builds = s.endpoint.cacheBuilds
        store.beginBulk()
        store.put(.pods, key: "zz/new", sortKey: "zz/new", rendering("mid-relist"))
        let plain = s.endpoint.response(format: .text004, gzip: false)
        #expect(Array(plain.buffers[0].readableBytesView) == Array(before.prefix(plain.buffers[0].readableBytes)))
        #expect(!String(decoding: plain.bytes, as: UTF8.self).contains("mid-relist"))
        let zipped = try Gzip.decompress(s.endpoint.response(format: .text004, gzip: true).bytes, limit: 1 << 26)
        #expect(!String(decoding: zipped, as: UTF8.self).contains("mid-relist"))
        #expect(s.endpoint.cacheBuilds == builds && s.endpoint.staleBodiesServed == 2)
        store.endBulk()
        settle(s)
        let after = try check(s, .text004)
        #expect(String(decoding: after, as: UTF8.self).contains("mid-relist"))
    }

    /// Once a relist ends, the new body (each representation the cache held: here plain and
    /// gzip'd) is built in the background, and the scrapes after it send it without building;
    /// a relist that changed nothing builds nothing.
    @Test func afterARelistTheNewBodyIsBuiltOffTheRequestPath() throws {
        let s = setup()
        let store = s.inventory.store
        try check(s, .text004)
        let builds = s.endpoint.cacheBuilds, rebuilt = s.endpoint.cache.rebuilt.load(ordering: .relaxed)
        store.beginBulk()
        store.endBulk()                               // nothing changed
        settle(s)
        #expect(s.endpoint.cacheBuilds == builds && s.endpoint.cache.rebuilt.load(ordering: .relaxed) == rebuilt)
        store.beginBulk()
        store.put(.pods, key: "zz/new", sortKey: "zz/new", rendering("relisted"))
        store.endBulk()
        settle(s)
        #expect(s.endpoint.cache.rebuilt.load(ordering: .relaxed) == rebuilt + 1)
        let afterRebuild = s.endpoint.cacheBuilds
        #expect(afterRebuild == builds + 2)           // the plain body, then its gzip from it
        let body = try check(s, .text004)
        #expect(String(decoding: body, as: UTF8.self).contains("relisted"))
        #expect(s.endpoint.cacheBuilds == afterRebuild)
    }

    /// Between a relist's end and its rebuild, scrapes still get the body from before it.
    @Test func untilTheRebuildIsDoneTheBodyFromBeforeTheRelistIsServed() throws {
        let s = setup()
        let store = s.inventory.store
        try check(s, .text004)
        let before = fresh(s, .text004)
        let since = MetricsStore.BulkStart(generation: store.generation, at: .now)
        s.endpoint.cache.rebuildComing(after: since)   // as the store's bulk-end observer does
        store.put(.pods, key: "zz/new", sortKey: "zz/new", rendering("relisted"))
        #expect(Array(s.endpoint.body(format: .text004).prefix(before.count)) == before)
        #expect(!String(decoding: s.endpoint.body(format: .text004), as: UTF8.self).contains("relisted"))
        s.endpoint.cache.rebuild { s.endpoint.objectScrape() }
        #expect(!s.endpoint.cache.rebuildPending)
        #expect(String(decoding: s.endpoint.body(format: .text004), as: UTF8.self).contains("relisted"))
    }

    /// A reflector announces a relist from its first LIST page (`relistStarted`), through the
    /// webhook's tracking sink too: scrapes get the body from before it until every relist under
    /// way has ended, then the new state.
    @Test(arguments: [false, true])
    func aRelistAnnouncedByAReflectorServesTheBodyFromBeforeIt(throughTrackingSink: Bool) throws {
        let s = setup()
        let sink: any ObjectSink = throughTrackingSink ? TrackingSink(inner: s.inventory, tracker: RelayTracker()) : s.inventory
        _ = try check(s, .text004)                  // a body cached before the relists
        sink.relistStarted(.pods)
        sink.relistStarted(.nodes)
        s.inventory.store.put(.pods, key: "zz/new", sortKey: "zz/new", rendering("mid-relist"))
        #expect(!String(decoding: s.endpoint.body(format: .text004), as: UTF8.self).contains("mid-relist"))
        sink.relistEnded(.pods)
        #expect(!String(decoding: s.endpoint.body(format: .text004), as: UTF8.self).contains("mid-relist"))
        sink.relistEnded(.nodes)
        #expect(!s.inventory.store.bulkInProgress)
        settle(s)
        #expect(String(decoding: s.endpoint.body(format: .text004), as: UTF8.self).contains("mid-relist"))
    }

    /// A plain body assembled after a change is written into the previous body's buffer when no
    /// response holds it any more (no fresh pages to fault in); while a response still holds it,
    /// into a new one, and the held body's bytes stay as they were.
    @Test func aRebuiltBodyReusesTheBufferNoResponseHolds() throws {
        let s = setup()
        let store = s.inventory.store
        let cache = ScrapeBodyCache()
        func address(_ b: ByteBuffer) -> UnsafeRawPointer? { b.withUnsafeReadableBytes { $0.baseAddress.map(UnsafeRawPointer.init) } }
        let first = address(cache.plain(Scrape(objects: store), format: .text004))
        // Slightly larger: the old buffer is grown in place or moved by realloc, never handed out twice.
        store.put(.pods, key: "zz/a", sortKey: "zz/a", rendering("a"))
        let second = cache.plain(Scrape(objects: store), format: .text004)
        #expect(String(decoding: Array(second.readableBytesView), as: UTF8.self).contains("\"a-"))
        #expect(Array(second.readableBytesView) == fresh(s, .text004))
        let secondAddress = address(second)
        // `second` is still held (a response being sent): the next body goes elsewhere.
        let held = Array(second.readableBytesView)
        store.put(.pods, key: "zz/a", sortKey: "zz/a", rendering("b"))
        let thirdAddress = try { () throws -> UnsafeRawPointer in
            let third = cache.plain(Scrape(objects: store), format: .text004)
            #expect(address(third) != secondAddress)
            #expect(Array(second.readableBytesView) == held)
            #expect(Array(third.readableBytesView) == fresh(s, .text004))
            return try #require(address(third))
        }()
        // Nobody holds the third body but the cache: the next one of about its size reuses its storage.
        store.put(.pods, key: "zz/a", sortKey: "zz/a", rendering("c"))
        let fourth = cache.plain(Scrape(objects: store), format: .text004)
        #expect(address(fourth) == thirdAddress)
        #expect(Array(fourth.readableBytesView) == fresh(s, .text004))
        _ = first
    }

    /// A body built long before a relist, and current until it began (a cluster at rest is
    /// scraped from one body for minutes), is served during the relist: its age counts from the
    /// relist's start, not from its build.
    @Test func aBodyCurrentUntilTheRelistIsServedHoweverOld() async throws {
        let s = setup()
        let store = s.inventory.store
        let cache = ScrapeBodyCache(maxStale: .seconds(1))
        _ = cache.plain(Scrape(objects: store), format: .text004)
        try await Task.sleep(for: .milliseconds(1200))     // older than maxStale, still current
        store.beginBulk()
        defer { store.endBulk() }
        store.put(.pods, key: "zz/new", sortKey: "zz/new", rendering("mid-relist"))
        let body = cache.plain(Scrape(objects: store), format: .text004)
        #expect(!String(decoding: Array(body.readableBytesView), as: UTF8.self).contains("mid-relist"))
        #expect(cache.staleServed.load(ordering: .relaxed) == 1)
    }

    /// The body from before a relist is served only while it is young; and with nothing cached
    /// yet, a scrape during a relist assembles the current state.
    @Test func aStaleBodyIsServedOnlyWhileYoung() throws {
        let s = setup()
        let store = s.inventory.store
        store.beginBulk()
        defer { store.endBulk() }
        try check(s, .text004)                      // nothing cached: built from the store
        let cache = ScrapeBodyCache(maxStale: .zero)
        let scrape = Scrape(objects: store)
        _ = cache.plain(scrape, format: .text004)
        store.put(.pods, key: "zz/new", sortKey: "zz/new", rendering("mid-relist"))
        let body = cache.plain(Scrape(objects: store), format: .text004)
        #expect(String(decoding: Array(body.readableBytesView), as: UTF8.self).contains("mid-relist"))
        #expect(cache.staleServed.load(ordering: .relaxed) == 0)
    }

    /// Waits until the cache has built `n` bodies behind the scrapes.
    func refreshed(_ cache: ScrapeBodyCache, _ n: Int, sourceLocation: SourceLocation = #_sourceLocation) {
        let deadline = ContinuousClock.now + .seconds(30)
        while cache.builder.refreshed.load(ordering: .relaxed) < n && ContinuousClock.now < deadline { usleep(1_000) }
        #expect(cache.builder.refreshed.load(ordering: .relaxed) == n, sourceLocation: sourceLocation)
    }

    func text(_ b: ByteBuffer) -> String { String(decoding: Array(b.readableBytesView), as: UTF8.self) }

    func inflated(_ c: ScrapeBodyCache.Compressed?) throws -> String {
        let c = try #require(c)
        // The cached part ends with a sync flush: finished with an empty final block it inflates.
        var member = Array(c.buffer.readableBytesView)
        member += (ScrapeBodyCache.finishGzip(after: c, sections: [], pushes: nil, eof: []) ?? []).flatMap { Array($0.readableBytesView) }
        return String(decoding: try Gzip.decompress(member, limit: 1 << 26), as: UTF8.self)
    }

    /// A clock the test moves: `ContinuousClock.now` plus what the test added.
    final class TestClock: Sendable {
        private let offset = Mutex<Duration>(.zero)
        func advance(_ d: Duration) { offset.withLock { $0 += d } }
        var now: @Sendable () -> ContinuousClock.Instant { { [self] in ContinuousClock.now + offset.withLock { $0 } } }
    }

    /// A cache with `maxAge` on its own clock, holding the fixture cluster's plain body.
    func cachedOnce(maxAge: Duration) -> (Setup, TestClock, ScrapeBodyCache) {
        let s = setup()
        let clock = TestClock()
        let cache = ScrapeBodyCache(maxAge: maxAge, now: clock.now)
        _ = cache.plain(Scrape(objects: s.inventory.store), format: .text004)
        return (s, clock, cache)
    }

    /// With `--scrape-body-max-age`, a scrape that finds the cluster changed less than half the
    /// max age after the body was built gets that body (plain and gzip'd) and starts nothing;
    /// from half the max age on it also starts a build behind it, and the next scrape gets the
    /// new body from the cache without assembling one.
    @Test func aBodyYoungerThanTheMaxAgeIsServedAndANewerOneBuiltBehindIt() throws {
        let (s, clock, cache) = cachedOnce(maxAge: .seconds(10))
        let store = s.inventory.store
        _ = cache.gzip(Scrape(objects: store), format: .text004)
        store.put(.pods, key: "zz/new", sortKey: "zz/new", rendering("changed"))
        #expect(!text(cache.plain(Scrape(objects: store), format: .text004)).contains("changed-0-0"))
        #expect(!(try inflated(cache.gzip(Scrape(objects: store), format: .text004))).contains("changed-0-0"))
        #expect(cache.coalesced.load(ordering: .relaxed) == 2)
        #expect(cache.builds.load(ordering: .relaxed) == 2)   // the first plain and gzip only
        #expect(cache.builder.refreshed.load(ordering: .relaxed) == 0)

        clock.advance(.seconds(6))   // past half the max age, before it
        #expect(!text(cache.plain(Scrape(objects: store), format: .text004)).contains("changed-0-0"))
        refreshed(cache, 1)
        let builds = cache.builds.load(ordering: .relaxed)
        let hits = cache.hits.load(ordering: .relaxed)
        let plain = text(cache.plain(Scrape(objects: store), format: .text004))
        #expect(plain.contains("changed-0-0"))
        #expect(Array(plain.utf8) == fresh(s, .text004))
        #expect(try inflated(cache.gzip(Scrape(objects: store), format: .text004)) == plain)
        #expect(cache.builds.load(ordering: .relaxed) == builds, "both representations were built behind the scrapes")
        #expect(cache.hits.load(ordering: .relaxed) == hits + 2)
        #expect(cache.coalesced.load(ordering: .relaxed) == 3)
    }

    /// The endpoint passes its max age to its cache and counts the bodies served that way in
    /// `sedna_exporter_scrape_bodies_coalesced_total`; the self-metrics stay current.
    @Test func theEndpointServesYoungBodiesAndCountsThem() throws {
        let inventory = Inventory()
        let endpoint = MetricsEndpoint(inventory: inventory, stats: WatchStats(), resources: [.pods], bodyMaxAge: .seconds(60))
        inventory.store.put(.pods, key: "a/one", sortKey: "a/one", rendering("first"))
        let first = String(decoding: endpoint.body(format: .text004), as: UTF8.self)
        #expect(first.contains("sedna_exporter_scrape_bodies_coalesced_total 0\n"))
        inventory.store.put(.pods, key: "a/two", sortKey: "a/two", rendering("second"))
        let second = String(decoding: endpoint.body(format: .text004), as: UTF8.self)
        #expect(!second.contains("second-0-0"))
        #expect(second.contains("sedna_exporter_scrapes_total 2\n"))
        let third = String(decoding: endpoint.body(format: .text004), as: UTF8.self)
        #expect(third.contains("sedna_exporter_scrape_bodies_coalesced_total 1\n"))
        #expect(endpoint.coalescedBodiesServed == 2)
    }

    /// While the build behind the scrapes is under way the body keeps being served past the
    /// max age (it started before the body was that old); once it is done, the new one.
    @Test func whileTheBuildBehindRunsTheBodyIsServedPastTheMaxAge() throws {
        let s = setup()
        let store = s.inventory.store
        let clock = TestClock()
        let queued = Mutex<[@Sendable () -> Void]>([])
        let cache = ScrapeBodyCache(maxAge: .seconds(1), now: clock.now, behind: { work in queued.withLock { $0.append(work) } })
        _ = cache.plain(Scrape(objects: store), format: .text004)
        clock.advance(.milliseconds(600))
        store.put(.pods, key: "zz/new", sortKey: "zz/new", rendering("changed"))
        #expect(!text(cache.plain(Scrape(objects: store), format: .text004)).contains("changed-0-0"))
        #expect(queued.withLock { $0.count } == 1)
        clock.advance(.seconds(2))   // past the max age, the build still queued
        #expect(!text(cache.plain(Scrape(objects: store), format: .text004)).contains("changed-0-0"))
        #expect(queued.withLock { $0.count } == 1, "one build at a time")
        for work in queued.withLock({ $0 }) { work() }
        #expect(cache.builder.refreshed.load(ordering: .relaxed) == 1)
        let builds = cache.builds.load(ordering: .relaxed)
        #expect(text(cache.plain(Scrape(objects: store), format: .text004)).contains("changed-0-0"))
        #expect(cache.builds.load(ordering: .relaxed) == builds)
        #expect(cache.coalesced.load(ordering: .relaxed) == 2)
    }

    /// A body the max age old or older is not served once the cluster changed: the scrape
    /// assembles the current one, as without a max age (the default, which every other test of
    /// this suite runs with).
    @Test func aBodyOlderThanTheMaxAgeIsNotServed() throws {
        let (s, clock, cache) = cachedOnce(maxAge: .seconds(1))
        let store = s.inventory.store
        clock.advance(.seconds(1))
        store.put(.pods, key: "zz/new", sortKey: "zz/new", rendering("changed"))
        #expect(text(cache.plain(Scrape(objects: store), format: .text004)).contains("changed-0-0"))
        #expect(cache.coalesced.load(ordering: .relaxed) == 0)
        #expect(cache.builder.refreshed.load(ordering: .relaxed) == 0)
    }

    @Test(arguments: [ExpositionFormat.text004, .openMetrics])
    func cachedBodyEqualsAFreshRenderAfterEveryChange(format: ExpositionFormat) throws {
        let s = setup()
        let store = s.inventory.store
        try check(s, format)
        store.put(.pods, key: "zz/new", sortKey: "zz/new", rendering("added"))
        try check(s, format)
        store.put(.pods, key: "zz/new", sortKey: "zz/new", rendering("replaced"))
        let replaced = try check(s, format)
        #expect(String(decoding: replaced, as: UTF8.self).contains("replaced-0-0"))
        #expect(!String(decoding: replaced, as: UTF8.self).contains("added-0-0"))
        // A key that sorts first: the order is rebuilt, not reused.
        store.put(.pods, key: "00/first", sortKey: "00/first", rendering("first"))
        try check(s, format)
        store.remove(.pods, key: "zz/new")
        try check(s, format)
        store.removeAll(.pods)
        let noPods = try check(s, format)
        #expect(!String(decoding: noPods, as: UTF8.self).contains("first-0-0"))
        // A worker report joins the object families: a change there is a change of the body too.
        let report = try WorkerReport.decode(Array(#"{"name":"w","namespace":"default","ownerName":"x","ownerKind":"x","kind":"inference","status":"ok","ownerInfo":{}}"#.utf8))
        try s.intake.report(report, kind: .jointInferenceService, task: "helmet-detection-inference-example", pod: nil,
                            now: Date().timeIntervalSince1970)
        try check(s, format)
    }

    @Test func unchangedStoreHitsTheCacheWhileSelfMetricsStayFresh() throws {
        let s = setup()
        let first = s.endpoint.response(format: .text004, gzip: false)
        let second = s.endpoint.response(format: .text004, gzip: false)
        // Same object part (one build), different tails (the scrape counter moved).
        #expect(first.buffers[0] == second.buffers[0])
        #expect(first.buffers[1] != second.buffers[1])
        #expect(String(buffer: second.buffers[1]).contains("sedna_exporter_scrapes_total 2"))
        let z1 = s.endpoint.response(format: .text004, gzip: true)
        let z2 = s.endpoint.response(format: .text004, gzip: true)
        #expect(z1.buffers[0] == z2.buffers[0])
        let inflated = try Gzip.decompress(z2.bytes, limit: 1 << 26)
        #expect(String(decoding: inflated, as: UTF8.self).contains("sedna_exporter_scrapes_total 4"))
        #expect(s.endpoint.cacheBuilds == 2)
        // Any change: rebuilt once per representation.
        s.inventory.store.put(.pods, key: "a/b", sortKey: "a/b", rendering("x"))
        _ = s.endpoint.response(format: .text004, gzip: true)
        _ = s.endpoint.response(format: .text004, gzip: true)
        #expect(s.endpoint.cacheBuilds == 3)
    }

    @Test func aSmallerBodyCarriesNoBytesOfTheOldOne() throws {
        let s = setup()
        s.inventory.store.put(.pods, key: "big/one", sortKey: "big/one", rendering("bigbody", samples: 2000))
        let big = try check(s, .text004)
        s.inventory.store.remove(.pods, key: "big/one")
        let small = try check(s, .text004)
        #expect(small.count < big.count - 2000 * 20)
        #expect(!String(decoding: small, as: UTF8.self).contains("bigbody"))
    }

    /// Small sections (the self-metrics) are sent stored, large ones compressed; either way
    /// the member inflates to the plain body.
    @Test func smallSectionsGoStoredLargeOnesCompressed() throws {
        let s = setup()
        let scrape = IntakeService(store: s.intake, directory: s.inventory).scrape(objects: s.inventory.store)
        let head = try #require(s.endpoint.cache.gzip(scrape, format: .text004))
        let small = Array("sedna_exporter_scrapes_total 1\n".utf8)
        let stored = try #require(ScrapeBodyCache.finishGzip(after: head, sections: small, pushes: nil, eof: []))
        #expect(stored.count == 2)
        #expect(stored[0].readableBytes == Gzip.storedBlocksSize(small.count))
        #expect(Array(stored[0].readableBytesView.dropFirst(5)) == small)
        let large = Array((0..<4000).map { "pushed_series{job=\"j\",instance=\"i-\($0)\"} \($0)\n" }.joined().utf8)
        #expect(large.count > ScrapeBodyCache.storedTailLimit)
        let compressed = try #require(ScrapeBodyCache.finishGzip(after: head, sections: large, pushes: nil, eof: []))
        #expect(compressed[0].readableBytes < large.count / 4)
        let objects = Array(head.buffer.readableBytesView)
        for (tail, rest) in [(small, stored), (large, compressed)] {
            let member = objects + rest.flatMap { Array($0.readableBytesView) }
            #expect(try Gzip.decompress(member, limit: 1 << 26) == fresh(s, .text004) + tail)
        }
    }

    @Test func gzipOfAnEmptyStoreIsStillOneValidMember() throws {
        let endpoint = MetricsEndpoint(inventory: Inventory(), stats: WatchStats(), resources: [.pods])
        let zipped = endpoint.response(format: .openMetrics, gzip: true)
        let text = String(decoding: try Gzip.decompress(zipped.bytes, limit: 1 << 20), as: UTF8.self)
        #expect(text.hasSuffix("# EOF\n"))
        #expect(text.contains("sedna_exporter_scrapes"))
    }

    /// The pushed groups go out as the buffer kept for their generation: after the sections and
    /// before `# EOF`, byte for byte the intake's push section, in the plain body and in the
    /// inflated gzip one; the same storage until the next push, which brings the new group.
    /// The pushed groups' compressed part is made of segments: it inflates to the section after
    /// every push, and a push deflates again only the segments holding what it changed.
    @Test func aPushDeflatesOnlyTheSegmentsItChanged() throws {
        let s = setup()
        let service = s.endpoint.intake!
        func push(_ instance: Int, _ value: Double, now: Double) throws {
            let body = Array((0..<20).map { "bench_loss{phase=\"p\($0)\"} \(value)\n" }.joined().utf8)
            try service.push(.put, path: ["job", "trainer", "instance", "i\(instance)"], contentType: nil, body: body, now: now)
        }
        for i in 0..<300 { try push(i, 0.5, now: 1) }
        for (n, format) in [ExpositionFormat.text004, .openMetrics].enumerated() {
            let segments = try #require(s.endpoint.pushBuffers.segments[format])
            func check() throws {
                let part = try #require(s.endpoint.pushBuffers.compressed(s.intake, format: format))
                var raw = Array(part.buffer.readableBytesView)
                // A raw part: finished with an empty final block and wrapped in a member it inflates.
                var member = Gzip.memberHeader + raw
                Gzip.appendStoredBlocks(UnsafeRawBufferPointer(start: nil, count: 0), final: true, to: &member)
                member += Gzip.memberTrailer(crc: part.crc, length: part.length)
                raw = try Gzip.decompress(member, limit: 1 << 26)
                #expect(raw == s.intake.pushSection(format: format).bytes)
                #expect(part.length == raw.count)
            }
            try check()
            let all = segments.deflated.load(ordering: .relaxed)
            #expect(all > 10 && all == segments.count)
            // One group pushed again: its lines and its push_time_seconds line changed.
            try push(150, 0.25 + Double(n), now: 2 + Double(n))
            try check()
            let redone = segments.deflated.load(ordering: .relaxed) - all
            #expect(redone >= 1 && redone <= 4, "\(redone) of \(segments.count)")
            // Unchanged since: nothing deflated, the part kept.
            try check()
            #expect(segments.deflated.load(ordering: .relaxed) - all == redone)
        }
    }

    @Test func pushedGroupsAreSentFromTheBufferKeptUntilTheNextPush() throws {
        let s = setup()
        let service = s.endpoint.intake!
        let body = Array("# TYPE bench_loss gauge\nbench_loss{phase=\"train\"} 0.25\n".utf8)
        try service.push(.put, path: ["job", "trainer", "instance", "a"], contentType: nil, body: body, now: 1)
        for format in [ExpositionFormat.text004, .openMetrics] {
            let suffix = s.intake.pushSection(format: format).bytes + Scrape.eof(format)
            let first = s.endpoint.response(format: format, gzip: false)
            let plain = first.bytes
            #expect(String(decoding: plain, as: UTF8.self).contains("bench_loss{phase=\"train\",instance=\"a\",job=\"trainer\"} 0.25"))
            #expect(Array(plain.suffix(suffix.count)) == suffix)
            // The intake's own counters come before the pushed groups.
            let text = String(decoding: plain, as: UTF8.self)
            #expect(text.range(of: "sedna_intake_pushes_total")!.lowerBound < text.range(of: "# TYPE bench_loss")!.lowerBound)
            let inflated = try Gzip.decompress(s.endpoint.response(format: format, gzip: true).bytes, limit: 1 << 26)
            #expect(Array(inflated.suffix(suffix.count)) == suffix)
            // No push since: the same buffer, storage and all.
            let second = s.endpoint.response(format: format, gzip: false)
            let kept = { (b: MetricsEndpoint.Body) -> ByteBuffer? in
                b.buffers.first { Array($0.readableBytesView) == s.intake.pushSection(format: format).bytes }
            }
            let a = try #require(kept(first)), b = try #require(kept(second))
            #expect(a.withUnsafeReadableBytes { $0.baseAddress } == b.withUnsafeReadableBytes { $0.baseAddress })
            // A gzip'd body sends the section compressed once: the same part, storage and all,
            // and it inflates to the plain body.
            let zipped = [s.endpoint.response(format: format, gzip: true), s.endpoint.response(format: format, gzip: true)]
            let part = try #require(s.endpoint.pushBuffers.compressed(s.intake, format: format))
            for z in zipped {
                let sent = try #require(z.buffers.first { Array($0.readableBytesView) == Array(part.buffer.readableBytesView) })
                #expect(sent.withUnsafeReadableBytes { $0.baseAddress } == part.buffer.withUnsafeReadableBytes { $0.baseAddress })
            }
            let unzipped = try Gzip.decompress(zipped[1].bytes, limit: 1 << 26)
            #expect(Array(unzipped.suffix(suffix.count)) == suffix)
            let objects = fresh(s, format)
            #expect(Array(unzipped.prefix(objects.count)) == objects)
        }
        try service.push(.put, path: ["job", "trainer", "instance", "b"], contentType: nil, body: body, now: 2)
        for format in [ExpositionFormat.text004, .openMetrics] {
            let plain = s.endpoint.response(format: format, gzip: false).bytes
            let text = String(decoding: plain, as: UTF8.self)
            #expect(text.contains("instance=\"a\",job=\"trainer\"} 0.25") && text.contains("instance=\"b\",job=\"trainer\"} 0.25"))
            #expect(Array(plain.suffix(s.intake.pushSection(format: format).bytes.count + Scrape.eof(format).count))
                    == s.intake.pushSection(format: format).bytes + Scrape.eof(format))
        }
    }

    /// The rest of a gzip member after the cached head: small sections stored, large ones
    /// compressed, the kept push part as it is, `# EOF` as the final block; the CRC joined from
    /// the parts' inflates without a complaint from zlib, to exactly the parts in order.
    @Test(arguments: [ExpositionFormat.text004, .openMetrics])
    func aGzipMemberJoinsTheKeptPushPart(format: ExpositionFormat) throws {
        let s = setup()
        let scrape = IntakeService(store: s.intake, directory: s.inventory).scrape(objects: s.inventory.store)
        let head = try #require(s.endpoint.cache.gzip(scrape, format: format))
        let objects = fresh(s, format)
        let pushed = Array((0..<3000).map { "pushed_series{job=\"j\",instance=\"i-\($0)\"} \($0)\n" }.joined().utf8)
        let part = try #require(pushed.withUnsafeBytes { ScrapeBodyCache.compressedPart($0) })
        #expect(part.length == pushed.count && part.buffer.readableBytes < pushed.count / 4)
        let small = Array("sedna_exporter_scrapes_total 1\n".utf8)
        let large = Array((0..<4000).map { "sedna_self{n=\"\($0)\"} 1\n" }.joined().utf8)
        #expect(large.count > ScrapeBodyCache.storedTailLimit)
        for sections in [[], small, large] {
            for pushes in [nil, part] {
                let rest = try #require(ScrapeBodyCache.finishGzip(after: head, sections: sections, pushes: pushes,
                                                                    eof: Scrape.eof(format)))
                let member = Array(head.buffer.readableBytesView) + rest.flatMap { Array($0.readableBytesView) }
                #expect(try Gzip.decompress(member, limit: 1 << 26)
                        == objects + sections + (pushes == nil ? [] : pushed) + Scrape.eof(format))
            }
        }
    }

    /// With a max age the push section, plain and compressed, is kept that long after it was
    /// taken even when pushes came since; from half the max age on a newer one is built behind
    /// the scrapes (one per representation at a time), and while that build is under way the
    /// kept one is served past the max age. Once the build is done, the current one. Without a
    /// max age every push shows at the next scrape (the test above).
    @Test func withAMaxAgeThePushSectionIsKeptThatLongAndRebuiltBehind() throws {
        let intake = IntakeStore()
        let clock = TestClock()
        let queued = Mutex<[@Sendable () -> Void]>([])
        let buffers = PushSectionBuffers(maxAge: .seconds(1), now: clock.now, behind: { work in queued.withLock { $0.append(work) } })
        let body = { (v: String) in Array("# TYPE bench_loss gauge\nbench_loss \(v)\n".utf8) }
        let push = { (v: String) in
            try intake.push(.put, key: GroupingKey.parse(["job", "j"], limits: intake.limits), families: TextParser.parse(body(v)),
                            binding: .init(), taskLabels: [], now: 1)
        }
        let text = { (b: ByteBuffer) in String(decoding: Array(b.readableBytesView), as: UTF8.self) }
        let address = { (c: ScrapeBodyCache.Compressed) in c.buffer.withUnsafeReadableBytes { $0.baseAddress } }
        try push("1")
        let first = buffers.buffer(intake, format: .text004)
        let firstPart = try #require(buffers.compressed(intake, format: .text004))
        #expect(text(first).contains("bench_loss{job=\"j\"} 1\n"))
        try push("2")
        clock.advance(.milliseconds(400))   // younger than half the max age: kept, nothing built
        #expect(text(buffers.buffer(intake, format: .text004)) == text(first))
        #expect(address(try #require(buffers.compressed(intake, format: .text004))) == address(firstPart))
        #expect(queued.withLock { $0.count } == 0)
        clock.advance(.milliseconds(500))   // past half: kept, a build of each started behind
        #expect(text(buffers.buffer(intake, format: .text004)) == text(first))
        #expect(address(try #require(buffers.compressed(intake, format: .text004))) == address(firstPart))
        #expect(queued.withLock { $0.count } == 2)
        clock.advance(.seconds(2))   // past the max age, the builds still queued: still kept
        #expect(text(buffers.buffer(intake, format: .text004)) == text(first))
        #expect(address(try #require(buffers.compressed(intake, format: .text004))) == address(firstPart))
        #expect(queued.withLock { $0.count } == 2, "one build per representation at a time")
        for work in queued.withLock({ $0 }) { work() }
        queued.withLock { $0.removeAll() }
        #expect(buffers.builder.refreshed.load(ordering: .relaxed) == 2)
        #expect(text(buffers.buffer(intake, format: .text004)).contains("bench_loss{job=\"j\"} 2\n"))
        let current = try #require(buffers.compressed(intake, format: .text004))
        var member = Gzip.memberHeader + Array(current.buffer.readableBytesView)
        [UInt8]().withUnsafeBytes { Gzip.appendStoredBlocks($0, final: true, to: &member) }
        member += Gzip.memberTrailer(crc: current.crc, length: current.length)
        #expect(try Gzip.decompress(member, limit: 1 << 20) == intake.pushSection(format: .text004).bytes)
        // A section the max age old when a scrape finds pushes came since (a Prometheus scraping
        // every 15 s) is taken by that scrape, current, as without a max age.
        try push("3")
        clock.advance(.seconds(15))
        #expect(text(buffers.buffer(intake, format: .text004)).contains("bench_loss{job=\"j\"} 3\n"))
        let third = try #require(buffers.compressed(intake, format: .text004))
        #expect(address(third) != address(current))
        #expect(queued.withLock { $0.count } == 0)
        #expect(buffers.builder.refreshed.load(ordering: .relaxed) == 2)
    }
}

/// The gzip'd object part built from kept segments: it inflates to the part after every change,
/// and a change deflates only the segments it touched.
@Suite struct CompressedSegmentsTests {
    func rendering(_ tag: String) -> RenderedObject {
        var set = MetricSet()
        for family in Catalog.objectFamilies.prefix(3) {
            for i in 0..<4 { set.add(family, family.labels.indices.map { "\(tag)-\($0)-\(i)" }, Double(i)) }
        }
        return RenderedObject(set)
    }

    func inflated(_ c: ScrapeBodyCache.Compressed?) throws -> [UInt8] {
        let c = try #require(c)
        var member = Array(c.buffer.readableBytesView)
        member += (ScrapeBodyCache.finishGzip(after: c, sections: [], pushes: nil, eof: []) ?? []).flatMap { Array($0.readableBytesView) }
        return try Gzip.decompress(member, limit: 1 << 26)
    }

    @Test func eachBuildInflatesToThePartAndReusesWhatDidNotChange() throws {
        let store = MetricsStore()
        for i in 0..<2_000 { store.put(.pods, key: "ns/p\(1_000 + i)", sortKey: "ns/p\(1_000 + i)", rendering("p\(i)")) }
        let segments = CompressedSegments(target: 4 * 1024)
        let first = store.objectPart(format: .text004)
        let c = segments.compress(first)
        #expect(try inflated(c) == first.joined())
        #expect(c?.length == first.byteCount)
        let all = segments.deflated.load(ordering: .relaxed)
        #expect(all == segments.count && all > 20)
        #expect(segments.reused.load(ordering: .relaxed) == 0)

        // Unchanged: nothing deflated, the same bytes.
        let again = segments.compress(store.objectPart(format: .text004))
        #expect(segments.deflated.load(ordering: .relaxed) == all)
        #expect(again.map { Array($0.buffer.readableBytesView) } == c.map { Array($0.buffer.readableBytesView) })

        // One object changed, one added, one removed: a few segments deflated, the body current.
        store.put(.pods, key: "ns/p1500", sortKey: "ns/p1500", rendering("changed"))
        store.put(.pods, key: "ns/p2500x", sortKey: "ns/p2500x", rendering("added"))
        store.remove(.pods, key: "ns/p1100")
        let part = store.objectPart(format: .text004)
        let later = segments.compress(part)
        #expect(try inflated(later) == part.joined())
        #expect(later?.length == part.byteCount)
        let redone = segments.deflated.load(ordering: .relaxed) - all
        #expect(redone > 0 && redone <= 3 * 3 * 2)

        // Emptied: an empty part, still a valid member once finished.
        for i in 0..<2_000 { store.remove(.pods, key: "ns/p\(1_000 + i)") }
        store.remove(.pods, key: "ns/p2500x")
        #expect(try inflated(segments.compress(store.objectPart(format: .text004))).isEmpty)
    }
}
