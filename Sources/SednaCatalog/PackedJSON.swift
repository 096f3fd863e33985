/// A `JSON` tree packed into one byte array, for trees kept a long time and read rarely.
///
/// The inventory keeps every owned pod and federated job for re-rendering when its node's
/// location or a dataset's sample count changes (`ReRenderFields`), which happens seldom. As
/// a tree, each object was dozens of allocations: a dictionary per object (a hash table with
/// room to spare), an array per list, a heap string for each value over 15 bytes (UIDs,
/// timestamps, label values). At 10k tasks the kept trees were 62 MiB of the exporter's
/// 144 MiB live heap (heaptrack, docs/benchmarks.md session 11); packed, one allocation of
/// about the size of the object's compact JSON.
///
/// Not JSON text: no escaping, no number formatting, no key sorting, so packing costs one walk
/// of the tree and a copy of its strings' bytes. Layout, in order: a tag byte, then for a whole
/// number below 2^53 its zigzag LEB128, for another number its IEEE 754 bits (8 bytes,
/// little-endian); for a string its UTF-8 length (LEB128) and bytes;
/// for an array its count (LEB128) and elements; for an object its count and, per member, the
/// key as a string and the value. Unpacking gives an equal tree (`PackedJSONTests`, and the
/// `watch` fuzz target for every object it decodes); bytes that are not a packing (cut short,
/// an unknown tag, a non-finite number) unpack to nil, never a crash.
public enum PackedJSON {
    private enum Tag: UInt8 {
        case null = 0, `false`, `true`, number, string, array, object, integer
    }

    public static func pack(_ value: JSON) -> [UInt8] {
        // Written into room for a whole pod (no regrowth on the way), kept at its exact size:
        // the packing lives as long as its object.
        var out: [UInt8] = []
        out.reserveCapacity(4096)
        pack(value, into: &out)
        return [UInt8](unsafeUninitializedCapacity: out.count) { buffer, count in
            count = buffer.initialize(fromContentsOf: out)
        }
    }

    private static func pack(_ value: JSON, into out: inout [UInt8]) {
        switch value {
        case .null: out.append(Tag.null.rawValue)
        case .bool(let b): out.append(b ? Tag.true.rawValue : Tag.false.rawValue)
        case .number(let d) where d == d.rounded() && abs(d) < 9_007_199_254_740_992 && !(d == 0 && d.sign == .minus):
            // Whole numbers (restart counts, ports, timestamps' parts) in a byte or a few.
            out.append(Tag.integer.rawValue)
            let i = Int64(d)
            packLength(Int(bitPattern: UInt((i << 1) ^ (i >> 63))), into: &out)
        case .number(let d):
            out.append(Tag.number.rawValue)
            var bits = d.bitPattern
            for _ in 0..<8 {
                out.append(UInt8(truncatingIfNeeded: bits))
                bits >>= 8
            }
        case .string(let s):
            out.append(Tag.string.rawValue)
            packString(s, into: &out)
        case .array(let a):
            out.append(Tag.array.rawValue)
            packLength(a.count, into: &out)
            for v in a { pack(v, into: &out) }
        case .object(let o):
            out.append(Tag.object.rawValue)
            packLength(o.count, into: &out)
            for (k, v) in o {
                packString(k, into: &out)
                pack(v, into: &out)
            }
        }
    }

    private static func packString(_ s: String, into out: inout [UInt8]) {
        var s = s
        s.withUTF8 { utf8 in
            packLength(utf8.count, into: &out)
            out.append(contentsOf: utf8)
        }
    }

    private static func packLength(_ n: Int, into out: inout [UInt8]) {
        var n = UInt(n)
        while n >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: n) | 0x80)
            n >>= 7
        }
        out.append(UInt8(n))
    }

    /// The tree `bytes` packs; nil when they are not a packing of one value.
    public static func unpack(_ bytes: [UInt8]) -> JSON? {
        bytes.withUnsafeBufferPointer { buffer in
            var reader = Reader(bytes: buffer)
            guard let value = reader.value(depth: 0), reader.at == buffer.count else { return nil }
            return value
        }
    }

    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var at = 0

        /// Deeper than any tree `JSONParser` builds (its default limit); a hostile packing
        /// cannot recurse without end.
        static let maxDepth = JSONParser.defaultMaxDepth

        mutating func value(depth: Int) -> JSON? {
            guard depth <= Self.maxDepth, at < bytes.count, let tag = Tag(rawValue: bytes[at]) else { return nil }
            at += 1
            switch tag {
            case .null: return .null
            case .false: return .bool(false)
            case .true: return .bool(true)
            case .number:
                guard bytes.count - at >= 8 else { return nil }
                var bits: UInt64 = 0
                for i in (0..<8).reversed() { bits = bits << 8 | UInt64(bytes[at + i]) }
                at += 8
                // JSON has no NaN or infinity (`JSONParser` refuses them): no packing holds one.
                let d = Double(bitPattern: bits)
                return d.isFinite ? .number(d) : nil
            case .integer:
                guard let z = varint(), z < 1 << 54 else { return nil }
                return .number(Double(Int64(z >> 1) ^ -Int64(z & 1)))
            case .string:
                return string().map(JSON.string)
            case .array:
                guard let n = length() else { return nil }
                var a: [JSON] = []
                a.reserveCapacity(n)
                for _ in 0..<n {
                    guard let v = value(depth: depth + 1) else { return nil }
                    a.append(v)
                }
                return .array(a)
            case .object:
                guard let n = length() else { return nil }
                var o: [String: JSON] = [:]
                o.reserveCapacity(n)
                for _ in 0..<n {
                    guard let k = string(), let v = value(depth: depth + 1) else { return nil }
                    o[k] = v
                }
                return .object(o)
            }
        }

        /// A count or byte length; nil past the end or when it cannot fit what is left (every
        /// element takes at least a byte).
        mutating func length() -> Int? {
            guard let n = varint(), n <= UInt64(bytes.count - at) else { return nil }
            return Int(n)
        }

        /// LEB128, at most 9 bytes (63 bits).
        mutating func varint() -> UInt64? {
            var n: UInt64 = 0, shift: UInt64 = 0
            while at < bytes.count, shift < 63 {
                let b = bytes[at]
                at += 1
                n |= UInt64(b & 0x7F) << shift
                if b < 0x80 { return n }
                shift += 7
            }
            return nil
        }

        mutating func string() -> String? {
            guard let n = length() else { return nil }
            let s = String(decoding: UnsafeBufferPointer(rebasing: bytes[at..<(at + n)]), as: UTF8.self)
            at += n
            return s
        }
    }
}
