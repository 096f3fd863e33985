import Yams

/// YAML for the generated rule and kube-state-metrics files, written by Yams (libyaml's
/// emitter) from a `DocumentValue` tree: keys keep the order the generator wrote them in (record or
/// alert before expr, name before rules), multi-line strings (PromQL) are literal blocks, and
/// every other string is quoted exactly when YAML would read it as something else (`yes`, `1m`,
/// `-1`, `{{ $labels.x }}`), which Yams decides, not a hand-written pattern.
public enum YAMLDocument {
    /// The document for `value`, ending in a newline; `comment` (already `# `-prefixed lines) goes first.
    public static func render(_ value: DocumentValue, comment: String = "") -> String {
        // Only strings, numbers and ordered maps go in: the emitter cannot fail on them.
        let body = (try? Yams.serialize(node: node(value), indent: 2, width: -1, allowUnicode: true)) ?? ""
        return comment + body
    }

    static func node(_ v: DocumentValue) -> Node {
        switch v {
        case .string(let s):
            if s.contains("\n") { return .scalar(.init(s, Tag(.str), .literal)) }
            return .scalar(s.represented())
        case .int(let i): return .scalar(.init(String(i)))
        case .double(let d): return .scalar(.init(d.wholeNumberText ?? String(d)))
        case .bool(let b): return .scalar(.init(b ? "true" : "false"))
        case .null: return .scalar(.init("null"))
        case .array(let items):
            // Lists of scalars (label paths, verbs) stay on one line, as people write them.
            let flat = items.allSatisfy { if case .array = $0 { return false }; if case .object = $0 { return false }; return true }
            return .sequence(.init(items.map(node), Tag(.seq), flat && !items.isEmpty ? .flow : .block))
        case .object(let pairs):
            return .mapping(.init(pairs.map { (Node.scalar($0.0.represented()), node($0.1)) }, Tag(.map), pairs.isEmpty ? .flow : .block))
        }
    }
}
