import Foundation
import SednaCatalog
import ServerSupport

/// `serve --auto-sharding`, as kube-state-metrics does it: the exporter runs as a StatefulSet,
/// its pod name `<statefulset>-<ordinal>` gives its shard and the StatefulSet's `spec.replicas`
/// the number of shards. Pure: parsing and the assignment rule, no I/O (`AutoShardingWatcher`
/// reads the StatefulSet).
public enum AutoSharding {
    /// Where this pod sits: its StatefulSet and its ordinal in it.
    public struct PodIdentity: Sendable, Equatable {
        public let statefulSet: String
        public let ordinal: Int

        public init(statefulSet: String, ordinal: Int) {
            self.statefulSet = statefulSet
            self.ordinal = ordinal
        }
    }

    /// The largest ordinal accepted (a StatefulSet of a million exporters is a typo).
    public static let maxOrdinal = 999_999

    /// Splits `<statefulset>-<ordinal>` at the last dash. The StatefulSet controller names its
    /// pods exactly so; anything else (a Deployment's `<name>-<hash>-<suffix>`) is refused.
    public static func parsePodName(_ podName: String) throws(ConfigurationError) -> PodIdentity {
        let name = podName.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty else {
            throw ConfigurationError("--auto-sharding needs the pod's name (--pod-name or $POD_NAME from the downward API)")
        }
        guard let dash = name.lastIndex(of: "-") else {
            throw ConfigurationError("pod name \(name) is not <statefulset>-<ordinal> (--auto-sharding runs in a StatefulSet)")
        }
        let set = String(name[..<dash])
        let digits = name[name.index(after: dash)...]
        guard !set.isEmpty, !set.hasSuffix("-"), !digits.isEmpty, digits.count <= 6, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
              digits == "0" || digits.first != "0", let ordinal = Int(digits), ordinal <= maxOrdinal else {
            throw ConfigurationError("pod name \(name) is not <statefulset>-<ordinal> (--auto-sharding runs in a StatefulSet)")
        }
        return PodIdentity(statefulSet: set, ordinal: ordinal)
    }

    /// `spec.replicas` of a StatefulSet object; Kubernetes defaults an absent field to 1.
    /// nil for a value that is no whole number in 0...maxOrdinal+1.
    public static func replicas(of statefulSet: JSON) -> Int? {
        let field = statefulSet["spec"]["replicas"]
        if field.isNull { return 1 }
        // A JSON number only (`JSON.number` also reads strings and booleans).
        guard case .number(let n) = field, n.isFinite, n == n.rounded(), n >= 0, n <= Double(maxOrdinal + 1) else { return nil }
        return Int(n)
    }

    /// The assignment of pod `ordinal` when the StatefulSet wants `replicas` pods; nil while the
    /// pod is being scaled away (its ordinal is no longer below the replica count): it keeps its
    /// previous assignment until it is stopped, as kube-state-metrics does.
    public static func assignment(ordinal: Int, replicas: Int) -> ShardAssignment? {
        guard replicas > 0, (0..<replicas).contains(ordinal) else { return nil }
        return ShardAssignment(shard: ordinal, total: replicas)
    }
}
