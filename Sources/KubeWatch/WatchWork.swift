import SednaCatalog

/// Runs the reflectors' large CPU-bound relist steps (parsing a big LIST page, applying a
/// relist) on threads outside Swift concurrency's cooperative pool.
///
/// That pool has one thread per core, and the HTTP server's handlers (a scrape, a push, the
/// status page) run on it too. Done inline in the reflectors' tasks, the 13 relists after a
/// dropped watch held every pool thread for hundreds of milliseconds at 10k tasks, and a scrape
/// or a push that arrived then waited for a thread, not for the CPU (docs/benchmarks.md,
/// session 9). Off the pool the steps still use every core (`ParallelMap`), but a handler gets a
/// thread at once and shares the CPU with them under the kernel's scheduler.
///
/// The steps run on `BackgroundThreads`: a thread per core of the exporter's own, at a lower
/// CPU priority (nice +10), any free thread taking the next step, so a relist keeps every core
/// it can get and a request still gets the CPU first (docs/benchmarks.md, session 12). Before
/// that they ran on as many Dispatch serial queues as cores at the requests' priority, and a
/// scrape or a push during a relist of 10k tasks was held up 70-110 ms. Layouts measured in
/// session 9: one queue for everything made the first sync about 20 % slower (resources no
/// longer relist side by side); a queue per resource kept the sync time but ran up to 13
/// relists at once, 15-30 MiB more RSS and the handlers crowded out by as many runnable
/// threads. A reflector awaits each step before the next, so its own changes stay in order on
/// whichever thread runs them. Small steps, and the reads of a watch stream (a few
/// milliseconds each at most), stay inline: the hop to another thread and back costs more than
/// they do, and taking every stream read off the pool made the watch path 5-7 % slower per event.
public final class WatchWork: Sendable {
    /// The steps of every reflector of this process.
    public static let shared = WatchWork(threads: .shared)

    let threads: BackgroundThreads

    init(threads: BackgroundThreads) {
        self.threads = threads
    }

    /// A LIST body smaller than this is parsed inline (`ListSplitter`'s own threshold for
    /// parsing the items side by side; a few milliseconds).
    public static let inlineListBytes = 256 << 10
    /// A relist of fewer objects than this is applied inline.
    public static let inlineObjects = 256

    /// `work` on a background thread when `heavy`, else inline; its result handed back to the
    /// awaiting task (a step that can fail returns a `Result`).
    public func run<T: Sendable>(heavy: Bool = true, _ work: @escaping @Sendable () -> T) async -> T {
        guard heavy else { return work() }
        return await withCheckedContinuation { continuation in
            threads.run { continuation.resume(returning: work()) }
        }
    }
}
