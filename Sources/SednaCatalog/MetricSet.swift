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
    private var seen: Set<[String]> = []

    public init() {}

    public var isEmpty: Bool { samples.isEmpty }

    public mutating func add(_ family: MetricFamily, _ labelValues: [String], _ value: Double) {
        precondition(labelValues.count == family.labels.count,
                     "\(family.name) takes \(family.labels.count) labels, got \(labelValues.count)")
        guard value.isFinite || value.isNaN else { return }
        let id = [family.name] + labelValues
        guard seen.insert(id).inserted else { return }
        samples[family.name, default: []].append(Sample(labelValues: labelValues, value: value))
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
