import Dispatch
import Foundation
@testable import SednaCatalog
import Synchronization
import Testing

/// The relists' low-priority threads: every step runs, every loop iteration runs exactly once
/// (also loops started from steps while every thread is busy), the threads run at their nice
/// value and the caller's thread keeps its own, and `ParallelMap` on them is still `map`.
@Suite struct BackgroundThreadsTests {
    /// Runs `body` as a step and waits for its result.
    func onPool<T: Sendable>(_ pool: BackgroundThreads, _ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { c in pool.run { c.resume(returning: body()) } }
    }

    /// This thread's nice value, from /proc (field 19 of its stat, after the parenthesised name).
    static func threadNice() -> Int? {
        guard let stat = try? String(contentsOfFile: "/proc/thread-self/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 16 ? Int(fields[16]) : nil
    }

    @Test func stepsRunAtTheirNiceValueAndTheCallerKeepsItsOwn() async throws {
        let pool = BackgroundThreads.shared
        #expect(pool.count >= 2)
        let callerNice = Self.threadNice()
        let (nice, isPool) = await onPool(pool) { (Self.threadNice(), BackgroundThreads.current === pool) }
        #expect(isPool)
        #expect(BackgroundThreads.current == nil)
        let procNice = try #require(nice)
        #expect(procNice == Int(pool.nice))
        #expect(Self.threadNice() == callerNice)
        // Every thread lowers its own priority when it starts.
        let deadline = ContinuousClock.now + .seconds(30)
        while pool.threadsReniced < pool.count && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        #expect(pool.threadsReniced == pool.count)
    }

    /// What a step holds (a relist's LIST page) is freed once the step has run, not when the
    /// queue next drains: here while the steps after it are still queued.
    @Test func aStepsCapturesAreFreedOnceItHasRun() async {
        final class Page: Sendable {}
        let pool = BackgroundThreads(threads: 1, nice: 0)
        weak var weakPage: Page?
        let gate = DispatchSemaphore(value: 0), running = DispatchSemaphore(value: 0)
        do {
            let page = Page()
            weakPage = page
            pool.run { _ = page }
        }
        pool.run { running.signal(); gate.wait() }
        pool.run {}
        running.wait()
        #expect(weakPage == nil)
        gate.signal()
        await withCheckedContinuation { c in pool.run { c.resume() } }
    }

    @Test(arguments: [0, 1, 2, 3, 64, 1_001])
    func everyIterationRunsExactlyOnce(iterations: Int) {
        let pool = BackgroundThreads.shared
        let hits = Mutex([Int](repeating: 0, count: iterations))
        pool.forEach(iterations) { i in hits.withLock { $0[i] += 1 } }
        #expect(hits.withLock { $0 } == [Int](repeating: 1, count: iterations))
    }

    /// More steps than threads, each spreading a loop: the loops finish (a caller works its own
    /// loop, helpers are only a bonus) and each sees all its iterations.
    @Test func loopsInsideBusyStepsFinish() async {
        let pool = BackgroundThreads.shared
        let sums = await withTaskGroup(of: Int.self) { group in
            for k in 0..<(pool.count * 4) {
                group.addTask {
                    await self.onPool(pool) {
                        let total = Mutex(0)
                        pool.forEach(100 + k) { i in
                            var x = 0
                            for j in 0..<(i % 50) { x &+= j }
                            total.withLock { $0 += i + x - x }
                        }
                        return total.withLock { $0 } - (100 + k) * (99 + k) / 2
                    }
                }
            }
            var out: [Int] = []
            for await s in group { out.append(s) }
            return out
        }
        #expect(sums.count == pool.count * 4 && sums.allSatisfy { $0 == 0 })
    }

    /// On a pool thread `ParallelMap` spreads over the pool, and its results are `map`'s.
    @Test func parallelMapOnThePoolIsMap() async {
        let items = (0..<50_003).map { "item-\($0)" }
        let f = { @Sendable (s: String) in s.utf8.reduce(UInt64(14_695_981_039_346_656_037)) { ($0 ^ UInt64($1)) &* 1_099_511_628_211 } }
        let (out, threadsNice) = await onPool(.shared) { () -> ([UInt64], Bool) in
            let seen = Mutex(Set<Int?>())
            let out = ParallelMap.map(items) { s -> UInt64 in
                if s.hasSuffix("000") { let n = Self.threadNice(); seen.withLock { _ = $0.insert(n) } }
                return f(s)
            }
            return (out, seen.withLock { $0 } == [Int(BackgroundThreads.shared.nice)])
        }
        #expect(out == items.map(f))
        #expect(threadsNice)
    }
}
