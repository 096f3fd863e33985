import Synchronization

/// A dictionary split into stripes by key hash, each stripe under its own lock, so that
/// requests for different keys (pushed groups, workers) rarely wait for one another and never
/// for a scrape or a walk over everything: a walk takes one stripe at a time.
final class Striped<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    final class Stripe: Sendable {
        let lock = Mutex<[Key: Value]>([:])
    }

    let stripes: [Stripe]
    private let mask: Int

    /// `count` is rounded up to a power of two.
    init(count: Int = 64) {
        var n = 1
        while n < max(1, count) { n <<= 1 }
        stripes = (0..<n).map { _ in Stripe() }
        mask = n - 1
    }

    func stripe(_ key: Key) -> Stripe { stripes[key.hashValue & mask] }

    func withLock<R: Sendable>(_ key: Key, _ body: (inout [Key: Value]) throws(IntakeError) -> R) throws(IntakeError) -> R {
        let result: Result<R, IntakeError> = stripe(key).lock.withLock { d in
            do throws(IntakeError) { return .success(try body(&d)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    /// Every entry, copied stripe by stripe (values are copy-on-write: no deep copy).
    func values() -> [Value] {
        var out: [Value] = []
        for s in stripes { s.lock.withLock { out.append(contentsOf: $0.values) } }
        return out
    }

    func entries() -> [(key: Key, value: Value)] {
        var out: [(key: Key, value: Value)] = []
        for s in stripes { s.lock.withLock { d in for (k, v) in d { out.append((k, v)) } } }
        return out
    }

    /// Removes what `drop` selects, stripe by stripe; `removed` is told of each entry while
    /// its stripe is still locked (so that what depends on it changes in the same step).
    /// Returns how many were removed.
    @discardableResult
    func removeAll(where drop: (Value) -> Bool, removed: (Value) -> Void = { _ in }) -> Int {
        var count = 0
        for s in stripes {
            s.lock.withLock { d in
                guard d.values.contains(where: drop) else { return }
                for (k, v) in d where drop(v) {
                    removed(v)
                    d[k] = nil
                    count += 1
                }
            }
        }
        return count
    }
}
