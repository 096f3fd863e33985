import Hummingbird
import HummingbirdTesting
import SednaCatalog
import SimulatedCluster
@testable import SimulatorServer
import Testing

/// The simulated API as an HTTP client sees it: discovery, paged LIST, WATCH that replays,
/// bookmarks and ends at its timeout, 410 Gone as an ERROR event, read-only writes.
@Suite struct KubeAPIRoutesTests {
    /// The API's time when a test starts; tests advance it with `tick(now:)`.
    static let start = 1_000.0

    func makeApp(history: Int = 100) async -> (Application<RouterResponder<BasicRequestContext>>, SimulatedAPI) {
        let api = SimulatedAPI(historyWindow: history, now: Self.start)
        await api.apply((0..<5).map { i in
            .put(.pods, ["apiVersion": "v1", "kind": "Pod",
                         "metadata": ["namespace": i < 3 ? "default" : "sedna", "name": .string("pod-\(i)")]])
        } + [.put(.sedna(.dataset), ["apiVersion": "sedna.io/v1alpha1", "kind": "Dataset",
                                     "metadata": ["namespace": "default", "name": "ds"], "status": ["numberOfSamples": 10]])])
        let router = Router()
        KubeAPIRoutes(api: api, maxWatchSeconds: 30, bookmarkInterval: 0.2).register(on: router)
        return (Application(router: router), api)
    }

    /// Waits until `n` watches are open (a bounded wait for the server side; no timing asserted).
    func untilOpenWatches(_ api: SimulatedAPI, _ n: Int) async throws {
        for _ in 0..<10_000 where await api.openWatches < n { try await Task.sleep(for: .milliseconds(1)) }
        #expect(await api.openWatches == n)
    }

    @Test func discoveryListsEveryKindWithReadOnlyVerbs() async throws {
        let (app, _) = await makeApp()
        try await app.test(.router) { client in
            try await client.execute(uri: "/apis/sedna.io/v1alpha1", method: .get) { r in
                let j = try decode(r.body)
                let names = (j["resources"].array ?? []).compactMap { $0["name"].string }.filter { !$0.contains("/") }
                #expect(Set(names) == Set(SednaKind.allCases.map(\.plural)))
                for r in j["resources"].array ?? [] where !(r["name"].string ?? "").contains("/") {
                    #expect(r["verbs"] == ["get", "list", "watch"])
                }
            }
            try await client.execute(uri: "/api/v1", method: .get) { r in
                let j = try decode(r.body)
                #expect(Set((j["resources"].array ?? []).compactMap { $0["name"].string }) == ["pods", "nodes"])
            }
            try await client.execute(uri: "/apis", method: .get) { r in
                let j = try decode(r.body)
                #expect(j["groups"][0]["name"].string == "sedna.io")
            }
        }
    }

