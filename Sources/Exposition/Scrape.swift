import SednaCatalog

/// A part of a /metrics body written after the object families: the exporter's self-metrics,
/// the webhook's counters, the intake's counters and pushed groups.
public protocol ExpositionSection: Sendable {
    func write(format: ExpositionFormat, into out: inout [UInt8])
}

/// One /metrics body, assembled the same way by the server and by the tests: every object's
/// pre-rendered samples family by family (worker-report renderings joining the catalog families
/// they belong to), then each section in order, then `# EOF` in OpenMetrics.
///
/// Rendering only concatenates bytes rendered earlier (on watch events, reports and pushes);
/// nothing here sorts or translates objects, and nothing here changes state (expiry of held
/// reports and unbound groups is the caller's step before rendering).
public struct Scrape: Sendable {
    public var objects: MetricsStore
    /// Renderings merged into the object families (worker reports), after the objects.
    public var workerReports: [RenderedObject]
    public var sections: [any ExpositionSection]

    public init(objects: MetricsStore, workerReports: [RenderedObject] = [], sections: [any ExpositionSection] = []) {
        self.objects = objects
        self.workerReports = workerReports
        self.sections = sections
    }

    public func render(format: ExpositionFormat, into out: inout [UInt8]) {
        let part = objectPart(format: format)
        let tail = renderTail(format: format)
        out.reserveCapacity(out.count + part.byteCount + tail.count)
        part.forEachChunk { out.append(contentsOf: $0) }
        out.append(contentsOf: tail)
    }

    public func render(format: ExpositionFormat) -> [UInt8] {
        var out: [UInt8] = []
        render(format: format, into: &out)
        return out
    }

    /// The object families (objects and worker reports): the part that only changes with the
    /// store's generation or the reports, which the server caches.
    public func objectPart(format: ExpositionFormat) -> ObjectPart {
        objects.objectPart(format: format, extra: workerReports)
    }

    /// What follows the object families: the sections, then `# EOF` in OpenMetrics (unless
    /// `eof` is false: a caller adding more after the sections writes `Scrape.eof` itself).
    /// Rendered afresh on every scrape (self-metrics change every time).
    public func renderTail(format: ExpositionFormat, eof: Bool = true) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(16 * 1024)
        for s in sections { s.write(format: format, into: &out) }
        if eof { out.append(contentsOf: Self.eof(format)) }
        return out
    }

    /// The body's last line: `# EOF` in OpenMetrics, nothing in text 0.0.4.
    public static func eof(_ format: ExpositionFormat) -> [UInt8] {
        format == .openMetrics ? Array("# EOF\n".utf8) : []
    }
}

extension TextFormat {
    /// Writes a catalog family: its header, then one sample per entry of `samples` (label values
    /// in the family's label order). Nothing at all when `samples` is empty.
    public static func appendFamily(_ f: MetricFamily, format: ExpositionFormat, samples: [([String], Double)],
                                    to out: inout [UInt8]) {
        guard !samples.isEmpty else { return }
        out.append(contentsOf: header(f, format: format))
        for (values, v) in samples {
            appendSample(name: f.name, labels: f.labels, values: values, value: v, to: &out)
        }
    }
}
