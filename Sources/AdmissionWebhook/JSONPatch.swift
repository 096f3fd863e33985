import Foundation
import SednaCatalog

/// One RFC 6902 operation; the webhook needs only `add` and `replace` with array indexes.
public struct JSONPatchOperation: Equatable, Sendable {
    public let op: String
    public let path: String
    public let value: JSON

    public init(op: String, path: String, value: JSON) {
        self.op = op
        self.path = path
        self.value = value
    }

    var json: JSON { .object(["op": .string(op), "path": .string(path), "value": value]) }
}

public enum JSONPatchError: Error, Equatable, CustomStringConvertible {
    case badPath(String)
    case unsupported(String)
    public var description: String {
        switch self {
        case .badPath(let p): return "JSONPatch path \(p) does not exist in the document"
        case .unsupported(let op): return "JSONPatch operation \(op) is not supported"
        }
    }
}

public enum JSONPatch {
    /// Serialises operations as the AdmissionReview's `patch` field expects (JSON, then base64).
    public static func encode(_ ops: [JSONPatchOperation]) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(JSON.array(ops.map(\.json)))) ?? Data("[]".utf8)
    }

    /// Applies `add` and `replace` operations the way the API server does (used by tests and to
    /// check a patch before answering). Paths are object keys and array indexes; `add` at an
    /// index inserts before it, `-` appends.
    public static func apply(_ ops: [JSONPatchOperation], to document: JSON) throws -> JSON {
        var doc = document
        for o in ops {
            guard o.op == "add" || o.op == "replace" else { throw JSONPatchError.unsupported(o.op) }
            let tokens = o.path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
                .map { $0.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~") }
            doc = try set(doc, Array(tokens)[...], o.value, insert: o.op == "add", path: o.path)
        }
        return doc
    }

    private static func set(_ node: JSON, _ tokens: ArraySlice<String>, _ value: JSON, insert: Bool, path: String) throws -> JSON {
        guard let head = tokens.first else { return value }
        let rest = tokens.dropFirst()
        switch node {
        case .object(var o):
            if rest.isEmpty {
                if !insert && o[head] == nil { throw JSONPatchError.badPath(path) }
                o[head] = value
            } else {
                guard let child = o[head] else { throw JSONPatchError.badPath(path) }
                o[head] = try set(child, rest, value, insert: insert, path: path)
            }
            return .object(o)
        case .array(var a):
            if rest.isEmpty {
                if insert {
                    if head == "-" { a.append(value); return .array(a) }
                    guard let i = Int(head), i >= 0, i <= a.count else { throw JSONPatchError.badPath(path) }
                    a.insert(value, at: i)
                } else {
                    guard let i = Int(head), i >= 0, i < a.count else { throw JSONPatchError.badPath(path) }
                    a[i] = value
                }
            } else {
                guard let i = Int(head), i >= 0, i < a.count else { throw JSONPatchError.badPath(path) }
                a[i] = try set(a[i], rest, value, insert: insert, path: path)
            }
            return .array(a)
        default:
            throw JSONPatchError.badPath(path)
        }
    }
}
