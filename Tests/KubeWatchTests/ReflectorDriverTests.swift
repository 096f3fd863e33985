import Foundation
import Hummingbird
import HummingbirdTesting
import KubeWatch
import Logging
import SednaCatalog
import Synchronization
import Testing

/// The reflector driver (`Reflector.run`) against a real HTTP server on 127.0.0.1 playing the
/// API server: a paged LIST, a watch that ends and is resumed from the last resourceVersion, a
/// 410 Gone inside the stream that makes it relist from scratch. The state machine's decisions
/// are tested as event sequences in ReflectorStateMachineTests; this checks that the driver
/// performs them (requests, sink calls) as Kubernetes' reflector does.
@Suite struct ReflectorDriverTests {
    /// What the sink saw, one line a call.
    final class RecordingSink: ObjectSink {
        let calls = Mutex<[String]>([])
        /// Whether it takes relists page by page (`relistPage`, `relistComplete`).
        let appliesRelistPages: Bool
        init(pages: Bool = false) { appliesRelistPages = pages }
        /// The LIST item hash each key was last relisted with, as the inventory keeps them
        /// (an event for the key forgets it): the next relist's `knownListItems`.
        let listed = Mutex<[String: Int]>([:])
        func relistPage(_ resource: WatchedResource, _ page: RelistPage) {
            record((["page " + page.objects.map(\.name).joined(separator: ",")]
                    + (page.unchanged.isEmpty ? [] : ["unchanged " + page.unchanged.joined(separator: ",")])).joined(separator: " "))
            listed.withLock { l in for (o, h) in zip(page.objects, page.hashes) { l[o.key] = h } }
        }
        func knownListItems(_ resource: WatchedResource) -> [Int: String] {
            listed.withLock { l in Dictionary(l.filter { $0.value != 0 }.map { ($0.value, $0.key) }, uniquingKeysWith: { a, _ in a }) }
        }
        func relistComplete(_ resource: WatchedResource) { record("complete") }
        func upsert(_ resource: WatchedResource, _ object: KubeObject) {
            listed.withLock { $0[object.key] = nil }
            record("upsert \(object.name)@\(object.resourceVersion ?? "")")
        }
        func delete(_ resource: WatchedResource, _ object: KubeObject) {
            listed.withLock { $0[object.key] = nil }
            record("delete \(object.name)")
        }
        func replaceAll(_ resource: WatchedResource, _ objects: [KubeObject]) {
            record("replaceAll " + objects.map(\.name).joined(separator: ","))
        }
        func forget(_ resource: WatchedResource) { record("forget") }
        func recordUndecodable(_ resource: WatchedResource) { record("undecodable") }
        func relistStarted(_ resource: WatchedResource) { record("relist started") }
        func relistEnded(_ resource: WatchedResource) { record("relist ended") }
        private func record(_ s: String) { calls.withLock { $0.append(s) } }
        var snapshot: [String] { calls.withLock { $0 } }
    }

    static func node(_ name: String, rv: String) -> String {
        #"{"apiVersion":"v1","kind":"Node","metadata":{"name":"\#(name)","uid":"u-\#(name)","resourceVersion":"\#(rv)"}}"#
    }

