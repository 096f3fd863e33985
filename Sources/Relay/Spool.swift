import Foundation
import Synchronization

/// The relay's on-disk queue: reports appended (and fsync'd) before the worker gets an answer,
/// removed only when the central exporter acknowledged them, so a dropped link or a relay
/// restart loses nothing. Bounded in bytes; past the bound new reports are dropped and counted.
///
/// Files in `dir`:
/// - `queue.log`: one JSON record a line (`seq`, `worker`, `time`, `body`, `peer`). Only
///   newline-terminated lines count; a torn tail (a crash mid-write) is cut off on load, so the
///   next record starts on a line of its own instead of being glued onto the fragment.
/// - `acked`: the highest sequence the central side has confirmed.
/// - `incarnation`: a random id written when the spool is created. Sequence numbers are only
///   unique within one incarnation: a wiped spool starts again at 1 under a new id, and the
///   central side (`RelayLedger`) starts a new sequence space for it instead of taking the new
///   reports for duplicates of old ones.
///
/// Writes and fsyncs run on one serial queue of their own, never on the caller's thread (the
/// request path runs on NIO's event loops): appenders enqueue their line and wait; the writer
/// takes everything queued, writes it with one `write` and one `fsync` (group commit, so a
/// burst of reports costs one fsync), then answers all of them. Compaction runs on the same
/// queue, so it never races a write and never holds a lock the request path needs.
public final class Spool: Sendable {
    public struct Record: Sendable, Equatable, Codable {
        public let seq: UInt64
        public let worker: String
        public let time: Double
        public let body: String
        /// The worker's TCP peer address as the relay saw it (absent in spools of older relays).
        public let peer: String?
    }

    struct Queued {
        let record: Record
        let line: Data
        let done: CheckedContinuation<UInt64?, any Error>
    }

    struct State {
        var pending: [Record] = []
        var nextSeq: UInt64 = 1
        var acked: UInt64 = 0
        /// Bytes of the unacknowledged records, queued ones included (the bound).
        var bytes = 0
        var logRecords = 0
        var dropped = 0
        var delivered = 0
        /// Lines waiting for the writer, in sequence order.
        var queued: [Queued] = []
        var writerRunning = false
        var compactWanted = false
        var commits = 0
    }

    let dir: URL
    let maxBytes: Int
    /// This spool's incarnation id (see the type's documentation).
    public let incarnation: String
    private let state: Mutex<State>
    /// Touched only by the writer (one at a time: `writerRunning`).
    private let log: Mutex<FileHandle>
    private let writer = DispatchQueue(label: "sedna-relay-spool-writer", qos: .utility)

    public init(dir: String, maxBytes: Int) throws {
        self.dir = URL(fileURLWithPath: dir)
        self.maxBytes = maxBytes
        try FileManager.default.createDirectory(at: self.dir, withIntermediateDirectories: true)
        incarnation = try Self.loadIncarnation(dir: self.dir)
        let logURL = self.dir.appendingPathComponent("queue.log")
        var s = State()
        if let a = try? String(contentsOf: self.dir.appendingPathComponent("acked"), encoding: .utf8),
           let n = UInt64(a.trimmingCharacters(in: .whitespacesAndNewlines)) {
            s.acked = n
        }
        var maxSeq = s.acked
        var validEnd = 0
        let data = FileManager.default.contents(atPath: logURL.path) ?? Data()
        let scan = SpoolLog.scan(data)
        for (r, size) in scan.records {
            s.logRecords += 1
            maxSeq = max(maxSeq, r.seq)
            if r.seq > s.acked {
                s.pending.append(r)
                s.bytes += size
            }
        }
        validEnd = scan.validEnd
        s.nextSeq = maxSeq + 1
        if !FileManager.default.fileExists(atPath: logURL.path) {
            _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        }
        let handle = try FileHandle(forWritingTo: logURL)
        if validEnd < data.count {
            // A torn tail: cut it so the next record starts on a fresh line.
            try handle.truncate(atOffset: UInt64(validEnd))
            try handle.synchronize()
        }
        try handle.seekToEnd()
        state = Mutex(s)
        log = Mutex(handle)
    }

    /// The id in `dir/incarnation`, created (random, fsync'd) when missing.
    static func loadIncarnation(dir: URL) throws -> String {
        let url = dir.appendingPathComponent("incarnation")
        if let text = try? String(contentsOf: url, encoding: .utf8) {
            let id = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if SpoolLog.isValidIncarnation(id) { return id }
        }
        var bytes = [UInt8](repeating: 0, count: 16)
        var rng = SystemRandomNumberGenerator()
        for i in bytes.indices { bytes[i] = UInt8.random(in: .min ... .max, using: &rng) }
        let id = bytes.map { String(format: "%02x", $0) }.joined()
        try SpoolLog.writeDurably(Data((id + "\n").utf8), to: url)
        return id
    }

