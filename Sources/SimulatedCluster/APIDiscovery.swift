import SednaCatalog

/// The discovery documents of the simulated API server: what `kubectl api-resources` and the
/// exporter's CRD discovery read. Only what the simulator serves is listed, with the verbs it
/// really implements (get, list, watch), so a client that trusts discovery is never misled.
public enum APIDiscovery {
    /// Short names from Sedna's CRDs (`build/crds/*.yaml`).
    static let shortNames: [SednaKind: [String]] = [
        .jointInferenceService: ["ji"], .incrementalLearningJob: ["il"], .lifelongLearningJob: ["ll"],
        .federatedLearningJob: ["fl"], .featureExtractionService: ["fe"], .objectSearchService: ["objs"],
        .objectTrackingService: ["objt"], .reidJob: ["reid"], .videoAnalyticsJob: ["va"],
    ]

    static let verbs: JSON = .array(["get", "list", "watch"].map { .string($0) })

    /// `GET /api`
    public static let coreVersions: JSON = .object([
        "kind": "APIVersions", "versions": .array(["v1"]),
        "serverAddressByClientCIDRs": [],
    ])

    /// `GET /api/v1`
    public static let coreResources: JSON = .object([
        "kind": "APIResourceList", "groupVersion": "v1",
        "resources": .array([
            resource(name: "nodes", singular: "node", kind: "Node", namespaced: false, shortNames: ["no"]),
            resource(name: "pods", singular: "pod", kind: "Pod", namespaced: true, shortNames: ["po"]),
        ]),
    ])

    /// `GET /apis`
    public static let groups: JSON = .object([
        "kind": "APIGroupList", "apiVersion": "v1",
        "groups": .array([sednaGroup]),
    ])

    /// `GET /apis/sedna.io`
    public static let sednaGroup: JSON = {
        let gv: JSON = .object(["groupVersion": .string("\(SednaKind.group)/\(SednaKind.version)"),
                                "version": .string(SednaKind.version)])
        return .object(["kind": "APIGroup", "apiVersion": "v1", "name": .string(SednaKind.group),
                        "versions": .array([gv]), "preferredVersion": gv])
    }()

    /// `GET /apis/sedna.io/v1alpha1`: every kind and its status subresource, as a CRD install shows them.
    public static let sednaResources: JSON = {
        var list: [JSON] = []
        for k in SednaKind.allCases {
            list.append(resource(name: k.plural, singular: k.rawValue.lowercased(), kind: k.rawValue, namespaced: true,
                                 shortNames: shortNames[k] ?? []))
            list.append(.object(["name": .string(k.plural + "/status"), "singularName": "", "namespaced": true,
                                 "kind": .string(k.rawValue), "verbs": .array(["get"])]))
        }
        return .object(["kind": "APIResourceList", "apiVersion": "v1",
                        "groupVersion": .string("\(SednaKind.group)/\(SednaKind.version)"), "resources": .array(list)])
    }()

    /// `GET /version`
    public static let version: JSON = .object([
        "major": "1", "minor": "29", "gitVersion": "v1.29.0-sedna-simulator", "platform": "linux/amd64",
    ])

    static func resource(name: String, singular: String, kind: String, namespaced: Bool, shortNames: [String]) -> JSON {
        var o: [String: JSON] = ["name": .string(name), "singularName": .string(singular), "namespaced": .bool(namespaced),
                                 "kind": .string(kind), "verbs": verbs]
        if !shortNames.isEmpty { o["shortNames"] = .array(shortNames.map { .string($0) }) }
        return .object(o)
    }

    /// `apiVersion` and `kind` of a LIST of `resource`.
    public static func listKind(_ resource: WatchedResource) -> (apiVersion: String, kind: String) {
        switch resource {
        case .sedna(let k): return ("\(SednaKind.group)/\(SednaKind.version)", k.rawValue + "List")
        case .pods: return ("v1", "PodList")
        case .nodes: return ("v1", "NodeList")
        }
    }

    /// A Kubernetes `Status` object for errors (inside watch streams too).
    public static func status(code: Int, reason: String, message: String) -> JSON {
        .object(["kind": "Status", "apiVersion": "v1", "metadata": .object([:]), "status": "Failure",
                 "message": .string(message), "reason": .string(reason), "code": .number(Double(code))])
    }
}
