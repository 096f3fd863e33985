/// Parser for the Prometheus text format 0.0.4 as pushed by clients (prometheus_client's
/// push_to_gateway and friends). Strict where the Pushgateway is strict: client timestamps,
/// invalid names, invalid UTF-8, duplicate series and conflicting metadata are errors; it never
/// traps on any input (it is fuzzed).
public enum TextParser {
    public struct Family: Sendable, Equatable {
        public var name: String
        public var type: String
        public var help: String?
        public var samples: [Sample]
    }

    public struct Sample: Sendable, Equatable {
        public var name: String
        public var labels: [(String, String)]
        public var value: Double

        public static func == (a: Sample, b: Sample) -> Bool {
            a.name == b.name && a.value.bitPattern == b.value.bitPattern
                && a.labels.map { $0.0 } == b.labels.map { $0.0 } && a.labels.map { $0.1 } == b.labels.map { $0.1 }
        }
    }

    public struct ParseError: Error, CustomStringConvertible, Equatable {
        public let line: Int
        public let message: String
        public var description: String { "line \(line): \(message)" }
    }

    static let types: Set<String> = ["counter", "gauge", "untyped", "summary", "histogram"]

    public static func parse(_ bytes: [UInt8]) throws(ParseError) -> [Family] {
        guard isValidUTF8(bytes) else { throw ParseError(line: 0, message: "body is not valid UTF-8") }
        return try bytes.withUnsafeBufferPointer { (body) throws(ParseError) -> [Family] in try parse(body) }
    }

    /// The parse proper, over the body's bytes: a sample line becomes its name, label and value
    /// Strings directly, with no String or Array made of the line first (pushes are the
    /// intake's hot path). Comment lines, a few per family, still go through a String.
    static func parse(_ body: UnsafeBufferPointer<UInt8>) throws(ParseError) -> [Family] {
        var families: [Family] = []
        var index: [String: Int] = [:]
        var closed: Set<String> = []
        var seenSeries: Set<SeriesID> = []
        seenSeries.reserveCapacity(32)
        var current: String? = nil
        var lineNo = 0

        func family(_ name: String, line: Int) throws(ParseError) -> Int {
            if let i = index[name] {
                if current != name && closed.contains(name) {
                    throw ParseError(line: line, message: "samples of \(name) are not grouped together")
                }
                return i
            }
            families.append(Family(name: name, type: "untyped", help: nil, samples: []))
            index[name] = families.count - 1
            return families.count - 1
        }
        func switchTo(_ name: String) {
            if let c = current, c != name { closed.insert(c) }
            current = name
        }

        var lineStart = 0
        while lineStart <= body.count {
            // Split on bytes: "\r\n" is one Character in Swift and would not split on "\n".
            var lineEnd = lineStart
            while lineEnd < body.count && body[lineEnd] != 10 { lineEnd += 1 }
            let next = lineEnd + 1
            lineNo += 1
            var end = lineEnd
            if end > lineStart && body[end - 1] == 13 { end -= 1 }
            defer { lineStart = next }
            var first = lineStart
            while first < end && (body[first] == 32 || body[first] == 9) { first += 1 }
            if first == end { continue }
            if body[lineStart] == UInt8(ascii: "#") {
                let line = Substring(String(decoding: UnsafeBufferPointer(rebasing: body[lineStart..<end]), as: UTF8.self))
                let parts = line.dropFirst().split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
                guard parts.count >= 2, parts[0] == "HELP" || parts[0] == "TYPE" else { continue }  // a comment
                let name = String(parts[1])
                guard isMetricName(name) else { throw ParseError(line: lineNo, message: "invalid metric name \(name.prefix(80))") }
                let i = try family(name, line: lineNo)
                switchTo(name)
                if parts[0] == "HELP" {
                    if families[i].help != nil { throw ParseError(line: lineNo, message: "second HELP for \(name)") }
                    families[i].help = unescapeHelp(parts.count > 2 ? String(parts[2]) : "")
                } else {
                    let t = parts.count > 2 ? trimmed(parts[2]) : ""
                    guard types.contains(t) else { throw ParseError(line: lineNo, message: "unknown type \(t.prefix(40)) for \(name)") }
                    if !families[i].samples.isEmpty { throw ParseError(line: lineNo, message: "TYPE for \(name) after its samples") }
                    if families[i].type != "untyped" { throw ParseError(line: lineNo, message: "second TYPE for \(name)") }
                    families[i].type = t
                }
                continue
            }
            var cursor = Cursor(body, from: lineStart, to: end)
            let sample = try parseSample(&cursor, line: lineNo)
            let fname = familyName(for: sample.name, families: families, index: index, current: current)
            let i = try family(fname, line: lineNo)
            switchTo(fname)
            guard seenSeries.insert(seriesID(sample)).inserted else {
                throw ParseError(line: lineNo, message: "duplicate series \(sample.name)")
            }
            families[i].samples.append(sample)
        }
        return families
    }

