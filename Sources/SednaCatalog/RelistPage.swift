/// One LIST page of a relist as a sink that takes relists page by page gets it: the objects to
/// apply, each with the hash of its bytes as listed, and the keys of the items the sink already
/// holds exactly as listed (their bytes were not parsed at all).
///
/// Why: a relist (a watch cut with 410 Gone, a dropped connection) lists every object again,
/// and at 10k tasks parsing and translating the 30k listed objects cost seconds of CPU on the
/// cores that also serve scrapes, while nearly all of them were unchanged. An item whose bytes
/// hash to one the sink recorded for an object it holds as listed (`knownListItems`) is that
/// object, unchanged: the same bytes parse to the same tree, so keeping what the sink made of
/// it is what applying it again would give (docs/architecture.md, "I/O adapters").
public struct RelistPage: Sendable {
    public var objects: [KubeObject]
    /// `ListItemHash` of each object's bytes in the LIST body (parallel to `objects`); 0 where
    /// not known (a page parsed whole, a sink's own call).
    public var hashes: [Int]
    /// Keys of the items that were byte for byte what the sink applied before.
    public var unchanged: [String]

    public init(objects: [KubeObject], hashes: [Int]? = nil, unchanged: [String] = []) {
        self.objects = objects
        self.hashes = hashes ?? Array(repeating: 0, count: objects.count)
        self.unchanged = unchanged
        precondition(self.hashes.count == objects.count, "one hash per object")
    }

    /// Every key the page lists: its objects' and the unchanged ones.
    public var keys: [String] { objects.map(\.key) + unchanged }
}

/// The hash a relist compares a LIST item's bytes by: 64-bit SipHash (Swift's `Hasher`,
/// seeded per process, so nothing outside the process can aim at a collision), never 0 (0 is
/// "not known"). An item is taken for unchanged when its hash is one the sink recorded for the
/// resource at its last LIST: a changed item of a resource of n objects is mistaken with a
/// probability of about n x 2^-64 (1.6e-15 at 30k objects).
public enum ListItemHash {
    public static func of(_ bytes: UnsafeRawBufferPointer) -> Int {
        var h = Hasher()
        h.combine(bytes.count)
        h.combine(bytes: bytes)
        let v = h.finalize()
        return v == 0 ? 1 : v
    }
}
