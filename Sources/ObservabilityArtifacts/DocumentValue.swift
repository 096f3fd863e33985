import Foundation
import SednaCatalog

/// A JSON/YAML document tree for the generated observability files (dashboards, rules,
/// kube-state-metrics config). Objects keep their insertion order: the YAML writer
/// (`YAMLDocument`) keeps the order the generator wrote (record/alert before expr, ...), the JSON
/// writer (`JSONWriter`, shared by the whole project) sorts keys.
public indirect enum DocumentValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral,
    ExpressibleByFloatLiteral, ExpressibleByNilLiteral, Sendable
{
    case string(String)
    case int(Int)
    case double(Double)
    case bool(Bool)
    case null
    case array([DocumentValue])
    case object([(String, DocumentValue)])

    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(nilLiteral: ()) { self = .null }
    public init(arrayLiteral elements: DocumentValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, DocumentValue)...) { self = .object(elements) }

    public static func strings(_ s: [String]) -> DocumentValue { .array(s.map { .string($0) }) }

    /// Adds or replaces a key of an object (no-op on other values).
    public func setting(_ key: String, _ value: DocumentValue) -> DocumentValue {
        guard case .object(var pairs) = self else { return self }
        if let i = pairs.firstIndex(where: { $0.0 == key }) { pairs[i].1 = value } else { pairs.append((key, value)) }
        return .object(pairs)
    }
}

extension DocumentValue {
    /// The value as `JSON` for the one JSON writer (`JSONWriter`): keys come out sorted there,
    /// which is what keeps the generated dashboards stable under diff.
    public var json: JSON {
        switch self {
        case .string(let s): return .string(s)
        case .int(let i): return .number(Double(i))
        case .double(let d): return .number(d)
        case .bool(let b): return .bool(b)
        case .null: return .null
        case .array(let items): return .array(items.map(\.json))
        case .object(let pairs):
            return .object(Dictionary(pairs.map { ($0.0, $0.1.json) }, uniquingKeysWith: { _, last in last }))
        }
    }

    /// Pretty-printed JSON (2-space indentation, sorted keys, trailing newline) as the
    /// generated dashboards are written.
    public var jsonText: String { JSONWriter(indent: 2).string(json) + "\n" }
}
