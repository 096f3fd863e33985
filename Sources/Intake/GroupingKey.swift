import Foundation

/// A Pushgateway grouping key from a URL path: `job/<job>{/<label>/<value>}`, where a label
/// name ending in `@base64` carries a URL-safe base64 value (how prometheus_client encodes
/// values with slashes, and empty values as `=`).
public struct GroupingKey: Hashable, Sendable, CustomStringConvertible {
    /// Label pairs sorted by name; `job` is always present.
    public let labels: [Pair]

    public struct Pair: Hashable, Sendable {
        public let name: String
        public let value: String
    }

    public var description: String { labels.map { "\($0.name)=\"\($0.value)\"" }.joined(separator: ",") }

    public func value(_ name: String) -> String? { labels.first { $0.name == name }?.value }

    /// `segments` are the path after `/metrics/`, already split on `/` (percent-decoded).
    public static func parse(_ segments: [String], limits: IntakeLimits) throws(IntakeError) -> GroupingKey {
        guard segments.count >= 2, segments.count % 2 == 0, segments[0] == "job" || segments[0] == "job@base64" else {
            throw .bad("the path must be /metrics/job/<job>{/<label>/<value>}")
        }
        var pairs: [String: String] = [:]
        var i = 0
        while i < segments.count {
            var name = segments[i]
            var value = segments[i + 1]
            if name.hasSuffix("@base64") {
                name = String(name.dropLast(7))
                guard let decoded = decodeBase64URL(value) else { throw .bad("label \(name.prefix(64)): invalid base64 value") }
                value = decoded
            }
            guard TextParser.isLabelName(name) else { throw .bad("invalid label name in grouping key: \(name.prefix(64))") }
            guard name.utf8.count <= limits.maxLabelNameBytes else { throw .limit("label name longer than \(limits.maxLabelNameBytes) bytes") }
            guard value.utf8.count <= limits.maxLabelValueBytes else {
                throw .limit("grouping label \(name) longer than \(limits.maxLabelValueBytes) bytes (limit max-label-value-bytes)")
            }
            value = PushCredentials.scrub(value)
            guard pairs.updateValue(value, forKey: name) == nil else { throw .bad("grouping label \(name) given twice") }
            i += 2
        }
        guard let job = pairs["job"], !job.isEmpty else { throw .bad("job name must not be empty") }
        return GroupingKey(labels: pairs.map { Pair(name: $0.key, value: $0.value) }.sorted { $0.name < $1.name })
    }

    static func decodeBase64URL(_ s: String) -> String? {
        if s == "=" { return "" }
        var t = s.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while t.count % 4 != 0 { t += "=" }
        guard let d = Data(base64Encoded: t) else { return nil }
        return String(validating: [UInt8](d), as: UTF8.self)
    }
}
