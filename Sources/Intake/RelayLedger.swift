import Synchronization

/// The central side of the edge relay protocol: each relay numbers its reports 1, 2, 3, ...;
/// a report is accepted only when its number is above the highest one accepted from that relay,
/// so redelivery after a lost acknowledgement is harmless (exactly once, in order).
///
/// Numbers are unique within one incarnation of a relay's spool (a random id the relay keeps
/// next to its queue and sends with each batch): a relay whose spool was wiped starts again at 1
/// under a new id, and a new id starts a new sequence space here, so its reports are not taken
/// for duplicates of the old ones. A batch without an id (a relay from before incarnations)
/// keeps the old single sequence space.
public final class RelayLedger: Sendable {
    struct CountKey: Hashable, Comparable {
        let relay: String
        let result: String
        static func < (a: CountKey, b: CountKey) -> Bool { (a.relay, a.result) < (b.relay, b.result) }
    }

    struct State {
        var last: [String: UInt64] = [:]
        var incarnation: [String: String] = [:]
        var counts: [CountKey: Int] = [:]
    }

    private let state = Mutex(State())
    /// Relays remembered at most (a bound against a client inventing names).
    public let maxRelays: Int

    public init(maxRelays: Int = 10_000) { self.maxRelays = maxRelays }

    /// Whether `seq` from `relay` (in its spool `incarnation`, when it sends one) is new; records
    /// it if so.
    public func admit(relay: String, incarnation: String? = nil, seq: UInt64) -> Bool {
        state.withLock { s in
            if let incarnation, s.incarnation[relay] != incarnation, s.last[relay] != nil || s.last.count < maxRelays {
                // A new sequence space: the relay's spool was created anew.
                s.incarnation[relay] = incarnation
                s.last[relay] = 0
            }
            let last = s.last[relay] ?? 0
            guard seq > last else {
                s.counts[CountKey(relay: relay, result: "duplicate"), default: 0] += 1
                return false
            }
            if s.last[relay] == nil && s.last.count >= maxRelays { return false }
            s.last[relay] = seq
            s.counts[CountKey(relay: relay, result: "accepted"), default: 0] += 1
            return true
        }
    }

    public func last(relay: String) -> UInt64 { state.withLock { $0.last[relay] ?? 0 } }

    /// The highest number accepted from `relay` in its spool `incarnation` (0 when the relay
    /// sends another incarnation than the one recorded): what is already done, without recording.
    public func last(relay: String, incarnation: String?) -> UInt64 {
        state.withLock { s in
            if let incarnation, s.incarnation[relay] != incarnation { return 0 }
            return s.last[relay] ?? 0
        }
    }

    /// `sedna_intake_relay_reports_total{relay, result}`.
    public func counts() -> [(relay: String, result: String, count: Int)] {
        state.withLock { s in
            s.counts.sorted { $0.key < $1.key }.map { k, v in (k.relay, k.result, v) }
        }
    }
}