    @Test func listIsPagedAndNamespaced() async throws {
        let (app, _) = await makeApp()
        try await app.test(.router) { client in
            var names: [String] = []
            var token = ""
            var pages = 0
            repeat {
                let uri = "/api/v1/pods?limit=2" + (token.isEmpty ? "" : "&continue=\(token)")
                try await client.execute(uri: uri, method: .get) { r in
                    #expect(r.status == .ok)
                    let j = try decode(r.body)
                    #expect(j["kind"].string == "PodList")
                    names += (j["items"].array ?? []).compactMap { $0["metadata"]["name"].string }
                    token = j["metadata"]["continue"].string ?? ""
                }
                pages += 1
            } while !token.isEmpty && pages < 10
            #expect(pages == 3)
            #expect(names.sorted() == (0..<5).map { "pod-\($0)" })
            try await client.execute(uri: "/api/v1/namespaces/sedna/pods", method: .get) { r in
                let j = try decode(r.body)
                #expect(j["items"].array?.count == 2)
            }
            try await client.execute(uri: "/apis/sedna.io/v1alpha1/namespaces/default/datasets/ds", method: .get) { r in
                let j = try decode(r.body)
                #expect(j["status"]["numberOfSamples"].number == 10)
            }
            try await client.execute(uri: "/apis/sedna.io/v1alpha1/namespaces/default/datasets/nope", method: .get) { r in
                #expect(r.status == .notFound)
                let j = try decode(r.body)
                #expect(j["kind"].string == "Status")
            }
            try await client.execute(uri: "/api/v1/widgets", method: .get) { r in #expect(r.status == .notFound) }
            try await client.execute(uri: "/apis/sedna.io/v1alpha1/pods", method: .get) { r in #expect(r.status == .notFound) }
            try await client.execute(uri: "/api/v1/pods?continue=bogus&limit=1", method: .get) { r in #expect(r.status == .badRequest) }
            try await client.execute(uri: "/api/v1/pods?watch=1&resourceVersion=abc", method: .get) { r in
                #expect(r.status == .badRequest)
            }
            try await client.execute(uri: "/api/v1/namespaces/default/pods/pod-1", method: .delete) { r in
                #expect(r.status == .methodNotAllowed)
            }
        }
    }

    @Test func watchReplaysStreamsBookmarksAndEndsAtItsTimeout() async throws {
        let (app, api) = await makeApp()
        let listed = await api.resourceVersion
        await api.apply([.put(.pods, ["metadata": ["namespace": "default", "name": "pod-new"]])])
        try await app.test(.router) { client in
            // The watch runs while the test plays the simulation driver in simulated time.
            async let watched: [JSON] = client.execute(
                uri: "/api/v1/pods?watch=true&allowWatchBookmarks=true&timeoutSeconds=1&resourceVersion=\(listed)",
                method: .get) { r in
                #expect(r.status == .ok)
                return try lines(r.body)
            }
            try await untilOpenWatches(api, 1)
            await api.apply([.delete(.pods, namespace: "default", name: "pod-0")])   // a live change
            await api.tick(now: Self.start + 0.1)   // within the bookmark interval (0.2 s): nothing
            await api.tick(now: Self.start + 0.3)   // past it: a bookmark
            await api.tick(now: Self.start + 0.4)   // 0.1 s after the bookmark: none; before the timeout (1 s)
            await api.apply([.put(.pods, ["metadata": ["namespace": "default", "name": "pod-late"]])])
            await api.tick(now: Self.start + 1.0)   // the timeout: the watch ends
            await api.apply([.put(.pods, ["metadata": ["namespace": "default", "name": "pod-after"]])])
            let events = try await watched
            let types = events.compactMap { $0["type"].string }
            #expect(types == ["ADDED", "DELETED", "BOOKMARK", "ADDED"], "replay, live change, one bookmark, live change, end")
            #expect(events.compactMap { $0["object"]["metadata"]["name"].string } == ["pod-new", "pod-0", "pod-late"])
            let versions = events.compactMap { $0["object"]["metadata"]["resourceVersion"].string.flatMap(Int.init) }
            #expect(versions == versions.sorted(), "versions never go back")
        }
        for _ in 0..<10_000 where await api.openWatches > 0 { try await Task.sleep(for: .milliseconds(1)) }
        let open = await api.openWatches
        #expect(open == 0, "the watch ended at its timeout and was unregistered")
    }

    @Test func tooOldVersionIsAnErrorEventWith410() async throws {
        let (app, api) = await makeApp(history: 2)
        for i in 0..<5 { await api.apply([.put(.pods, ["metadata": ["namespace": "default", "name": .string("churn-\(i)")]])]) }
        try await app.test(.router) { client in
            try await client.execute(uri: "/api/v1/pods?watch=true&resourceVersion=2", method: .get) { r in
                #expect(r.status == .ok)
                let events = try lines(r.body)
                #expect(events.count == 1)
                #expect(events[0]["type"].string == "ERROR")
                #expect(events[0]["object"]["code"].number == 410)
            }
        }
    }

    @Test func oneWorkerAlwaysUsesOneLaneSoItsMessagesStayInOrder() {
        let push = WorkerTelemetry.push(job: "sedna-worker", namespace: "default", pod: "il-train-x1y2z", exposition: "")
        let delete = WorkerTelemetry.deletePush(job: "sedna-worker", namespace: "default", pod: "il-train-x1y2z")
        #expect(TelemetrySender.lane(of: push, lanes: 8) == TelemetrySender.lane(of: delete, lanes: 8))
        let lanes = Set((0..<64).map { TelemetrySender.lane(of: .report(worker: "worker-\($0)", body: [:], route: .relay), lanes: 8) })
        #expect(lanes.count > 4, "many workers spread over the lanes")
        #expect(lanes.allSatisfy { (0..<8).contains($0) })
    }

    @Test func telemetryRequestsLookLikeWhatWorkersSend() {
        let (m1, p1, b1, _) = TelemetrySender.request(for: .report(worker: "edgeworker-ab1cd", body: ["name": "edgeworker-ab1cd"], route: .relay))
        #expect(m1 == .POST)
        #expect(p1 == "/sedna/workers/edgeworker-ab1cd/info")
        #expect(String(decoding: b1 ?? [], as: UTF8.self) == #"{"name":"edgeworker-ab1cd"}"#)
        let (m2, p2, b2, ct) = TelemetrySender.request(for: .push(job: "sedna-worker", namespace: "default", pod: "il-train-x1y2z",
                                                                   exposition: "sedna_training_epoch 3\n"))
        #expect(m2 == .PUT)
        #expect(p2 == "/metrics/job/sedna-worker/namespace/default/pod/il-train-x1y2z")
        #expect(b2.map { String(decoding: $0, as: UTF8.self) } == "sedna_training_epoch 3\n")
        #expect(ct.hasPrefix("text/plain"))
        #expect(TelemetrySender.label("pod", "a/b") == "pod@base64/YS9i")
        #expect(TelemetrySender.label("pod", "") == "pod@base64/=")
        let (m3, p3, b3, _) = TelemetrySender.request(for: .deletePush(job: "j", namespace: "n", pod: "p"))
        #expect(m3 == .DELETE)
        #expect(p3 == "/metrics/job/j/namespace/n/pod/p")
        #expect(b3 == nil)
    }

    @Test func redactsCredentialsFromTheIntakeURL() {
        #expect(SimulatorApp.redact("http://user:secret@exporter:9479/?token=abc") == "http://exporter:9479/")
    }
}

private func decode(_ b: ByteBuffer) throws -> JSON { try JSON.decode(Array(b.readableBytesView)) }

private func lines(_ b: ByteBuffer) throws -> [JSON] {
    try String(buffer: b).split(separator: "\n").map { try JSON.decode(Array($0.utf8)) }
}
