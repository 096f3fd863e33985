import Exposition
import SednaCatalog
import Testing

/// HELP text escaping: only backslash and newline are escaped (the text format's rule), UTF-8
/// passes through, and a text without either comes back unchanged.
@Suite struct HelpEscapingTests {
    @Test(arguments: [
        ("plain text", "plain text"),
        ("", ""),
        ("a\\b", "a\\\\b"),
        ("line one\nline two", "line one\\nline two"),
        ("\\\n\\", "\\\\\\n\\\\"),
        ("quotes \" stay", "quotes \" stay"),
        ("ünïcödé — 模型\n", "ünïcödé — 模型\\n"),
        ("trailing\\", "trailing\\\\"),
    ])
    func escapesBackslashAndNewlineOnly(input: String, expected: String) {
        #expect(TextFormat.escapeHelp(input) == expected)
    }

    @Test func headersCarryTheEscapedHelp() {
        let family = MetricFamily("x_total", .counter, help: "a\\b\nc", labels: [], source: .metadata, emittedBy: "test")
        let text = String(decoding: TextFormat.header(family, format: .text004), as: UTF8.self)
        #expect(text == "# HELP x_total a\\\\b\\nc\n# TYPE x_total counter\n")
    }
}
