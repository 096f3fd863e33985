#if canImport(Glibc)
import Glibc
#endif

/// Threads of the exporter's own, at a lower CPU priority than the rest of the process, for
/// bulk work no request waits on: a relist's large steps (parsing a big LIST page, translating
/// and rendering a relist's objects), handed over by `WatchWork`.
///
/// Why: on a 2-core node a relist of 10k tasks (31k objects) keeps both cores busy for a
/// second or more. Off Swift concurrency's pool (session 9) a scrape or a push no longer waits
/// for a thread, but it still shared the CPU equally with the relist's threads and was held up
/// 70-110 ms (docs/benchmarks.md, session 12). Linux gives each thread its own nice value
/// (`setpriority(PRIO_PROCESS, tid)`, NPTL): these threads run at nice +10, a weight of 110
/// against the request threads' 1024 under the kernel's fair scheduler, so a request that
/// becomes runnable gets a core at once and the relist takes what is left. A thread that has
/// lowered its priority cannot raise it again without `CAP_SYS_NICE`; that is why the threads
/// are our own and not Dispatch's shared pool, whose threads also run requests' work.
///
/// Two kinds of work: `run` queues a step (FIFO; any free thread takes it), and `forEach`
/// spreads the iterations of a loop over the calling thread and any thread of the pool that is
/// free, returning when every iteration is done (`ParallelMap` does so when called on one of
/// these threads, so a relist's translation keeps both the lower priority and every core).
/// Free threads take loop iterations before queued steps. The caller of `forEach` works on its
/// own loop until every iteration is claimed, so loops nested in steps cannot deadlock however
/// many threads are busy.
public final class BackgroundThreads: @unchecked Sendable {
    /// The pool every relist of this process shares: a thread per core (at least two).
    public static let shared = BackgroundThreads(threads: max(2, System.cores), nice: 10)

    /// The nice value the threads run at.
    public let nice: Int32
    /// Threads started (fewer than asked only if the system refused to make more); set before
    /// `init` returns and never again.
    public private(set) var count = 0

    /// One loop of `forEach`: iterations are claimed in order, `finished` counts those done.
    private final class Loop {
        var body: (Int) -> Void
        let iterations: Int
        var next = 0
        var finished = 0
        init(_ iterations: Int, _ body: @escaping (Int) -> Void) {
            self.iterations = iterations
            self.body = body
        }
        /// Calls the body; the closure is released again when this returns (see `forEach`).
        func run(_ i: Int) { body(i) }
    }

    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    /// Signalled when a step or a loop is queued.
    private let wake: UnsafeMutablePointer<pthread_cond_t>
    /// Broadcast when a loop's last iteration is done.
    private let done: UnsafeMutablePointer<pthread_cond_t>
    private var steps: [(() -> Void)?] = []
    private var stepsHead = 0
    private var loops: [Loop] = []
    private let reniced: UnsafeMutablePointer<Int>

    init(threads n: Int, nice: Int32) {
        mutex = .allocate(capacity: 1)
        wake = .allocate(capacity: 1)
        done = .allocate(capacity: 1)
        reniced = .allocate(capacity: 1)
        reniced.initialize(to: 0)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(wake, nil)
        pthread_cond_init(done, nil)
        self.nice = nice
        var started = 0
        // Each thread holds the pool (retained for its life: the pool is process-wide).
        pthread_mutex_lock(mutex)
        for _ in 0..<n {
            var attr = pthread_attr_t()
            pthread_attr_init(&attr)
            // As deep as the main thread's: the JSON parser recurses per nesting level.
            pthread_attr_setstacksize(&attr, 8 << 20)
            var thread = pthread_t()
            let me = Unmanaged.passRetained(self).toOpaque()
            let rc = pthread_create(&thread, &attr, { raw in
                Unmanaged<BackgroundThreads>.fromOpaque(raw!).takeUnretainedValue().serve()
                return nil
            }, me)
            pthread_attr_destroy(&attr)
            if rc == 0 {
                pthread_detach(thread)
                started += 1
            } else {
                Unmanaged<BackgroundThreads>.fromOpaque(me).release()
            }
        }
        count = started
        pthread_mutex_unlock(mutex)
    }

