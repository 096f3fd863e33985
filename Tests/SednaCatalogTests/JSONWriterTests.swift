import SednaCatalog
import Testing

@Suite struct JSONWriterTests {
    @Test func compactSortedAndDeterministic() throws {
        let v: JSON = ["b": [1, 2.5, true, .null], "a": "x\"y\\z\n\u{1}", "c": [:], "d": []]
        #expect(JSONWriter.compact.string(v) == #"{"a":"x\"y\\z\n\u0001","b":[1,2.5,true,null],"c":{},"d":[]}"#)
        #expect(try JSON.decode(JSONWriter.compact.bytes(v)) == v)
    }

    @Test func leadingKeysFirstThenAlphabetical() {
        let w = JSONWriter(leadingKeys: ["output", "input"])
        #expect(w.string(["z": 1, "input": 2, "a": 3, "output": 4]) == #"{"output":4,"input":2,"a":3,"z":1}"#)
    }

    @Test func indentedLayout() {
        let v: JSON = ["panels": [["id": 1]], "empty": [], "title": "T"]
        #expect(JSONWriter(indent: 2).string(v) == """
        {
          "empty": [],
          "panels": [
            {
              "id": 1
            }
          ],
          "title": "T"
        }
        """)
    }

    @Test func numbersAndHTMLEscaping() {
        #expect(JSONWriter.number(3) == "3")
        #expect(JSONWriter.number(-0.25) == "-0.25")
        #expect(JSONWriter.number(1e15) == "1000000000000000.0")
        #expect(JSONWriter.number(.nan) == "null")
        #expect(JSONWriter.number(.infinity) == "null")
        #expect(JSONWriter.quote("<a&b>") == #""<a&b>""#)
        #expect(JSONWriter.quote("<a&b>", escapingHTML: true) == #""\u003ca\u0026b\u003e""#)
        #expect(JSONWriter(escapingHTML: true).string(["k": "<"]) == #"{"k":"\u003c"}"#)
    }

    @Test func wholeNumberTextIsOneRule() {
        #expect(3.0.wholeNumberText == "3")
        #expect((-2.0).wholeNumberText == "-2")
        #expect(2.5.wholeNumberText == nil)
        #expect(Double.nan.wholeNumberText == nil)
        #expect(1e15.wholeNumberText == nil)
    }
}

@Suite struct SmallFormatsTests {
    @Test func fnv1aKnownVectors() {
        #expect(FNV1a.hash("") == 0xcbf2_9ce4_8422_2325)
        #expect(FNV1a.hash("a") == 0xaf63_dc4c_8601_ec8c)
        #expect(FNV1a.hash("foobar") == 0x8594_4171_f739_67e8)
    }

    @Test func timestampWritesWhatItReads() {
        #expect(Timestamp.format(1_795_952_400) == "2026-11-29T11:40:00Z")
        #expect(Timestamp.format(-1) == "1969-12-31T23:59:59Z")
        #expect(Timestamp.sednaWorkerTime(1_795_952_400) == "2026-11-29 11:40:00")
        for t in [0.0, 951_782_400, 1_795_952_461, 4_102_444_800] {
            #expect(Timestamp.parse(Timestamp.format(t)) == t)
        }
    }

    @Test func durationSeconds() {
        #expect(Duration.milliseconds(1500).seconds == 1.5)
    }
}
