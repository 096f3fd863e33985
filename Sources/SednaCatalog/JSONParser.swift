/// Why a document is not JSON: what was wrong and at which byte offset. The message never
/// quotes the document (it may hold a token or a report body), only positions and byte values.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public let offset: Int
    public let reason: String

    public var description: String { "invalid JSON at byte \(offset): \(reason)" }
}

/// A strict RFC 8259 parser from UTF-8 bytes straight to the `JSON` tree.
///
/// Every watch event and LIST page goes through here (docs/architecture.md, the watch layer). The
/// previous path, Foundation's `JSONDecoder` asking a `singleValueContainer` for each type in turn
/// under `try?`, built and threw an error per failed trial on every value and took about a third
/// of the exporter's CPU under churn. This scanner looks at each byte once.
///
/// Behaviour kept from Foundation: any value at the top level, numbers as `Double` (out of range
/// such as `1e400` rejected, underflow read as 0), duplicate object keys resolved last-wins as
/// JSONSerialization (and the API server's Go encoding/json) do, invalid UTF-8 and lone surrogate
/// escapes rejected. Stricter than Foundation: trailing commas are errors (RFC 8259; no
/// Kubernetes or Sedna producer writes them). Nesting deeper than `maxDepth` is an error, not a
/// stack overflow, and no input can crash it.
///
/// Kubernetes objects from the watch and LIST paths are parsed `droppingManagedFields`: every
/// member named `managedFields` is validated like the rest and left out of the tree, with
/// nothing built for it. The API server adds `metadata.managedFields` to every object it
/// serves (server-side apply's field ownership: for a Sedna worker pod one entry from the GM's
/// create and one from the kubelet's status updates, a few KB of nested `f:`/`k:` objects,
/// often the largest part of the pod), and nothing in the exporter reads it. A document is
/// accepted or rejected, with the same error, whichever way it is parsed (`JSONParserTests`,
/// and the `json` fuzz target compares the two).
public struct JSONParser {
    /// Foundation's JSONSerialization limit too.
    public static let defaultMaxDepth = 512

    private let base: UnsafePointer<UInt8>
    private let end: Int
    private var at = 0
    private var depth = 0
    private let maxDepth: Int
    private let dropsManagedFields: Bool

    private init(_ base: UnsafePointer<UInt8>, count: Int, maxDepth: Int, dropsManagedFields: Bool) {
        self.base = base
        self.end = count
        self.maxDepth = maxDepth
        self.dropsManagedFields = dropsManagedFields
    }

    /// Parses one JSON document filling the whole buffer (surrounding whitespace allowed).
    public static func parse(_ bytes: UnsafeRawBufferPointer, maxDepth: Int = defaultMaxDepth,
                             droppingManagedFields: Bool = false) throws(JSONParseError) -> JSON {
        guard let raw = bytes.baseAddress, bytes.count > 0 else {
            throw JSONParseError(offset: 0, reason: "empty document")
        }
        var p = JSONParser(raw.assumingMemoryBound(to: UInt8.self), count: bytes.count, maxDepth: maxDepth,
                           dropsManagedFields: droppingManagedFields)
        // A UTF-8 byte order mark is tolerated, as Foundation does.
        if bytes.count >= 3, p.base[0] == 0xEF, p.base[1] == 0xBB, p.base[2] == 0xBF { p.at = 3 }
        p.skipWhitespace()
        let value = try p.value(building: true)
        p.skipWhitespace()
        guard p.at == p.end else { throw p.fail("unexpected content after the document") }
        return value
    }

    public static func parse(_ bytes: [UInt8], maxDepth: Int = defaultMaxDepth,
                             droppingManagedFields: Bool = false) throws(JSONParseError) -> JSON {
        let result: Result<JSON, JSONParseError> = bytes.withUnsafeBytes { buf in
            do throws(JSONParseError) {
                return .success(try parse(buf, maxDepth: maxDepth, droppingManagedFields: droppingManagedFields))
            } catch { return .failure(error) }
        }
        return try result.get()
    }

    // MARK: - grammar

    private func fail(_ reason: String) -> JSONParseError {
        JSONParseError(offset: at, reason: at < end ? "\(reason) (byte 0x\(String(base[at], radix: 16)))" : "\(reason) (end of input)")
    }

    private mutating func skipWhitespace() {
        while at < end {
            switch base[at] {
            case 0x20, 0x0A, 0x0D, 0x09: at += 1
            default: return
            }
        }
    }

    /// One value; with `building` false it is only validated (the same grammar, the same
    /// errors) and `.null` stands in for it.
    private mutating func value(building: Bool) throws(JSONParseError) -> JSON {
        guard at < end else { throw fail("expected a value") }
        switch base[at] {
        case UInt8(ascii: "{"): return try object(building: building)
        case UInt8(ascii: "["): return try array(building: building)
        case UInt8(ascii: "\""):
            guard building else {
                try skipString()
                return .null
            }
            return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw fail("expected a value")
        }
    }

