import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// `map` over every core, for pure per-item work on the watch path: decoding watch events and
/// translating and rendering objects do not depend on each other, and done one after another
/// they kept one core busy while the other waited (docs/benchmarks.md, "Watch events").
///
/// The results come back in the input's order. Small inputs are mapped on the calling thread:
/// handing work to other threads costs a few microseconds, more than a handful of items take.
/// Called on a `BackgroundThreads` thread (a relist), the items are spread over that pool, at
/// its lower priority.
public enum ParallelMap {
    /// Below this many items the work stays on the calling thread.
    public static let threshold = 16

    public static func map<T, R>(_ items: [T], _ transform: (T) -> R) -> [R] {
        let count = items.count
        let workers = min(System.cores, count / (threshold / 2))
        guard workers > 1 else { return items.map(transform) }
        return [R](unsafeUninitializedCapacity: items.count) { out, initialized in
            let base = out.baseAddress!
            let slice = (count + workers - 1) / workers
            // Each worker writes its own disjoint range of `out`; nothing else is shared.
            nonisolated(unsafe) let target = base
            withoutActuallyEscaping(transform) { transform in
                nonisolated(unsafe) let transform = transform
                items.withUnsafeBufferPointer { input in
                    nonisolated(unsafe) let input = input
                    nonisolated(unsafe) let work = { (w: Int) in
                        let end = min(count, (w + 1) * slice)
                        var i = w * slice
                        while i < end {
                            (target + i).initialize(to: transform(input[i]))
                            i += 1
                        }
                    }
                    // On a relist's low-priority thread the work stays at that priority, on
                    // that pool's threads; elsewhere on Dispatch's.
                    if let pool = BackgroundThreads.current {
                        pool.forEach(workers, work)
                    } else {
                        DispatchQueue.concurrentPerform(iterations: workers) { work($0) }
                    }
                }
            }
            initialized = count
        }
    }
}

/// Facts about the machine the exporter runs on.
public enum System {
    /// Cores this process may use (at least 1): the online CPUs, or fewer when a cgroup v2 CPU
    /// limit says so (a pod with `limits.cpu: "1"` on a 64-core node gets 1; spreading work
    /// over 64 threads there would only get it throttled).
    public static let cores: Int = {
        #if canImport(Glibc)
        let online = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        return min(online, cgroupLimit(readFile("/sys/fs/cgroup/cpu.max")) ?? online)
        #else
        return 1
        #endif
    }()

    /// Whole CPUs allowed by a cgroup v2 `cpu.max` ("<quota> <period>", or "max <period>" for
    /// none), rounded up; nil when there is no limit or the text is not that.
    public static func cgroupLimit(_ cpuMax: String?) -> Int? {
        guard let parts = cpuMax?.split(separator: " "), parts.count == 2,
              let quota = Int(parts[0].trimmingWhitespace()), let period = Int(parts[1].trimmingWhitespace()),
              quota > 0, period > 0 else { return nil }
        return max(1, (quota + period - 1) / period)
    }

    private static func readFile(_ path: String) -> String? {
        #if canImport(Glibc)
        guard let f = fopen(path, "r") else { return nil }
        defer { fclose(f) }
        var buffer = [CChar](repeating: 0, count: 128)
        guard fgets(&buffer, Int32(buffer.count), f) != nil else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        #else
        return nil
        #endif
    }
}

extension Substring {
    fileprivate func trimmingWhitespace() -> Substring {
        var s = self
        while let c = s.last, c == "\n" || c == " " || c == "\t" { s.removeLast() }
        while let c = s.first, c == " " || c == "\t" { s.removeFirst() }
        return s
    }
}
