import CZlib

/// gzip for responses and for gzip'd intake bodies (pushes, relay batches), straight on zlib.
public enum Gzip {
    public struct Error: Swift.Error, CustomStringConvertible {
        public let description: String
    }

    /// The gzip stream of `input`; nil when zlib fails (an invalid level, no memory), so the
    /// caller can send the bytes uncompressed instead of an empty body labelled gzip.
    public static func compress(_ input: [UInt8], level: Int32 = 5) -> [UInt8]? {
        var stream = z_stream()
        // windowBits 15 + 16 selects the gzip wrapper.
        guard deflateInit2_(&stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
                            ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return nil }
        defer { deflateEnd(&stream) }
        let bound = Int(deflateBound(&stream, UInt(input.count))) + 32
        var out = [UInt8](repeating: 0, count: bound)
        var input = input
        let (rc, produced): (Int32, Int) = input.withUnsafeMutableBufferPointer { inBuf in
            out.withUnsafeMutableBufferPointer { outBuf in
                stream.next_in = inBuf.baseAddress
                stream.avail_in = UInt32(inBuf.count)
                stream.next_out = outBuf.baseAddress
                stream.avail_out = UInt32(outBuf.count)
                let rc = deflate(&stream, Z_FINISH)
                return (rc, outBuf.count - Int(stream.avail_out))
            }
        }
        // deflateBound makes one Z_FINISH call enough; anything but the end of the stream is a failure.
        guard rc == Z_STREAM_END else { return nil }
        out.removeSubrange(produced...)
        return out
    }

    /// Inflates gzip or zlib data, refusing to produce more than `limit` bytes (zip bombs).
    public static func decompress(_ input: [UInt8], limit: Int) throws -> [UInt8] {
        var stream = z_stream()
        // windowBits 15 + 32: detect gzip or zlib headers automatically.
        guard inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw Error(description: "zlib init failed")
        }
        defer { inflateEnd(&stream) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var input = input
        try input.withUnsafeMutableBufferPointer { inBuf in
            stream.next_in = inBuf.baseAddress
            stream.avail_in = UInt32(inBuf.count)
            while true {
                let (rc, produced): (Int32, Int) = chunk.withUnsafeMutableBufferPointer { c in
                    stream.next_out = c.baseAddress
                    stream.avail_out = UInt32(c.count)
                    let rc = inflate(&stream, Z_NO_FLUSH)
                    return (rc, c.count - Int(stream.avail_out))
                }
                out.append(contentsOf: chunk[0..<produced])
                if out.count > limit { throw Error(description: "decompressed body exceeds \(limit) bytes") }
                if rc == Z_STREAM_END { return }
                if rc != Z_OK { throw Error(description: "invalid gzip data (zlib code \(rc))") }
                if stream.avail_in == 0 && produced == 0 { throw Error(description: "truncated gzip data") }
            }
        }
        return out
    }
}

