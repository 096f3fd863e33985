import Exposition
import Intake
import NIOCore
import Synchronization

/// A gzip'd part of the body made of segments deflated once and kept (`BodySegment`; the
/// object part's `ObjectPart.segments`, the pushed groups' `PushPart.segments`): building the
/// body after a change deflates only the segments whose pieces changed and copies the rest as
/// they were compressed.
///
/// Each segment is a raw deflate stream of its own, ended by a sync flush without the last-block
/// bit (`Gzip.RawDeflater.finish(final: false)`), so any sequence of them is one valid deflate
/// stream, its CRC joined with `Gzip.crc32Combine`. A segment starts with an empty window: at
/// about 64 KiB that costs about 4 % more compressed bytes than one stream over the whole part
/// (1.34 against 1.29 MB at 10k tasks, docs/benchmarks.md, session 18).
///
/// What is kept is the last build's buffer and where each of its segments lies in it: the
/// segments are not held twice, and the next build copies the unchanged ones out of it.
final class CompressedSegments: Sendable {
    /// Where a segment's raw deflate blocks lie in the kept buffer, and the CRC-32 and length of
    /// the bytes they compress.
    struct Placed: Sendable {
        let offset: Int
        let count: Int
        let crc: UInt32
        let length: Int
    }

    private struct State: Sendable {
        var buffer = ByteBuffer()
        var segments: [BodySegment.Key: Placed] = [:]
        var generation: UInt64 = 0
    }

    private let state = Mutex(State())
    /// Segments of about this many bytes.
    let target: Int
    /// Segments deflated and segments reused since start (`sedna_exporter_gzip_segments_total`).
    let deflated = Atomic<Int>(0)
    let reused = Atomic<Int>(0)
    /// Bytes fed to zlib since start (`sedna_exporter_gzip_deflated_bytes_total`).
    let deflatedBytes = Atomic<Int>(0)

    /// With `memberHeader`, what `compress` returns starts with the gzip member header (the
    /// object part, first in the body); without, it is raw deflate blocks only (a later part).
    let memberHeader: Bool

    init(target: Int = 64 * 1024, memberHeader: Bool = true) {
        self.target = target
        self.memberHeader = memberHeader
    }

    /// The gzip member header and the object part's raw deflate stream (no last-block bit),
    /// with its CRC-32 and length, as `ScrapeBodyCache` sends before the tail. Nil when zlib
    /// fails.
    func compress(_ part: ObjectPart) -> ScrapeBodyCache.Compressed? {
        compress(part.segments(target: target), generation: part.generation) { part.forEachChunk(in: $0, $1) }
    }

    /// The pushed groups' raw deflate blocks (no last-block bit), as `ScrapeBodyCache.finishGzip`
    /// sends after the sections. Nil when zlib fails.
    func compress(_ part: PushPart) -> ScrapeBodyCache.Compressed? {
        compress(part.segments(target: target), generation: part.generation) { part.forEachChunk(in: $0, $1) }
    }

    /// `segments` of a part of `generation` compressed, the kept ones reused; `chunks` hands the
    /// bytes of a range of the part's pieces to its second argument.
    private func compress(_ segments: [BodySegment], generation: UInt64,
                          chunks: (Range<Int>, (UnsafeRawBufferPointer) -> Void) -> Void) -> ScrapeBodyCache.Compressed? {
        let known = state.withLock { $0 }
        var missing: [Int] = []
        for (i, s) in segments.enumerated() where known.segments[s.key] == nil { missing.append(i) }
        // One zlib state for all of them, reset between segments. Not spread over the cores: a
        // first build (the whole part) on two threads kept 3-6 MiB more resident afterwards
        // (zlib's state and the outputs allocated in a second malloc arena), for a build that
        // happens on a relist's background thread or once per change.
        var fresh: [Int: (raw: [UInt8], crc: UInt32, length: Int)] = [:]
        if !missing.isEmpty {
            let deflater = Gzip.RawDeflater(chunk: 16 * 1024)
            for i in missing {
                deflater.reset(expectedOutput: segments[i].byteCount / 16 + 64)
                chunks(segments[i].pieces) { deflater.feed($0) }
                guard let raw = deflater.finish(final: false) else { return nil }
                fresh[i] = (raw, deflater.crc, deflater.length)
            }
        }
        deflated.add(missing.count, ordering: .relaxed)
        deflatedBytes.add(missing.reduce(0) { $0 + segments[$1].byteCount }, ordering: .relaxed)
        reused.add(segments.count - missing.count, ordering: .relaxed)

        var size = memberHeader ? Gzip.memberHeader.count : 0
        for (i, s) in segments.enumerated() { size += fresh[i]?.raw.count ?? known.segments[s.key]!.count }
        var buffer = ByteBufferAllocator().buffer(capacity: size)
        if memberHeader { buffer.writeBytes(Gzip.memberHeader) }
        var crc: UInt32 = 0, length = 0
        var kept: [BodySegment.Key: Placed] = [:]
        kept.reserveCapacity(segments.count)
        for (i, s) in segments.enumerated() {
            let offset = buffer.writerIndex
            let placed: Placed
            if let f = fresh[i] {
                buffer.writeBytes(f.raw)
                placed = Placed(offset: offset, count: f.raw.count, crc: f.crc, length: f.length)
            } else {
                let old = known.segments[s.key]!
                var from = known.buffer.getSlice(at: old.offset, length: old.count)!
                buffer.writeBuffer(&from)
                placed = Placed(offset: offset, count: old.count, crc: old.crc, length: old.length)
            }
            crc = length == 0 ? placed.crc : Gzip.crc32Combine(crc, placed.crc, lengthOfB: placed.length)
            length += placed.length
            kept[s.key] = placed
        }
        let built = buffer
        state.withLock { s in
            // An older store's build finishing late does not replace a newer one's segments.
            if generation >= s.generation {
                s = State(buffer: built, segments: kept, generation: generation)
            }
        }
        return ScrapeBodyCache.Compressed(buffer: buffer, crc: crc, length: length)
    }

    /// Segments kept (tests).
    var count: Int { state.withLock { $0.segments.count } }
}

/// What the gzip'd bodies' segments cost since start, summed over the formats, for
/// `sedna_exporter_gzip_segments_total` and `sedna_exporter_gzip_deflated_bytes_total`.
struct GzipSegmentCounts: Sendable {
    var objects = (deflated: 0, reused: 0, bytes: 0)
    var pushes = (deflated: 0, reused: 0, bytes: 0)

    init() {}

    init(objects: [CompressedSegments], pushes: [CompressedSegments]) {
        func sum(_ all: [CompressedSegments]) -> (deflated: Int, reused: Int, bytes: Int) {
            all.reduce((0, 0, 0)) {
                ($0.0 + $1.deflated.load(ordering: .relaxed), $0.1 + $1.reused.load(ordering: .relaxed),
                 $0.2 + $1.deflatedBytes.load(ordering: .relaxed))
            }
        }
        self.objects = sum(objects)
        self.pushes = sum(pushes)
    }
}
