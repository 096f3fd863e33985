import Foundation

/// The intake's text-format parser as it was before it worked over bytes (a String per line),
/// kept as the oracle `TextParser` is compared with (`TextParserEquivalenceTests`). Parser for
/// the Prometheus text format 0.0.4 as pushed by clients (prometheus_client's push_to_gateway
/// and friends). Strict where the Pushgateway is strict: client timestamps,
/// invalid names, invalid UTF-8, duplicate series and conflicting metadata are errors; it never
/// traps on any input (it is fuzzed).
enum ReferenceTextParser {
    struct Family: Sendable, Equatable {
        var name: String
        var type: String
        var help: String?
        var samples: [Sample]
    }

    struct Sample: Sendable, Equatable {
        var name: String
        var labels: [(String, String)]
        var value: Double

        static func == (a: Sample, b: Sample) -> Bool {
            a.name == b.name && a.value.bitPattern == b.value.bitPattern
                && a.labels.map { $0.0 } == b.labels.map { $0.0 } && a.labels.map { $0.1 } == b.labels.map { $0.1 }
        }
    }

    struct ParseError: Error, CustomStringConvertible, Equatable {
        let line: Int
        let message: String
        var description: String { "line \(line): \(message)" }
    }

    static let types: Set<String> = ["counter", "gauge", "untyped", "summary", "histogram"]

    static func parse(_ bytes: [UInt8]) throws(ParseError) -> [Family] {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ParseError(line: 0, message: "body is not valid UTF-8")
        }
        var families: [Family] = []
        var index: [String: Int] = [:]
        var closed: Set<String> = []
        var seenSeries: Set<[String]> = []
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

        // Split on bytes: "\r\n" is one Character in Swift and would not split on "\n".
        for rawLine in text.utf8.split(separator: 10, omittingEmptySubsequences: false) {
            lineNo += 1
            var lineBytes = Array(rawLine)
            if lineBytes.last == 13 { lineBytes.removeLast() }
            let line = Substring(String(decoding: lineBytes, as: UTF8.self))
            if line.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
            if line.hasPrefix("#") {
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
                    let t = parts.count > 2 ? String(parts[2]).trimmingCharacters(in: .whitespaces) : ""
                    guard types.contains(t) else { throw ParseError(line: lineNo, message: "unknown type \(t.prefix(40)) for \(name)") }
                    if !families[i].samples.isEmpty { throw ParseError(line: lineNo, message: "TYPE for \(name) after its samples") }
                    if families[i].type != "untyped" { throw ParseError(line: lineNo, message: "second TYPE for \(name)") }
                    families[i].type = t
                }
                continue
            }
            var cursor = Cursor(line.utf8)
            let sample = try parseSample(&cursor, line: lineNo)
            let fname = familyName(for: sample.name, families: families, index: index, current: current)
            let i = try family(fname, line: lineNo)
            switchTo(fname)
            let id = [sample.name] + sample.labels.sorted { $0.0 < $1.0 }.flatMap { [$0.0, $0.1] }
            guard seenSeries.insert(id).inserted else {
                throw ParseError(line: lineNo, message: "duplicate series \(sample.name)")
            }
            families[i].samples.append(sample)
        }
        return families
    }

    /// Summary and histogram samples (`_sum`, `_count`, `_bucket`) belong to their base family.
    static func familyName(for sample: String, families: [Family], index: [String: Int], current: String?) -> String {
        for suffix in ["_bucket", "_sum", "_count"] where sample.hasSuffix(suffix) {
            let base = String(sample.dropLast(suffix.count))
            if let i = index[base], ["summary", "histogram"].contains(families[i].type) {
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
                guard names.insert(lname).inserted else { throw ParseError(line: line, message: "label \(lname) given twice") }
                c.skipBlanks()
                guard c.peek == UInt8(ascii: "=") else { throw ParseError(line: line, message: "expected = after label \(lname)") }
                c.advance()
                c.skipBlanks()
                guard c.peek == UInt8(ascii: "\"") else { throw ParseError(line: line, message: "label value must be quoted") }
                c.advance()
                var value: [UInt8] = []
                var closedQuote = false
                while let b = c.peek {
                    c.advance()
                    if b == UInt8(ascii: "\"") { closedQuote = true; break }
                    if b == UInt8(ascii: "\\") {
                        guard let e = c.peek else { break }
                        c.advance()
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
                labels.append((lname, String(decoding: value, as: UTF8.self)))
                c.skipBlanks()
                if c.peek == UInt8(ascii: ",") { c.advance(); continue }
                if c.peek == UInt8(ascii: "}") { c.advance(); break }
                throw ParseError(line: line, message: "expected , or } in labels")
            }
        }
        c.skipBlanks()
        let valueText = c.take { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") }
        guard let value = parseValue(valueText) else { throw ParseError(line: line, message: "invalid value \(valueText.prefix(40))") }
        c.skipBlanks()
        if !c.atEnd {
            throw ParseError(line: line, message: "client timestamps are not allowed (the sample time is the scrape time)")
        }
        return Sample(name: name, labels: labels, value: value)
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

    static func isMetricName(_ s: String) -> Bool {
        guard let f = s.utf8.first, !(f >= 48 && f <= 57), s.utf8.count <= 200 else { return false }
        return s.utf8.allSatisfy(isNameChar)
    }

    static func isLabelName(_ s: String) -> Bool {
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

    struct Cursor {
        let bytes: [UInt8]
        var i = 0
        init(_ s: Substring.UTF8View) { bytes = Array(s) }
        var peek: UInt8? { i < bytes.count ? bytes[i] : nil }
        var atEnd: Bool { i >= bytes.count }
        mutating func advance() { i += 1 }
        mutating func skipBlanks() { while let b = peek, b == 32 || b == 9 { i += 1 } }
        mutating func take(while ok: (UInt8) -> Bool) -> String {
            let start = i
            while let b = peek, ok(b) { i += 1 }
            return String(decoding: bytes[start..<i], as: UTF8.self)
        }
    }
}

import Foundation