    /// Appends a report durably: returns once its line is on disk (fsync'd); nil when the disk
    /// bound would be exceeded (dropped, counted).
    public func append(worker: String, body: [UInt8], now: Double, peer: String? = nil) async throws -> UInt64? {
        let text = String(decoding: body, as: UTF8.self)
        return try await withCheckedThrowingContinuation { (c: CheckedContinuation<UInt64?, any Error>) in
            let outcome: Result<(UInt64, Bool)?, any Error> = state.withLock { s in
                // Numbered and queued under one lock: the log and `pending` stay in sequence order.
                let r = Record(seq: s.nextSeq, worker: worker, time: now, body: text, peer: peer)
                var line: Data
                do { line = try JSONEncoder().encode(r) } catch { return .failure(error) }
                line.append(0x0A)
                if s.bytes + line.count > maxBytes {
                    s.dropped += 1
                    return .success(nil)
                }
                s.nextSeq += 1
                s.bytes += line.count
                let seq = r.seq
                s.queued.append(Queued(record: r, line: line, done: c))
                let start = !s.writerRunning
                s.writerRunning = true
                return .success((seq, start))
            }
            switch outcome {
            case .failure(let e): c.resume(throwing: e)
            case .success(nil): c.resume(returning: nil)
            case .success(.some(let queued)): if queued.1 { writer.async { self.drain() } }
            }
        }
    }

    /// The writer loop: group commits until nothing is queued, compaction when asked for.
    private func drain() {
        while true {
            let (batch, compact): ([Queued], Bool) = state.withLock { s in
                let b = s.queued
                s.queued = []
                let c = s.compactWanted
                s.compactWanted = false
                if b.isEmpty && !c { s.writerRunning = false }
                return (b, c)
            }
            if batch.isEmpty && !compact { return }
            if !batch.isEmpty { commit(batch) }
            if compact {
                // After the batch: its records are in `pending` now and are kept.
                do { try compactNow() } catch { /* the long log stays; retried at the next ack */ }
            }
        }
    }

    /// Writes one group of lines with one write and one fsync, then answers their appenders.
    private func commit(_ batch: [Queued]) {
        var data = Data()
        for q in batch { data.append(q.line) }
        let result: Result<Void, any Error> = log.withLock { handle in
            let start = (try? handle.offset()) ?? 0
            do {
                try handle.write(contentsOf: data)
                try handle.synchronize()
                return .success(())
            } catch {
                // Leave no torn fragment for the next record to be glued onto.
                try? handle.truncate(atOffset: start)
                try? handle.seek(toOffset: start)
                return .failure(error)
            }
        }
        state.withLock { s in
            s.commits += 1
            switch result {
            case .success:
                s.pending.append(contentsOf: batch.map(\.record))
                s.logRecords += batch.count
            case .failure:
                s.bytes -= batch.reduce(0) { $0 + $1.line.count }
            }
        }
        for q in batch {
            switch result {
            case .success: q.done.resume(returning: q.record.seq)
            case .failure(let e): q.done.resume(throwing: e)
            }
        }
    }

    public func pending(limit: Int) -> [Record] { state.withLock { Array($0.pending.prefix(limit)) } }

    /// The central side confirmed everything up to `seq`. The log is compacted on the writer
    /// queue when most of it is acknowledged.
    public func ack(through seq: UInt64) throws {
        let (changed, compact): (Bool, Bool) = state.withLock { s in
            guard seq > s.acked else { return (false, false) }
            var freed = 0
            let before = s.pending.count
            s.pending.removeAll { r in
                guard r.seq <= seq else { return false }
                freed += Self.lineSize(r)
                return true
            }
            s.delivered += before - s.pending.count
            s.acked = seq
            s.bytes = max(0, s.bytes - freed)
            return (true, s.pending.isEmpty || s.logRecords > 4 * max(64, s.pending.count))
        }
        guard changed else { return }
        try SpoolLog.writeDurably(Data("\(seq)\n".utf8), to: dir.appendingPathComponent("acked"))
        if compact {
            let start: Bool = state.withLock { s in
                s.compactWanted = true
                let start = !s.writerRunning
                s.writerRunning = true
                return start
            }
            if start { writer.async { self.drain() } }
        }
    }

    /// Waits until the writer has nothing left to do (tests; shutdown).
    public func settle() async {
        while state.withLock({ $0.writerRunning }) { try? await Task.sleep(for: .milliseconds(5)) }
    }

    /// Rewrites the log with only unacknowledged records (fsync'd temp file, then rename).
    /// Runs on the writer queue only.
    private func compactNow() throws {
        let records = state.withLock { $0.pending }
        var data = Data()
        for r in records {
            data.append(try JSONEncoder().encode(r))
            data.append(0x0A)
        }
        let logURL = dir.appendingPathComponent("queue.log")
        try log.withLock { handle in
            try SpoolLog.writeDurably(data, to: logURL)
            try handle.close()
            handle = try FileHandle(forWritingTo: logURL)
            try handle.seekToEnd()
        }
        state.withLock { $0.logRecords = records.count }
    }

    static func lineSize(_ r: Record) -> Int { ((try? JSONEncoder().encode(r).count) ?? 0) + 1 }

    public struct Stats: Sendable {
        public let depth: Int
        public let oldestAge: Double
        public let delivered: Int
        public let dropped: Int
        public let bytes: Int
        /// Group commits (one write + one fsync each) since start.
        public let commits: Int
    }

    public func stats(now: Double) -> Stats {
        state.withLock { s in
            Stats(depth: s.pending.count, oldestAge: s.pending.first.map { now - $0.time } ?? 0, delivered: s.delivered,
                  dropped: s.dropped, bytes: s.bytes, commits: s.commits)
        }
    }
}
