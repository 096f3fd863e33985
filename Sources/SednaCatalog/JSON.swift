/// A decoded JSON value.
///
/// Kubernetes objects arrive as JSON whose shape we do not control (CRDs evolve, emulators leave
/// fields out, users put strings where numbers belong), so translators read a dynamic tree and
/// decide per field what to do with a surprise instead of failing the whole object.
public enum JSON: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSON])
    case object([String: JSON])

    public subscript(key: String) -> JSON {
        if case .object(let o) = self, let v = o[key] { return v }
        return .null
    }

    public subscript(index: Int) -> JSON {
        if case .array(let a) = self, index >= 0, index < a.count { return a[index] }
        return .null
    }

    public var string: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var array: [JSON]? {
        if case .array(let a) = self { return a }
        return nil
    }

    public var object: [String: JSON]? {
        if case .object(let o) = self { return o }
        return nil
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// A number, also when it was written as a string ("120", "0.25"): Sedna's `status.metrics`
    /// hold numbers as strings, and users write env values as strings.
    public var number: Double? {
        switch self {
        case .number(let d): return d
        case .string(let s): return JSON.parseNumber(s)
        case .bool(let b): return b ? 1 : 0
        default: return nil
        }
    }

    /// Parses a decimal number the way Prometheus would accept it; rejects NaN and infinities
    /// spelled as words so that a task cannot inject non-finite values through a label-ish string.
    static func parseNumber(_ s: String) -> Double? {
        let t = s.trimmedWhitespace()
        guard !t.isEmpty, t.count <= 64 else { return nil }
        guard let first = t.unicodeScalars.first,
              first == "-" || first == "+" || first == "." || ("0"..."9").contains(first) else { return nil }
        guard let d = Double(t), d.isFinite else { return nil }
        return d
    }
}

extension JSON {
    /// This tree without any member named `key`, at every depth: what
    /// `JSONParser.parse(_:droppingManagedFields:)` builds from the same document when `key` is
    /// `managedFields` (its tests and the `watch` fuzz target compare the two).
    public func removingMembers(named key: String) -> JSON {
        switch self {
        case .object(let o):
            var out: [String: JSON] = [:]
            out.reserveCapacity(o.count)
            for (k, v) in o where k != key { out[k] = v.removingMembers(named: key) }
            return .object(out)
        case .array(let a): return .array(a.map { $0.removingMembers(named: key) })
        default: return self
        }
    }
}

extension JSON: Encodable {
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .number(let d): try c.encode(d)
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }
}

import Foundation

extension JSON {
    /// Decodes JSON bytes; the error (a `JSONParseError`) says what was wrong and where, for
    /// logs and counters, without quoting the document. `droppingManagedFields` leaves every
    /// `managedFields` member out (Kubernetes objects: see `JSONParser`).
    public static func decode(_ data: some DataProtocol, droppingManagedFields: Bool = false) throws -> JSON {
        if let parsed = try data.withContiguousStorageIfAvailable({
            try JSONParser.parse(UnsafeRawBufferPointer($0), droppingManagedFields: droppingManagedFields)
        }) {
            return parsed
        }
        return try JSONParser.parse(Array(data), droppingManagedFields: droppingManagedFields)
    }

    /// Decodes a string that should hold JSON (Sedna's condition `data`); nil when empty,
    /// throws when malformed. Surrounding whitespace and newlines (Unicode's) are trimmed
    /// (`trimmedWhitespace`: a string that starts and ends with a printable ASCII byte, as the
    /// GM writes it, has none, and is parsed from its own bytes; Foundation's trimming was 17 %
    /// of the exporter's CPU under churn, where every event of a learning job parses all its
    /// conditions again, docs/benchmarks.md, session 13).
    public static func decodeEmbedded(_ s: String) throws -> JSON? {
        let t = s.trimmedWhitespace(newlines: true)
        if t.isEmpty { return nil }
        if let parsed = try t.utf8.withContiguousStorageIfAvailable({ try JSONParser.parse(UnsafeRawBufferPointer($0)) }) {
            return parsed
        }
        return try JSONParser.parse(Array(t.utf8))
    }
}
