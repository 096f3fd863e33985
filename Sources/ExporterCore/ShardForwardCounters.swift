import Exposition
import SednaCatalog
import Synchronization

/// `sedna_intake_forwarded_total{endpoint,result}`: intake requests a sharded exporter handed to
/// the owner shard (`ShardForwarding`). Rendered only when forwarding is configured.
public final class ShardForwardCounters: ExpositionSection, Sendable {
    struct Key: Hashable, Comparable {
        let endpoint: String
        let result: String
        static func < (a: Key, b: Key) -> Bool { (a.endpoint, a.result) < (b.endpoint, b.result) }
    }

    private let counts = Mutex<[Key: Int]>([:])

    public init() {}

    /// `endpoint`: report, relay, push, delete; `result`: delivered or failed.
    public func count(endpoint: String, result: String, by n: Int = 1) {
        counts.withLock { $0[Key(endpoint: endpoint, result: result), default: 0] += n }
    }

    public func value(endpoint: String, result: String) -> Int {
        counts.withLock { $0[Key(endpoint: endpoint, result: result)] ?? 0 }
    }

    public func write(format: ExpositionFormat, into out: inout [UInt8]) {
        let samples = counts.withLock { $0 }.sorted { $0.key < $1.key }.map { ([$0.key.endpoint, $0.key.result], Double($0.value)) }
        TextFormat.appendFamily(SelfMetrics.intakeForwarded, format: format, samples: samples, to: &out)
    }
}
