import SednaCatalog
import Testing
import TestSupport

/// The watch path's parse leaves `managedFields` out: it must build the full tree minus those
/// members, and accept and reject exactly the documents the full parse does, with the same error
/// (a broken `managedFields` still fails the object, as it did when it was built).
@Suite struct ManagedFieldsDropTests {
    /// What an API server adds to a Sedna worker pod: the GM's create and the kubelet's status
    /// updates, as server-side apply's field sets (`k:{...}` keys carry escaped quotes).
    static let managedFields = #"""
    [{"manager":"sedna-gm","operation":"Update","apiVersion":"v1","time":"2026-11-30T10:00:00Z","fieldsType":"FieldsV1",
      "fieldsV1":{"f:metadata":{"f:labels":{".":{},"f:incrementallearningjob.sedna.io/name":{},"f:incrementallearningjob.sedna.io/uid":{}},
      "f:ownerReferences":{".":{},"k:{\"uid\":\"0f6c1c7e-5b1b-4d6a-9a51-6a1d8f0e2c11\"}":{}}},
      "f:spec":{"f:containers":{"k:{\"name\":\"train-worker\"}":{".":{},"f:env":{".":{},"k:{\"name\":\"MODEL_URL\"}":{".":{},"f:name":{},"f:value":{}}},
      "f:image":{},"f:name":{}}},"f:nodeName":{},"f:restartPolicy":{}}}},
     {"manager":"kubelet","operation":"Update","apiVersion":"v1","time":"2026-11-30T10:00:05Z","fieldsType":"FieldsV1","subresource":"status",
      "fieldsV1":{"f:status":{"f:conditions":{"k:{\"type\":\"Ready\"}":{".":{},"f:lastTransitionTime":{},"f:status":{},"f:type":{}}},
      "f:containerStatuses":{},"f:phase":{},"f:podIP":{},"f:startTime":{},"f:note":"caf\u00e9 ü"}}}]
    """#

    static func withManagedFields(_ pod: KubeObject) throws -> [UInt8] {
        let bytes = JSONWriter.compact.bytes(pod.json)
        // Inserted as text so the escapes and spacing above reach the parser as an API server sends them.
        let text = String(decoding: bytes, as: UTF8.self)
        let marker = #""metadata":{"#
        let range = try #require(text.range(of: marker))
        return Array(text.replacingCharacters(in: range, with: marker + #""managedFields":"# + managedFields + ",").utf8)
    }

    static func agree(_ bytes: [UInt8], _ comment: Comment? = nil) {
        let full = Result { () throws(JSONParseError) in try JSONParser.parse(bytes) }
        let dropped = Result { () throws(JSONParseError) in try JSONParser.parse(bytes, droppingManagedFields: true) }
        switch (full, dropped) {
        case (.success(let f), .success(let d)): #expect(d == f.removingMembers(named: "managedFields"), comment)
        case (.failure(let f), .failure(let d)): #expect(f == d, comment)
        default: Issue.record("one parse accepted, the other rejected: \(comment?.description ?? "")")
        }
    }

    @Test func fixturePodsLoseOnlyTheirManagedFields() throws {
        for pod in Fixtures.cluster("pods") {
            let bytes = try Self.withManagedFields(pod)
            let dropped = try JSONParser.parse(bytes, droppingManagedFields: true)
            #expect(dropped == pod.json, "\(pod.name)")
            #expect(try JSONParser.parse(bytes)["metadata"]["managedFields"].array?.count == 2)
            Self.agree(bytes)
        }
    }

    /// Every valid and invalid document of `JSONParserTests`, as the value of `managedFields` and
    /// of another member, nested and at the top.
    @Test func sameVerdictAndErrorForEveryValue() {
        for text in JSONParserTests.valid + JSONParserTests.invalid {
            for doc in [#"{"managedFields":\#(text)}"#, #"{"a":1,"managedFields":\#(text),"b":[2]}"#,
                        #"{"metadata":{"managedFields":\#(text)}}"#, #"[{"managedFields":\#(text)}]"#, #"{"x":\#(text)}"#] {
                Self.agree(Array(doc.utf8), "\(doc)")
            }
        }
        #expect(throws: JSONParseError.self) { try JSONParser.parse(Array(#"{"managedFields":[{"a":"\q"}]}"#.utf8), droppingManagedFields: true) }
        // Invalid UTF-8 in a skipped string is still an error.
        let badUTF8 = Array(#"{"managedFields":{"f:x":""#.utf8) + [0xFF] + Array(#""}}"#.utf8)
        #expect(throws: JSONParseError.self) { try JSONParser.parse(badUTF8, droppingManagedFields: true) }
        Self.agree(badUTF8)
    }

    /// A pod as the API server sends it, with one byte changed at deterministic positions: the two
    /// parses agree on every one.
    @Test func mutationsAgree() throws {
        let bytes = try Self.withManagedFields(Fixtures.cluster("pods")[0])
        let replacements: [UInt8] = Array(#"{}[]",:\"0-.eE+ tnfu1k"#.utf8) + [0x00, 0x1F, 0x80, 0xC3, 0xFF]
        var rng: UInt64 = 0x2545F4914F6CDD1D
        for _ in 0..<3000 {
            rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17
            var m = bytes
            m[Int(rng % UInt64(m.count))] = replacements[Int((rng >> 32) % UInt64(replacements.count))]
            Self.agree(m)
        }
    }
}
