#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Synchronization

/// Gives freed heap memory back to the kernel after a bulk change (a relist, a resource
/// forgotten). A relist builds every object's new tree and rendering before the old ones go;
/// glibc keeps the freed pages in its arenas, so without this the exporter's RSS steps up to
/// each relist's high-water mark and stays there (the soak, docs/reliability.md, saw a
/// 180 -> 200 MiB step after relists that a loaded machine forced). `malloc_trim(0)` returns
/// the free pages in the middle of the heaps too (glibc >= 2.8).
///
/// Looked up with `dlsym`: Swift's Glibc module does not export `malloc.h`, and another C
/// library (musl) simply has no such call, which leaves this a no-op.
///
/// Churn frees memory all the time, not only in relists: every event replaces an object's tree
/// and rendering, every push a group. Freed by whichever thread, the chunks go back to the arena
/// that allocated them, and with the translation spread over the cores there are several arenas;
/// the one-hour soak of session 7 found 48 MiB in use in 100 MiB of arenas after 25 minutes, RSS
/// creeping up with each cycle of the simulated cluster. So the watch and push paths also call
/// `periodically()`, which trims at most every 30 seconds. The trim itself runs on a Dispatch
/// thread, never on the thread that asked (`schedule`).
public enum MemoryRelease {
    private typealias Trim = @convention(c) (Int) -> Int32
    private typealias Mallopt = @convention(c) (Int32, Int32) -> Int32

    /// glibc's `mallopt` parameters (malloc.h).
    static let mmapThresholdParameter: Int32 = -3
    static let arenaMaxParameter: Int32 = -8

    /// Allocator settings chosen at start, before the work spreads over threads.
    ///
    /// Trimming returns free pages but cannot undo fragmentation: the soak of session 7 found
    /// 34 MiB in use in 91 MiB of arenas after 40 minutes of churn. Two glibc defaults feed it
    /// here. glibc may create 8 arenas per core, and the watch path's translation (ParallelMap)
    /// and NIO's event loops each allocate from their own, every one keeping its freed chunks;
    /// so arenas are capped at the cores this process may use (at least 2). And glibc's mmap
    /// threshold is dynamic: after a large block (a scrape body, a LIST page) is freed it rises
    /// up to 32 MiB, so later bodies come from the heap and leave megabyte holes there; a fixed
    /// 1 MiB threshold keeps every large block in its own mapping, given back whole when freed.
    /// A 12-minute soak with the same two settings from the environment ran ~8 % lower.
    ///
    /// The operator's own choice wins: with `MALLOC_ARENA_MAX`, `MALLOC_MMAP_THRESHOLD_` or
    /// `GLIBC_TUNABLES` in the environment nothing is set.
    public static func allocatorSettings(cores: Int, environment: [String: String]) -> [(parameter: Int32, value: Int32)] {
        let overridden = ["MALLOC_ARENA_MAX", "MALLOC_MMAP_THRESHOLD_", "GLIBC_TUNABLES"].contains { environment[$0] != nil }
        if overridden { return [] }
        return [(mmapThresholdParameter, 1 << 20), (arenaMaxParameter, Int32(clamping: max(2, cores)))]
    }

    /// Applies `allocatorSettings`; returns the settings glibc accepted (none on another C
    /// library, which has no `mallopt`).
    @discardableResult
    public static func configureAllocator(cores: Int, environment: [String: String]) -> [(parameter: Int32, value: Int32)] {
        #if canImport(Glibc)
        guard let symbol = dlsym(nil, "mallopt") else { return [] }
        let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
        return allocatorSettings(cores: cores, environment: environment).filter { mallopt($0.parameter, $0.value) == 1 }
        #else
        return []
        #endif
    }

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
        lastTrim.store(monotonicNanos(), ordering: .relaxed)
        trims.add(1, ordering: .relaxed)
        schedule()
    }

    /// Trims when the last trim is at least `seconds` old; one caller wins a race, the others
    /// return at once.
    public static func periodically(every seconds: Int64 = 30) {
        guard available else { return }
        let now = monotonicNanos()
        let last = lastTrim.load(ordering: .relaxed)
        guard now - last >= seconds * 1_000_000_000,
              lastTrim.compareExchange(expected: last, desired: now, ordering: .relaxed).exchanged else { return }
        trims.add(1, ordering: .relaxed)
        schedule()
    }

    /// Runs the trim on a Dispatch thread, never on the caller's: `malloc_trim` walks every arena
    /// under its lock (tens of milliseconds at 10k tasks), and the callers are a push being
    /// answered, a watch batch, or a relist on `BackgroundThreads`, whose low priority would
    /// keep the arena locks held while request threads wait for them. Requests made while a
    /// trim is pending join it (a relist's 13 resources end within moments of each other).
    private static func schedule() {
        guard available, pending.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else { return }
        DispatchQueue.global().async {
            // Cleared first: what is freed while this trim runs asks for the next.
            pending.store(false, ordering: .releasing)
            _ = trim?(0)
            trimsDone.add(1, ordering: .relaxed)
        }
    }

    private static let pending = Atomic<Bool>(false)
    private static let lastTrim = Atomic<Int64>(0)
    /// Trims asked for past the rate limit, and trims run (tests).
    static let trims = Atomic<Int>(0)
    static let trimsDone = Atomic<Int>(0)

    private static func monotonicNanos() -> Int64 {
        #if canImport(Glibc)
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Int64(t.tv_sec) * 1_000_000_000 + Int64(t.tv_nsec)
        #else
        return 0
        #endif
    }
}
