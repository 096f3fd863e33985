import Foundation
@testable import Relay
import Testing

/// What a crash can leave behind, and what the spool makes of it.
@Suite struct SpoolCrashTests {
    let base = NSTemporaryDirectory() + "spool-crash-\(UUID().uuidString)"

    /// A crash can stop a write at any byte of the last record: for every cut, the records before
    /// it load intact, the fragment is dropped, and a record appended afterwards is readable after
    /// the next restart (it is not glued onto the fragment).
    @Test func aTornLastRecordIsCutAtEveryByteOffset() async throws {
        let seed = base + "/seed"
        do {
            let s = try Spool(dir: seed, maxBytes: 1 << 20)
            for i in 1...3 { _ = try await s.append(worker: "w\(i)", body: Array("{\"n\":\(i)}".utf8), now: Double(i), peer: "10.0.0.\(i)") }
        }
        let full = try Data(contentsOf: URL(fileURLWithPath: seed + "/queue.log"))
        let lines = full.split(separator: 0x0A, omittingEmptySubsequences: false)
        let lastStart = full.count - lines[lines.count - 2].count - 1
        for cut in lastStart..<full.count {
            let dir = base + "/cut-\(cut)"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try full.prefix(cut).write(to: URL(fileURLWithPath: dir + "/queue.log"))
            do {
                let s = try Spool(dir: dir, maxBytes: 1 << 20)
                #expect(s.pending(limit: 10).map(\.seq) == [1, 2], "cut at \(cut)")
                #expect(try await s.append(worker: "new", body: Array("{\"n\":9}".utf8), now: 9) == 3, "cut at \(cut)")
            }
            let again = try Spool(dir: dir, maxBytes: 1 << 20)
            let pending = again.pending(limit: 10)
            #expect(pending.map(\.seq) == [1, 2, 3], "cut at \(cut)")
            #expect(pending.map(\.worker) == ["w1", "w2", "new"], "cut at \(cut)")
            #expect(pending.last?.body == "{\"n\":9}", "cut at \(cut)")
        }
        // The uncut log keeps all three.
        #expect(try Spool(dir: seed, maxBytes: 1 << 20).pending(limit: 10).map(\.seq) == [1, 2, 3])
    }

    @Test func theIncarnationIsPersistedAndNewForAWipedSpool() throws {
        let dir = base + "/inc"
        let first = try Spool(dir: dir, maxBytes: 1 << 20).incarnation
        #expect(SpoolLog.isValidIncarnation(first) && first.count == 32)
        #expect(try Spool(dir: dir, maxBytes: 1 << 20).incarnation == first)
        try FileManager.default.removeItem(atPath: dir)
        #expect(try Spool(dir: dir, maxBytes: 1 << 20).incarnation != first)
    }

    /// A burst of concurrent reports shares fsyncs (group commit), in sequence order on disk.
    @Test func aBurstIsCommittedInGroupsInOrder() async throws {
        let dir = base + "/burst"
        let s = try Spool(dir: dir, maxBytes: 1 << 24)
        let seqs = try await withThrowingTaskGroup(of: UInt64?.self) { group in
            for i in 0..<400 { group.addTask { try await s.append(worker: "w", body: Array("{\"n\":\(i)}".utf8), now: 1) } }
            var all: [UInt64] = []
            for try await q in group { if let q { all.append(q) } }
            return all
        }
        #expect(Set(seqs) == Set(1...400))
        #expect(s.stats(now: 1).commits < 400)
        #expect(s.pending(limit: 1000).map(\.seq) == Array(1...400))
        let again = try Spool(dir: dir, maxBytes: 1 << 24)
        #expect(again.pending(limit: 1000).map(\.seq) == Array(1...400))
    }

    /// Compaction keeps exactly the unacknowledged records, also while appends go on.
    @Test func compactionDuringAppendsLosesNothing() async throws {
        let dir = base + "/compact"
        let s = try Spool(dir: dir, maxBytes: 1 << 24)
        for _ in 1...300 { _ = try await s.append(worker: "w", body: Array("{}".utf8), now: 1) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { for _ in 1...300 { _ = try await s.append(worker: "w", body: Array("{}".utf8), now: 1) } }
            group.addTask { for n in stride(from: 10, through: 300, by: 10) { try s.ack(through: UInt64(n)) } }
            try await group.waitForAll()
        }
        await s.settle()
        #expect(s.pending(limit: 1000).map(\.seq) == Array(301...600))
        let again = try Spool(dir: dir, maxBytes: 1 << 24)
        #expect(again.pending(limit: 1000).map(\.seq) == Array(301...600))
    }
}
