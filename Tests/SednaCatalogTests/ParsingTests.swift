import Foundation
import SednaCatalog
import Testing

@Suite struct TimestampTests {
    @Test(arguments: [
        ("1970-01-01T00:00:00Z", 0.0),
        ("2025-01-01T10:00:00Z", 1_735_725_600.0),
        ("2025-01-01T10:00:00.5Z", 1_735_725_600.5),
        ("2025-01-01T18:00:00+08:00", 1_735_725_600.0),
        ("2024-02-29T00:00:00Z", 1_709_164_800.0),
    ])
    func parses(_ s: String, _ expected: Double) {
        #expect(Timestamp.parse(s) == expected)
    }

    @Test(arguments: ["", "yesterday", "2025-01-01", "2025-13-01T00:00:00Z", "2025-01-01T10:00:00", "2025-01-01T25:00:00Z",
                      "2025-01-01T10:00:00.Z", "2025-01-01T10:00:00Zjunk", "２０２５-01-01T10:00:00Z"])
    func rejects(_ s: String) {
        #expect(Timestamp.parse(s) == nil)
    }
}

@Suite struct URLSanitizerTests {
    @Test(arguments: [
        ("s3://AKIA:secret@bucket/models/m.pb", "s3://bucket/models/m.pb"),
        ("https://user:pw@host:9000/a/b?X-Amz-Signature=abc#frag", "https://host:9000/a/b"),
        ("/incremental_learning/output/train/1/model.pb", "/incremental_learning/output/train/1/model.pb"),
        ("http://host/path/with@sign", "http://host/path/with@sign"),
        ("file:///data?x=1", "file:///data"),
    ])
    func strips(_ raw: String, _ clean: String) {
        #expect(URLSanitizer.sanitize(raw) == clean)
    }
}

@Suite struct JSONTests {
    @Test func numbersFromStrings() {
        #expect(JSON.string("120").number == 120)
        #expect(JSON.string(" 0.25 ").number == 0.25)
        #expect(JSON.string("1e3").number == 1000)
        #expect(JSON.string("abc").number == nil)
        #expect(JSON.string("nan").number == nil)
        #expect(JSON.string("inf").number == nil)
        #expect(JSON.string("").number == nil)
        #expect(JSON.null.number == nil)
    }

    @Test func embeddedDataErrorsAreThrownNotFatal() throws {
        #expect(try JSON.decodeEmbedded("") == nil)
        #expect(throws: (any Error).self) { try JSON.decodeEmbedded("{not json") }
        let j = try #require(try JSON.decodeEmbedded(#"{"a":[1,2]}"#))
        #expect(j["a"][1].number == 2)
        #expect(j["missing"]["deeper"].isNull)
    }
}

@Suite struct WhitespaceTrimmingTests {
    /// The fast path answers exactly what Foundation's trimming answers, for ASCII and Unicode
    /// whitespace at either end, newlines with and without the newline set, and none at all.
    @Test(arguments: ["s3://bucket/model.pb", "  padded  ", "\ttab", "line\n", "\nline", "\u{00A0}nbsp\u{3000}",
                      "", " ", "a", "é", "x\u{2028}", "0.25", " 120 "])
    func sameAsFoundation(_ s: String) {
        #expect(s.trimmedWhitespace() == s.trimmingCharacters(in: .whitespaces))
        #expect(s.trimmedWhitespace(newlines: true) == s.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
