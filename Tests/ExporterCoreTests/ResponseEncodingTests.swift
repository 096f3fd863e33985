@testable import ExporterCore
import Exposition
import Testing

@Suite struct ResponseEncodingTests {
    @Test func gzipWhenAcceptedAndItWorks() throws {
        let body = Array(String(repeating: "sedna_task_info 1\n", count: 100).utf8)
        let (out, encoding) = ExporterRouter.encode(body, acceptEncoding: "gzip")
        #expect(encoding == "gzip")
        #expect(try Gzip.decompress(out, limit: 1 << 20) == body)
    }

    /// A compression failure must not become an empty body labelled gzip.
    @Test func aGzipFailureIsAnsweredUncompressed() {
        let body = Array("sedna_task_info 1\n".utf8)
        let (out, encoding) = ExporterRouter.encode(body, acceptEncoding: "gzip", compress: { _ in nil })
        #expect(encoding == nil)
        #expect(out == body)
        #expect(ExporterRouter.encode(body, acceptEncoding: nil).encoding == nil)
    }
}
