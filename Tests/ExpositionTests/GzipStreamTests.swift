import Exposition
import Testing

/// The raw deflate stream a cached gzip body is made of: a sync-flushed head, a final tail from
/// another stream, one header and one trailer; it must inflate to exactly the bytes fed.
@Suite struct GzipStreamTests {
    func member(head: [[UInt8]], tail: [UInt8]) throws -> [UInt8] {
        let h = Gzip.RawDeflater()
        for piece in head { h.feed(piece) }
        let headBytes = try #require(h.finish(final: false))
        let t = Gzip.RawDeflater()
        t.feed(tail)
        let tailBytes = try #require(t.finish(final: true))
        let crc = Gzip.crc32(tail, continuing: h.crc)
        #expect(h.length == head.reduce(0) { $0 + $1.count })
        return Gzip.memberHeader + headBytes + tailBytes + Gzip.memberTrailer(crc: crc, length: h.length + tail.count)
    }

    @Test func headAndTailInflateToTheirConcatenation() throws {
        // Empty, tiny, many small pieces, pieces larger than the staging buffer, incompressible.
        var rng = SystemRandomNumberGenerator()
        let noise = (0..<300_000).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let cases: [[[UInt8]]] = [
            [], [[]], [Array("a\n".utf8)],
            (0..<5000).map { Array("sedna_task_info{namespace=\"ns\",name=\"task-\($0)\"} 1\n".utf8) },
            [Array(repeating: 0x41, count: 200_000), Array("x".utf8), Array(repeating: 0x42, count: 70_000)],
            [noise],
        ]
        for head in cases {
            for tail in [[], Array("# EOF\n".utf8), Array(noise.prefix(100_000))] {
                let z = try member(head: head, tail: tail)
                let inflated = try Gzip.decompress(z, limit: 1 << 24)
                #expect(inflated == head.flatMap { $0 } + tail)
            }
        }
    }

    @Test func storedBlocksAreRFC1951ByteForByte() {
        var out: [UInt8] = []
        Array("ab".utf8).withUnsafeBytes { Gzip.appendStoredBlocks($0, final: true, to: &out) }
        // BFINAL 1, BTYPE 00, padded; LEN 2, NLEN ~2, the bytes.
        #expect(out == [1, 2, 0, 0xFD, 0xFF, 0x61, 0x62])
        out = []
        [UInt8]().withUnsafeBytes { Gzip.appendStoredBlocks($0, final: true, to: &out) }
        #expect(out == [1, 0, 0, 0xFF, 0xFF])
        out = []
        [UInt8](repeating: 7, count: 65_536).withUnsafeBytes { Gzip.appendStoredBlocks($0, final: false, to: &out) }
        #expect(Array(out.prefix(5)) == [0, 0xFF, 0xFF, 0, 0])
        #expect(Array(out[(5 + 65_535)..<(10 + 65_535)]) == [0, 1, 0, 0xFE, 0xFF])
        #expect(out.count == Gzip.storedBlocksSize(65_536))
    }

    @Test func aStoredTailAfterACompressedHeadInflatesToTheirConcatenation() throws {
        var rng = SystemRandomNumberGenerator()
        let noise = (0..<140_000).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let heads: [[UInt8]] = [[], Array("sedna_task_info{} 1\n".utf8), Array(repeating: 0x41, count: 200_000)]
        // Empty, one block, exactly one full block, several blocks.
        let tails: [[UInt8]] = [[], Array("# EOF\n".utf8), Array(noise.prefix(65_535)), noise]
        for head in heads {
            for tail in tails {
                let h = Gzip.RawDeflater()
                h.feed(head)
                var z = try Gzip.memberHeader + #require(h.finish(final: false))
                tail.withUnsafeBytes { Gzip.appendStoredBlocks($0, final: true, to: &z) }
                z += Gzip.memberTrailer(crc: Gzip.crc32(tail, continuing: h.crc), length: h.length + tail.count)
                #expect(try Gzip.decompress(z, limit: 1 << 24) == head + tail)
            }
        }
    }

    @Test func crcContinuesAcrossPieces() {
        let a = Array("hello ".utf8), b = Array("world".utf8)
        #expect(Gzip.crc32(b, continuing: Gzip.crc32(a)) == Gzip.crc32(a + b))
        #expect(Gzip.crc32(Array("123456789".utf8)) == 0xCBF4_3926)
    }

    @Test func trailerIsLittleEndianAndLengthWraps() {
        #expect(Gzip.memberTrailer(crc: 0x0102_0304, length: 5) == [4, 3, 2, 1, 5, 0, 0, 0])
        #expect(Gzip.memberTrailer(crc: 0, length: (1 << 32) + 7) == [0, 0, 0, 0, 7, 0, 0, 0])
    }

    @Test func aFailedStreamSaysSo() {
        let d = Gzip.RawDeflater(level: 42)
        d.feed(Array("x".utf8))
        #expect(d.finish(final: true) == nil)
    }
}
