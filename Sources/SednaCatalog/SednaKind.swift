/// The eleven `sedna.io/v1alpha1` kinds and what differs between them (docs/sedna-data-model.md, "The resources").
public enum SednaKind: String, CaseIterable, Sendable, Comparable {
    case dataset = "Dataset"
    case model = "Model"
    case jointInferenceService = "JointInferenceService"
    case incrementalLearningJob = "IncrementalLearningJob"
    case lifelongLearningJob = "LifelongLearningJob"
    case federatedLearningJob = "FederatedLearningJob"
    case featureExtractionService = "FeatureExtractionService"
    case objectSearchService = "ObjectSearchService"
    case objectTrackingService = "ObjectTrackingService"
    case reidJob = "ReidJob"
    case videoAnalyticsJob = "VideoAnalyticsJob"

    public static let group = "sedna.io"
    public static let version = "v1alpha1"

    public static func < (a: SednaKind, b: SednaKind) -> Bool { a.rawValue < b.rawValue }

    public var plural: String { rawValue.lowercased() + "s" }

    /// Prefix of the labels the GM puts on the pods it creates: `<kind>.sedna.io/name` and so on.
    public var labelPrefix: String { Self.labelPrefixes[self] ?? "" }

    /// Built once: lower-cased on every call, the prefixes cost two allocations per kind each
    /// time a pod event was classified (several times per event, 5 % of the watch path).
    private static let labelPrefixes: [SednaKind: String] =
        Dictionary(uniqueKeysWithValues: allCases.map { ($0, $0.rawValue.lowercased() + ".sedna.io/") })

    /// Dataset and Model are data, the other nine are tasks.
    public var isTask: Bool { self != .dataset && self != .model }

    /// The condition types the kind's CRD allows, in the order the lifecycle visits them.
    public var conditionTypes: [String] {
        switch self {
        case .dataset, .model: return []
        case .jointInferenceService, .featureExtractionService, .objectSearchService, .objectTrackingService:
            return ["Pending", "Running", "Failed"]
        case .incrementalLearningJob, .lifelongLearningJob, .reidJob, .videoAnalyticsJob:
            return ["Waiting", "Ready", "Starting", "Running", "Completed", "Failed"]
        case .federatedLearningJob:
            return ["Training", "Complete", "Failed"]
        }
    }

    /// IL and LL conditions carry a `stage` (Train, Eval, Deploy).
    public var hasStage: Bool { self == .incrementalLearningJob || self == .lifelongLearningJob }

    /// Kinds whose status has a `phase` (Kubernetes-Job-like kinds).
    public var hasPhase: Bool { self == .federatedLearningJob || self == .reidJob || self == .videoAnalyticsJob }

    public static func fromPlural(_ plural: String) -> SednaKind? {
        allCases.first { $0.plural == plural }
    }

    /// Finds the Sedna kind from a lower-cased name such as `jointinferenceservice` (pod label
    /// prefixes, worker reports' `ownerKind`).
    public static func fromLowercased(_ s: String) -> SednaKind? {
        allCases.first { $0.rawValue.lowercased() == s.lowercased() }
    }
}

/// Where a node sits in a KubeEdge cluster.
public enum NodeLocation: String, Sendable {
    case edge, cloud, unknown
}
