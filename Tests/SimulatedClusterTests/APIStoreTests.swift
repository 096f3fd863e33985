import SednaCatalog
@testable import SimulatedCluster
import XCTest

/// The store's list and watch semantics are what a reflector depends on: versions only grow,
/// a watch resumes exactly after the version it names, and a version older than the history
/// window is refused (410) rather than silently skipping changes.
final class APIStoreTests: XCTestCase {
    func pod(_ ns: String, _ name: String, phase: String = "Running") -> JSON {
        ["apiVersion": "v1", "kind": "Pod", "metadata": ["namespace": .string(ns), "name": .string(name)],
         "status": ["phase": .string(phase)]]
    }

    func testVersionsGrowAndEventsSayWhatHappened() throws {
        var s = APIStore()
        let a = try XCTUnwrap(s.apply(.put(.pods, pod("default", "a"))))
        XCTAssertEqual(a.kind, .added)
        XCTAssertEqual(a.object["metadata"]["resourceVersion"].string, String(a.resourceVersion))
        let b = try XCTUnwrap(s.apply(.put(.pods, pod("default", "a", phase: "Succeeded"))))
        XCTAssertEqual(b.kind, .modified)
        XCTAssertGreaterThan(b.resourceVersion, a.resourceVersion)
        XCTAssertNil(s.apply(.put(.pods, pod("default", "a", phase: "Succeeded"))), "a no-op update bumps nothing")
        let d = try XCTUnwrap(s.apply(.delete(.pods, namespace: "default", name: "a")))
        XCTAssertEqual(d.kind, .deleted)
        XCTAssertEqual(d.object["status"]["phase"].string, "Succeeded", "DELETED carries the last state")
        XCTAssertEqual(d.resourceVersion, s.resourceVersion)
        XCTAssertNil(s.apply(.delete(.pods, namespace: "default", name: "a")))
        XCTAssertNil(s.apply(.put(.pods, ["metadata": ["namespace": "x"]])), "an object without a name is refused")
        XCTAssertEqual(s.count(.pods), 0)
    }

    func testListIsSortedFilteredAndPaged() throws {
        var s = APIStore()
        for (ns, n) in [("b", "p2"), ("a", "p1"), ("b", "p1"), ("a", "p3"), ("c", "p0")] { s.apply(.put(.pods, pod(ns, n))) }
        s.apply(.put(.nodes, ["metadata": ["name": "edge-1"]]))
        let all = try s.list(.pods)
        XCTAssertEqual(all.items.map { $0["metadata"]["name"].string! }, ["p1", "p3", "p1", "p2", "p0"])
        XCTAssertNil(all.continueToken)
        XCTAssertEqual(try s.list(.pods, namespace: "b").items.count, 2)
        XCTAssertEqual(try s.list(.nodes).items.count, 1)

        var seen: [String] = []
        var token: String? = nil
        var versions = Set<Int>()
        repeat {
            let page = try s.list(.pods, limit: 2, continueToken: token)
            XCTAssertLessThanOrEqual(page.items.count, 2)
            seen += page.items.map { "\($0["metadata"]["namespace"].string!)/\($0["metadata"]["name"].string!)" }
            versions.insert(page.resourceVersion)
            token = page.continueToken
            if token != nil { s.apply(.put(.pods, pod("z", "late\(seen.count)"))) }  // changes between pages
        } while token != nil
        XCTAssertEqual(Array(seen.prefix(5)), ["a/p1", "a/p3", "b/p1", "b/p2", "c/p0"])
        XCTAssertEqual(versions.count, 1, "every page reports the first page's version")
        XCTAssertThrowsError(try s.list(.pods, limit: 2, continueToken: "garbage"))
        XCTAssertThrowsError(try s.list(.pods, limit: 2, continueToken: "12:zz"))
    }

    func testWatchResumesAfterTheVersionItNames() {
        var s = APIStore()
        s.apply(.put(.pods, pod("a", "p1")))
        let listed = s.resourceVersion
        s.apply(.put(.pods, pod("a", "p1", phase: "Failed")))
        s.apply(.put(.nodes, ["metadata": ["name": "n1"]]))
        s.apply(.put(.pods, pod("b", "p2")))
        guard case .events(let events) = s.watchStart(.pods, from: listed) else { return XCTFail("expected events") }
        XCTAssertEqual(events.map(\.kind), [.modified, .added], "only pods, only after the listed version")
        XCTAssertTrue(events.map(\.resourceVersion) == events.map(\.resourceVersion).sorted())
        guard case .events(let inB) = s.watchStart(.pods, namespace: "b", from: listed) else { return XCTFail() }
        XCTAssertEqual(inB.count, 1)
        guard case .events(let fresh) = s.watchStart(.pods, from: nil) else { return XCTFail() }
        XCTAssertEqual(fresh.map(\.kind), [.added, .added], "no version: the current state as ADDED")
        guard case .events(let none) = s.watchStart(.pods, from: s.resourceVersion) else { return XCTFail() }
        XCTAssertTrue(none.isEmpty)
    }

    func testVersionsOlderThanTheHistoryWindowAreGone() {
        var s = APIStore(historyWindow: 3)
        s.apply(.put(.pods, pod("a", "p")))
        let old = s.resourceVersion
        for i in 0..<5 { s.apply(.put(.pods, pod("a", "p", phase: "P\(i)"))) }
        XCTAssertEqual(s.watchStart(.pods, from: old), .gone(oldest: s.oldestResumable))
        let resumable = s.oldestResumable
        guard case .events(let e) = s.watchStart(.pods, from: resumable) else { return XCTFail("oldest resumable must work") }
        XCTAssertEqual(e.count, 3)
        if case .events = s.watchStart(.pods, from: resumable - 1) { XCTFail("one before the window must be gone") }
        // Long runs trim the history in chunks and keep the window exact.
        for i in 0..<5_000 { s.apply(.put(.pods, pod("a", "p", phase: "Q\(i)"))) }
        XCTAssertEqual(s.oldestResumable, s.resourceVersion - 3)
    }

    func testContinueTokensRoundTrip() {
        for key in ["default/a", "ns/ünïcode-ü", "x/with:colon"] {
            let t = APIStore.encodeContinue(42, key)
            XCTAssertEqual(APIStore.decodeContinue(t)?.0, 42)
            XCTAssertEqual(APIStore.decodeContinue(t)?.1, key)
        }
    }
}
