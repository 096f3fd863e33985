/// The one JSON writer of the project: the simulated API's objects and the condition `data`
/// strings the GM writes (`pkg/globalmanager/controllers/incrementallearning/upstream.go`), the
/// workers' report bodies, the relay's batches, HTTP error bodies and log lines.
///
/// Deterministic: `JSON` objects are unordered dictionaries, so keys are written alphabetically,
/// after the `leadingKeys` (in their order) where a caller mimics a Go struct's field order.
/// Compact by default; `indent` writes one value a line with that many spaces a level, keys
/// followed by `": "` (the layout of the generated dashboards' JSON).
public struct JSONWriter: Sendable {
    /// Spaces per nesting level; nil: compact, on one line.
    public var indent: Int?
    /// `<`, `>` and `&` as `\u00XX`, as Go's `encoding/json` writes them by default.
    public var escapingHTML: Bool
    private let rank: [String: Int]

    public init(indent: Int? = nil, leadingKeys: [String] = [], escapingHTML: Bool = false) {
        self.indent = indent
        self.escapingHTML = escapingHTML
        rank = Dictionary(leadingKeys.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Compact, alphabetical keys.
    public static let compact = JSONWriter()

    public func string(_ value: JSON) -> String {
        var out = ""
        write(value, depth: 0, &out)
        return out
    }

    public func bytes(_ value: JSON) -> [UInt8] { Array(string(value).utf8) }

    /// A JSON number: a whole number without a fraction (`3`, not `3.0`), non-finite as `null`.
    public static func number(_ d: Double) -> String {
        d.wholeNumberText ?? (d.isFinite ? "\(d)" : "null")
    }

    /// A JSON string literal (also a valid YAML double-quoted scalar).
    public static func quote(_ s: String, escapingHTML: Bool = false) -> String {
        var out = ""
        writeString(s, &out, escapingHTML: escapingHTML)
        return out
    }

    private func sortedKeys(_ o: [String: JSON]) -> [String] {
        o.keys.sorted { a, b in
            let x = rank[a] ?? Int.max, y = rank[b] ?? Int.max
            return x != y ? x < y : a < b
        }
    }

    private func write(_ j: JSON, depth: Int, _ out: inout String) {
        switch j {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let d): out += Self.number(d)
        case .string(let s): Self.writeString(s, &out, escapingHTML: escapingHTML)
        case .array(let a):
            guard !a.isEmpty else { out += "[]"; return }
            out += "["
            for (i, e) in a.enumerated() {
                if i > 0 { out += "," }
                newline(depth + 1, &out)
                write(e, depth: depth + 1, &out)
            }
            newline(depth, &out)
            out += "]"
        case .object(let o):
            guard !o.isEmpty else { out += "{}"; return }
            out += "{"
            for (i, k) in sortedKeys(o).enumerated() {
                if i > 0 { out += "," }
                newline(depth + 1, &out)
                Self.writeString(k, &out, escapingHTML: escapingHTML)
                out += indent == nil ? ":" : ": "
                write(o[k]!, depth: depth + 1, &out)
            }
            newline(depth, &out)
            out += "}"
        }
    }

    private func newline(_ depth: Int, _ out: inout String) {
        guard let indent else { return }
        out += "\n"
        out += String(repeating: " ", count: indent * depth)
    }

    private static func writeString(_ s: String, _ out: inout String, escapingHTML: Bool) {
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 || (escapingHTML && (u == "<" || u == ">" || u == "&")) {
                    let h = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        out += "\""
    }
}
