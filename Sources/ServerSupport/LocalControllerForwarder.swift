import AsyncHTTPClient
import Foundation
import NIOCore

/// Sends a worker report, byte for byte, to a Sedna LocalController
/// (`POST {lc}/sedna/workers/{worker}/info`); used by the relay and by the exporter's
/// `--forward-lc`.
public enum LocalControllerForwarder {
    public struct Answer: Sendable {
        public let status: Int
        public let contentType: String
        public let body: ByteBuffer
    }

    /// Short deadline: AsyncHTTPClient retries a refused connection until it passes, and the
    /// worker (Sedna's LCClient) waits for this answer; the report is already kept by the caller.
    public static func forward(_ body: [UInt8], lc: String, worker: String, client: HTTPClient,
                               timeout: TimeAmount = .seconds(3)) async throws -> Answer {
        let url = BaseURL.trimmed(lc)
        let path = worker.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? worker
        var req = HTTPClientRequest(url: url + "/sedna/workers/\(path)/info")
        req.method = .POST
        req.headers.add(name: "Content-Type", value: "application/json")
        req.body = .bytes(ByteBuffer(bytes: body))
        let resp = try await client.execute(req, timeout: timeout)
        let answer = try await resp.body.collect(upTo: 1 << 20)
        return Answer(status: Int(resp.status.code), contentType: resp.headers.first(name: "Content-Type") ?? "application/json",
                      body: answer)
    }
}