    static func list(_ items: [String], rv: String, continueToken: String? = nil) -> String {
        #"{"kind":"NodeList","apiVersion":"v1","metadata":{"resourceVersion":"\#(rv)""#
            + (continueToken.map { #","continue":"\#($0)""# } ?? "") + #"},"items":[\#(items.joined(separator: ","))]}"#
    }

    /// The API server's script: answers in order of the requests it gets, and records them.
    final class APIScript: Sendable {
        let requests = Mutex<[String]>([])
        let lists = Mutex(0)
        let watches = Mutex(0)

        func answer(_ request: Request) -> Response {
            let q = request.uri.queryParameters
            let isWatch = q["watch"].map(String.init) == "true"
            let rv = q["resourceVersion"].map(String.init) ?? "-"
            let cont = q["continue"].map(String.init) ?? "-"
            requests.withLock { $0.append(isWatch ? "watch rv=\(rv)" : "list continue=\(cont)") }
            let body: String
            var status: HTTPResponse.Status = .ok
            if isWatch {
                let n = watches.withLock { $0 += 1; return $0 }
                switch n {
                case 1:
                    // Two changes and a bookmark, then the server ends the watch (its timeout).
                    body = [#"{"type":"ADDED","object":\#(ReflectorDriverTests.node("n3", rv: "11"))}"#,
                            #"{"type":"MODIFIED","object":\#(ReflectorDriverTests.node("n1", rv: "12"))}"#,
                            #"{"type":"BOOKMARK","object":{"kind":"Node","apiVersion":"v1","metadata":{"resourceVersion":"13"}}}"#,
                    ].joined(separator: "\n") + "\n"
                case 2:
                    body = #"{"type":"DELETED","object":\#(ReflectorDriverTests.node("n2", rv: "14"))}"# + "\n"
                        + #"{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure","message":"too old resource version: 14 (30)","reason":"Expired","code":410}}"# + "\n"
                default:
                    // From here on the server fails: the driver backs off (and is cancelled there).
                    status = .internalServerError
                    body = #"{"kind":"Status","message":"etcd is down","code":500}"#
                }
            } else {
                let n = lists.withLock { $0 += 1; return $0 }
                switch (n, cont) {
                case (1, "-"): body = ReflectorDriverTests.list([ReflectorDriverTests.node("n1", rv: "5")], rv: "10", continueToken: "page2")
                case (_, "page2"): body = ReflectorDriverTests.list([ReflectorDriverTests.node("n2", rv: "7")], rv: "10")
                default: body = ReflectorDriverTests.list([ReflectorDriverTests.node("n1", rv: "12"), ReflectorDriverTests.node("n3", rv: "11")], rv: "30")
                }
            }
            return Response(status: status, headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: ByteBuffer(string: body)))
        }
    }

    /// Runs a reflector on nodes against `router`, served on 127.0.0.1, until `done` holds
    /// (a bounded wait: no timing is asserted), then cancels it; what its sink saw.
    static func run(_ router: Router<BasicRequestContext>, stats: WatchStats = WatchStats(), watchTimeout: ClosedRange<Int>,
                    pages: Bool = false, until done: @escaping @Sendable () -> Bool) async throws -> RecordingSink {
        let sink = RecordingSink(pages: pages)
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let kube = try KubeClient(connection: ClusterConnection(server: URL(string: "http://127.0.0.1:\(port)/")!),
                                      requestTimeout: .seconds(5))
            let reflector = Reflector(resource: .nodes, client: kube, sink: sink, stats: stats,
                                      logger: Logger(label: "test"), watchTimeout: watchTimeout)
            let run = Task { await reflector.run() }
            let deadline = ContinuousClock.now + .seconds(20)
            while !done(), ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            run.cancel()
            await run.value
            await kube.shutdown()
        }
        return sink
    }

