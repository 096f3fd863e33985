@testable import Exposition
import Foundation
import SednaCatalog
import Testing

/// The store's generation (what the scrape cache keys on) and its ordering after changes.
@Suite struct MetricsStoreTests {
    func rendering(_ tag: String) -> RenderedObject {
        let family = Catalog.objectFamilies[0]
        var set = MetricSet()
        set.add(family, family.labels.map { _ in tag }, 1)
        return RenderedObject(set)
    }

    func text(_ store: MetricsStore) -> String {
        String(decoding: store.objectPart(format: .text004).joined(), as: UTF8.self)
    }

    @Test func everyChangeMovesTheGenerationAndNothingElseDoes() {
        let store = MetricsStore()
        var g = store.generation
        func moved(_ expected: Bool, sourceLocation: SourceLocation = #_sourceLocation) {
            #expect((store.generation != g) == expected, sourceLocation: sourceLocation)
            g = store.generation
        }
        store.put(.pods, key: "a", sortKey: "a", rendering("a")); moved(true)
        store.put(.pods, key: "a", sortKey: "a", rendering("a2")); moved(true)
        // The same bytes again (a watch event that changed nothing exported): no change.
        store.put(.pods, key: "a", sortKey: "a", rendering("a2")); moved(false)
        // The same bytes under a new sort key: the order changes, so does the generation.
        store.put(.pods, key: "a", sortKey: "a0", rendering("a2")); moved(true)
        store.put(.pods, key: "a2", sortKey: "a0", rendering("a2")); moved(true)
        _ = store.objectPart(format: .text004); moved(false)
        _ = store.count(.pods); moved(false)
        store.remove(.pods, key: "missing"); moved(false)
        store.removeAll(.nodes); moved(false)
        store.remove(.pods, key: "a"); moved(true)
        store.put(.pods, key: "b", sortKey: "b", rendering("b")); moved(true)
        store.removeAll(.pods); moved(true)
        store.put(.pods, key: "c", sortKey: "c", RenderedObject(MetricSet())); moved(false)
    }

    @Test func orderFollowsInsertsRemovalsAndSortKeyChanges() {
        let store = MetricsStore()
        store.put(.pods, key: "k2", sortKey: "ns/b", rendering("B"))
        store.put(.pods, key: "k1", sortKey: "ns/c", rendering("C"))
        #expect(text(store).components(separatedBy: "\n").filter { !$0.hasPrefix("#") && !$0.isEmpty }.map { $0.contains("\"B\"") } == [true, false])
        store.put(.pods, key: "k3", sortKey: "ns/a", rendering("A"))
        let t = text(store)
        let a = t.range(of: "\"A\"")!.lowerBound, b = t.range(of: "\"B\"")!.lowerBound, c = t.range(of: "\"C\"")!.lowerBound
        #expect(a < b && b < c)
        // Same key, new sort key: reordered.
        store.put(.pods, key: "k3", sortKey: "ns/z", rendering("A"))
        let t2 = text(store)
        #expect(t2.range(of: "\"A\"")!.lowerBound > t2.range(of: "\"C\"")!.lowerBound)
        store.remove(.pods, key: "k2")
        #expect(!text(store).contains("\"B\""))
        let part = store.objectPart(format: .text004)
        #expect(part.joined().count == part.byteCount)
    }
}

/// The body's object part, placed piece by piece (a counting sort on the family index), equals
/// the plain definition: every family in catalog order, its header, then each object's lines for
/// it in the store's order, worker reports last.
@Suite struct ObjectPartTests {
    /// An object with lines in a random subset of the families, tagged so every line is its own.
    func randomObject(_ tag: String, _ rng: inout some RandomNumberGenerator) -> RenderedObject {
        var set = MetricSet()
        for f in Catalog.objectFamilies where Int.random(in: 0..<6, using: &rng) == 0 {
            for k in 0..<Int.random(in: 1...3, using: &rng) { set.add(f, f.labels.map { "\(tag)-\($0)-\(k)" }, Double(k)) }
        }
        return RenderedObject(set)
    }

