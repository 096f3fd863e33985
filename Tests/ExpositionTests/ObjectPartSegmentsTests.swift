import Exposition
import SednaCatalog
import Testing

/// The object part's segments: together they are the part, in order; they are about the size
/// asked; and a change to one object leaves every segment away from it with the key it had.
@Suite struct ObjectPartSegmentsTests {
    /// `n` samples in each of the first `families` object families, `tag` in the label values.
    func rendering(_ tag: String, families: Int = 3, samples n: Int = 4) -> RenderedObject {
        var set = MetricSet()
        for family in Catalog.objectFamilies.prefix(families) {
            for i in 0..<n { set.add(family, family.labels.indices.map { "\(tag)-\($0)-\(i)" }, Double(i)) }
        }
        return RenderedObject(set)
    }

    func store(_ count: Int) -> MetricsStore {
        let store = MetricsStore()
        for i in 0..<count {
            let key = "ns/object-\(1_000_000 + i)"
            store.put(.pods, key: key, sortKey: key, rendering("o\(i)"))
        }
        return store
    }

    func bytes(_ part: ObjectPart, _ range: Range<Int>) -> [UInt8] {
        var out: [UInt8] = []
        part.forEachChunk(in: range) { out.append(contentsOf: $0) }
        return out
    }

    @Test func theSegmentsAreThePartInOrderAndAboutTheSizeAsked() {
        let part = store(2_000).objectPart(format: .text004)
        let target = 8 * 1024
        let segments = part.segments(target: target)
        #expect(segments.count > 10)
        #expect(segments.first?.pieces.lowerBound == 0)
        for (a, b) in zip(segments, segments.dropFirst()) { #expect(a.pieces.upperBound == b.pieces.lowerBound) }
        var joined: [UInt8] = []
        for s in segments {
            let b = bytes(part, s.pieces)
            #expect(b.count == s.byteCount)
            joined += b
        }
        #expect(joined == part.joined())
        // At least half the target (the last may be shorter), at most four times it and a piece.
        for s in segments.dropLast() {
            #expect(s.byteCount >= target / 2)
            #expect(s.byteCount <= 4 * target + 2_048)
        }
        #expect(Set(segments.map(\.key)).count == segments.count)
    }

    @Test func theSamePartCutsTheSameAndFormatsDiffer() {
        let s = store(500)
        let a = s.objectPart(format: .text004).segments(target: 4 * 1024)
        #expect(a == s.objectPart(format: .text004).segments(target: 4 * 1024))
        let b = s.objectPart(format: .openMetrics).segments(target: 4 * 1024)
        // The family headers differ between the formats, and so do the keys of their segments.
        #expect(Set(a.map(\.key)).isDisjoint(with: Set(b.prefix(1).map(\.key))))
    }

    @Test func aChangedObjectChangesOnlyTheSegmentsAroundIt() {
        let s = store(3_000)
        let target = 4 * 1024
        let before = Set(s.objectPart(format: .text004).segments(target: target).map(\.key))
        #expect(before.count > 60)

        // New bytes for one object in the middle: its slice in each of its three families.
        s.put(.pods, key: "ns/object-1001500", sortKey: "ns/object-1001500", rendering("changed"))
        let changed = s.objectPart(format: .text004).segments(target: target)
        let fresh = changed.filter { !before.contains($0.key) }
        #expect(!fresh.isEmpty)
        #expect(fresh.count <= 3 * 2)

        // The same bytes again: the rendering in place stays, and so does every key.
        s.put(.pods, key: "ns/object-1001500", sortKey: "ns/object-1001500", rendering("changed"))
        #expect(s.objectPart(format: .text004).segments(target: target) == changed)

        // A new object and a removed one: the cuts after them come back where they were.
        let settled = Set(changed.map(\.key))
        s.put(.pods, key: "ns/object-1000700x", sortKey: "ns/object-1000700x", rendering("new"))
        s.remove(.pods, key: "ns/object-1002200")
        let moved = s.objectPart(format: .text004).segments(target: target).filter { !settled.contains($0.key) }
        #expect(!moved.isEmpty)
        #expect(moved.count <= 2 * 3 * 2)
    }

    /// Pieces known by their bytes (the pushed groups): a changed piece, an inserted one and a
    /// removed one each change the segments around them only; the cut after a piece depends on
    /// that piece alone.
    @Test func piecesKnownByTheirBytesResynchronizeAfterAChange() {
        func cut(_ pieces: [[UInt8]]) -> [BodySegment] {
            var cutter = SegmentCutter(target: 2 * 1024)
            for (i, p) in pieces.enumerated() { p.withUnsafeBytes { cutter.add(content: $0, cuttable: i % 10 != 0) } }
            return cutter.finish()
        }
        let pieces = (0..<2_000).map { Array("group_\($0) lines {a=\"\($0 * 7)\"} \($0 % 13)\n".utf8) }
        let before = cut(pieces)
        #expect(before.count > 20)
        #expect(before.reduce(0) { $0 + $1.byteCount } == pieces.reduce(0) { $0 + $1.count })
        let known = Set(before.map(\.key))
        var changed = pieces
        changed[700] = Array("group_700 lines {a=\"changed\"} 1\n".utf8)
        changed.insert(Array("an inserted line\n".utf8), at: 1_200)
        changed.remove(at: 1_600)
        let after = cut(changed)
        #expect(after.filter { !known.contains($0.key) }.count <= 3 * 2)
        #expect(cut(pieces) == before)
    }

    @Test func anEmptyPartHasNoSegments() {
        #expect(MetricsStore().objectPart(format: .text004).segments().isEmpty)
    }
}
