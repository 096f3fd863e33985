#if canImport(Glibc)
import Glibc
#endif

/// Gives freed heap memory back to the kernel after a bulk change (a relist, a resource
/// forgotten). A relist builds every object's new tree and rendering before the old ones go;
/// glibc keeps the freed pages in its arenas, so without this the exporter's RSS steps up to
/// each relist's high-water mark and stays there (the soak, docs/reliability.md, saw a
/// 180 -> 200 MiB step after relists that a loaded machine forced). `malloc_trim(0)` returns
/// the free pages in the middle of the heaps too (glibc >= 2.8).
///
/// Looked up with `dlsym`: Swift's Glibc module does not export `malloc.h`, and another C
/// library (musl) simply has no such call, which leaves this a no-op.
enum MemoryRelease {
    private typealias Trim = @convention(c) (Int) -> Int32

    private static let trim: Trim? = {
        #if canImport(Glibc)
        guard let symbol = dlsym(nil, "malloc_trim") else { return nil }
        return unsafeBitCast(symbol, to: Trim.self)
        #else
        return nil
        #endif
    }()

    /// Whether the C library offers the call (glibc).
    static var available: Bool { trim != nil }

    static func afterBulkChange() {
        _ = trim?(0)
    }
}
