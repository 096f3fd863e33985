import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
@testable import Relay
import SednaCatalog
import Synchronization
import Testing

/// The relay's sender (`Sender`, the spool's drain) against a real HTTP server on 127.0.0.1
/// playing the central exporter's `POST /sedna/relay/{relay}/reports`: delivery in sequence
/// order with the token, the worker's peer and the node; a failed delivery retried after a
/// backoff; an acknowledgement of part of a batch resends the rest; an answer that is no
/// acknowledgement removes nothing.
@Suite struct SenderTests {
    /// The central side's script: one answer per request, in order; every batch recorded.
    final class Central: Sendable {
        struct Batch: Sendable, Equatable {
            let seqs: [Int]
            let authorization: String?
        }

        let batches = Mutex<[Batch]>([])
        let entries = Mutex<[JSON]>([])
        /// Answers by request number (1-based); past the end: acknowledge the whole batch.
        let script: [Int: (status: Int, body: String)]

        init(script: [Int: (status: Int, body: String)]) { self.script = script }

        func answer(_ request: Request) async throws -> Response {
            let body = try await request.body.collect(upTo: 1 << 20)
            let reports = try JSON.decode(Array(body.readableBytesView))["reports"].array ?? []
            let seqs = reports.compactMap { $0["seq"].number.map { Int($0) } }
            let n = batches.withLock { b -> Int in
                b.append(Batch(seqs: seqs, authorization: request.headers[.authorization]))
                return b.count
            }
            entries.withLock { $0 += reports }
            let (status, text) = script[n] ?? (200, #"{"acked":\#(seqs.max() ?? 0)}"#)
            return Response(status: .init(code: status), headers: [.contentType: "application/json"],
                            body: .init(byteBuffer: ByteBuffer(string: text)))
        }
    }

    @Test func deliversRetriesAndResendsWhatWasNotAcknowledged() async throws {
        let dir = NSTemporaryDirectory() + "sender-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let spool = try Spool(dir: dir, maxBytes: 1 << 20)
        for i in 1...3 {
            _ = try await spool.append(worker: "w\(i)", body: Array(#"{"name":"w\#(i)"}"#.utf8), now: 1, peer: "10.0.0.\(i)")
        }
        let central = Central(script: [
            1: (503, #"{"error":"intake overloaded"}"#),   // a failure: retried after a backoff
            2: (200, #"{"acked":2}"#),                      // only part of the batch accepted
            3: (200, "not an acknowledgement"),             // garbage: nothing removed, retried
        ])
        let router = Router()
        router.post("/sedna/relay/:relay/reports") { request, context in
            // The sender percent-encodes every non-alphanumeric character of the relay name.
            #expect(context.parameters.get("relay") == "edge%2D1")
            return try await central.answer(request)
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            let port = try #require(client.port)
            var config = RelayConfiguration(centralURL: "http://127.0.0.1:\(port)//", spoolDir: dir, relayName: "edge-1")
            config.token = "s3cret"
            config.nodeName = "edge-node-1"
            let failures = FailureCounter()
            let sender = Sender(spool: spool, config: config, logger: Logger(label: "test"), failures: failures)
            let run = Task { try await sender.run() }
            // Bounded waits (no timing asserted): until the first three reports are acknowledged,
            // then for two more appended while the sender runs.
            try await Self.waitUntil { spool.pending(limit: 10).isEmpty }
            for i in 4...5 { _ = try await spool.append(worker: "w\(i)", body: Array(#"{"name":"w\#(i)"}"#.utf8), now: 2) }
            try await Self.waitUntil { spool.pending(limit: 10).isEmpty }
            run.cancel()
            _ = try? await run.value

            let batches = central.batches.withLock { $0.map(\.seqs) }
            #expect(Array(batches.prefix(4)) == [[1, 2, 3], [1, 2, 3], [3], [3]])
            #expect(batches.dropFirst(4).flatMap { $0 } == [4, 5], "the later reports in order, once each (in one batch or two)")
            #expect(central.batches.withLock { $0.allSatisfy { $0.authorization == "Bearer s3cret" } })
            #expect(failures.value == 2)
            #expect(spool.stats(now: 3).delivered == 5)
            let first = try #require(central.entries.withLock { $0.first })
            #expect(first == ["seq": 1, "worker": "w1", "body": #"{"name":"w1"}"#, "peer": "10.0.0.1", "node": "edge-node-1"])
            #expect(central.entries.withLock { $0.last?["peer"] } == JSON.null)
        }
    }

    @Test func acknowledgementIsTheNumberOrNothing() {
        #expect(Sender.acked(Array(#"{"acked":42}"#.utf8)) == 42)
        #expect(Sender.acked(Array(#"{"acked":0}"#.utf8)) == 0)
        #expect(Sender.acked(Array(#"{"acked":-1}"#.utf8)) == nil)
        #expect(Sender.acked(Array(#"{"acked":"7"}"#.utf8)) == nil)
        #expect(Sender.acked(Array(#"{"ok":true}"#.utf8)) == nil)
        #expect(Sender.acked(Array("<html>".utf8)) == nil)
    }

    static func waitUntil(_ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(20)
        while !condition() {
            guard ContinuousClock.now < deadline else { Issue.record("condition not reached within 20 s"); return }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}
