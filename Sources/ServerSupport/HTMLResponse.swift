import Hummingbird
import NIOCore

/// An HTML page as an HTTP response; for HEAD the headers only, with the length GET would send.
public enum HTMLResponse {
    public static func make(_ page: String, head: Bool) -> Response {
        var headers: HTTPFields = [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"]
        if head {
            headers[.contentLength] = String(page.utf8.count)
            return Response(status: .ok, headers: headers)
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: page)))
    }
}
