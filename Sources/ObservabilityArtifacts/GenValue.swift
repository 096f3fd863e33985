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

/// Deterministic JSON writer: sorted keys and 2-space indentation (YAML: `YAMLDocument`).
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

    /// A JSON string literal.
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
}
