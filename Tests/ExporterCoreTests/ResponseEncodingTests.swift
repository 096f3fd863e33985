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

    /// A gzip coding in any case and spacing is accepted unless its weight is 0 (RFC 9110
    /// section 12.5.3: `q=0`, `q=0.0`, `q=0.000` mean "not acceptable").
    @Test func acceptEncodingIsReadAsRFC9110Says() {
        for accepted in ["gzip", "GZIP", " gzip ", "deflate, gzip", "gzip;q=1", "gzip; q=0.5", "br;q=0, Gzip ;q=0.001",
                         "gzip;level=1", "\tgzip\t"] {
            #expect(ExporterRouter.acceptsGzip(accepted), "\(accepted)")
        }
        for refused in ["", "identity", "deflate, br", "x-gzip", "gzip2", "g zip", "gzip;q=0", "gzip ; q = 0", "gzip;Q=0.000",
                        "gzip;q=0.0, deflate", ",", ";q=1"] {
            #expect(!ExporterRouter.acceptsGzip(refused), "\(refused)")
        }
        #expect(!ExporterRouter.acceptsGzip(nil))
    }
}
