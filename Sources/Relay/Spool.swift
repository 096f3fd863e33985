import Foundation
import Synchronization

/// The relay's on-disk queue: reports appended (and fsync'd) before the worker gets an answer,
/// removed only when the central exporter acknowledged them, so a dropped link or a relay
/// restart loses nothing. Bounded in bytes; past the bound new reports are dropped and counted.
///
/// Files in `dir`: `queue.log`, one JSON record a line (`seq`, `worker`, `time`, `body`, `peer`), and
/// `acked`, the highest sequence the central side has confirmed. A torn last line (a crash
/// mid-write) is ignored on load.
public final class Spool: Sendable {
    public struct Record: Sendable, Equatable, Codable {
        public let seq: UInt64
        public let worker: String
        public let time: Double
        public let body: String
        /// The worker's TCP peer address as the relay saw it (absent in spools of older relays).
        public let peer: String?

        /// What a record counts against `maxBytes` and in `sedna_relay_queue_bytes`: its
        /// strings plus a fixed allowance for the JSON around them. One formula for the check
        /// before a write, the count after it, a reload and an acknowledgement.
        static func size(worker: String, bodyBytes: Int, peer: String?) -> Int {
            bodyBytes + worker.utf8.count + (peer?.utf8.count ?? 0) + 64
        }

        var size: Int { Self.size(worker: worker, bodyBytes: body.utf8.count, peer: peer) }
    }

    struct State {
        var pending: [Record] = []
        var nextSeq: UInt64 = 1
        var acked: UInt64 = 0
        var bytes = 0
        var logRecords = 0
        var dropped = 0
        var delivered = 0
    }

    let dir: URL
    let maxBytes: Int
    private let state: Mutex<State>
    private let log: Mutex<FileHandle>

    public init(dir: String, maxBytes: Int) throws {
        self.dir = URL(fileURLWithPath: dir)
        self.maxBytes = maxBytes
        try FileManager.default.createDirectory(at: self.dir, withIntermediateDirectories: true)
        let logURL = self.dir.appendingPathComponent("queue.log")
        var s = State()
        if let a = try? String(contentsOf: self.dir.appendingPathComponent("acked"), encoding: .utf8),
           let n = UInt64(a.trimmingCharacters(in: .whitespacesAndNewlines)) {
            s.acked = n
        }
        var maxSeq = s.acked
        if let data = FileManager.default.contents(atPath: logURL.path) {
            for line in data.split(separator: 0x0A) {
                guard let r = try? JSONDecoder().decode(Record.self, from: Data(line)) else { continue }
                s.logRecords += 1
                maxSeq = max(maxSeq, r.seq)
                if r.seq > s.acked {
                    s.pending.append(r)
                    s.bytes += r.size
                }
            }
        }
        s.nextSeq = maxSeq + 1
        if !FileManager.default.fileExists(atPath: logURL.path) {
            FileManager.default.createFile(atPath: logURL.path, contents: nil)
        }
        let handle = try FileHandle(forWritingTo: logURL)
        try handle.seekToEnd()
        state = Mutex(s)
        log = Mutex(handle)
    }

    /// Appends a report durably; nil when the disk bound would be exceeded (dropped, counted).
    public func append(worker: String, body: [UInt8], now: Double, peer: String? = nil) throws -> UInt64? {
        let text = String(decoding: body, as: UTF8.self)
        return try log.withLock { handle -> UInt64? in
            let seq: UInt64? = state.withLock { s in
                if s.bytes + Record.size(worker: worker, bodyBytes: text.utf8.count, peer: peer) > maxBytes { s.dropped += 1; return nil }
                defer { s.nextSeq += 1 }
                return s.nextSeq
            }
            guard let seq else { return nil }
            let r = Record(seq: seq, worker: worker, time: now, body: text, peer: peer)
            var line = try JSONEncoder().encode(r)
            line.append(0x0A)
            try handle.write(contentsOf: line)
            try handle.synchronize()
            state.withLock { s in
                s.pending.append(r)
                s.bytes += r.size
                s.logRecords += 1
            }
            return seq
        }
    }

    public func pending(limit: Int) -> [Record] { state.withLock { Array($0.pending.prefix(limit)) } }

    /// The central side confirmed everything up to `seq`.
    public func ack(through seq: UInt64) throws {
        let (changed, compact): (Bool, Bool) = state.withLock { s in
            guard seq > s.acked else { return (false, false) }
            let before = s.pending.count
            s.pending.removeAll { $0.seq <= seq }
            s.delivered += before - s.pending.count
            s.acked = seq
            s.bytes = s.pending.reduce(0) { $0 + $1.size }
            return (true, s.pending.isEmpty || s.logRecords > 4 * max(64, s.pending.count))
        }
        guard changed else { return }
        let ackURL = dir.appendingPathComponent("acked")
        try Data("\(seq)\n".utf8).write(to: ackURL, options: .atomic)
        if compact { try self.compact() }
    }

    /// Rewrites the log with only unacknowledged records (atomic rename).
    func compact() throws {
        try log.withLock { handle in
            let records = state.withLock { $0.pending }
            var data = Data()
            for r in records {
                data.append(try JSONEncoder().encode(r))
                data.append(0x0A)
            }
            let logURL = dir.appendingPathComponent("queue.log")
            try data.write(to: logURL, options: .atomic)
            try handle.close()
            handle = try FileHandle(forWritingTo: logURL)
            try handle.seekToEnd()
            state.withLock { $0.logRecords = records.count }
        }
    }

    public struct Stats: Sendable {
        public let depth: Int
        public let oldestAge: Double
        public let delivered: Int
        public let dropped: Int
        public let bytes: Int
    }

    public func stats(now: Double) -> Stats {
        state.withLock { s in
            Stats(depth: s.pending.count, oldestAge: s.pending.first.map { now - $0.time } ?? 0, delivered: s.delivered,
                  dropped: s.dropped, bytes: s.bytes)
        }
    }
}
