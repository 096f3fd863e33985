import Foundation
@testable import KubeWatch
import SednaCatalog
import Testing
import TestSupport

/// The parallel LIST decode (`ListSplitter`) is the whole-body parse: on every real LIST body it
/// takes the fast path and builds the same tree; on thousands of mutations of them it either
/// builds the same tree as the whole-body parse or hands back to it (nil), never a different tree
/// and never a tree where the whole-body parse finds an error.
@Suite struct ListSplitterTests {
    /// The fixture LIST bodies as the API server sends them, plus a large one built from copies.
    static func bodies() throws -> [[UInt8]] {
        let dir = Fixtures.repoRoot.appendingPathComponent("fixtures/cluster")
        var out: [[UInt8]] = []
        for f in try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() where f.hasSuffix(".json") {
            out.append(Array(try Data(contentsOf: dir.appendingPathComponent(f))))
        }
        let pods = Fixtures.cluster("pods").map(\.json)
        let big: JSON = .object(["kind": "PodList", "apiVersion": "v1",
                                 "metadata": .object(["resourceVersion": "4242", "continue": "abc"]),
                                 "items": .array((0..<400).flatMap { _ in pods })])
        out.append(JSONWriter.compact.bytes(big))
        out.append(Array(#" { "items" : [ ] , "metadata" : { } } "#.utf8))
        out.append(Array(#"{"items":[{"a":"]}\"{"},[1,2],"x",null,-1.5e3,true]}"#.utf8))
        return out
    }

    @Test func realBodiesTakeTheFastPathAndGiveTheSameTree() throws {
        for body in try Self.bodies() {
            let fast = try #require(ListSplitter.decode(body), "fast path refused a well-formed LIST body")
            #expect(fast == (try JSON.decode(body, droppingManagedFields: true)))
        }
    }

    @Test func aPageDecodesTheSameEitherWay() throws {
        let body = try #require(try Self.bodies().max { $0.count < $1.count })
        #expect(body.count >= ListSplitter.minimumBytes)
        let page = try ListPage.decode(body)
        #expect(page.items.count == 400 * Fixtures.cluster("pods").count)
        #expect(page.resourceVersion == "4242" && page.continueToken == "abc")
    }

    @Test func unusualDocumentsAreHandedBack() {
        for text in [#"[1]"#, #"{"items":[1],"items":[2]}"#, "\u{FEFF}{\"items\":[]}", #"{"items":[1,]}"#,
                     #"{"items":[1] "x":2}"#, #"{"items":[{"a":1}}"#, #"{"items":[1]} x"#, #"{"#, ""] {
            let bytes = Array(text.utf8)
            let fast = ListSplitter.decode(bytes)
            if let fast { #expect(fast == (try? JSON.decode(bytes, droppingManagedFields: true)), "\(text)") }
            if (try? JSON.decode(bytes, droppingManagedFields: true)) == nil { #expect(fast == nil, "\(text)") }
        }
    }

    /// Mutations aimed at what the pass reads: structural bytes, quotes, backslashes, digits.
    @Test func mutationsNeverGiveADifferentTree() throws {
        var rng = XorShift(seed: 20261130)
        let interesting = Array("{}[],:\"\\ 0-e.tn".utf8)
        var fast = 0, handedBack = 0
        for body in try Self.bodies() where body.count < 64 << 10 {
            for _ in 0..<400 {
                var b = body
                for _ in 0..<(1 + Int(rng.next() % 3)) {
                    let at = Int(rng.next() % UInt64(max(1, b.count)))
                    let byte = interesting[Int(rng.next() % UInt64(interesting.count))]
                    switch rng.next() % 3 {
                    case 0 where !b.isEmpty: b[at] = byte
                    case 1: b.insert(byte, at: min(at, b.count))
                    default: if !b.isEmpty { b.remove(at: at) }
                    }
                }
                let whole = try? JSON.decode(b, droppingManagedFields: true)
                if let f = ListSplitter.decode(b) {
                    fast += 1
                    #expect(f == whole, "fast path disagrees with the whole-body parse")
                } else {
                    handedBack += 1
                }
            }
        }
        #expect(fast > 0 && handedBack > 0)
    }
}

/// A small deterministic generator (xorshift64*: the mutations are the same on every run).
struct XorShift {
    var state: UInt64
    init(seed: UInt64) { state = seed | 1 }
    mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 2_685_821_657_736_338_717
    }
}