    private mutating func literal(_ word: StaticString) throws(JSONParseError) {
        let n = word.utf8CodeUnitCount
        guard end - at >= n else { throw fail("invalid literal") }
        let w = word.utf8Start
        for k in 0..<n where base[at + k] != w[k] { throw fail("invalid literal") }
        at += n
    }

    private mutating func enter() throws(JSONParseError) {
        depth += 1
        guard depth <= maxDepth else { throw fail("nesting deeper than \(maxDepth)") }
    }

    /// Members are collected first and the dictionary is built once at its final size: grown
    /// one insert at a time it was reallocated and rehashed several times per object (a sixth
    /// of the watch path went to hashing, docs/benchmarks.md).
    private mutating func object(building: Bool) throws(JSONParseError) -> JSON {
        try enter()
        at += 1
        skipWhitespace()
        if at < end, base[at] == UInt8(ascii: "}") {
            at += 1
            depth -= 1
            return .object([:])
        }
        var members: [(String, JSON)] = []
        if building { members.reserveCapacity(8) }
        while true {
            guard at < end, base[at] == UInt8(ascii: "\"") else { throw fail("expected a string key") }
            var key = ""
            if building { key = try string() } else { try skipString() }
            skipWhitespace()
            guard at < end, base[at] == UInt8(ascii: ":") else { throw fail("expected ':'") }
            at += 1
            skipWhitespace()
            if building, !(dropsManagedFields && key.utf8.count == 13 && key == "managedFields") {
                members.append((key, try value(building: true)))
            } else {
                _ = try value(building: false)
            }
            skipWhitespace()
            guard at < end else { throw fail("unterminated object") }
            if base[at] == UInt8(ascii: ",") {
                at += 1
                skipWhitespace()
                continue
            }
            guard base[at] == UInt8(ascii: "}") else { throw fail("expected ',' or '}'") }
            at += 1
            depth -= 1
            guard building else { return .null }
            // A repeated key: the last one wins.
            return .object(Dictionary(members, uniquingKeysWith: { _, last in last }))
        }
    }

    private mutating func array(building: Bool) throws(JSONParseError) -> JSON {
        try enter()
        at += 1
        var out: [JSON] = []
        skipWhitespace()
        if at < end, base[at] == UInt8(ascii: "]") {
            at += 1
            depth -= 1
            return .array(out)
        }
        while true {
            let element = try value(building: building)
            if building { out.append(element) }
            skipWhitespace()
            guard at < end else { throw fail("unterminated array") }
            if base[at] == UInt8(ascii: ",") {
                at += 1
                skipWhitespace()
                continue
            }
            guard base[at] == UInt8(ascii: "]") else { throw fail("expected ',' or ']'") }
            at += 1
            depth -= 1
            return .array(out)
        }
    }

    /// A string starting at the opening quote. Runs without escapes (nearly all of Kubernetes)
    /// are validated and copied in one step; escapes are decoded into a byte buffer.
    private mutating func string() throws(JSONParseError) -> String {
        at += 1
        let start = at
        while at < end {
            let b = base[at]
            if b == UInt8(ascii: "\"") {
                let s = try utf8(start, at)
                at += 1
                return s
            }
            if b == UInt8(ascii: "\\") { break }
            if b < 0x20 { throw fail("unescaped control character in string") }
            at += 1
        }
        guard at < end else { throw fail("unterminated string") }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(at - start + 16)
        bytes.append(contentsOf: UnsafeBufferPointer(start: base + start, count: at - start))
        while at < end {
            let b = base[at]
            if b == UInt8(ascii: "\"") {
                at += 1
                guard let s = String(validating: bytes, as: UTF8.self) else {
                    throw JSONParseError(offset: start, reason: "string is not valid UTF-8")
                }
                return s
            }
            if b < 0x20 { throw fail("unescaped control character in string") }
            if b != UInt8(ascii: "\\") {
                // A run of plain bytes up to the next quote, escape or control byte, copied at once.
                let run = at
                at += 1
                while at < end, base[at] != UInt8(ascii: "\""), base[at] != UInt8(ascii: "\\"), base[at] >= 0x20 { at += 1 }
                bytes.append(contentsOf: UnsafeBufferPointer(start: base + run, count: at - run))
                continue
            }
            at += 1
            guard at < end else { break }
            switch base[at] {
            case UInt8(ascii: "\""): bytes.append(0x22)
            case UInt8(ascii: "\\"): bytes.append(0x5C)
            case UInt8(ascii: "/"): bytes.append(0x2F)
            case UInt8(ascii: "b"): bytes.append(0x08)
            case UInt8(ascii: "f"): bytes.append(0x0C)
            case UInt8(ascii: "n"): bytes.append(0x0A)
            case UInt8(ascii: "r"): bytes.append(0x0D)
            case UInt8(ascii: "t"): bytes.append(0x09)
            case UInt8(ascii: "u"):
                at += 1
                try unicodeEscape(into: &bytes)
                continue
            default: throw fail("invalid escape")
            }
            at += 1
        }
        throw fail("unterminated string")
    }

