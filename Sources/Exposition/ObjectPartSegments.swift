/// The object part cut into segments that stay the same from one body to the next where the
/// objects in them did not change, so that a gzip'd body can be built from segments compressed
/// earlier and only the changed ones deflated again (`CompressedSegments` in ExporterCore).
///
/// Under churn nearly every scrape found the store changed and deflated the whole object part
/// (a 19 MiB body at 100 simulated tasks): nginx serving the same bytes under the same load kept
/// its p99 at 1.6x its idle p99, ours was 57x (docs/benchmarks.md, session 18). One pod event
/// changes the pod's slice in each of its eight families; with the part in segments of about
/// 64 KiB, those are eight segments to deflate, not 300.
extension ObjectPart {
    /// One segment: `pieces` of the part, `byteCount` bytes, and a key that equals another
    /// segment's only when both are the same pieces of the same renderings (see `segments`).
    public struct Segment: Sendable, Equatable {
        public let pieces: Range<Int>
        public let byteCount: Int
        public let key: Key

        /// Two independent 64-bit hashes of the pieces' identities, with the byte count.
        public struct Key: Hashable, Sendable {
            let a: UInt64
            let b: UInt64
            let bytes: Int
        }
    }

    /// Segments of about `target` bytes (at least half of it, at most four times it, a family's
    /// header and an object's slice never split), cut where the content says: after a slice
    /// whose identity hashes below a threshold proportional to its length (content-defined
    /// chunking). A change in one object moves no cut outside its own neighbourhood, so an
    /// insertion or a removal shifts no segment after it the way cutting every N pieces would.
    ///
    /// A piece's identity is its rendering's id (`RenderedObject.id`, never given twice; for a
    /// family header, the address of the header's bytes, which live as long as the process) and
    /// the range in it. Renderings are immutable and a changed object gets a new one, so equal
    /// identities are equal bytes; the keys hash them (two independent 64-bit hashes and the
    /// byte count).
    public func segments(target: Int = 64 * 1024) -> [Segment] {
        let low = max(1, target / 2), high = max(low, target * 4)
        var out: [Segment] = []
        out.reserveCapacity(byteCount / max(1, target) + 1)
        var first = 0, bytes = 0
        var a = Hasher(), b: UInt64 = 0x9E37_79B9_7F4A_7C15
        objects.withUnsafeBufferPointer { objects in
            for (i, p) in pieces.enumerated() {
                let source: UInt64, length: Int
                if p.object < 0 {
                    // Header addresses are far below 2^63; ids count up from 1 and never get there.
                    source = headers[Int(p.start)].withUnsafeBufferPointer { UInt64(UInt(bitPattern: $0.baseAddress)) } | 1 << 63
                    length = headers[Int(p.start)].count
                } else {
                    source = objects[Int(p.object)].id
                    length = Int(p.end - p.start)
                }
                let range = UInt64(UInt32(bitPattern: p.start)) << 32 | UInt64(UInt32(bitPattern: p.end))
                a.combine(source)
                a.combine(range)
                b = Self.mix(Self.mix(b ^ source) ^ range)
                let identity = source ^ range
                bytes += length
                let last = i == pieces.count - 1
                // Cut after an object's slice when the segment is long enough and the slice's
                // hash says so, or when it is as long as allowed; never after a header alone.
                let cut = last || (p.object >= 0 && bytes >= low
                    && (bytes >= high || Int(Self.mix(identity) % UInt64(low)) < length))
                guard cut else { continue }
                out.append(Segment(pieces: first..<(i + 1), byteCount: bytes,
                                   key: Segment.Key(a: UInt64(UInt(bitPattern: a.finalize())), b: b, bytes: bytes)))
                first = i + 1
                bytes = 0
                a = Hasher()
                b = 0x9E37_79B9_7F4A_7C15
            }
        }
        return out
    }

    /// Hands the pieces of `range` to `body` in order, as memory valid only for that call.
    public func forEachChunk(in range: Range<Int>, _ body: (UnsafeRawBufferPointer) -> Void) {
        objects.withUnsafeBufferPointer { objects in
            for p in pieces[range] {
                if p.object < 0 {
                    headers[Int(p.start)].withUnsafeBytes(body)
                } else {
                    objects[Int(p.object)].bytes.withUnsafeBytes { all in
                        body(UnsafeRawBufferPointer(rebasing: all[Int(p.start)..<Int(p.end)]))
                    }
                }
            }
        }
    }

    /// SplitMix64's finalizer: every input bit moves every output bit.
    static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
