import SednaCatalog

/// One object's samples, rendered to bytes once per event and grouped by family index, so
/// that a scrape only concatenates (the kube-state-metrics design).
public struct RenderedObject: Sendable {
    /// (index into Catalog.objectFamilies, sample lines of that family), ascending by index.
    public let slices: [(family: Int, bytes: [UInt8])]

    public var isEmpty: Bool { slices.isEmpty }

    /// Each family is written into one scratch buffer and then copied into an array of exactly
    /// its size: the slices live until the object's next change, and an array grown by
    /// appending keeps up to half its capacity unused (a guessed `reserveCapacity` did not fit
    /// either: label sets differ by kind). Exact slices are what the memory bound counts.
    public init(_ set: MetricSet) {
        var out: [(Int, [UInt8])] = []
        out.reserveCapacity(set.samples.count)
        var scratch: [UInt8] = []
        scratch.reserveCapacity(4096)
        for (name, samples) in set.samples {
            guard let index = Catalog.index[name] else { continue }
            let family = Catalog.objectFamilies[index]
            scratch.removeAll(keepingCapacity: true)
            for s in samples {
                TextFormat.appendSample(name: family.name, labels: family.labels, values: s.labelValues, value: s.value, to: &scratch)
            }
            let bytes = scratch.withUnsafeBufferPointer { src in
                [UInt8](unsafeUninitializedCapacity: src.count) { dst, n in
                    if let base = src.baseAddress, src.count > 0 { dst.baseAddress!.initialize(from: base, count: src.count) }
                    n = src.count
                }
            }
            out.append((index, bytes))
        }
        out.sort { $0.0 < $1.0 }
        slices = out
    }
}

extension RenderedObject: Equatable {
    /// Same families, same bytes. Cheap for renderings that share storage (arrays compare their
    /// buffers' identity first), which is the usual case when a scrape checks whether the worker
    /// reports changed since the cached body.
    public static func == (a: RenderedObject, b: RenderedObject) -> Bool {
        a.slices.count == b.slices.count && zip(a.slices, b.slices).allSatisfy { $0.family == $1.family && $0.bytes == $1.bytes }
    }
}
