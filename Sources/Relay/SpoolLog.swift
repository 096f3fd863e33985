import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The spool's file format and durable file replacement, apart from the spool's state.
enum SpoolLog {
    /// The records of a `queue.log` and where its valid part ends: only newline-terminated lines
    /// count (a record is written with its newline in one `write`, so a line without one is the
    /// torn tail of a crash mid-write, even when it happens to be complete JSON). Lines that do
    /// not decode are skipped; everything after the last newline is cut by the caller.
    static func scan(_ data: Data) -> (records: [(Spool.Record, Int)], validEnd: Int) {
        var records: [(Spool.Record, Int)] = []
        var validEnd = 0
        let bytes = [UInt8](data)
        var start = 0
        let decoder = JSONDecoder()
        while start < bytes.count, let nl = bytes[start...].firstIndex(of: 0x0A) {
            let line = bytes[start..<nl]
            if !line.isEmpty, let r = try? decoder.decode(Spool.Record.self, from: Data(line)) {
                records.append((r, line.count + 1))
            }
            start = nl + 1
            validEnd = start
        }
        return (records, validEnd)
    }

    /// An incarnation id as the relay writes it: 1-64 characters of [0-9a-zA-Z_-].
    static func isValidIncarnation(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.count <= 64
            && id.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x2D || $0 == 0x5F }
    }

    /// Replaces `url` with `data` so that after a crash the file holds either the old or the new
    /// content, complete: a temp file written and fsync'd, renamed over, then the folder fsync'd
    /// (`Data.write(options: .atomic)` renames without the fsyncs).
    static func writeDurably(_ data: Data, to url: URL) throws {
        let tmp = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp")
        _ = FileManager.default.createFile(atPath: tmp.path, contents: nil)
        let h = try FileHandle(forWritingTo: tmp)
        do {
            try h.truncate(atOffset: 0)
            try h.write(contentsOf: data)
            try h.synchronize()
            try h.close()
        } catch {
            try? h.close()
            throw error
        }
        guard rename(tmp.path, url.path) == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
        }
        let fd = open(url.deletingLastPathComponent().path, O_RDONLY)
        if fd >= 0 {
            _ = fsync(fd)
            _ = close(fd)
        }
    }
}
