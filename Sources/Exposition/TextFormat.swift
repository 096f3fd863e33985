import SednaCatalog

/// The exposition formats the exporter negotiates.
public enum ExpositionFormat: Sendable {
    case text004
    case openMetrics

    public var contentType: String {
        switch self {
        case .text004: return "text/plain; version=0.0.4; charset=utf-8"
        case .openMetrics: return "application/openmetrics-text; version=1.0.0; charset=utf-8"
        }
    }

    /// Content negotiation as Prometheus does it: OpenMetrics only when the scraper asks for it.
    public static func negotiate(accept: String?) -> ExpositionFormat {
        guard let accept, accept.contains("application/openmetrics-text") else { return .text004 }
        return .openMetrics
    }
}

/// Byte-level writing of the text format, shared by object rendering and self-metrics.
public enum TextFormat {
    /// Label values longer than this are cut (at a character boundary): a hostile or buggy
    /// object must not make every scrape megabytes larger.
    public static let maxLabelValueBytes = 1024

    public static func appendEscaped(_ value: String, to out: inout [UInt8]) {
        // Most values need no escape and fit: one bulk copy of the UTF-8 bytes.
        let plain: Bool? = value.utf8.withContiguousStorageIfAvailable { bytes in
            bytes.count <= maxLabelValueBytes && !bytes.contains { $0 == 0x5C || $0 == 0x22 || $0 == 0x0A }
        }
        if plain == true {
            out.append(contentsOf: value.utf8)
            return
        }
        var written = 0
        for scalar in value.unicodeScalars {
            let width = UTF8.width(scalar)
            if written + width > maxLabelValueBytes { break }
            written += width
            switch scalar {
            case "\\": out.append(0x5C); out.append(0x5C)
            case "\"": out.append(0x5C); out.append(0x22)
            case "\n": out.append(0x5C); out.append(0x6E)
            default:
                if scalar.isASCII {
                    out.append(UInt8(scalar.value))
                } else {
                    out.append(contentsOf: String(scalar).utf8)
                }
            }
        }
    }

    public static func appendValue(_ v: Double, to out: inout [UInt8]) {
        if v.isNaN { out.append(contentsOf: "NaN".utf8); return }
        if v.isInfinite { out.append(contentsOf: (v > 0 ? "+Inf" : "-Inf").utf8); return }
        if let whole = v.wholeNumberText {
            out.append(contentsOf: whole.utf8)
        } else {
            out.append(contentsOf: String(v).utf8)
        }
    }

    /// `name{a="x",b="y"} value\n`
    public static func appendSample(name: String, labels: [String], values: [String], value: Double, to out: inout [UInt8]) {
        out.append(contentsOf: name.utf8)
        for i in labels.indices { appendLabel(labels[i], values[i], first: i == 0, to: &out) }
        if !labels.isEmpty { out.append(UInt8(ascii: "}")) }
        out.append(UInt8(ascii: " "))
        appendValue(value, to: &out)
        out.append(UInt8(ascii: "\n"))
    }

    /// The same line from label pairs, followed by those of `extra` whose names the sample
    /// does not have itself: a pushed sample with its grouping and task labels, written without
    /// the two arrays the other form takes (it runs for every sample of every push).
    public static func appendSample(name: String, labels: [(String, String)], extra: [(String, String)] = [],
                                    value: Double, to out: inout [UInt8]) {
        out.append(contentsOf: name.utf8)
        var first = true
        for (n, v) in labels {
            appendLabel(n, v, first: first, to: &out)
            first = false
        }
        for (n, v) in extra where !labels.contains(where: { $0.0 == n }) {
            appendLabel(n, v, first: first, to: &out)
            first = false
        }
        if !first { out.append(UInt8(ascii: "}")) }
        out.append(UInt8(ascii: " "))
        appendValue(value, to: &out)
        out.append(UInt8(ascii: "\n"))
    }

    /// `{name="value"` or `,name="value"`, the value escaped.
    private static func appendLabel(_ name: String, _ value: String, first: Bool, to out: inout [UInt8]) {
        out.append(first ? UInt8(ascii: "{") : UInt8(ascii: ","))
        out.append(contentsOf: name.utf8)
        out.append(contentsOf: "=\"".utf8)
        appendEscaped(value, to: &out)
        out.append(UInt8(ascii: "\""))
    }

    /// HELP text escaping (backslash and newline only). Byte by byte and returning the string
    /// itself when there is nothing to escape: every scrape writes the self-metric families'
    /// headers, and Foundation's `replacingOccurrences` was a fifth of a gzip'd scrape's CPU
    /// (docs/benchmarks.md, "Profiles").
    public static func escapeHelp(_ s: String) -> String {
        let utf8 = s.utf8
        guard utf8.contains(where: { $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "\n") }) else { return s }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count + 8)
        for b in utf8 {
            switch b {
            case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case UInt8(ascii: "\n"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            default: out.append(b)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `# HELP` / `# TYPE` (and `# UNIT` in OpenMetrics) lines of a family.
    public static func header(_ f: MetricFamily, format: ExpositionFormat) -> [UInt8] {
        if let known = catalogHeaders[format]?[f.name], known.family.help == f.help, known.family.type == f.type,
           known.family.unit == f.unit {
            return known.bytes
        }
        return makeHeader(f, format: format)
    }

    /// The header lines of every catalog family, made once. The self-metric families' headers
    /// are written on every scrape (two dozen families), and building each from interpolated
    /// strings was 3-5 % of a gzip'd scrape's CPU (docs/benchmarks.md, session 17). A family
    /// that only shares a catalog family's name (`MetricFamily` equality is by name) gets its
    /// own header.
    private static let catalogHeaders: [ExpositionFormat: [String: (family: MetricFamily, bytes: [UInt8])]] = {
        var out: [ExpositionFormat: [String: (family: MetricFamily, bytes: [UInt8])]] = [:]
        for format in [ExpositionFormat.text004, .openMetrics] {
            var byName: [String: (family: MetricFamily, bytes: [UInt8])] = [:]
            for f in Catalog.all where byName[f.name] == nil { byName[f.name] = (f, makeHeader(f, format: format)) }
            out[format] = byName
        }
        return out
    }()

    private static func makeHeader(_ f: MetricFamily, format: ExpositionFormat) -> [UInt8] {
        var s: String
        switch format {
        case .text004:
            s = "# HELP \(f.name) \(escapeHelp(f.help))\n# TYPE \(f.name) \(f.type.exposedType)\n"
        case .openMetrics:
            let base = f.type == .counter && f.name.hasSuffix("_total") ? String(f.name.dropLast(6)) : f.name
            s = "# TYPE \(base) \(f.type.exposedType)\n"
            if let unit = f.unit, base.hasSuffix("_" + unit) { s += "# UNIT \(base) \(unit)\n" }
            s += "# HELP \(base) \(escapeHelp(f.help))\n"
        }
        return Array(s.utf8)
    }
}

import Foundation
