/// A part of a /metrics body cut into segments that stay the same from one body to the next
/// where the pieces in them did not change, so that a gzip'd body can be built from segments
/// compressed earlier and only the changed ones deflated again (`CompressedSegments` in
/// ExporterCore; the object part: `ObjectPart.segments`, the pushed groups:
/// `IntakeStore.pushPart`).
///
/// Under churn nearly every scrape found the body changed and deflated all of it (19 MiB at 100
/// simulated tasks): nginx serving the same bytes under the same load kept its p99 at 1.6-4x
/// its idle p99, ours was 57-220x (docs/benchmarks.md, session 18).
public struct BodySegment: Sendable, Equatable {
    /// Indexes of the part's pieces in this segment.
    public let pieces: Range<Int>
    public let byteCount: Int
    /// Equal only for segments of the same pieces (see `SegmentCutter`).
    public let key: Key

    /// Two independent 64-bit hashes of the pieces' identities, with the byte count.
    public struct Key: Hashable, Sendable {
        let a: UInt64
        let b: UInt64
        let bytes: Int
    }
}

/// Cuts a sequence of pieces into segments of about `target` bytes (at least half of it, at
/// most four times it; pieces are never split), where the content says: after a piece whose
/// identity hashes below a threshold proportional to its length (content-defined chunking). A
/// change in one piece moves no cut outside its own neighbourhood, so an insertion or a removal
/// shifts no segment after it the way cutting every N pieces would.
///
/// A piece is known by an identity that is never given to other bytes (`add(source:range:length:cuttable:)`:
/// a rendering's id and the range in it), or by its bytes (`add(content:cuttable:)`: small
/// pieces made anew for each body, such as the pushed families' headers). Segment keys hash the
/// identities with two independent 64-bit hashes and the byte count.
public struct SegmentCutter {
    private let low: Int
    private let high: Int
    private var segments: [BodySegment] = []
    private var next = 0
    private var first = 0
    private var bytes = 0
    private var a = Hasher()
    private var b = Self.seed
    private static let seed: UInt64 = 0x9E37_79B9_7F4A_7C15

    public init(target: Int, expectedBytes: Int = 0) {
        low = max(1, target / 2)
        high = max(low, target * 4)
        segments.reserveCapacity(expectedBytes / max(1, target) + 1)
    }

    /// A piece of `length` bytes known by (`source`, `range`); `cuttable`: a segment may end
    /// after it (not after a family's header, which belongs with the lines that follow it).
    public mutating func add(source: UInt64, range: UInt64, length: Int, cuttable: Bool) {
        a.combine(source)
        a.combine(range)
        b = Self.mix(Self.mix(b ^ source) ^ range)
        bytes += length
        next += 1
        if cuttable { maybeCut(Self.mix(source ^ range), length: length) }
    }

    /// A piece known by its bytes.
    public mutating func add(content: UnsafeRawBufferPointer, cuttable: Bool) {
        a.combine(content.count)
        a.combine(bytes: content)
        // The piece's own hash, from the piece alone: whether to cut after it must not depend
        // on the pieces before it in the segment, or a change would move every cut after it.
        var h = Self.mix(Self.seed ^ UInt64(content.count))
        var i = 0
        while i + 8 <= content.count {
            h = Self.mix(h ^ content.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            i += 8
        }
        var tail: UInt64 = 0
        while i < content.count {
            tail = tail << 8 | UInt64(content[i])
            i += 1
        }
        h = Self.mix(h ^ tail)
        b = Self.mix(b ^ h)
        bytes += content.count
        next += 1
        if cuttable { maybeCut(h, length: content.count) }
    }

    private mutating func maybeCut(_ hash: UInt64, length: Int) {
        guard bytes >= low, bytes >= high || Int(hash % UInt64(low)) < length else { return }
        cut()
    }

    private mutating func cut() {
        segments.append(BodySegment(pieces: first..<next, byteCount: bytes,
                                    key: BodySegment.Key(a: UInt64(UInt(bitPattern: a.finalize())), b: b, bytes: bytes)))
        first = next
        bytes = 0
        a = Hasher()
        b = Self.seed
    }

    /// The segments; the pieces after the last cut are the last one.
    public mutating func finish() -> [BodySegment] {
        if next > first { cut() }
        return segments
    }

    /// SplitMix64's finalizer: every input bit moves every output bit.
    static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