    /// Threads that run at `nice` (the rest could not lower their priority, which Linux always
    /// allows, so this is the thread count there).
    public var threadsReniced: Int {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return reniced.pointee
    }

    /// The pool the calling thread belongs to, nil on any other thread (one thread-local read:
    /// `ParallelMap` asks on every call, and asking must not start a pool).
    public static var current: BackgroundThreads? {
        guard let raw = pthread_getspecific(threadKey) else { return nil }
        return Unmanaged<BackgroundThreads>.fromOpaque(raw).takeUnretainedValue()
    }

    private static let threadKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    /// Queues `step` for the first free thread.
    public func run(_ step: @escaping () -> Void) {
        guard count > 0 else { return step() }
        pthread_mutex_lock(mutex)
        steps.append(step)
        pthread_cond_signal(wake)
        pthread_mutex_unlock(mutex)
    }

    /// `body(i)` for every i in 0..<iterations, on the calling thread and on the pool's free
    /// threads; returns when all are done.
    public func forEach(_ iterations: Int, _ body: (Int) -> Void) {
        guard iterations > 1 else {
            if iterations == 1 { body(0) }
            return
        }
        withoutActuallyEscaping(body) { body in
            let loop = Loop(iterations, body)
            pthread_mutex_lock(mutex)
            loops.append(loop)
            pthread_cond_broadcast(wake)
            while loop.next < loop.iterations {
                let i = claim(loop)
                pthread_mutex_unlock(mutex)
                loop.run(i)
                pthread_mutex_lock(mutex)
                finish(loop)
            }
            while loop.finished < loop.iterations { pthread_cond_wait(done, mutex) }
            // Helpers may still hold the loop object (not the closure: `run` released it); drop
            // the closure so that it does not outlive this call.
            loop.body = { _ in }
            pthread_mutex_unlock(mutex)
        }
    }

    /// Under the mutex: the loop's next iteration, taking the loop off the list at its last.
    private func claim(_ loop: Loop) -> Int {
        let i = loop.next
        loop.next += 1
        if loop.next == loop.iterations, let at = loops.firstIndex(where: { $0 === loop }) { loops.remove(at: at) }
        return i
    }

    /// Under the mutex: one iteration of `loop` done.
    private func finish(_ loop: Loop) {
        loop.finished += 1
        if loop.finished == loop.iterations { pthread_cond_broadcast(done) }
    }

    /// A thread's life: lower its priority, then take loop iterations first, queued steps next.
    private func serve() {
        #if canImport(Glibc)
        // `who` 0 is the calling thread: Linux keeps a nice value per thread.
        let niced = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, nice) == 0
        #else
        let niced = false
        #endif
        // Named in `top -H` and profiles (a new thread carries its creator's name otherwise).
        if let comm = fopen("/proc/thread-self/comm", "w") {
            fputs("sedna-relist", comm)
            fclose(comm)
        }
        pthread_setspecific(Self.threadKey, Unmanaged.passUnretained(self).toOpaque())
        pthread_mutex_lock(mutex)
        if niced { reniced.pointee += 1 }
        while true {
            if let loop = loops.first {
                let i = claim(loop)
                pthread_mutex_unlock(mutex)
                loop.run(i)
                pthread_mutex_lock(mutex)
                finish(loop)
            } else if stepsHead < steps.count {
                // Taken out of the queue, so that what the step holds (a LIST page's objects)
                // is freed when it has run, outside the mutex: kept in the array until the
                // queue drained, every page of a relist stayed alive, and the lot was freed
                // under the mutex at the end, at this thread's low priority, while a request
                // path queueing a step waited for it (128 ms seen in a `perf sched` trace).
                var step = steps[stepsHead]
                steps[stepsHead] = nil
                stepsHead += 1
                if stepsHead == steps.count {
                    steps.removeAll(keepingCapacity: true)
                    stepsHead = 0
                } else if stepsHead >= 256, stepsHead * 2 >= steps.count {
                    steps.removeFirst(stepsHead)   // a queue that never drains stays small
                    stepsHead = 0
                }
                pthread_mutex_unlock(mutex)
                step?()
                step = nil
                pthread_mutex_lock(mutex)
            } else {
                pthread_cond_wait(wake, mutex)
            }
        }
    }
}
