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
        compress(part.segments(target: target), generation: part.generation, byteCount: part.byteCount) { part.forEachChunk(in: $0, $1) }
    }

    /// The pushed groups' raw deflate blocks (no last-block bit), as `ScrapeBodyCache.finishGzip`
    /// sends after the sections. Nil when zlib fails.
    func compress(_ part: PushPart) -> ScrapeBodyCache.Compressed? {
        compress(part.segments(target: target), generation: part.generation, byteCount: part.byteCount) { part.forEachChunk(in: $0, $1) }
    }

    /// `segments` of a part of `generation` (`byteCount` bytes) compressed, the kept ones reused;
    /// `chunks` hands the bytes of a range of the part's pieces to its second argument.
    private func compress(_ segments: [BodySegment], generation: UInt64, byteCount: Int,
                          chunks: (Range<Int>, (UnsafeRawBufferPointer) -> Void) -> Void) -> ScrapeBodyCache.Compressed? {
        let known = state.withLock { $0 }
        // One pass in body order: a kept segment is copied out of the last build's buffer, a
        // new or changed one deflated straight into the new buffer (no array per segment held
        // until the end: kept, a first build's 700 of them left 2-4 MiB of holes in the heap).
        // One zlib state for all of them, reset between segments; not spread over the cores
        // either: on two threads a first build kept 3-6 MiB more resident afterwards (zlib's
        // state and the outputs in a second malloc arena), for a build that runs once per change
        // or on a relist's background thread.
        var buffer = ByteBufferAllocator().buffer(capacity: max(known.buffer.readableBytes, byteCount / 24) + 16 * 1024)
        if memberHeader { buffer.writeBytes(Gzip.memberHeader) }
        var deflater: Gzip.RawDeflater?
        var crc: UInt32 = 0, length = 0, made = 0, madeBytes = 0
        var kept: [BodySegment.Key: Placed] = [:]
        kept.reserveCapacity(segments.count)
        for s in segments {
            let offset = buffer.writerIndex
            let placed: Placed
            if let old = known.segments[s.key] {
                var from = known.buffer.getSlice(at: old.offset, length: old.count)!
                buffer.writeBuffer(&from)
                placed = Placed(offset: offset, count: old.count, crc: old.crc, length: old.length)
            } else {
                let d = deflater ?? Gzip.RawDeflater(chunk: 16 * 1024)
                deflater = d
                d.reset(expectedOutput: s.byteCount / 16 + 64)
                chunks(s.pieces) { d.feed($0) }
                guard let raw = d.finish(final: false) else { return nil }
                buffer.writeBytes(raw)
                placed = Placed(offset: offset, count: raw.count, crc: d.crc, length: d.length)
                made += 1
                madeBytes += s.byteCount
            }
            crc = length == 0 ? placed.crc : Gzip.crc32Combine(crc, placed.crc, lengthOfB: placed.length)
            length += placed.length
            kept[s.key] = placed
        }
        deflated.add(made, ordering: .relaxed)
        deflatedBytes.add(madeBytes, ordering: .relaxed)
        reused.add(segments.count - made, ordering: .relaxed)
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
