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
    /// intake's hot path); a sample's name is the family's own String when it has the family's
    /// name. An ASCII comment line is split on its bytes; only a line with other bytes goes
    /// through a String, split by Characters as the reference parser does.
    static func parse(_ body: UnsafeBufferPointer<UInt8>) throws(ParseError) -> [Family] {
        var families: [Family] = []
        var index: [String: Int] = [:]
        var closed: Set<String> = []
        var seenSeries: Set<Int> = []
        seenSeries.reserveCapacity(32)
        var current: String? = nil
        var currentIndex = 0
        /// Whether some family is a summary or histogram: only then can a sample name be a
        /// `_sum`, `_count` or `_bucket` of another family.
        var compound = false
        var lineNo = 0

        func family(_ name: String, line: Int) throws(ParseError) -> Int {
            if let c = current, c == name { return currentIndex }
            if let i = index[name] {
                if closed.contains(name) {
                    throw ParseError(line: line, message: "samples of \(name) are not grouped together")
                }
                return i
            }
            families.append(Family(name: name, type: "untyped", help: nil, samples: []))
            index[name] = families.count - 1
            return families.count - 1
        }
        func switchTo(_ name: String, _ i: Int) {
            if let c = current, c != name { closed.insert(c) }
            current = name
            currentIndex = i
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
                guard let comment = Comment(UnsafeBufferPointer(rebasing: body[lineStart..<end])) else { continue }
                let name = comment.name
                guard isMetricName(name) else { throw ParseError(line: lineNo, message: "invalid metric name \(name.prefix(80))") }
                let i = try family(name, line: lineNo)
                switchTo(name, i)
                if comment.isHelp {
                    if families[i].help != nil { throw ParseError(line: lineNo, message: "second HELP for \(name)") }
                    families[i].help = comment.text
                } else {
                    let t = comment.text
                    guard types.contains(t) else { throw ParseError(line: lineNo, message: "unknown type \(t.prefix(40)) for \(name)") }
                    if !families[i].samples.isEmpty { throw ParseError(line: lineNo, message: "TYPE for \(name) after its samples") }
                    if families[i].type != "untyped" { throw ParseError(line: lineNo, message: "second TYPE for \(name)") }
                    families[i].type = t
                    if t == "summary" || t == "histogram" { compound = true }
                }
                continue
            }
            var cursor = Cursor(body, from: lineStart, to: end)
            let sample = try parseSample(&cursor, line: lineNo, reusing: current)
            let fname = compound ? familyName(for: sample.name, families: families, index: index, current: current) : sample.name
            let i = try family(fname, line: lineNo)
            switchTo(fname, i)
            // A hash seen before is checked exactly against the series parsed so far.
            if !seenSeries.insert(seriesHash(sample)).inserted,
               families.contains(where: { $0.samples.contains { sameSeries($0, sample) } }) {
                throw ParseError(line: lineNo, message: "duplicate series \(sample.name)")
            }
            families[i].samples.append(sample)
        }
        return families
    }

    /// A `# HELP` or `# TYPE` line: its metric name and its text (HELP unescaped, TYPE trimmed).
    /// The line is split as `split(separator: " ", maxSplits: 2, omittingEmptySubsequences:
    /// true)` after the `#`: on its bytes when it is ASCII (every Character is then one byte),
    /// by Characters otherwise. nil for any other comment.
    struct Comment {
        var isHelp: Bool
        var name: String
        var text: String

        init?(_ line: UnsafeBufferPointer<UInt8>) {
            var any: UInt8 = 0
            for b in line { any |= b }
            if any >= 0x80 {
                let whole = Substring(String(decoding: line, as: UTF8.self))
                let parts = whole.dropFirst().split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
                guard parts.count >= 2, parts[0] == "HELP" || parts[0] == "TYPE" else { return nil }
                isHelp = parts[0] == "HELP"
                name = String(parts[1])
                text = isHelp ? unescapeHelp(parts.count > 2 ? String(parts[2]) : "") : (parts.count > 2 ? trimmed(parts[2]) : "")
                return
            }
            var parts: [Range<Int>] = []
            var start = 1, i = 1
            while i < line.count {
                if line[i] == 32 {
                    let appended = i > start
                    if appended { parts.append(start..<i) }
                    i += 1
                    start = i
                    if appended && parts.count == 2 { break }
                    continue
                }
                i += 1
            }
            if start != line.count { parts.append(start..<line.count) }
            guard parts.count >= 2 else { return nil }
            let keyword = UnsafeBufferPointer(rebasing: line[parts[0]])
            if keyword.elementsEqual("HELP".utf8) {
                isHelp = true
            } else if keyword.elementsEqual("TYPE".utf8) {
                isHelp = false
            } else {
                return nil
            }
            name = String(decoding: UnsafeBufferPointer(rebasing: line[parts[1]]), as: UTF8.self)
            var rest = parts.count > 2 ? parts[2] : line.count..<line.count
            if isHelp {
                var out: [UInt8] = []
                out.reserveCapacity(rest.count)
                var escaping = false
                for b in line[rest] {
                    if escaping {
                        out.append(b == UInt8(ascii: "n") ? 10 : b)
                        escaping = false
                    } else if b == UInt8(ascii: "\\") {
                        escaping = true
                    } else {
                        out.append(b)
                    }
                }
                text = String(decoding: out, as: UTF8.self)
            } else {
                while !rest.isEmpty, line[rest.lowerBound] == 32 || line[rest.lowerBound] == 9 { rest = rest.dropFirst() }
                while !rest.isEmpty, line[rest.upperBound - 1] == 32 || line[rest.upperBound - 1] == 9 { rest = rest.dropLast() }
                text = String(decoding: UnsafeBufferPointer(rebasing: line[rest]), as: UTF8.self)
            }
        }
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

    /// Spaces and tabs off both ends (Foundation's `trimmingCharacters` cost a CharacterSet per TYPE line).
    static func trimmed(_ s: Substring) -> String {
        let u = s.utf8
        var start = u.startIndex, end = u.endIndex
        while start < end, u[start] == 32 || u[start] == 9 { start = u.index(after: start) }
        while end > start, u[u.index(before: end)] == 32 || u[u.index(before: end)] == 9 { end = u.index(before: end) }
        return String(Substring(u[start..<end]))
    }

    /// A sample's identity for the duplicate check, hashed: its name's bytes, and its labels
    /// as a sum of one hash per name and value pair, so that their order does not count (label
    /// names are unique within a sample). Equal identities (`sameSeries`) hash alike; no array
    /// is built per sample.
    static func seriesHash(_ s: Sample) -> Int {
        var h = Hasher()
        combineBytes(s.name, into: &h)
        var labels = 0
        for (n, v) in s.labels {
            var p = Hasher()
            combineBytes(n, into: &p)
            combineBytes(v, into: &p)
            labels = labels &+ p.finalize()
        }
        h.combine(labels)
        return h.finalize()
    }

    /// The same series: the same name and the same label pairs in any order, byte for byte.
    static func sameSeries(_ a: Sample, _ b: Sample) -> Bool {
        guard a.labels.count == b.labels.count, a.name.utf8.elementsEqual(b.name.utf8) else { return false }
        return a.labels.allSatisfy { l in
            b.labels.contains { $0.0.utf8.elementsEqual(l.0.utf8) && $0.1.utf8.elementsEqual(l.1.utf8) }
        }
    }

    static func combineBytes(_ s: String, into h: inout Hasher) {
        h.combine(s.utf8.count)
        if s.utf8.withContiguousStorageIfAvailable({ h.combine(bytes: UnsafeRawBufferPointer($0)) }) == nil {
            for b in s.utf8 { h.combine(b) }
        }
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

    /// A sample line. `reusing` is the current family's name: a sample with that name gets
    /// that String (names past 15 bytes are allocated, and most samples have their family's name).
    static func parseSample(_ c: inout Cursor, line: Int, reusing: String? = nil) throws(ParseError) -> Sample {
        c.skipBlanks()
        let nameBytes = c.span { isNameChar($0) }
        // Every byte taken is a name byte: what is left of `isMetricName` is the first byte and the length.
        guard let f = nameBytes.first, !(f >= 48 && f <= 57), nameBytes.count <= 200 else {
            throw ParseError(line: line, message: "invalid metric name")
        }
        let name: String
        if let r = reusing, sameBytes(r, nameBytes) {
            name = r
        } else {
            name = String(decoding: nameBytes, as: UTF8.self)
        }
        var labels: [(String, String)] = []
        c.skipBlanks()
        if c.peek == UInt8(ascii: "{") {
            c.advance()
            var names: Set<String> = []
            while true {
                c.skipBlanks()
                if c.peek == UInt8(ascii: "}") { c.advance(); break }
                let lbytes = c.span { isNameChar($0) && $0 != UInt8(ascii: ":") }
                let lname = String(decoding: lbytes, as: UTF8.self)
                // As `isLabelName`, the bytes being name bytes without ":" already.
                guard let lf = lbytes.first, !(lf >= 48 && lf <= 57), lbytes.count <= 128,
                      !(lbytes.count >= 2 && lbytes[0] == 95 && lbytes[1] == 95) else {
                    throw ParseError(line: line, message: "invalid label name \(lname.prefix(80))")
                }
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
        if numeric, let v = plainDecimal(b) { return v }
        // At most 64 bytes; the usual value (up to 15 bytes) is a small String, not allocated.
        return numeric ? Double(String(decoding: b, as: UTF8.self)) : parseValue(String(decoding: b, as: UTF8.self))
    }

    /// A plain decimal (`[+-]digits[.digits]`, at most 15 digits, no exponent) without strtod:
    /// its digits as an integer below 2^53 divided by an exact power of ten is one correctly
    /// rounded operation, so the result is strtod's (Clinger's fast path). nil for anything else.
    static func plainDecimal(_ b: UnsafeBufferPointer<UInt8>) -> Double? {
        var i = 0
        var negative = false
        if i < b.count, b[i] == 43 || b[i] == 45 {
            negative = b[i] == 45
            i += 1
        }
        var mantissa: UInt64 = 0
        var digits = 0, fraction = 0
        var dot = false
        while i < b.count {
            let x = b[i]
            if x >= 48 && x <= 57 {
                mantissa = mantissa &* 10 &+ UInt64(x - 48)
                digits += 1
                if dot { fraction += 1 }
            } else if x == 46 && !dot {
                dot = true
            } else {
                return nil
            }
            i += 1
        }
        guard digits > 0, digits <= 15 else { return nil }
        let v = Double(mantissa) / powersOfTen[fraction]
        return negative ? -v : v
    }

    /// 10^0 ... 10^15, each exact in a Double.
    static let powersOfTen: [Double] = (0...15).map { k in (0..<k).reduce(1.0) { a, _ in a * 10 } }

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
        return allBytes(s) { isNameChar($0) }
    }

    public static func isLabelName(_ s: String) -> Bool {
        guard let f = s.utf8.first, !(f >= 48 && f <= 57), s.utf8.count <= 128, !s.hasPrefix("__") else { return false }
        return allBytes(s) { isNameChar($0) && $0 != 58 }
    }

    /// Whether `ok` holds for each UTF-8 byte of `s`, over its contiguous storage when it has
    /// one (iterating `String.UTF8View` costs several times more per byte).
    static func allBytes(_ s: String, _ ok: (UInt8) -> Bool) -> Bool {
        if let r = s.utf8.withContiguousStorageIfAvailable({ b -> Bool in
            for x in b where !ok(x) { return false }
            return true
        }) { return r }
        return s.utf8.allSatisfy(ok)
    }

    /// Whether `s` is exactly these bytes.
    static func sameBytes(_ s: String, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard s.utf8.count == bytes.count else { return false }
        if let r = s.utf8.withContiguousStorageIfAvailable({ b -> Bool in
            for k in 0..<b.count where b[k] != bytes[k] { return false }
            return true
        }) { return r }
        return s.utf8.elementsEqual(bytes)
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
        /// The bytes from here while `ok` holds, stepping past them.
        mutating func span(while ok: (UInt8) -> Bool) -> UnsafeBufferPointer<UInt8> {
            let start = i
            while i < end, ok(bytes[i]) { i += 1 }
            return UnsafeBufferPointer(rebasing: bytes[start..<i])
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