    /// Whether the body is UTF-8: a pass over the bytes when they are ASCII (what clients push),
    /// the standard library's validation otherwise.
    static func isValidUTF8(_ bytes: [UInt8]) -> Bool {
        let ascii = bytes.withUnsafeBufferPointer { b -> Bool in
            var any: UInt8 = 0
            for x in b { any |= x }
            return any < 0x80
        }
        return ascii || String(validating: bytes, as: UTF8.self) != nil
    }

    /// A series identity's bytes, hashed as one block: `[UInt8]`'s own hashing feeds the hasher
    /// a byte at a time (the duplicate check was a quarter of the parse).
    struct SeriesID: Hashable {
        let bytes: [UInt8]
        func hash(into hasher: inout Hasher) {
            bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
        }
    }

    /// Spaces and tabs off both ends (Foundation's `trimmingCharacters` cost a CharacterSet per TYPE line).
    static func trimmed(_ s: Substring) -> String {
        let u = s.utf8
        var start = u.startIndex, end = u.endIndex
        while start < end, u[start] == 32 || u[start] == 9 { start = u.index(after: start) }
        while end > start, u[u.index(before: end)] == 32 || u[u.index(before: end)] == 9 { end = u.index(before: end) }
        return String(Substring(u[start..<end]))
    }

    /// A sample's identity for the duplicate check: its name and its labels sorted by name,
    /// each part length-prefixed so that no two different series share an identity.
    static func seriesID(_ s: Sample) -> SeriesID {
        var id: [UInt8] = []
        id.reserveCapacity(s.name.utf8.count + 8 + s.labels.reduce(0) { $0 + $1.0.utf8.count + $1.1.utf8.count + 8 })
        func add(_ part: String) {
            let n = part.utf8.count
            id.append(UInt8(truncatingIfNeeded: n >> 24)); id.append(UInt8(truncatingIfNeeded: n >> 16))
            id.append(UInt8(truncatingIfNeeded: n >> 8)); id.append(UInt8(truncatingIfNeeded: n))
            id.append(contentsOf: part.utf8)
        }
        add(s.name)
        let labels = s.labels.count < 2 ? s.labels : s.labels.sorted { $0.0 < $1.0 }
        for (n, v) in labels {
            add(n)
            add(v)
        }
        return SeriesID(bytes: id)
    }

    /// Summary and histogram samples (`_sum`, `_count`, `_bucket`) belong to their base family.
    static func familyName(for sample: String, families: [Family], index: [String: Int], current: String?) -> String {
        for suffix in ["_bucket", "_sum", "_count"] where sample.utf8.count > suffix.utf8.count && sample.hasSuffix(suffix) {
            let base = String(sample.dropLast(suffix.count))
            if let i = index[base], families[i].type == "summary" || families[i].type == "histogram" {
                if suffix == "_bucket" && families[i].type != "histogram" { continue }
                return base
            }
        }
        return sample
    }

    static func parseSample(_ c: inout Cursor, line: Int) throws(ParseError) -> Sample {
        c.skipBlanks()
        let name = c.take { isNameChar($0) }
        guard isMetricName(name) else { throw ParseError(line: line, message: "invalid metric name") }
        var labels: [(String, String)] = []
        c.skipBlanks()
        if c.peek == UInt8(ascii: "{") {
            c.advance()
            var names: Set<String> = []
            while true {
                c.skipBlanks()
                if c.peek == UInt8(ascii: "}") { c.advance(); break }
                let lname = c.take { isNameChar($0) && $0 != UInt8(ascii: ":") }
                guard isLabelName(lname) else { throw ParseError(line: line, message: "invalid label name \(lname.prefix(80))") }
                // A short list is searched; a long one (a hostile line) goes through a set.
                let twice: Bool
                if labels.count < 16 {
                    twice = labels.contains { $0.0 == lname }
                } else {
                    if names.isEmpty { names = Set(labels.map(\.0)) }
                    twice = !names.insert(lname).inserted
                }
                guard !twice else { throw ParseError(line: line, message: "label \(lname) given twice") }
                c.skipBlanks()
                guard c.peek == UInt8(ascii: "=") else { throw ParseError(line: line, message: "expected = after label \(lname)") }
                c.advance()
                c.skipBlanks()
                guard c.peek == UInt8(ascii: "\"") else { throw ParseError(line: line, message: "label value must be quoted") }
                c.advance()
                labels.append((lname, try c.quotedValue(line: line)))
                c.skipBlanks()
                if c.peek == UInt8(ascii: ",") { c.advance(); continue }
                if c.peek == UInt8(ascii: "}") { c.advance(); break }
                throw ParseError(line: line, message: "expected , or } in labels")
            }
        }
        c.skipBlanks()
        let valueStart = c.i
        while let b = c.peek, b != UInt8(ascii: " "), b != UInt8(ascii: "\t") { c.advance() }
        guard let value = parseValue(UnsafeBufferPointer(rebasing: c.bytes[valueStart..<c.i])) else {
            throw ParseError(line: line, message: "invalid value \(c.string(valueStart..<c.i).prefix(40))")
        }
        c.skipBlanks()
        if !c.atEnd {
            throw ParseError(line: line, message: "client timestamps are not allowed (the sample time is the scrape time)")
        }
        return Sample(name: name, labels: labels, value: value)
    }

