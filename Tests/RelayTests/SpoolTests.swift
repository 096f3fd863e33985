import Foundation
import Relay
import Testing

@Suite struct SpoolTests {
    let dir = NSTemporaryDirectory() + "spool-\(UUID().uuidString)"

    @Test func survivesARestartAndDeliversInOrder() async throws {
        do {
            let s = try Spool(dir: dir, maxBytes: 1 << 20)
            for i in 1...5 { #expect(try await s.append(worker: "w", body: Array("{\"n\":\(i)}".utf8), now: Double(i)) == UInt64(i)) }
            try s.ack(through: 2)
        }
        let reopened = try Spool(dir: dir, maxBytes: 1 << 20)
        #expect(reopened.pending(limit: 10).map(\.seq) == [3, 4, 5])
        #expect(reopened.pending(limit: 10).first?.body == "{\"n\":3}")
        // Numbering continues after the highest sequence ever written.
        #expect(try await reopened.append(worker: "w", body: Array("{}".utf8), now: 9) == 6)
    }

    @Test func ackingEverythingCompactsTheLog() async throws {
        let s = try Spool(dir: dir, maxBytes: 1 << 20)
        for _ in 1...100 { _ = try await s.append(worker: "w", body: Array("{}".utf8), now: 1) }
        try s.ack(through: 100)
        await s.settle()
        let size = try FileManager.default.attributesOfItem(atPath: dir + "/queue.log")[.size] as? Int
        #expect(size == 0)
        #expect(s.stats(now: 2).delivered == 100)
        #expect(try await s.append(worker: "w", body: Array("{}".utf8), now: 3) == 101)
        let again = try Spool(dir: dir, maxBytes: 1 << 20)
        #expect(again.pending(limit: 10).map(\.seq) == [101])
    }

    @Test func theBoundDropsAndCounts() async throws {
        let s = try Spool(dir: dir, maxBytes: 600)
        var stored = 0
        for _ in 1...20 { if try await s.append(worker: "w", body: Array(repeating: UInt8(ascii: "x"), count: 100), now: 1) != nil { stored += 1 } }
        let st = s.stats(now: 1)
        #expect(stored > 0 && stored < 20)
        #expect(st.dropped == 20 - stored)
        #expect(st.depth == stored)
    }

    @Test func aTornLastLineIsIgnored() async throws {
        do {
            let s = try Spool(dir: dir, maxBytes: 1 << 20)
            _ = try await s.append(worker: "w", body: Array("{}".utf8), now: 1)
        }
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: dir + "/queue.log"))
        try h.seekToEnd()
        try h.write(contentsOf: Data("{\"seq\":2,\"wor".utf8))
        try h.close()
        let s = try Spool(dir: dir, maxBytes: 1 << 20)
        #expect(s.pending(limit: 10).map(\.seq) == [1])
    }

    @Test func oldestAge() async throws {
        let s = try Spool(dir: dir, maxBytes: 1 << 20)
        #expect(s.stats(now: 5).oldestAge == 0)
        _ = try await s.append(worker: "w", body: Array("{}".utf8), now: 10)
        #expect(s.stats(now: 25).oldestAge == 15)
    }
}
