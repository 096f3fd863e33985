import Dispatch
import SednaCatalog
import Synchronization

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
/// As many serial queues as cores (a queue created here gets a thread of its own when it has
/// work, outside the pool's limit), each step going to the one with the least work queued, as
/// a free pool thread would take it. Measured against the alternatives on 10k tasks: one queue
/// for everything made the first sync about 20 % slower (resources no longer relist side by
/// side); a queue per resource kept the sync time but ran up to 13 relists at once, 15-30 MiB
/// more RSS and the handlers crowded out by as many runnable threads. A reflector awaits each
/// step before the next, so its own changes stay in order on whichever queue runs them. Small
/// steps, and the reads of a watch stream (a few milliseconds each at most), stay inline: the
/// hop to another thread and back costs more than they do, and taking every stream read off the
/// pool made the watch path 5-7 % slower per event.
public final class WatchWork: Sendable {
    /// The queues every reflector of this process shares.
    public static let shared = WatchWork(queues: max(2, System.cores))

    let queues: [DispatchQueue]
    /// Steps queued or running, per queue.
    let load: Mutex<[Int]>

    init(queues n: Int) {
        queues = (0..<n).map { DispatchQueue(label: "sedna.watch-work.\($0)") }
        load = Mutex([Int](repeating: 0, count: n))
    }

    /// A LIST body smaller than this is parsed inline (`ListSplitter`'s own threshold for
    /// parsing the items side by side; a few milliseconds).
    public static let inlineListBytes = 256 << 10
    /// A relist of fewer objects than this is applied inline.
    public static let inlineObjects = 256

    /// `work` on the least busy queue when `heavy`, else inline; its result handed back to the
    /// awaiting task (a step that can fail returns a `Result`).
    public func run<T: Sendable>(heavy: Bool = true, _ work: @escaping @Sendable () -> T) async -> T {
        guard heavy else { return work() }
        let i = take()
        return await withCheckedContinuation { continuation in
            queues[i].async {
                let result = work()
                self.load.withLock { $0[i] -= 1 }
                continuation.resume(returning: result)
            }
        }
    }

    /// The queue with the fewest steps, counted as taken.
    private func take() -> Int {
        load.withLock { l in
            let i = l.indices.min { l[$0] < l[$1] }!
            l[i] += 1
            return i
        }
    }
}
