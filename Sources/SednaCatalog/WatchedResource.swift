/// A resource the exporter lists and watches.
public enum WatchedResource: Hashable, Sendable, Comparable, CustomStringConvertible {
    case sedna(SednaKind)
    case pods
    case nodes

    public static let all: [WatchedResource] = SednaKind.allCases.map { .sedna($0) } + [.pods, .nodes]

    /// The plural name used in flags, logs and the `resource` label.
    public var description: String {
        switch self {
        case .sedna(let k): return k.plural
        case .pods: return "pods"
        case .nodes: return "nodes"
        }
    }

    public init?(plural: String) {
        switch plural {
        case "pods": self = .pods
        case "nodes": self = .nodes
        default:
            guard let k = SednaKind.fromPlural(plural) else { return nil }
            self = .sedna(k)
        }
    }

    /// Collection path on the API server (cluster-wide).
    public var path: String {
        switch self {
        case .sedna(let k): return "/apis/\(SednaKind.group)/\(SednaKind.version)/\(k.plural)"
        case .pods: return "/api/v1/pods"
        case .nodes: return "/api/v1/nodes"
        }
    }

    /// Whether the resource must be discovered first (CRDs may be absent).
    public var isOptional: Bool {
        if case .sedna = self { return true }
        return false
    }

    public static func < (a: WatchedResource, b: WatchedResource) -> Bool {
        all.firstIndex(of: a)! < all.firstIndex(of: b)!
    }
}
