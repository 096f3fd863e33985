import Exposition
@testable import Intake
import Testing

/// URLs pushed as label values (sample labels and grouping key) lose their credentials.
@Suite struct PushCredentialsTests {
    @Test func pushedURLLabelsLoseUserInfoAndQuery() throws {
        let store = IntakeStore()
        let key = try GroupingKey.parse(["job", "w", "src@base64", "aHR0cHM6Ly91OnBAaC9hP3Q9eA"], limits: IntakeLimits())  // https://u:p@h/a?t=x
        let fams = try TextParser.parse(Array("artifact_info{url=\"s3://key:SECRET@bucket/m.pb?X-Amz-Signature=SIG\",name=\"plain\"} 1\n".utf8))
        try store.push(.put, key: key, families: fams, binding: .init(), taskLabels: [], now: 1)
        var out: [UInt8] = []
        store.writePushes(into: &out)
        let text = String(decoding: out, as: UTF8.self)
        #expect(text.contains("url=\"s3://bucket/m.pb\""))
        #expect(text.contains("src=\"https://h/a\""))
        #expect(text.contains("name=\"plain\""))
        #expect(!text.contains("SECRET") && !text.contains("SIG") && !text.contains("u:p@") && !text.contains("t=x"))
    }

    /// The byte scan that decides whether a value is sanitized finds `://` anywhere, and only it.
    @Test func urlsAreFoundWhereverTheSchemeSeparatorIs() {
        for v in ["://", "s3://b", "x https://h/p", "a://", "é://ü", String(repeating: "a", count: 300) + "://"] {
            #expect(PushCredentials.looksLikeURL(v), "\(v)")
        }
        for v in ["", ":", ":/", "//", ":/ /", "a:/b/", "plain", "é:/"] {
            #expect(!PushCredentials.looksLikeURL(v), "\(v)")
        }
    }
}