extension Gzip {
    /// A gzip member's 10-byte header: magic, deflate, no flags, no mtime, no extra flags, OS
    /// Unix (RFC 1952 section 2.3). No mtime keeps identical bodies byte-identical when gzipped.
    public static let memberHeader: [UInt8] = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3]

    /// A gzip member's trailer: CRC-32 and length (mod 2^32) of the uncompressed data, little-endian.
    public static func memberTrailer(crc: UInt32, length: Int) -> [UInt8] {
        let size = UInt32(truncatingIfNeeded: length)
        return (0..<4).map { UInt8(truncatingIfNeeded: crc >> (8 * $0)) } + (0..<4).map { UInt8(truncatingIfNeeded: size >> (8 * $0)) }
    }

    /// CRC-32 of `bytes` continuing from `crc` (the CRC of the bytes before them; 0 to start).
    public static func crc32(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return crc }
        return UInt32(CZlib.crc32(UInt(crc), base.assumingMemoryBound(to: UInt8.self), UInt32(bytes.count)))
    }

    public static func crc32(_ bytes: [UInt8], continuing crc: UInt32 = 0) -> UInt32 {
        bytes.withUnsafeBytes { crc32($0, continuing: crc) }
    }

    /// The CRC-32 of A followed by B from A's CRC, B's CRC and B's length (zlib's
    /// `crc32_combine`): a part compressed once and kept (the pushed groups of a scrape) joins
    /// the CRC of the parts before it without being read again.
    public static func crc32Combine(_ a: UInt32, _ b: UInt32, lengthOfB: Int) -> UInt32 {
        UInt32(CZlib.crc32_combine(UInt(a), UInt(b), Int(lengthOfB)))
    }

    /// Deflate stored blocks (RFC 1951 section 3.2.4) carrying `bytes` as they are, at most
    /// 65,535 bytes each, the last one marked final when `final`. They must begin at a byte
    /// boundary, which is where a sync-flushed raw stream (`RawDeflater.finish(final: false)`)
    /// ends. A scrape's self-metrics tail goes this way (`ScrapeBodyCache.storedTailLimit`): its
    /// few KiB compressed anew on every scrape cost more than they saved on the wire.
    public static func appendStoredBlocks(_ bytes: UnsafeRawBufferPointer, final: Bool, to out: inout [UInt8]) {
        let maxBlock = 65_535
        var offset = 0
        repeat {
            let n = min(maxBlock, bytes.count - offset)
            let last = offset + n == bytes.count
            // The block header's three bits (BFINAL, BTYPE 00) padded to the byte boundary.
            out.append(final && last ? 1 : 0)
            let len = UInt16(n), nlen = ~UInt16(n)
            out.append(contentsOf: [UInt8(len & 0xFF), UInt8(len >> 8), UInt8(nlen & 0xFF), UInt8(nlen >> 8)])
            if n > 0 { out.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + n)])) }
            offset += n
        } while offset < bytes.count
    }

    /// The bytes `appendStoredBlocks` writes for `count` bytes of data.
    public static func storedBlocksSize(_ count: Int) -> Int {
        count + 5 * max(1, (count + 65_534) / 65_535)
    }

    /// A raw deflate stream (no header or trailer) fed piece by piece, with the CRC-32 and length
    /// of what it was fed. Ended with `final: false` it stops at a byte boundary after a sync
    /// flush and without the last-block bit, so another raw stream's blocks may follow it: that is
    /// how a scrape reuses the compressed object families and compresses only the small tail that
    /// changes every scrape, still sending one ordinary gzip member.
    public final class RawDeflater {
        private var stream = z_stream()
        private var ok = false
        private var staging: [UInt8] = []
        private var window: [UInt8]
        public private(set) var output: [UInt8] = []
        public private(set) var crc: UInt32 = 0
        public private(set) var length = 0
        static let stagingSize = 1 << 16

        /// `expectedOutput` reserves the output (a previous size) so it does not regrow;
        /// `chunk` is zlib's output window per call (small for a scrape's few-KiB tail).
        public init(level: Int32 = 5, expectedOutput: Int = 0, chunk: Int = 1 << 17) {
            window = [UInt8](repeating: 0, count: max(64, chunk))
            // Negative windowBits: raw deflate.
            ok = deflateInit2_(&stream, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY,
                               ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK
            output.reserveCapacity(expectedOutput)
        }

        deinit { if ok { deflateEnd(&stream) } }

        /// Small pieces are gathered into 64 KiB before zlib sees them (one call per piece of a
        /// few hundred bytes would cost more than the compression).
        public func feed(_ bytes: UnsafeRawBufferPointer) {
            guard ok, !bytes.isEmpty else { return }
            crc = Gzip.crc32(bytes, continuing: crc)
            length += bytes.count
            if staging.count + bytes.count <= Self.stagingSize {
                if staging.isEmpty { staging.reserveCapacity(min(Self.stagingSize, max(bytes.count, 4096))) }
                staging.append(contentsOf: bytes)
                return
            }
            flushStaging()
            if bytes.count >= Self.stagingSize {
                run(bytes, flush: Z_NO_FLUSH)
            } else {
                staging.append(contentsOf: bytes)
            }
        }

        public func feed(_ bytes: [UInt8]) { bytes.withUnsafeBytes { feed($0) } }
        public func feed(_ bytes: ArraySlice<UInt8>) { bytes.withUnsafeBytes { feed($0) } }

        /// Ends the stream; nil when zlib failed at any point.
        public func finish(final: Bool) -> [UInt8]? {
            guard ok else { return nil }
            let pending = staging
            staging = []
            pending.withUnsafeBytes { run($0, flush: final ? Z_FINISH : Z_SYNC_FLUSH) }
            return ok ? output : nil
        }

        /// Starts a new raw stream with the same settings (zlib's state kept: no allocation), for
        /// many small streams one after another; the previous one's output is the caller's.
        public func reset(expectedOutput: Int = 0) {
            guard ok else { return }
            ok = deflateReset(&stream) == Z_OK
            staging.removeAll(keepingCapacity: true)
            output = []
            output.reserveCapacity(expectedOutput)
            crc = 0
            length = 0
        }

        private func flushStaging() {
            guard !staging.isEmpty else { return }
            staging.withUnsafeBytes { run($0, flush: Z_NO_FLUSH) }
            staging.removeAll(keepingCapacity: true)
        }

        private func run(_ input: UnsafeRawBufferPointer, flush: Int32) {
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: UInt8.self))
            stream.avail_in = UInt32(input.count)
            var rc: Int32 = Z_OK
            repeat {
                let produced: Int = window.withUnsafeMutableBufferPointer { w in
                    stream.next_out = w.baseAddress
                    stream.avail_out = UInt32(w.count)
                    rc = deflate(&stream, flush)
                    return w.count - Int(stream.avail_out)
                }
                output.append(contentsOf: window[0..<produced])
                // Z_BUF_ERROR only says no progress was possible (nothing left to do).
                if rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR { ok = false; return }
                if rc == Z_BUF_ERROR && produced == 0 {
                    if flush == Z_FINISH { ok = false }
                    break
                }
            } while stream.avail_out == 0 || (flush == Z_FINISH && rc != Z_STREAM_END)
            stream.next_in = nil
            if stream.avail_in != 0 { ok = false }
        }
    }
}
