import SednaCatalog

/// Decodes a large LIST body with its items parsed on every core.
///
/// A LIST of 20k pods is one document of tens of megabytes; parsed front to back it kept one
/// core busy while the exporter could do nothing else towards being ready. Here a cheap pass
/// finds where each member of the top-level object and each element of `items` begins and
/// ends (counting brackets outside strings, nothing decoded), then every piece goes through
/// the strict `JSONParser` on its own, the items side by side (`ParallelMap`).
///
/// The result is exactly `JSON.decode(body, droppingManagedFields: true)` (the watch path's
/// parse, which leaves out every `managedFields` member): anything the pass does not recognise as a
/// well-formed object with one `items` array (a byte order mark, a duplicate key, a piece the
/// strict parser rejects) makes `decode` return nil and the caller parses the whole body the
/// ordinary way, which then gives the same tree or the same error. `ListSplitterTests` holds
/// it to that on real LIST bodies and thousands of mutations of them.
public enum ListSplitter {
    /// Below this size the whole-body parse is as fast and the pass is not worth it.
    public static let minimumBytes = 256 << 10

    public static func decode(_ body: [UInt8]) -> JSON? {
        body.withUnsafeBytes { decode($0) }
    }

    public static func decode(_ body: UnsafeRawBufferPointer) -> JSON? {
        guard let d = decode(body, known: [:]) else { return nil }
        var out = d.members
        if let items = d.items { out["items"] = .array(items) }
        return .object(out)
    }

    /// A LIST body taken apart: its other members, and of `items` the parsed elements with the
    /// hash of each one's bytes, and the keys of the elements left unparsed as known.
    public struct Decoded: Sendable {
        public var members: [String: JSON] = [:]
        /// nil when the body has no `items` member.
        public var items: [JSON]?
        /// `ListItemHash` of each parsed item's bytes, parallel to `items`.
        public var hashes: [Int] = []
        /// The keys `known` gave for the items whose bytes hashed to one of its hashes.
        public var unchanged: [String] = []
    }

    /// As `decode(_:)`, but an item whose bytes hash (`ListItemHash`) to one of `known`'s is not
    /// parsed: its key is listed in `unchanged` instead (what a relist does with items the sink
    /// holds as listed; `RelistPage`).
    public static func decode(_ body: UnsafeRawBufferPointer, known: [Int: String]) -> Decoded? {
        guard let split = split(body) else { return nil }
        // The top-level object is depth 1 and `items` depth 2 in the whole-body parse.
        let memberDepth = JSONParser.defaultMaxDepth - 1, itemDepth = JSONParser.defaultMaxDepth - 2
        var out = Decoded()
        for (key, range) in split.members {
            guard let v = try? JSONParser.parse(UnsafeRawBufferPointer(rebasing: body[range]), maxDepth: memberDepth,
                                                droppingManagedFields: true) else { return nil }
            if key != "managedFields" { out.members[key] = v }
        }
        guard let ranges = split.items else { return out }
        enum Item { case parsed(JSON, Int), unchanged(String), invalid }
        let base = body.baseAddress.map { UInt(bitPattern: $0) } ?? 0
        let items = ParallelMap.map(ranges) { r -> Item in
            let piece = UnsafeRawBufferPointer(start: UnsafeRawPointer(bitPattern: base + UInt(r.lowerBound)), count: r.count)
            let hash = ListItemHash.of(piece)
            if let key = known[hash] { return .unchanged(key) }
            guard let item = try? JSONParser.parse(piece, maxDepth: itemDepth, droppingManagedFields: true) else { return .invalid }
            return .parsed(item, hash)
        }
        var parsed: [JSON] = []
        parsed.reserveCapacity(items.count)
        out.hashes.reserveCapacity(items.count)
        for item in items {
            switch item {
            case .parsed(let json, let hash):
                parsed.append(json)
                out.hashes.append(hash)
            case .unchanged(let key): out.unchanged.append(key)
            case .invalid: return nil
            }
        }
        out.items = parsed
        return out
    }

