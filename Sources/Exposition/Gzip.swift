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
