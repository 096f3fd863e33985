import Synchronization

/// The central side of the edge relay protocol: each relay numbers its reports 1, 2, 3, ...;
/// a report is accepted only when its number is above the highest one accepted from that relay,
/// so redelivery after a lost acknowledgement is harmless (exactly once, in order).
public final class RelayLedger: Sendable {
    struct CountKey: Hashable, Comparable {
        let relay: String
        let result: String
        static func < (a: CountKey, b: CountKey) -> Bool { (a.relay, a.result) < (b.relay, b.result) }
    }

    struct State {
        var last: [String: UInt64] = [:]
        var counts: [CountKey: Int] = [:]
    }

    private let state = Mutex(State())
    /// Relays remembered at most (a bound against a client inventing names).
    public let maxRelays: Int

    public init(maxRelays: Int = 10_000) { self.maxRelays = maxRelays }

    /// Whether `seq` from `relay` is new; records it if so.
    public func admit(relay: String, seq: UInt64) -> Bool {
        state.withLock { s in
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

    /// `sedna_intake_relay_reports_total{relay, result}`.
    public func counts() -> [(relay: String, result: String, count: Int)] {
        state.withLock { s in
            s.counts.sorted { $0.key < $1.key }.map { k, v in (k.relay, k.result, v) }
        }
    }
}
