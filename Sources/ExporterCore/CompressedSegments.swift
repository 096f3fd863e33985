import Exposition
import NIOCore
import Synchronization

/// The gzip'd object part made of segments deflated once and kept (`ObjectPart.segments`):
/// building the body for a changed store deflates only the segments whose objects changed and
/// copies the rest as they were compressed.
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
        var segments: [ObjectPart.Segment.Key: Placed] = [:]
        var generation: UInt64 = 0
    }

    private let state = Mutex(State())
    /// Segments of about this many bytes.
    let target: Int
    /// Segments deflated and segments reused since start (tests, docs/benchmarks.md).
    let deflated = Atomic<Int>(0)
    let reused = Atomic<Int>(0)

    init(target: Int = 64 * 1024) {
        self.target = target
    }

    /// The gzip member header and the part's raw deflate stream (no last-block bit), with its
    /// CRC-32 and length, as `ScrapeBodyCache` sends before the tail. Nil when zlib fails.
    func compress(_ part: ObjectPart) -> ScrapeBodyCache.Compressed? {
        let segments = part.segments(target: target)
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
                part.forEachChunk(in: segments[i].pieces) { deflater.feed($0) }
                guard let raw = deflater.finish(final: false) else { return nil }
                fresh[i] = (raw, deflater.crc, deflater.length)
            }
        }
        deflated.add(missing.count, ordering: .relaxed)
        reused.add(segments.count - missing.count, ordering: .relaxed)

        var size = Gzip.memberHeader.count
        for (i, s) in segments.enumerated() { size += fresh[i]?.raw.count ?? known.segments[s.key]!.count }
        var buffer = ByteBufferAllocator().buffer(capacity: size)
        buffer.writeBytes(Gzip.memberHeader)
        var crc: UInt32 = 0, length = 0
        var kept: [ObjectPart.Segment.Key: Placed] = [:]
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
            if part.generation >= s.generation {
                s = State(buffer: built, segments: kept, generation: part.generation)
            }
        }
        return ScrapeBodyCache.Compressed(buffer: buffer, crc: crc, length: length)
    }

    /// Segments kept (tests).
    var count: Int { state.withLock { $0.segments.count } }
}
