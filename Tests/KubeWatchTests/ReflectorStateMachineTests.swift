import KubeWatch
import ServerSupport
import Testing

/// The reflector's decisions as event sequences, without a network.
@Suite struct ReflectorStateMachineTests {
    typealias M = ReflectorStateMachine

    func listed(_ rv: String? = "100") -> M {
        var m = M()
        _ = m.on(.start)
        _ = m.on(.listPage(continueToken: nil, resourceVersion: rv))
        return m
    }

    @Test func listPagesThenWatchFromTheListsVersion() {
        var m = M()
        #expect(m.on(.start) == .list(continueToken: nil))
        #expect(m.on(.listPage(continueToken: "c1", resourceVersion: "100")) == .list(continueToken: "c1"))
        #expect(!m.hasSynced)
        #expect(m.on(.listPage(continueToken: "", resourceVersion: "100")) == .replaceAllThenWatch(resourceVersion: "100"))
        #expect(m.hasSynced)
        #expect(m.phase == .watching)
    }

    @Test func eventsAndBookmarksAdvanceTheResumePoint() {
        var m = listed()
        #expect(m.on(.watchEvent(type: "ADDED", resourceVersion: "101")) == .apply)
        #expect(m.on(.watchEvent(type: "BOOKMARK", resourceVersion: "150")) == .none)
        #expect(m.resourceVersion == "150")
        // A stream that ends normally resumes from the bookmark, not from the list.
        #expect(m.on(.watchEnded) == .watch(resourceVersion: "150"))
    }

    @Test func droppedStreamBacksOffThenResumes() {
        var m = listed()
        _ = m.on(.watchEvent(type: "MODIFIED", resourceVersion: "120"))
        guard case .sleep(let s) = m.on(.watchFailed(gone: false, random: 0)) else { Issue.record("expected sleep"); return }
        #expect(s == 0.8)
        #expect(m.consecutiveFailures == 1)
        #expect(m.on(.backoffElapsed) == .watch(resourceVersion: "120"))
        _ = m.on(.watchEvent(type: "MODIFIED", resourceVersion: "121"))
        #expect(m.consecutiveFailures == 0, "an event proves the watch healthy again")
    }

    @Test func goneOnWatchRequestRelists() {
        var m = listed()
        #expect(m.on(.watchFailed(gone: true, random: 0.5)) == .list(continueToken: nil))
        #expect(m.resourceVersion == nil)
        #expect(m.on(.listPage(continueToken: nil, resourceVersion: "300")) == .replaceAllThenWatch(resourceVersion: "300"))
    }

    @Test(arguments: [true, false])
    func errorEventRelists(gone: Bool) {
        var m = listed()
        #expect(m.on(.watchErrorEvent(gone: gone)) == .list(continueToken: nil))
        #expect(m.phase == .listing)
        #expect(m.resourceVersion == nil)
    }

    @Test func listFailureBacksOffAndRestartsFromTheFirstPage() {
        var m = M()
        _ = m.on(.start)
        _ = m.on(.listPage(continueToken: "c1", resourceVersion: "1"))
        // The continue token expired (410) while paging: start over.
        guard case .sleep = m.on(.listFailed(gone: true, random: 0)) else { Issue.record("expected sleep"); return }
        #expect(m.on(.backoffElapsed) == .list(continueToken: nil))
        #expect(!m.hasSynced)
    }

    @Test func backoffGrowsIsCappedAndResetsAfterSuccess() {
        var m = M()
        _ = m.on(.start)
        var delays: [Double] = []
        for _ in 0..<10 {
            if case .sleep(let s) = m.on(.listFailed(gone: false, random: 0)) { delays.append(s) }
            _ = m.on(.backoffElapsed)
        }
        #expect(delays.prefix(4) == [0.8, 1.6, 3.2, 6.4])
        #expect(delays.allSatisfy { $0 <= 30 })
        #expect(delays.last == 30)
        #expect(m.consecutiveFailures == 10)
        _ = m.on(.listPage(continueToken: nil, resourceVersion: "5"))
        #expect(m.consecutiveFailures == 0)
        if case .sleep(let s) = m.on(.watchFailed(gone: false, random: 0)) { #expect(s == 0.8) } else { Issue.record("expected sleep") }
    }

    @Test func jitterStaysWithinBounds() {
        var b = Backoff()
        for attempt in 0..<20 {
            let d = b.next(random: 0.999)
            let base = min(30, 0.8 * Double(1 << min(attempt, 30)))
            #expect(d >= base && d <= 2 * base + 1e-9)
            #expect(d <= 60)
        }
    }

    /// kmock (and some proxies) answer LIST with resourceVersion "..." and no bookmarks: a
    /// watch cannot resume from that, so a dropped stream must relist to see deletions.
    @Test func opaquePlaceholderVersionForcesRelistAfterAStreamEnds() {
        var m = listed("...")
        #expect(m.resourceVersion == nil)
        #expect(m.on(.watchEvent(type: "ADDED", resourceVersion: nil)) == .apply)
        #expect(m.on(.watchEnded) == .list(continueToken: nil))
        var n = listed("...")
        _ = n.on(.watchFailed(gone: false, random: 0))
        #expect(n.on(.backoffElapsed) == .list(continueToken: nil))
    }

    @Test func resourceVersionsAreOpaque() {
        var m = listed("abc/def==")
        #expect(m.on(.watchEvent(type: "ADDED", resourceVersion: "zzz")) == .apply)
        #expect(m.on(.watchEnded) == .watch(resourceVersion: "zzz"))
    }

    @Test func eventsOutOfPhaseAreIgnored() {
        var m = M()
        #expect(m.on(.watchEvent(type: "ADDED", resourceVersion: "1")) == .none)
        #expect(m.on(.backoffElapsed) == .none)
        _ = m.on(.start)
        #expect(m.on(.watchEnded) == .none)
    }
}

@Suite struct LineSplitterTests {
    @Test func linesStraddlingChunks() throws {
        var s = LineSplitter()
        let text = Array("{\"a\":1}\n{\"b\":\n2}\n\n{\"c\":3}".utf8)
        var lines: [String] = []
        for size in [1, 3, 5] {
            lines = []
            s = LineSplitter()
            var i = 0
            while i < text.count {
                lines += try s.feed(text[i..<min(text.count, i + size)]).map { String(decoding: $0, as: UTF8.self) }
                i += size
            }
            if let last = s.finish() { lines.append(String(decoding: last, as: UTF8.self)) }
            #expect(lines == ["{\"a\":1}", "{\"b\":", "2}", "{\"c\":3}"])
        }
    }

