/// Splits a byte stream into lines. Watch responses are newline-delimited JSON and HTTP chunks
/// cut lines anywhere, so partial lines are carried over to the next chunk.
public struct LineSplitter: Sendable {
    private var pending: [UInt8] = []
    /// A single line longer than this is a broken stream, not an object (the API server caps
    /// request bodies at 3 MiB; Sedna CRs with embedded pod templates stay well below).
    public let maxLineBytes: Int

    public init(maxLineBytes: Int = 16 << 20) {
        self.maxLineBytes = maxLineBytes
    }

    public struct Overflow: Error {}

    /// The lines completed by `chunk`. Contiguous chunks (every HTTP body part) are cut with a
    /// scan for the newline and copied a line at a time, not appended byte by byte: a watch of
    /// pod status changes moves tens of MB/s through here.
    public mutating func feed(_ chunk: some Sequence<UInt8>) throws -> [[UInt8]] {
        if let result = chunk.withContiguousStorageIfAvailable({ split(UnsafeRawBufferPointer($0)) }) {
            return try result.get()
        }
        return try split(Array(chunk)).get()
    }

    private mutating func split(_ bytes: [UInt8]) -> Result<[[UInt8]], Overflow> {
        bytes.withUnsafeBytes { split($0) }
    }

    private mutating func split(_ bytes: UnsafeRawBufferPointer) -> Result<[[UInt8]], Overflow> {
        var lines: [[UInt8]] = []
        var start = 0
        while start < bytes.count {
            guard let nl = bytes[start...].firstIndex(of: 0x0A) else {
                pending.append(contentsOf: bytes[start...])
                if pending.count > maxLineBytes {
                    pending.removeAll()
                    return .failure(Overflow())
                }
                break
            }
            if pending.isEmpty {
                if nl - start > maxLineBytes { return .failure(Overflow()) }
                if nl > start { lines.append(Array(bytes[start..<nl])) }
            } else {
                pending.append(contentsOf: bytes[start..<nl])
                if pending.count > maxLineBytes {
                    pending.removeAll()
                    return .failure(Overflow())
                }
                lines.append(pending)
                pending.removeAll(keepingCapacity: true)
            }
            start = nl + 1
        }
        return .success(lines)
    }

    /// What is left when the stream ends (a last line without a newline).
    public mutating func finish() -> [UInt8]? {
        defer { pending.removeAll() }
        return pending.isEmpty ? nil : pending
    }
}
