import Dispatch

/// Runs the watch path's CPU-bound steps (decoding a LIST page, applying a relist or a read of a
/// watch stream) on a thread of their own instead of on Swift concurrency's cooperative pool.
///
/// That pool has one thread per core, and the HTTP server's handlers (a scrape, a push, the
/// status page) run on it too. Done inline in the reflectors' tasks, the 13 relists after a
/// dropped watch held every pool thread for hundreds of milliseconds at 10k tasks, and a scrape
/// that arrived then waited for a thread, not for the CPU (docs/benchmarks.md, session 9).
/// Off the pool, the heavy steps still use every core (`ParallelMap`), but a handler gets a
/// thread at once and shares the CPU with them under the kernel's scheduler.
///
/// One serial queue for every resource: each step is already spread over the cores inside, and
/// a reflector awaits its step before the next, so its own events stay in order.
public enum WatchWork {
    static let queue = DispatchQueue(label: "sedna.watch-work")

    /// `work` on the watch-work thread; its result or error handed back to the awaiting task.
    public static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try work() }) }
        }
    }

    /// `work` on the watch-work thread, for steps that cannot fail.
    public static func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: work()) }
        }
    }
}
