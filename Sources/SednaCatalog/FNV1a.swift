/// 64-bit FNV-1a: a hash stable across processes and versions (Swift's `Hasher` is seeded at
/// random), for shard assignment and for spreading simulated workers over sender lanes.
public enum FNV1a {
    public static func hash(_ s: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in s.utf8 {
            h ^= UInt64(b)
            h = h &* 0x100_0000_01b3
        }
        return h
    }
}