    /// A sink that takes pages (the inventory) gets each LIST page as it arrives and the
    /// relist's completion after the last, in the order a whole relist would have had.
    @Test func aPageWiseSinkGetsEachPageThenTheCompletion() async throws {
        let script = APIScript()
        let router = Router()
        router.get("/api/v1/nodes") { request, _ in script.answer(request) }
        let sink = try await Self.run(router, watchTimeout: 1...1, pages: true) { script.watches.withLock { $0 } >= 3 }
        #expect(sink.snapshot == [
            "relist started", "page n1", "page n2", "complete", "relist ended",
            "upsert n3@11", "upsert n1@12", "delete n2",
            "relist started", "page n1,n3", "complete", "relist ended",
        ])
    }

    @Test func listsWatchesResumesAndRelistsAfterGone() async throws {
        let script = APIScript()
        let router = Router()
        router.get("/api/v1/nodes") { request, _ in script.answer(request) }
        let stats = WatchStats()
        // Until the driver reaches the failing watch.
        let sink = try await Self.run(router, stats: stats, watchTimeout: 1...1) { script.watches.withLock { $0 } >= 3 }
        #expect(script.requests.withLock { Array($0.prefix(6)) } == [
            "list continue=-", "list continue=page2",   // paged LIST
            "watch rv=10",                               // watch from the list's resourceVersion
            "watch rv=13",                               // resumed after the bookmark when the stream ended
            "list continue=-",                           // 410 Gone inside the stream: relist from scratch
            "watch rv=30",
        ])
        // Each relist is announced from its first page to its apply (`relistStarted`), so
        // that scrapes meanwhile get the body from before it.
        #expect(sink.snapshot == [
            "relist started", "replaceAll n1,n2", "relist ended",
            "upsert n3@11", "upsert n1@12", "delete n2",
            "relist started", "replaceAll n1,n3", "relist ended",
        ])
        let s = stats.snapshot()[.nodes]
        #expect(s?.synced == true)
        #expect(s?.watchResults["gone"] == 1)
        #expect(s?.events["BOOKMARK"] == 1)
    }

    /// A relist hands a page-wise sink the items it holds exactly as listed (`knownListItems`)
    /// as keys, unparsed, and the rest parsed: an item changed since, or one that came by a
    /// watch event since, is parsed again. Pages of any size go item by item then.
    @Test func aRelistLeavesItemsTheSinkHoldsAsListedUnparsed() async throws {
        let lists = Mutex(0)
        let router = Router()
        router.get("/api/v1/nodes") { request, _ -> Response in
            let isWatch = request.uri.queryParameters["watch"].map(String.init) == "true"
            let n = isWatch ? 0 : lists.withLock { $0 += 1; return $0 }
            let body: String
            switch n {
            case 0:
                // Every watch: n3 comes by an event, then the watch is too old (relist).
                body = #"{"type":"ADDED","object":\#(Self.node("n3", rv: "9"))}"# + "\n"
                    + #"{"type":"ERROR","object":{"kind":"Status","reason":"Expired","code":410}}"# + "\n"
            case 1: body = Self.list([Self.node("n1", rv: "5"), Self.node("n2", rv: "7")], rv: "10")
            case 2: body = Self.list([Self.node("n1", rv: "8"), Self.node("n2", rv: "7"), Self.node("n3", rv: "9")], rv: "20")
            default: body = Self.list([Self.node("n1", rv: "8"), Self.node("n2", rv: "7"), Self.node("n3", rv: "9")], rv: "30")
            }
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        let stats = WatchStats()
        let sink = try await Self.run(router, stats: stats, watchTimeout: 20...20, pages: true) { lists.withLock { $0 } >= 4 }
        // Counted per page (`sedna_exporter_list_items_total`): at least the first three relists'.
        let items = stats.snapshot()[.nodes]?.listItems ?? [:]
        #expect((items["parsed"] ?? 0) >= 5 && (items["unchanged"] ?? 0) >= 3)
        #expect(Array(sink.snapshot.prefix(12)) == [
            "relist started", "page n1,n2", "complete", "relist ended", "upsert n3@9",
            // n1 changed; n2 as listed before; n3 came by an event since.
            "relist started", "page n1,n3 unchanged u-n2", "complete", "relist ended", "upsert n3@9",
            "relist started", "page n3 unchanged u-n1,u-n2",
        ])
    }

    /// A LIST that fails ends the relist it started (the sink is not left marked as relisting
    /// through the backoff); the retry starts another. A driver cancelled during a relist ends it.
    @Test(arguments: [false, true])
    func aFailedListEndsItsRelist(pages: Bool) async throws {
        let lists = Mutex(0)
        let router = Router()
        router.get("/api/v1/nodes") { request, _ -> Response in
            let isWatch = request.uri.queryParameters["watch"].map(String.init) == "true"
            let n = isWatch ? 0 : lists.withLock { $0 += 1; return $0 }
            if n == 1 {
                return Response(status: .internalServerError, headers: [.contentType: "application/json"],
                                body: .init(byteBuffer: ByteBuffer(string: #"{"kind":"Status","message":"etcd is down","code":500}"#)))
            }
            if isWatch {
                // The watch is too old at once: the driver relists from scratch.
                return Response(status: .gone, headers: [.contentType: "application/json"],
                                body: .init(byteBuffer: ByteBuffer(string: #"{"kind":"Status","reason":"Expired","code":410}"#)))
            }
            if n >= 3 {
                // The relist hangs: the driver is cancelled while it waits (its request fails
                // with the cancellation; the server's handler ends a little later).
                try await Task.sleep(for: .seconds(2))
            }
            return Response(status: .ok, headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: ByteBuffer(string: Self.list([Self.node("n1", rv: "5")], rv: "10"))))
        }
        // Until the third LIST, the relist after the 410, is under way.
        let sink = try await Self.run(router, watchTimeout: 20...20, pages: pages) { lists.withLock { $0 } >= 3 }
        let listed = pages ? ["page n1", "complete"] : ["replaceAll n1"]
        #expect(sink.snapshot == ["relist started", "relist ended"]                    // 500: backoff
                                 + ["relist started"] + listed + ["relist ended"]      // listed
                                 + ["relist started", "relist ended"])                 // 410, cancelled
    }
}
