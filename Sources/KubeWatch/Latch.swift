import Synchronization

/// A one-shot signal: `wait()` returns once `fire()` was called, or when the waiting task is
/// cancelled. The supervisor stops one reflector with it without leaving the task group.
final class Latch: Sendable {
    struct State {
        var fired = false
        var next: UInt64 = 0
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var cancelled: Set<UInt64> = []
    }

    private let state = Mutex(State())

    var isFired: Bool { state.withLock { $0.fired } }

    func fire() {
        let waiters = state.withLock { s in
            s.fired = true
            defer { s.waiters = [:] }
            return s.waiters
        }
        for c in waiters.values { c.resume() }
    }

    func wait() async {
        let id = state.withLock { s in
            s.next += 1
            return s.next
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let now = state.withLock { s -> Bool in
                    if s.fired || s.cancelled.contains(id) { return true }
                    s.waiters[id] = c
                    return false
                }
                if now { c.resume() }
            }
        } onCancel: {
            let c = state.withLock { s in
                s.cancelled.insert(id)
                return s.waiters.removeValue(forKey: id)
            }
            c?.resume()
        }
    }
}
