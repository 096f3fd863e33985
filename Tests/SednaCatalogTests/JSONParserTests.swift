import Foundation
import SednaCatalog
import Testing
import TestSupport

/// The hand-written parser against Foundation: the same documents accepted (JSONSerialization
/// decides validity) and the same trees built (Foundation's JSONDecoder through the type trials
/// the exporter used before, kept here as the reference).
@Suite struct JSONParserTests {
    /// The previous decoding path, verbatim: the reference the new parser must match.
    struct FoundationJSON: Decodable {
        let value: JSON
        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if c.decodeNil() {
                value = .null
            } else if let s = try? c.decode(String.self) {
                value = .string(s)
            } else if let b = try? c.decode(Bool.self) {
                value = .bool(b)
            } else if let d = try? c.decode(Double.self) {
                value = .number(d)
            } else if let a = try? c.decode([FoundationJSON].self) {
                value = .array(a.map(\.value))
            } else if let o = try? c.decode([String: FoundationJSON].self) {
                value = .object(o.mapValues(\.value))
            } else {
                throw DecodingError.dataCorruptedError(in: c, debugDescription: "not a JSON value")
            }
        }
    }

    static func foundationAccepts(_ bytes: [UInt8]) -> Bool {
        (try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])) != nil
    }

    static func foundationTree(_ bytes: [UInt8]) -> JSON? {
        (try? JSONDecoder().decode(FoundationJSON.self, from: Data(bytes)))?.value
    }

    static let valid: [String] = [
        "{}", "[]", "null", "true", "false", "0", "-0", "1", "-1", "0.5", "-0.25e-3", "1E10", "1e+2",
        "123456789012345", "1234567890123456789", "12345678901234567890123", "1.7976931348623157e308",
        "5e-324", #""""#, #""a""#, #""\"\\\/\b\f\n\r\t""#, #""\u0041\u00e9\u4e2d""#,
        #""\ud83d\ude00""#, #""😀 é 中""#, " \t\r\n{ \"a\" : [ 1 , 2 ] } \n",
        #"{"a":{"b":{"c":[null,true,false,"x",1.5]}}}"#, #"[[],[[]],{}]"#,
        #"{"":""}"#, #"{"k\u0000":"v\u001f"}"#,
    ]

    static let invalid: [String] = [
        "", " ", "{", "}", "[", "]", "[1,]", "{\"a\":1,}", "{,}", "[,1]", "01", "-", "1.", ".5", "+1", "1e",
        "1e+", "0x10", "NaN", "Infinity", "-Infinity", "tru", "nul", "falsey", "True", "'a'", #""abc"#,
        #""\x""#, #""\u12""#, #""\u12G4""#, "\"a\u{01}b\"", "\"tab\there\"", "{\"a\" 1}", "{1:2}",
        "[1 2]", "{\"a\":1}{}", "[] []", "1e400", "-1e400", "/* c */ 1", "[1]//",
    ]

    @Test(arguments: valid)
    func matchesFoundationOnValid(_ text: String) throws {
        let bytes = Array(text.utf8)
        #expect(Self.foundationAccepts(bytes), "reference should accept \(text)")
        let ours = try JSON.decode(bytes)
        #expect(ours == Self.foundationTree(bytes), "\(text)")
    }

    /// Foundation is laxer than RFC 8259 on these (trailing commas, and 1e400 read as infinity by
    /// JSONSerialization); the exporter stays strict: no Kubernetes or Sedna producer writes them.
    static let foundationLax: Set<String> = ["[1,]", "{\"a\":1,}", "1e400", "-1e400"]

    @Test(arguments: invalid)
    func rejectsWhatFoundationRejects(_ text: String) {
        let bytes = Array(text.utf8)
        #expect(!Self.foundationAccepts(bytes) || Self.foundationLax.contains(text), "reference accepts \(text)")
        #expect(throws: JSONParseError.self) { try JSON.decode(bytes) }
    }

    /// Last wins, as JSONSerialization (and Go's encoding/json, Python's json) have it; the old
    /// JSONDecoder path kept the first.
    /// Condition `data` strings: parsed from their bytes when there is nothing to trim, else
    /// trimmed of Unicode whitespace first; either way what trimming and parsing give.
    @Test(arguments: ["{\"a\":1}", " {\"a\":1} ", "\u{00A0}{\"a\":[1,2]}\u{2028}", "\t[1]\n", "\"x\"", "1", "{bad",
                      "", "   ", "{\"a\":1} x", "x{\"a\":1}", "{\"é\":\"€\"}", "\u{00A0}"])
    func embeddedJSONIsTrimmedThenParsed(text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        // "error" when it throws, else what it returns.
        let expected = trimmed.isEmpty ? "nil" : ((try? JSON.decode(Data(trimmed.utf8))).map { "\($0)" } ?? "error")
        var got = "error"
        do { got = try JSON.decodeEmbedded(text).map { "\($0)" } ?? "nil" } catch {}
        #expect(got == expected, "\(text)")
    }

    @Test func duplicateKeysLastWins() throws {
        #expect(try JSON.decode(Array(#"{"a":1,"b":0,"a":{"x":2}}"#.utf8))["a"]["x"].number == 2)
        let reference = try JSONSerialization.jsonObject(with: Data(#"{"a":1,"a":2}"#.utf8)) as? [String: Any]
        #expect((reference?["a"] as? NSNumber)?.doubleValue == 2)
        #expect(try JSON.decode(Array(#"{"a":1,"a":2}"#.utf8))["a"].number == 2)
    }

    /// Underflow reads as 0 (JSONSerialization agrees; the old JSONDecoder path rejected the
    /// whole document).
    @Test func underflowIsZero() throws {
        #expect(try JSON.decode(Array("1e-400".utf8)) == .number(0))
    }

    @Test func numbersAreExact() throws {
        for text in ["0.1", "123456789012345", "9007199254740993", "3.141592653589793", "-2.5e-7", "1e21", "4.9e-324"] {
            #expect(try JSON.decode(Array(text.utf8)) == .number(Double(text)!), "\(text)")
        }
        let negativeZero = try JSON.decode(Array("-0".utf8))
        guard case .number(let z) = negativeZero else { Issue.record("not a number"); return }
        #expect(z == 0 && z.sign == .minus)
    }

    @Test func nestingIsBoundedWithAClearError() throws {
        let ok = String(repeating: "[", count: JSONParser.defaultMaxDepth) + String(repeating: "]", count: JSONParser.defaultMaxDepth)
        #expect(throws: Never.self) { try JSON.decode(Array(ok.utf8)) }
        let deep = String(repeating: "[", count: JSONParser.defaultMaxDepth + 1) + String(repeating: "]", count: JSONParser.defaultMaxDepth + 1)
        #expect { try JSON.decode(Array(deep.utf8)) } throws: { ($0 as? JSONParseError)?.reason.contains("nesting deeper than 512") == true }
        // Far past any stack: an error, not a crash, for arrays and objects alike.
        #expect(throws: JSONParseError.self) { try JSON.decode(Array(String(repeating: "[", count: 1_000_000).utf8)) }
        #expect(throws: JSONParseError.self) { try JSON.decode(Array(String(repeating: #"{"a":"#, count: 200_000).utf8)) }
    }

    @Test func hugeStrings() throws {
        let plain = String(repeating: "abcdefgh", count: 1 << 20)
        #expect(try JSON.decode(Array("\"\(plain)\"".utf8)) == .string(plain))
        let escaped = String(repeating: #"\n\u00e9"#, count: 1 << 18)
        let expected = String(repeating: "\né", count: 1 << 18)
        #expect(try JSON.decode(Array("\"\(escaped)\"".utf8)) == .string(expected))
    }

    @Test(arguments: [
        [0x22, 0xFF, 0x22], [0x22, 0xC3, 0x22], [0x22, 0xE2, 0x82, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22],   // encoded surrogate
        [0x22, 0xC0, 0xAF, 0x22], [0x22, 0xF8, 0x88, 0x80, 0x80, 0x80, 0x22], [0x7B, 0x22, 0x80, 0x22, 0x3A, 0x31, 0x7D],
        [0x22, 0x5C, 0x6E, 0xFF, 0x22],   // invalid byte after an escape
    ] as [[UInt8]])
    func rejectsInvalidUTF8(_ bytes: [UInt8]) {
        #expect(!Self.foundationAccepts(bytes))
        #expect(throws: JSONParseError.self) { try JSON.decode(bytes) }
    }

    @Test(arguments: [#""\ud800""#, #""\udc00""#, #""\ud800x""#, #""\ud800\u0041""#, #""\ude00\ud83d""#, #""\ud83d\n""#])
    func rejectsLoneSurrogates(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSON.decode(Array(text.utf8)) }
    }

    @Test func errorsSayWhereWithoutQuotingTheDocument() {
        #expect { try JSON.decode(Array(#"{"token":"s3cr3t" x}"#.utf8)) } throws: { e in
            let text = "\(e)"
            return text.contains("at byte 18") && !text.contains("s3cr3t")
        }
    }

    @Test func acceptsEveryContiguousInput() throws {
        let text = #"{"a":[1,"b"]}"#
        let expected: JSON = .object(["a": .array([.number(1), .string("b")])])
        #expect(try JSON.decode(Data(text.utf8)) == expected)
        #expect(try JSON.decode(Array(text.utf8)[...]) == expected)
        #expect(try JSON.decode(Array("xx\(text)".utf8).dropFirst(2)) == expected)
    }

    static func hasTrailingComma(_ bytes: [UInt8]) -> Bool {
        let significant = bytes.filter { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }
        return zip(significant, significant.dropFirst()).contains { $0 == UInt8(ascii: ",") && ($1 == UInt8(ascii: "]") || $1 == UInt8(ascii: "}")) }
    }

    /// Every fixture object, and every fixture with one byte changed (deterministic positions and
    /// values): accepted exactly when Foundation accepts it, and then the same tree.
    @Test func fixturesAndMutationsMatchFoundation() throws {
        let dir = Fixtures.repoRoot.appendingPathComponent("fixtures/cluster")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".json") }.sorted()
        var rng: UInt64 = 0x9E3779B97F4A7C15
        func next() -> UInt64 {
            rng ^= rng << 13
            rng ^= rng >> 7
            rng ^= rng << 17
            return rng
        }
        let replacements: [UInt8] = Array(#"{}[]",:\"0-.eE+ tnfu1"#.utf8) + [0x00, 0x1F, 0x80, 0xC3, 0xFF]
        for f in files {
            let bytes = Array(try Data(contentsOf: dir.appendingPathComponent(f)))
            #expect(try JSON.decode(bytes) == Self.foundationTree(bytes), "\(f)")
            // Small documents cut out of the fixture, mutated.
            for _ in 0..<60 {
                let from = Int(next() % UInt64(bytes.count))
                let doc = Array(bytes[from..<min(bytes.count, from + 1 + Int(next() % 400))])
                var mutated = doc
                let at = Int(next() % UInt64(mutated.count))
                mutated[at] = replacements[Int(next() % UInt64(replacements.count))]
                for candidate in [doc, mutated] {
                    let ours = try? JSON.decode(candidate)
                    // Foundation takes a trailing comma; RFC 8259 (and this parser) does not.
                    let trailingComma = Self.hasTrailingComma(candidate)
                    #expect((ours != nil) == Self.foundationAccepts(candidate) || (ours == nil && trailingComma),
                            "\(f) \(String(decoding: candidate, as: UTF8.self))")
                    if let ours { #expect(ours == Self.foundationTree(candidate)) }
                }
            }
        }
    }
}
