import SednaCatalog
@testable import SimulatedCluster
import Testing

/// The store's list and watch semantics are what a reflector depends on: versions only grow,
/// a watch resumes exactly after the version it names, and a version older than the history
/// window is refused (410) rather than silently skipping changes.
@Suite struct APIStoreTests {
    func pod(_ ns: String, _ name: String, phase: String = "Running") -> JSON {
        ["apiVersion": "v1", "kind": "Pod", "metadata": ["namespace": .string(ns), "name": .string(name)],
         "status": ["phase": .string(phase)]]
    }

    @Test func versionsGrowAndEventsSayWhatHappened() throws {
        var s = APIStore()
        let added = s.apply(.put(.pods, pod("default", "a")))
        let a = try #require(added)
        #expect(a.kind == .added)
        #expect(a.object["metadata"]["resourceVersion"].string == String(a.resourceVersion))
        let modified = s.apply(.put(.pods, pod("default", "a", phase: "Succeeded")))
        let b = try #require(modified)
        #expect(b.kind == .modified)
        #expect(b.resourceVersion > a.resourceVersion)
        let noOp = s.apply(.put(.pods, pod("default", "a", phase: "Succeeded")))
        #expect(noOp == nil, "a no-op update bumps nothing")
        let deleted = s.apply(.delete(.pods, namespace: "default", name: "a"))
        let d = try #require(deleted)
        #expect(d.kind == .deleted)
        #expect(d.object["status"]["phase"].string == "Succeeded", "DELETED carries the last state")
        #expect(d.resourceVersion == s.resourceVersion)
        let deletedAgain = s.apply(.delete(.pods, namespace: "default", name: "a"))
        #expect(deletedAgain == nil)
        let nameless = s.apply(.put(.pods, ["metadata": ["namespace": "x"]]))
        #expect(nameless == nil, "an object without a name is refused")
        #expect(s.count(.pods) == 0)
    }

    @Test func listIsSortedFilteredAndPaged() throws {
        var s = APIStore()
        for (ns, n) in [("b", "p2"), ("a", "p1"), ("b", "p1"), ("a", "p3"), ("c", "p0")] { s.apply(.put(.pods, pod(ns, n))) }
        s.apply(.put(.nodes, ["metadata": ["name": "edge-1"]]))
        let all = try s.list(.pods)
        #expect(all.items.map { $0["metadata"]["name"].string! } == ["p1", "p3", "p1", "p2", "p0"])
        #expect(all.continueToken == nil)
        #expect(try s.list(.pods, namespace: "b").items.count == 2)
        #expect(try s.list(.nodes).items.count == 1)

        var seen: [String] = []
        var token: String? = nil
        var versions = Set<Int>()
        repeat {
            let page = try s.list(.pods, limit: 2, continueToken: token)
            #expect(page.items.count <= 2)
            seen += page.items.map { "\($0["metadata"]["namespace"].string!)/\($0["metadata"]["name"].string!)" }
            versions.insert(page.resourceVersion)
            token = page.continueToken
            if token != nil { s.apply(.put(.pods, pod("z", "late\(seen.count)"))) }  // changes between pages
        } while token != nil
        #expect(Array(seen.prefix(5)) == ["a/p1", "a/p3", "b/p1", "b/p2", "c/p0"])
        #expect(versions.count == 1, "every page reports the first page's version")
        #expect(throws: (any Error).self) { try s.list(.pods, limit: 2, continueToken: "garbage") }
        #expect(throws: (any Error).self) { try s.list(.pods, limit: 2, continueToken: "12:zz") }
    }

    @Test func watchResumesAfterTheVersionItNames() {
        var s = APIStore()
        s.apply(.put(.pods, pod("a", "p1")))
        let listed = s.resourceVersion
        s.apply(.put(.pods, pod("a", "p1", phase: "Failed")))
        s.apply(.put(.nodes, ["metadata": ["name": "n1"]]))
        s.apply(.put(.pods, pod("b", "p2")))
        guard case .events(let events) = s.watchStart(.pods, from: listed) else { Issue.record("expected events"); return }
        #expect(events.map(\.kind) == [.modified, .added], "only pods, only after the listed version")
        #expect(events.map(\.resourceVersion) == events.map(\.resourceVersion).sorted())
        guard case .events(let inB) = s.watchStart(.pods, namespace: "b", from: listed) else { Issue.record(); return }
        #expect(inB.count == 1)
        guard case .events(let fresh) = s.watchStart(.pods, from: nil) else { Issue.record(); return }
        #expect(fresh.map(\.kind) == [.added, .added], "no version: the current state as ADDED")
        guard case .events(let none) = s.watchStart(.pods, from: s.resourceVersion) else { Issue.record(); return }
        #expect(none.isEmpty)
    }

    @Test func versionsOlderThanTheHistoryWindowAreGone() {
        var s = APIStore(historyWindow: 3)
        s.apply(.put(.pods, pod("a", "p")))
        let old = s.resourceVersion
        for i in 0..<5 { s.apply(.put(.pods, pod("a", "p", phase: "P\(i)"))) }
        #expect(s.watchStart(.pods, from: old) == .gone(oldest: s.oldestResumable))
        let resumable = s.oldestResumable
        guard case .events(let e) = s.watchStart(.pods, from: resumable) else { Issue.record("oldest resumable must work"); return }
        #expect(e.count == 3)
        if case .events = s.watchStart(.pods, from: resumable - 1) { Issue.record("one before the window must be gone") }
        // Long runs trim the history in chunks and keep the window exact.
        for i in 0..<5_000 { s.apply(.put(.pods, pod("a", "p", phase: "Q\(i)"))) }
        #expect(s.oldestResumable == s.resourceVersion - 3)
    }

    @Test func continueTokensRoundTrip() {
        for key in ["default/a", "ns/ünïcode-ü", "x/with:colon"] {
            let t = APIStore.encodeContinue(42, key)
            #expect(APIStore.decodeContinue(t)?.0 == 42)
            #expect(APIStore.decodeContinue(t)?.1 == key)
        }
    }
}