    struct Split {
        var members: [(String, Range<Int>)] = []
        var items: [Range<Int>]?
    }

    /// Where each top-level member's value and each item lies; nil for anything unusual.
    static func split(_ body: UnsafeRawBufferPointer) -> Split? {
        guard let p = body.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return nil }
        let end = body.count
        var seen = Set<String>()
        var out = Split()
        var i = ws(p, 0, end)
        guard i < end, p[i] == UInt8(ascii: "{") else { return nil }
        i = ws(p, i + 1, end)
        if i < end, p[i] == UInt8(ascii: "}") { return ws(p, i + 1, end) == end ? out : nil }
        while true {
            guard i < end, p[i] == UInt8(ascii: "\""), let keyEnd = valueEnd(p, i, end),
                  let key = try? JSONParser.parse(UnsafeRawBufferPointer(rebasing: body[i..<keyEnd])).string,
                  seen.insert(key).inserted else { return nil }
            i = ws(p, keyEnd, end)
            guard i < end, p[i] == UInt8(ascii: ":") else { return nil }
            i = ws(p, i + 1, end)
            if key == "items", i < end, p[i] == UInt8(ascii: "[") {
                guard let (items, after) = elements(p, i, end) else { return nil }
                out.items = items
                i = after
            } else {
                guard let valueEnd = valueEnd(p, i, end) else { return nil }
                out.members.append((key, i..<valueEnd))
                i = valueEnd
            }
            i = ws(p, i, end)
            guard i < end else { return nil }
            if p[i] == UInt8(ascii: ",") {
                i = ws(p, i + 1, end)
                continue
            }
            guard p[i] == UInt8(ascii: "}") else { return nil }
            return ws(p, i + 1, end) == end ? out : nil
        }
    }

    /// The elements of the array opening at `i`, and the index after its `]`.
    private static func elements(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> ([Range<Int>], Int)? {
        var out: [Range<Int>] = []
        var i = ws(p, start + 1, end)
        if i < end, p[i] == UInt8(ascii: "]") { return (out, i + 1) }
        while true {
            guard let e = valueEnd(p, i, end) else { return nil }
            out.append(i..<e)
            i = ws(p, e, end)
            guard i < end else { return nil }
            if p[i] == UInt8(ascii: ",") {
                i = ws(p, i + 1, end)
                continue
            }
            return p[i] == UInt8(ascii: "]") ? (out, i + 1) : nil
        }
    }

    @inline(__always) private static func ws(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Int {
        var i = start
        while i < end, p[i] == 0x20 || p[i] == 0x0A || p[i] == 0x0D || p[i] == 0x09 { i += 1 }
        return i
    }

    /// The index after the value that starts at `i`: brackets are counted outside strings,
    /// scalars run to the next delimiter. Lenient (the strict parse of the piece judges it);
    /// nil when the input ends first.
    static func valueEnd(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Int? {
        var i = start
        guard i < end else { return nil }
        switch p[i] {
        case UInt8(ascii: "\""):
            return stringEnd(p, i, end)
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0
            while i < end {
                switch p[i] {
                case UInt8(ascii: "\""):
                    guard let e = stringEnd(p, i, end) else { return nil }
                    i = e
                    continue
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 { return i + 1 }
                default:
                    break
                }
                i += 1
            }
            return nil
        default:
            while i < end {
                switch p[i] {
                case UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x0A, 0x0D, 0x09:
                    return i == start ? nil : i
                default:
                    i += 1
                }
            }
            return i == start ? nil : i
        }
    }

    /// The index after the closing quote of the string opening at `i`.
    private static func stringEnd(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Int? {
        var i = start + 1
        while i < end {
            switch p[i] {
            case UInt8(ascii: "\""): return i + 1
            case UInt8(ascii: "\\"): i += 2
            default: i += 1
            }
        }
        return nil
    }
}
