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

    public mutating func feed(_ chunk: some Sequence<UInt8>) throws -> [[UInt8]] {
        var lines: [[UInt8]] = []
        for b in chunk {
            if b == 0x0A {
                if !pending.isEmpty { lines.append(pending) }
                pending.removeAll(keepingCapacity: true)
            } else {
                pending.append(b)
                if pending.count > maxLineBytes { pending.removeAll(); throw Overflow() }
            }
        }
        return lines
    }

    /// What is left when the stream ends (a last line without a newline).
    public mutating func finish() -> [UInt8]? {
        defer { pending.removeAll() }
        return pending.isEmpty ? nil : pending
    }
}
