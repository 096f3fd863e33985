#if canImport(Glibc)
import Glibc
#endif
import SednaCatalog
import Synchronization

/// One object's samples, rendered to bytes once per event and grouped by family index, so
/// that a scrape only concatenates (the kube-state-metrics design).
public struct RenderedObject: Sendable {
    /// Every family's sample lines, one family after another in ascending family index, in one
    /// array of exactly their size.
    public let bytes: [UInt8]
    /// (index into Catalog.objectFamilies, where that family's lines end in `bytes`), ascending;
    /// a family's lines start where the previous family's end.
    public let families: [(family: Int, end: Int)]

    /// Unique to this rendering among all made since start: what a gzip'd body's kept segments
    /// are keyed by (`ObjectPart.segments`). Equality ignores it: an object rendered again to the
    /// same bytes keeps the rendering in place (`MetricsStore.put`), and with it its id.
    public let id: UInt64
    private static let nextID = Atomic<UInt64>(1)

    public var isEmpty: Bool { families.isEmpty }

    /// Each family's lines, as slices of `bytes` (no copy).
    public var slices: [(family: Int, bytes: ArraySlice<UInt8>)] {
        var start = 0
        return families.map { f in
            defer { start = f.end }
            return (f.family, bytes[start..<f.end])
        }
    }

    /// The families are written in index order into one scratch buffer, then copied into an
    /// array of exactly its size: the rendering lives until the object's next change, and an
    /// array grown by appending keeps up to half its capacity unused. One array for all
    /// families, not one per family: a worker pod has eight families, and each array of its own
    /// cost an allocation and a free per event and ~50 bytes of header and malloc overhead per
    /// family for as long as the pod lives (20k pods at 10k tasks).
    public init(_ set: MetricSet) {
        var order: [(index: Int, name: String)] = []
        order.reserveCapacity(set.samples.count)
        for name in set.samples.keys {
            if let index = Catalog.index[name] { order.append((index, name)) }
        }
        order.sort { $0.index < $1.index }
        var scratch: [UInt8] = []
        scratch.reserveCapacity(4096)
        var families: [(family: Int, end: Int)] = []
        families.reserveCapacity(order.count)
        var writer = SampleLineWriter()
        for (index, name) in order {
            let family = Catalog.objectFamilies[index]
            for s in set.samples[name]! {
                writer.append(family: index, name: family.name, labels: family.labels, values: s.labelValues, value: s.value, to: &scratch)
            }
            families.append((index, scratch.count))
        }
        bytes = scratch.withUnsafeBufferPointer { src in
            [UInt8](unsafeUninitializedCapacity: src.count) { dst, n in
                if let base = src.baseAddress, src.count > 0 { dst.baseAddress!.initialize(from: base, count: src.count) }
                n = src.count
            }
        }
        self.families = families
        id = Self.nextID.wrappingAdd(1, ordering: .relaxed).oldValue
    }
}

extension RenderedObject: Equatable {
    /// Same families, same bytes (whatever the ids). Cheap for renderings that share storage (arrays compare their
    /// buffers' identity first), which is the usual case when a scrape checks whether the worker
    /// reports changed since the cached body.
    ///
    /// The bytes compare with `memcmp`: `MetricsStore.put` compares every new rendering with the
    /// one in place (a few KiB per pod event) under its lock.
    public static func == (a: RenderedObject, b: RenderedObject) -> Bool {
        guard a.families.count == b.families.count, a.bytes.count == b.bytes.count,
              zip(a.families, b.families).allSatisfy({ $0 == $1 }) else { return false }
        return a.bytes.withUnsafeBytes { x in
            b.bytes.withUnsafeBytes { y in
                x.baseAddress == y.baseAddress || x.count == 0 || memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0
            }
        }
    }
}
