import Foundation
import Relay
import Testing

@Suite struct SpoolPeerTests {
    let dir = NSTemporaryDirectory() + "spool-peer-\(UUID().uuidString)"

    @Test func peerSurvivesARestart() async throws {
        do {
            let s = try Spool(dir: dir, maxBytes: 1 << 20)
            _ = try await s.append(worker: "w", body: Array("{}".utf8), now: 1, peer: "10.244.1.7")
            _ = try await s.append(worker: "w", body: Array("{}".utf8), now: 2)
        }
        let again = try Spool(dir: dir, maxBytes: 1 << 20)
        #expect(again.pending(limit: 10).map(\.peer) == ["10.244.1.7", nil])
    }

    @Test func spoolOfAnOlderRelayStillLoads() async throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let old = #"{"seq":4,"worker":"w","time":1,"body":"{}"}"# + "\n"
        try old.write(toFile: dir + "/queue.log", atomically: true, encoding: .utf8)
        let s = try Spool(dir: dir, maxBytes: 1 << 20)
        #expect(s.pending(limit: 10).map(\.seq) == [4])
        #expect(s.pending(limit: 10).first?.peer == nil)
        #expect(try await s.append(worker: "w", body: Array("{}".utf8), now: 2, peer: "::1") == 5)
    }
}
