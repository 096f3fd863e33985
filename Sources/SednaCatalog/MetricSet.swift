/// One sample of a family: label values in the family's label order, and the value.
public struct Sample: Sendable, Equatable {
    public let labelValues: [String]
    public let value: Double
}

/// The samples one object contributes, grouped by family. Translators fill it; the renderer
/// turns it into bytes once per event.
///
/// It refuses to hold the same series twice (first wins), so no translator bug can ever
/// produce an exposition that Prometheus rejects.
public struct MetricSet: Sendable, Equatable {
    public private(set) var samples: [String: [Sample]] = [:]
    /// Label values already held, for families past `scanLimit` samples. Below it a scan of
    /// the family's few samples is cheaper than building and hashing an array per sample,
    /// which was an eighth of a pod event's cost (perf, `bench/watch_bench.py`).
    private var seen: [String: Set<[String]>] = [:]
    static let scanLimit = 24

    public init() {}

    public var isEmpty: Bool { samples.isEmpty }

    public static func == (a: MetricSet, b: MetricSet) -> Bool { a.samples == b.samples }

    public mutating func add(_ family: MetricFamily, _ labelValues: [String], _ value: Double) {
        precondition(labelValues.count == family.labels.count,
                     "\(family.name) takes \(family.labels.count) labels, got \(labelValues.count)")
        guard value.isFinite || value.isNaN else { return }
        let name = family.name
        // One lookup for the usual case (a family of a few samples): scanned and appended in place.
        let long = Self.appendScanning(&samples[name, default: []], Sample(labelValues: labelValues, value: value))
        guard long else { return }
        if seen[name] == nil { seen[name] = Set(samples[name]!.map(\.labelValues)) }
        guard seen[name]!.insert(labelValues).inserted else { return }
        samples[name]!.append(Sample(labelValues: labelValues, value: value))
    }

    /// Appends `sample` unless the family already holds its label values; true (nothing done)
    /// when the family has reached `scanLimit` samples and the caller must check its set.
    private static func appendScanning(_ list: inout [Sample], _ sample: Sample) -> Bool {
        guard list.count < scanLimit else { return true }
        if !list.contains(where: { $0.labelValues == sample.labelValues }) { list.append(sample) }
        return false
    }

    /// Adds the value when there is one.
    public mutating func add(_ family: MetricFamily, _ labelValues: [String], _ value: Double?) {
        if let v = value { add(family, labelValues, v) }
    }

    /// One series per state with exactly one at 1; `current` not among the states selects the
    /// last state (by convention `Unknown`).
    public mutating func addStateSet(_ family: MetricFamily, _ labelValues: [String], current: String?, states: [String]? = nil) {
        let states = states ?? family.states
        let chosen = states.contains(current ?? "\u{0}") ? current! : states.last!
        for s in states { add(family, labelValues + [s], s == chosen ? 1 : 0) }
    }

    public func values(_ family: MetricFamily) -> [Sample] { samples[family.name] ?? [] }
}
