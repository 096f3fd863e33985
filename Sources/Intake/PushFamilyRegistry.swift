import Synchronization

/// The type and help of every family name pushed, over all groups: what lets a push be checked
/// against the other groups (as the Pushgateway's consistency check does) without walking them,
/// and without one lock for all pushes. Entries are striped by family name; a push locks the
/// stripes of the families it changes, in stripe order (so two pushes never deadlock), checks
/// all of them, and records the change only when every one passed: a rejected push leaves the
/// registry as it was.
///
/// Invariant kept by the checks: every group holding a family holds it with the same type, and
/// every help given for it is the same text. So a group re-pushing a family with the type and
/// help it already had cannot clash with anyone and needs no registry access at all (the
/// common case of a worker pushing the same families every few seconds).
final class PushFamilyRegistry: Sendable {
    struct Entry: Sendable {
        var type: String
        var help: String?
        /// Groups holding the family, and how many of them gave a help.
        var groups: Int
        var helpGroups: Int
    }

    /// A family as one group holds it.
    struct Use: Sendable, Equatable {
        var type: String
        var help: String?
    }

    /// One family's change in one group: `old` is what the group held before (nil: new to it),
    /// `new` what it holds after (nil: dropped from it).
    struct Change: Sendable {
        var name: String
        var old: Use?
        var new: Use?
    }

    private final class Stripe: Sendable {
        let lock = Mutex<[String: Entry]>([:])
    }

    private let stripes: [Stripe]

    init(stripes count: Int = 64) {
        stripes = (0..<count).map { _ in Stripe() }
    }

    private func stripeIndex(_ name: String) -> Int {
        Int(truncatingIfNeeded: UInt(bitPattern: name.hashValue) % UInt(stripes.count))
    }

    /// Checks `changes` (every family a push adds, replaces or drops) against the other groups
    /// and records them when all pass.
    func apply(_ changes: [Change]) throws(IntakeError) {
        let relevant = changes.filter { $0.old != $0.new }
        guard !relevant.isEmpty else { return }
        var byStripe: [Int: [Change]] = [:]
        for c in relevant { byStripe[stripeIndex(c.name), default: []].append(c) }
        let order = byStripe.keys.sorted()
        try locked(order[...], byStripe)
    }

    /// Locks the stripes in `order` one inside the other, checks on the way down, records on
    /// the way back up (every lock still held until its own stripe is recorded).
    private func locked(_ order: ArraySlice<Int>, _ byStripe: [Int: [Change]]) throws(IntakeError) {
        guard let first = order.first, let changes = byStripe[first] else { return }
        let result: Result<Void, IntakeError> = stripes[first].lock.withLock { d in
            do throws(IntakeError) {
                for c in changes { try Self.check(c, d[c.name]) }
                try locked(order.dropFirst(), byStripe)
                for c in changes { Self.record(c, &d) }
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        try result.get()
    }

    static func check(_ c: Change, _ entry: Entry?) throws(IntakeError) {
        guard let n = c.new, let e = entry else { return }
        let others = e.groups - (c.old == nil ? 0 : 1)
        if others > 0 && e.type != n.type {
            throw .bad("\(c.name) is pushed as \(n.type) but another group has it as \(e.type)")
        }
        let othersWithHelp = e.helpGroups - (c.old?.help == nil ? 0 : 1)
        if let h = n.help, othersWithHelp > 0, let oh = e.help, h != oh {
            throw .bad("\(c.name) has help \"\(h.prefix(80))\" but another group has \"\(oh.prefix(80))\"")
        }
    }

    static func record(_ c: Change, _ d: inout [String: Entry]) {
        var e = d[c.name] ?? Entry(type: c.new?.type ?? "untyped", help: nil, groups: 0, helpGroups: 0)
        if c.old != nil { e.groups -= 1 }
        if c.old?.help != nil { e.helpGroups -= 1 }
        if let n = c.new {
            e.groups += 1
            e.type = n.type
            if let h = n.help {
                e.helpGroups += 1
                e.help = h
            }
        }
        if e.helpGroups <= 0 { e.help = nil }
        d[c.name] = e.groups > 0 ? e : nil
    }

    /// The families a group held, all dropped (the group was deleted, expired or went with its task).
    func drop(_ uses: [String: Use]) {
        // Dropping never fails a check.
        try? apply(uses.map { Change(name: $0.key, old: $0.value, new: nil) })
    }

    /// The help to expose for a family (nil when no group gave one).
    func help(_ name: String) -> String? {
        stripes[stripeIndex(name)].lock.withLock { $0[name]?.help }
    }
}