    @Test(arguments: [ExpositionFormat.text004, .openMetrics])
    func piecesEqualTheFamilyByFamilyConcatenation(format: ExpositionFormat) {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<20 {
            let store = MetricsStore()
            let resources: [WatchedResource] = [.pods, .nodes, .sedna(.jointInferenceService), .sedna(.dataset)]
            for i in 0..<Int.random(in: 0..<40, using: &rng) {
                let r = resources.randomElement(using: &rng)!
                let key = "ns/o\(Int.random(in: 0..<30, using: &rng))"
                store.put(r, key: key, sortKey: key, randomObject("\(i)", &rng))
            }
            let extra = (0..<Int.random(in: 0..<3, using: &rng)).map { randomObject("report\($0)", &rng) }
            let (_, objects) = store.snapshot()
            let everything = objects + extra
            let headers = format == .text004 ? MetricsStore.textHeaders : MetricsStore.openMetricsHeaders
            var expected: [UInt8] = []
            for (i, header) in headers.enumerated() {
                let lines = everything.flatMap { o in o.slices.filter { $0.family == i }.map(\.bytes) }
                guard !lines.isEmpty else { continue }
                expected += header
                for l in lines { expected += l }
            }
            let part = store.objectPart(format: format, extra: extra)
            #expect(part.joined() == expected)
            #expect(part.byteCount == expected.count)
            var pieces = 0
            part.forEachChunk { #expect(!$0.isEmpty); pieces += 1 }
            #expect(pieces == part.pieces.count)
        }
    }
}

/// One array per rendering, families in catalog order, each family's lines where `families` says.
@Suite struct RenderedObjectTests {
    @Test func familiesAreContiguousAndInCatalogOrder() throws {
        let families = Array(Catalog.objectFamilies.suffix(5).reversed()) + [Catalog.objectFamilies[0]]
        var set = MetricSet()
        for (i, f) in families.enumerated() {
            for k in 0..<(i + 1) { set.add(f, f.labels.map { "\($0)-\(k)" }, Double(k)) }
        }
        let r = RenderedObject(set)
        let indexes = r.families.map(\.family)
        #expect(indexes == indexes.sorted() && indexes.count == families.count)
        #expect(r.families.last?.end == r.bytes.count)
        var expected: [UInt8] = []
        for (index, slice) in r.slices {
            let f = Catalog.objectFamilies[index]
            var lines: [UInt8] = []
            for s in set.values(f) {
                TextFormat.appendSample(name: f.name, labels: f.labels, values: s.labelValues, value: s.value, to: &lines)
            }
            #expect(Array(slice) == lines, "\(f.name)")
            expected += lines
        }
        #expect(r.bytes == expected)
        #expect(RenderedObject(set) == r)
        #expect(RenderedObject(MetricSet()).isEmpty && RenderedObject(MetricSet()).bytes.isEmpty)
    }
}

/// The line writer reuses the previous line's leading labels: every line must still be exactly
/// what `TextFormat.appendSample` writes, whichever labels repeat, change back, or need escapes.
@Suite struct SampleLineWriterTests {
    @Test func linesEqualAppendSample() {
        let labels = ["namespace", "kind", "task", "pod", "state"]
        let pool = ["default", "a\"b", "x\\y\nz", "é中", "", String(repeating: "v", count: 1500), "default"]
        var rng: UInt64 = 0x9E3779B97F4A7C15
        var previous = labels.map { _ in "default" }
        var lines: [(family: Int, values: [String], value: Double)] = []
        for k in 0..<400 {
            rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17
            // Change one label (or none) from the previous line, at a random position.
            var values = previous
            let at = Int(rng % 6)
            if at < labels.count { values[at] = pool[Int((rng >> 8) % UInt64(pool.count))] }
            lines.append((family: Int((rng >> 20) % 3), values: values, value: Double(k) / 4))
            previous = values
        }
        var writer = SampleLineWriter()
        var ours: [UInt8] = [], expected: [UInt8] = []
        for l in lines {
            let name = "m\(l.family)"
            writer.append(family: l.family, name: name, labels: labels, values: l.values, value: l.value, to: &ours)
            TextFormat.appendSample(name: name, labels: labels, values: l.values, value: l.value, to: &expected)
        }
        #expect(ours == expected)
        // No labels at all.
        var a: [UInt8] = [], b: [UInt8] = []
        writer.append(family: 9, name: "up", labels: [], values: [], value: 1, to: &a)
        writer.append(family: 9, name: "up", labels: [], values: [], value: 2, to: &a)
        TextFormat.appendSample(name: "up", labels: [], values: [], value: 1, to: &b)
        TextFormat.appendSample(name: "up", labels: [], values: [], value: 2, to: &b)
        #expect(a == b)
    }
}