    @Test func overlongLineIsAnError() {
        var s = LineSplitter(maxLineBytes: 10)
        #expect(throws: LineSplitter.Overflow.self) { try s.feed(Array(repeating: UInt8(ascii: "x"), count: 11)) }
    }
}

@Suite struct WatchEventTests {
    @Test func decodesEventsAndGoneErrors() throws {
        let e = try WatchEvent.decode(Array(#"{"type":"ADDED","object":{"metadata":{"name":"a","resourceVersion":"7"}}}"#.utf8))
        #expect(e.type == "ADDED")
        #expect(e.object.resourceVersion == "7")
        let gone = try WatchEvent.decode(Array(#"{"type":"ERROR","object":{"kind":"Status","code":410,"reason":"Expired"}}"#.utf8))
        #expect(gone.isGone)
        let other = try WatchEvent.decode(Array(#"{"type":"ERROR","object":{"kind":"Status","code":500}}"#.utf8))
        #expect(!other.isGone)
        #expect(throws: KubeError.self) { try WatchEvent.decode(Array("{not json".utf8)) }
        #expect(throws: KubeError.self) { try WatchEvent.decode(Array(#"{"object":{}}"#.utf8)) }
    }

    /// The API server's `managedFields` never reach a translator or the inventory: validated and
    /// dropped by the parse (a broken one still fails the event).
    @Test func eventsAndPagesDropManagedFields() throws {
        let mf = #"[{"manager":"kubelet","fieldsV1":{"f:status":{"k:{\"type\":\"Ready\"}":{}}}}]"#
        let e = try WatchEvent.decode(Array(#"{"type":"MODIFIED","object":{"metadata":{"name":"a","managedFields":\#(mf),"labels":{"x":"1"}}}}"#.utf8))
        #expect(e.object.metadata["managedFields"].isNull)
        #expect(e.object.metadata["labels"]["x"].string == "1")
        let p = try ListPage.decode(Array(#"{"metadata":{},"items":[{"metadata":{"name":"a","managedFields":\#(mf)}}]}"#.utf8))
        #expect(p.items.first?.metadata == .object(["name": "a"]))
        #expect(throws: KubeError.self) { try WatchEvent.decode(Array(#"{"type":"ADDED","object":{"metadata":{"managedFields":[{]}}}"#.utf8)) }
    }

    @Test func listPagesCountUndecodableItems() throws {
        let p = try ListPage.decode(Array(#"{"metadata":{"resourceVersion":"9","continue":"tok"},"items":[{"metadata":{"name":"a"}},3,{"spec":{}}]}"#.utf8))
        #expect(p.items.count == 1)
        #expect(p.undecodable == 2)
        #expect(p.continueToken == "tok")
        #expect(p.resourceVersion == "9")
        #expect(throws: KubeError.self) { try ListPage.decode(Array(#"{"kind":"Status"}"#.utf8)) }
    }
}

@Suite struct ReflectorRecoveryTests {
    @Test func anAnsweredWatchClearsTheFailureStreak() {
        var m = ReflectorStateMachine()
        _ = m.on(.start)
        _ = m.on(.listPage(continueToken: nil, resourceVersion: "10"))
        for _ in 0..<4 {
            _ = m.on(.watchFailed(gone: false, random: 0))
            _ = m.on(.backoffElapsed)
        }
        #expect(m.consecutiveFailures == 4)
        // An empty resource sends no events; the 200 answer alone proves the server is back.
        #expect(m.on(.watchOpened) == .none)
        #expect(m.consecutiveFailures == 0)
        if case .sleep(let s) = m.on(.watchFailed(gone: false, random: 0)) { #expect(s == 0.8) } else { Issue.record("expected sleep") }
    }
}
