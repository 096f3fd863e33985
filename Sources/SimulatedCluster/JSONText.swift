import SednaCatalog

/// Serialises a `JSON` value to text: for the condition `data` strings the GM writes
/// (`pkg/globalmanager/controllers/incrementallearning/upstream.go`), the simulated API's responses and the workers' report bodies.
///
/// `JSON` objects are unordered dictionaries, so keys are written in the order Sedna's Go
/// structs declare them where known (`input`/`output`, `format`, `url`, `metrics`, `classes`,
/// ...) and alphabetically otherwise; the output is deterministic either way.
public enum JSONText {
    static let keyOrder: [String: Int] = {
        let keys = ["input", "output", "model", "models", "format", "url", "metrics", "classes",
                    "dataURL", "dataIndexURL", "outputDir", "loss", "accuracy", "precision", "recall"]
        return Dictionary(uniqueKeysWithValues: keys.enumerated().map { ($1, $0) })
    }()

    public static func encode(_ j: JSON) -> String {
        var out = ""
        write(j, &out)
        return out
    }

    public static func number(_ d: Double) -> String {
        if d.isFinite, d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
        return d.isFinite ? "\(d)" : "null"
    }

    private static func write(_ j: JSON, _ out: inout String) {
        switch j {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let d): out += number(d)
        case .string(let s): writeString(s, &out)
        case .array(let a):
            out += "["
            for (i, e) in a.enumerated() {
                if i > 0 { out += "," }
                write(e, &out)
            }
            out += "]"
        case .object(let o):
            out += "{"
            let keys = o.keys.sorted { a, b in
                let x = keyOrder[a] ?? Int.max, y = keyOrder[b] ?? Int.max
                return x != y ? x < y : a < b
            }
            for (i, k) in keys.enumerated() {
                if i > 0 { out += "," }
                writeString(k, &out)
                out += ":"
                write(o[k]!, &out)
            }
            out += "}"
        }
    }

    /// A JSON string literal. `escapingHTML` also writes `<`, `>` and `&` as `\u00XX`, as Go's
    /// `encoding/json` does by default (what Sedna's Go components send).
    public static func quote(_ s: String, escapingHTML: Bool = false) -> String {
        var out = ""
        writeString(s, &out, escapingHTML: escapingHTML)
        return out
    }

    private static func writeString(_ s: String, _ out: inout String, escapingHTML: Bool = false) {
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
