import Synchronization

/// A counter family with two labels (kind and outcome, method and result, endpoint and code),
/// counted without a shared lock: every pair the intake is known to produce has its own atomic,
/// made up front, so a report or a push only increments it. A pair not foreseen (a status code
/// nobody expected) still counts, under a small lock of its own that the hot path never takes.
///
/// Only pairs that were counted at least once are exposed, as when the counts lived in a
/// dictionary: an intake that never saw a DELETE shows no `method="delete"` series.
final class CounterTable: Sendable {
    struct Key: Hashable, Comparable, Sendable {
        let a: String
        let b: String
        static func < (x: Key, y: Key) -> Bool { (x.a, x.b) < (y.a, y.b) }
    }

    private final class Cell: Sendable {
        let value = Atomic<Int>(0)
    }

    /// Read without a lock: it is never changed after `init`.
    private let known: [Key: Cell]
    private let others = Mutex<[Key: Int]>([:])

    init(known: [Key]) {
        var cells: [Key: Cell] = [:]
        for k in known { cells[k] = Cell() }
        self.known = cells
    }

    convenience init(_ a: [String], _ b: [String]) {
        self.init(known: a.flatMap { x in b.map { Key(a: x, b: $0) } })
    }

    func add(_ a: String, _ b: String) {
        let key = Key(a: a, b: b)
        if let cell = known[key] {
            cell.value.wrappingAdd(1, ordering: .relaxed)
        } else {
            others.withLock { $0[key, default: 0] += 1 }
        }
    }

    /// The counted pairs in label order.
    func snapshot() -> [(key: Key, count: Int)] {
        var all = others.withLock { $0 }
        for (k, cell) in known {
            let n = cell.value.load(ordering: .relaxed)
            if n > 0 { all[k, default: 0] += n }
        }
        return all.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }
}