    /// A sample value: NaN, +Inf, Inf, -Inf, or at most 64 digits, dots, signs and exponents
    /// that read as a number.
    static func parseValue(_ b: UnsafeBufferPointer<UInt8>) -> Double? {
        guard !b.isEmpty, b.count <= 64 else { return nil }
        var numeric = true
        for x in b where !((x >= 48 && x <= 57) || x == 46 || x == 101 || x == 69 || x == 43 || x == 45) {
            numeric = false
            break
        }
        // At most 64 bytes; the usual value (up to 15 bytes) is a small String, not allocated.
        return numeric ? Double(String(decoding: b, as: UTF8.self)) : parseValue(String(decoding: b, as: UTF8.self))
    }

    static func parseValue(_ s: String) -> Double? {
        switch s {
        case "NaN": return .nan
        case "+Inf", "Inf": return .infinity
        case "-Inf": return -.infinity
        default:
            guard !s.isEmpty, s.count <= 64, s.allSatisfy({ "0123456789.eE+-".contains($0) }) else { return nil }
            return Double(s)
        }
    }

    static func isNameChar(_ b: UInt8) -> Bool {
        (b >= 97 && b <= 122) || (b >= 65 && b <= 90) || (b >= 48 && b <= 57) || b == 95 || b == 58
    }

    public static func isMetricName(_ s: String) -> Bool {
        guard let f = s.utf8.first, !(f >= 48 && f <= 57), s.utf8.count <= 200 else { return false }
        return s.utf8.allSatisfy(isNameChar)
    }

    public static func isLabelName(_ s: String) -> Bool {
        guard let f = s.utf8.first, !(f >= 48 && f <= 57), s.utf8.count <= 128, !s.hasPrefix("__") else { return false }
        return s.utf8.allSatisfy { isNameChar($0) && $0 != 58 }
    }

    static func unescapeHelp(_ s: String) -> String {
        var out = ""
        var escaping = false
        for ch in s {
            if escaping {
                out.append(ch == "n" ? "\n" : ch)
                escaping = false
            } else if ch == "\\" {
                escaping = true
            } else {
                out.append(ch)
            }
        }
        return out
    }

    /// A position within one line of the body.
    struct Cursor {
        let bytes: UnsafeBufferPointer<UInt8>
        var i: Int
        let end: Int
        init(_ bytes: UnsafeBufferPointer<UInt8>, from: Int, to: Int) {
            self.bytes = bytes
            i = from
            end = to
        }
        var peek: UInt8? { i < end ? bytes[i] : nil }
        var atEnd: Bool { i >= end }
        mutating func advance() { i += 1 }
        mutating func skipBlanks() { while i < end, bytes[i] == 32 || bytes[i] == 9 { i += 1 } }
        func string(_ range: Range<Int>) -> String {
            String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
        }
        mutating func take(while ok: (UInt8) -> Bool) -> String {
            let start = i
            while i < end, ok(bytes[i]) { i += 1 }
            return string(start..<i)
        }

        /// A label value after its opening quote, up to and past the closing one; escapes
        /// (backslash, quote, n) are resolved. Without escapes the value is made straight
        /// from the body's bytes.
        mutating func quotedValue(line: Int) throws(ParseError) -> String {
            let start = i
            while i < end, bytes[i] != UInt8(ascii: "\""), bytes[i] != UInt8(ascii: "\\") { i += 1 }
            if i < end, bytes[i] == UInt8(ascii: "\"") {
                i += 1
                return string(start..<(i - 1))
            }
            var value = Array(bytes[start..<i])
            var closedQuote = false
            while let b = peek {
                advance()
                if b == UInt8(ascii: "\"") { closedQuote = true; break }
                if b == UInt8(ascii: "\\") {
                    guard let e = peek else { break }
                    advance()
                    switch e {
                    case UInt8(ascii: "\\"): value.append(UInt8(ascii: "\\"))
                    case UInt8(ascii: "\""): value.append(UInt8(ascii: "\""))
                    case UInt8(ascii: "n"): value.append(UInt8(ascii: "\n"))
                    default: throw ParseError(line: line, message: "invalid escape in label value")
                    }
                } else {
                    value.append(b)
                }
            }
            guard closedQuote else { throw ParseError(line: line, message: "unterminated label value") }
            return String(decoding: value, as: UTF8.self)
        }
    }
}
