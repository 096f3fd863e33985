import Foundation
import SednaCatalog

/// A JSON/YAML value tree for the generated observability files (dashboards, rules,
/// kube-state-metrics config). Objects keep their insertion order; the JSON writer sorts keys,
/// the YAML writer keeps the order the generator wrote (record/alert before expr, ...).
public indirect enum GenValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral,
    ExpressibleByFloatLiteral, ExpressibleByNilLiteral, Sendable
{
    case string(String)
    case int(Int)
    case double(Double)
    case bool(Bool)
    case null
    case array([GenValue])
    case object([(String, GenValue)])

    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(nilLiteral: ()) { self = .null }
    public init(arrayLiteral elements: GenValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, GenValue)...) { self = .object(elements) }

    public static func strings(_ s: [String]) -> GenValue { .array(s.map { .string($0) }) }

    /// Adds or replaces a key of an object (no-op on other values).
    public func setting(_ key: String, _ value: GenValue) -> GenValue {
        guard case .object(var pairs) = self else { return self }
        if let i = pairs.firstIndex(where: { $0.0 == key }) { pairs[i].1 = value } else { pairs.append((key, value)) }
        return .object(pairs)
    }
}

/// Deterministic writers: JSON with sorted keys and 2-space indentation, YAML in block style.
public enum GenWriter {
    public static func json(_ v: GenValue) -> String { json(v, indent: 0) + "\n" }

    static func json(_ v: GenValue, indent: Int) -> String {
        let pad = String(repeating: " ", count: indent + 2)
        let end = String(repeating: " ", count: indent)
        switch v {
        case .string(let s): return quote(s)
        case .int(let i): return String(i)
        case .double(let d): return number(d)
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        case .array(let items):
            if items.isEmpty { return "[]" }
            return "[\n" + items.map { pad + json($0, indent: indent + 2) }.joined(separator: ",\n") + "\n" + end + "]"
        case .object(let pairs):
            if pairs.isEmpty { return "{}" }
            let sorted = pairs.sorted { $0.0 < $1.0 }
            return "{\n" + sorted.map { pad + quote($0.0) + ": " + json($0.1, indent: indent + 2) }
                .joined(separator: ",\n") + "\n" + end + "}"
        }
    }

    static func number(_ d: Double) -> String {
        if d == d.rounded(), abs(d) < 1e15 { return String(Int(d)) }
        return "\(d)"
    }

    /// A JSON string literal; also a valid YAML double-quoted scalar.
    public static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }

    // MARK: YAML

    public static func yaml(_ v: GenValue) -> String {
        yamlLines(v, indent: 0).joined(separator: "\n") + "\n"
    }

    static let reserved: Set<String> = ["true", "false", "yes", "no", "on", "off", "y", "n", "null", "~"]

    static func yamlScalar(_ v: GenValue) -> String {
        switch v {
        case .string(let s):
            let plain = s.range(of: #"^[A-Za-z_/][A-Za-z0-9_./-]*( [A-Za-z0-9_./()-]+)*$"#, options: .regularExpression) != nil
            if plain && !reserved.contains(s.lowercased()) { return s }
            return quote(s)
        case .int(let i): return String(i)
        case .double(let d): return number(d)
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        case .array(let items): return "[" + items.map(yamlScalar).joined(separator: ", ") + "]"
        case .object(let pairs): return pairs.isEmpty ? "{}" : "{...}"
        }
    }

    static func isScalar(_ v: GenValue) -> Bool {
        switch v {
        case .array(let items): return items.allSatisfy { if case .array = $0 { return false }; if case .object = $0 { return false }; return true }
        case .object(let pairs): return pairs.isEmpty
        default: return true
        }
    }

    static func yamlLines(_ v: GenValue, indent: Int) -> [String] {
        let pad = String(repeating: " ", count: indent)
        switch v {
        case .object(let pairs):
            var out: [String] = []
            for (k, val) in pairs {
                if case .string(let s) = val, s.contains("\n") {
                    out.append(pad + k + ": |-")
                    out += s.split(separator: "\n", omittingEmptySubsequences: false).map { $0.isEmpty ? "" : pad + "  " + $0 }
                } else if isScalar(val) {
                    out.append(pad + k + ": " + yamlScalar(val))
                } else if case .array = val {
                    out.append(pad + k + ":")
                    out += yamlLines(val, indent: indent + 2)
                } else {
                    out.append(pad + k + ":")
                    out += yamlLines(val, indent: indent + 2)
                }
            }
            return out
        case .array(let items):
            var out: [String] = []
            for item in items {
                if isScalar(item) {
                    out.append(pad + "- " + yamlScalar(item))
                } else {
                    var lines = yamlLines(item, indent: indent + 2)
                    lines[0] = pad + "- " + lines[0].dropFirst(indent + 2)
                    out += lines
                }
            }
            return out
        default:
            return [pad + yamlScalar(v)]
        }
    }
}
