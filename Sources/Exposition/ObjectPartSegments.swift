extension ObjectPart {
    public typealias Segment = BodySegment

    /// The part in segments of about `target` bytes (`SegmentCutter`), a family's header never
    /// last in one. One pod event changes the pod's slice in each of its eight families: with
    /// the part in segments of about 64 KiB, those are eight segments to deflate, not 300.
    ///
    /// A piece's identity is its rendering's id (`RenderedObject.id`, never given twice; for a
    /// family header, the address of the header's bytes, which live as long as the process) and
    /// the range in it. Renderings are immutable and a changed object gets a new one, so equal
    /// identities are equal bytes.
    public func segments(target: Int = 64 * 1024) -> [Segment] {
        var cutter = SegmentCutter(target: target, expectedBytes: byteCount)
        objects.withUnsafeBufferPointer { objects in
            for p in pieces {
                let range = UInt64(UInt32(bitPattern: p.start)) << 32 | UInt64(UInt32(bitPattern: p.end))
                if p.object < 0 {
                    // Header addresses are far below 2^63; ids count up from 1 and never get there.
                    let header = headers[Int(p.start)]
                    let address = header.withUnsafeBufferPointer { UInt64(UInt(bitPattern: $0.baseAddress)) } | 1 << 63
                    cutter.add(source: address, range: range, length: header.count, cuttable: false)
                } else {
                    cutter.add(source: objects[Int(p.object)].id, range: range, length: Int(p.end - p.start), cuttable: true)
                }
            }
        }
        return cutter.finish()
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
}