    /// Validates a string as `string()` does without building it: plain ASCII runs (all of
    /// `managedFields` but its `k:{\"name\":...}` keys) are only scanned; a string with an
    /// escape goes through `string()` for the same checks and errors, non-ASCII through the
    /// same UTF-8 validation.
    private mutating func skipString() throws(JSONParseError) {
        let open = at
        at += 1
        let start = at
        var ascii = true
        while at < end {
            let b = base[at]
            if b == UInt8(ascii: "\"") {
                if !ascii { _ = try utf8(start, at) }
                at += 1
                return
            }
            if b == UInt8(ascii: "\\") {
                at = open
                _ = try string()
                return
            }
            if b < 0x20 { throw fail("unescaped control character in string") }
            if b >= 0x80 { ascii = false }
            at += 1
        }
        throw fail("unterminated string")
    }

    /// `\uXXXX` after the `u` (and its low half when it is a high surrogate), appended as UTF-8.
    private mutating func unicodeEscape(into bytes: inout [UInt8]) throws(JSONParseError) {
        var scalar = try hex4()
        if (0xD800...0xDBFF).contains(scalar) {
            guard end - at >= 2, base[at] == UInt8(ascii: "\\"), base[at + 1] == UInt8(ascii: "u") else {
                throw fail("high surrogate escape without a low surrogate")
            }
            at += 2
            let low = try hex4()
            guard (0xDC00...0xDFFF).contains(low) else { throw fail("high surrogate escape without a low surrogate") }
            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
        } else if (0xDC00...0xDFFF).contains(scalar) {
            throw fail("lone low surrogate escape")
        }
        guard let u = Unicode.Scalar(scalar) else { throw fail("invalid unicode escape") }
        bytes.append(contentsOf: UTF8.encode(u)!)
    }

    private mutating func hex4() throws(JSONParseError) -> UInt32 {
        guard end - at >= 4 else { throw fail("truncated unicode escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let b = base[at]
            let d: UInt8
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = b - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = b - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = b - UInt8(ascii: "A") + 10
            default: throw fail("invalid unicode escape")
            }
            v = v << 4 | UInt32(d)
            at += 1
        }
        return v
    }

    private func utf8(_ from: Int, _ to: Int) throws(JSONParseError) -> String {
        let buf = UnsafeBufferPointer(start: base + from, count: to - from)
        var ascii = true
        for b in buf where b >= 0x80 {
            ascii = false
            break
        }
        if ascii { return String(decoding: buf, as: UTF8.self) }
        guard let s = String(validating: buf, as: UTF8.self) else {
            throw JSONParseError(offset: from, reason: "string is not valid UTF-8")
        }
        return s
    }

    /// RFC 8259 number grammar; integers of up to 15 digits are converted exactly without
    /// going through text, the rest by the standard library's correctly rounded parser.
    private mutating func number() throws(JSONParseError) -> Double {
        let start = at
        var negative = false
        if base[at] == UInt8(ascii: "-") {
            negative = true
            at += 1
        }
        guard at < end, isDigit(base[at]) else { throw fail("invalid number") }
        var mantissa: Int64 = 0
        var digits = 0
        if base[at] == UInt8(ascii: "0") {
            at += 1
            if at < end, isDigit(base[at]) { throw fail("leading zero in number") }
        } else {
            while at < end, isDigit(base[at]) {
                if digits < 18 { mantissa = mantissa * 10 + Int64(base[at] - UInt8(ascii: "0")) }
                digits += 1
                at += 1
            }
        }
        var simple = digits <= 15
        if at < end, base[at] == UInt8(ascii: ".") {
            simple = false
            at += 1
            guard at < end, isDigit(base[at]) else { throw fail("invalid number fraction") }
            while at < end, isDigit(base[at]) { at += 1 }
        }
        if at < end, base[at] == UInt8(ascii: "e") || base[at] == UInt8(ascii: "E") {
            simple = false
            at += 1
            if at < end, base[at] == UInt8(ascii: "+") || base[at] == UInt8(ascii: "-") { at += 1 }
            guard at < end, isDigit(base[at]) else { throw fail("invalid number exponent") }
            while at < end, isDigit(base[at]) { at += 1 }
        }
        if simple {
            // -0 stays -0.0 as Foundation reads it.
            return negative ? -Double(mantissa) : Double(mantissa)
        }
        let text = String(decoding: UnsafeBufferPointer(start: base + start, count: at - start), as: UTF8.self)
        guard let d = Double(text), d.isFinite else {
            throw JSONParseError(offset: start, reason: "number out of range")
        }
        return d
    }

    @inline(__always) private func isDigit(_ b: UInt8) -> Bool { b &- UInt8(ascii: "0") < 10 }
}
