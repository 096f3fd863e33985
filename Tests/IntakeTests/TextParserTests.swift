import Intake
import Testing

@Suite struct TextParserTests {
    func parse(_ s: String) throws -> [TextParser.Family] { try TextParser.parse(Array(s.utf8)) }

    @Test func whatPrometheusClientWrites() throws {
        let text = """
        # HELP sedna_training_loss Training loss.
        # TYPE sedna_training_loss gauge
        sedna_training_loss 0.5
        # HELP it_total Inferences.
        # TYPE it_total counter
        it_total{phase="train"} 7.0
        # HELP it_created Inferences.
        # TYPE it_created gauge
        it_created{phase="train"} 1.7e+09
        # TYPE lat histogram
        lat_bucket{le="0.1"} 1
        lat_bucket{le="+Inf"} 2
        lat_sum 0.3
        lat_count 2
        untyped_thing NaN
        """
        let f = try parse(text)
        #expect(f.map(\.name) == ["sedna_training_loss", "it_total", "it_created", "lat", "untyped_thing"])
        #expect(f[0].help == "Training loss." && f[0].type == "gauge" && f[0].samples[0].value == 0.5)
        #expect(f[1].samples[0].labels.map(\.1) == ["train"])
        #expect(f[3].type == "histogram" && f[3].samples.count == 4)
        #expect(f[4].type == "untyped" && f[4].samples[0].value.isNaN)
    }

    @Test(arguments: [
        ("m 1 1700000000\n", "timestamps"),
        ("m{a=\"x\" 1\n", "expected , or }"),
        ("m{a=x} 1\n", "quoted"),
        ("m{__x=\"y\"} 1\n", "invalid label name"),
        ("m{a=\"1\",a=\"2\"} 1\n", "given twice"),
        ("1m 1\n", "invalid metric name"),
        ("m one\n", "invalid value"),
        ("m 1\nm 2\n", "duplicate series"),
        ("# TYPE m widget\nm 1\n", "unknown type"),
        ("m 1\n# TYPE m gauge\n", "after its samples"),
        ("a 1\nb 1\na{x=\"1\"} 1\n", "not grouped"),
        ("m{a=\"\\t\"} 1\n", "invalid escape"),
        ("m{a=\"open} 1\n", "unterminated"),
    ])
    func rejects(_ text: String, _ fragment: String) {
        do {
            _ = try parse(text)
            Issue.record("accepted: \(text)")
        } catch {
            #expect("\(error)".contains(fragment), "\(error)")
        }
    }

    @Test func invalidUTF8() {
        #expect(throws: TextParser.ParseError.self) { try TextParser.parse([0x6d, 0x7b, 0x61, 0x3d, 0x22, 0xff, 0x22, 0x7d, 0x20, 0x31]) }
    }

    @Test func escapesAndBlankLines() throws {
        let f = try parse("\n\nm{a=\"q\\\"u\\\\o\\nte\"} 1\r\n# a comment\n")
        #expect(f[0].samples[0].labels[0].1 == "q\"u\\o\nte")
    }
}

@Suite struct GroupingKeyTests {
    @Test func base64AndSorting() throws {
        let k = try GroupingKey.parse(["job", "sedna", "task", "t1", "path@base64", "L3Zhci9sb2c", "empty@base64", "="], limits: IntakeLimits())
        #expect(k.labels.map(\.name) == ["empty", "job", "path", "task"])
        #expect(k.value("path") == "/var/log")
        #expect(k.value("empty") == "")
    }

    @Test(arguments: [[], ["job"], ["job", ""], ["instance", "x"], ["job", "a", "b"], ["job", "a", "1x", "v"], ["job", "a", "x@base64", "!!"],
                      ["job", "a", "job", "b"]])
    func rejects(_ segments: [String]) {
        #expect(throws: IntakeError.self) { try GroupingKey.parse(segments, limits: IntakeLimits()) }
    }
}
