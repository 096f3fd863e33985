/// A pure function from one Kubernetes object (plus the context's joined facts) to its samples.
/// One type per Sedna kind, each in a file named after it.
public protocol Translator {
    static func translate(_ object: KubeObject, context: TranslationContext) -> MetricSet
}

public enum Translators {
    /// The translator of a Sedna kind.
    public static func forKind(_ kind: SednaKind) -> any Translator.Type {
        switch kind {
        case .dataset: return DatasetTranslator.self
        case .model: return ModelTranslator.self
        case .jointInferenceService: return JointInferenceServiceTranslator.self
        case .incrementalLearningJob: return IncrementalLearningJobTranslator.self
        case .lifelongLearningJob: return LifelongLearningJobTranslator.self
        case .federatedLearningJob: return FederatedLearningJobTranslator.self
        case .featureExtractionService: return FeatureExtractionServiceTranslator.self
        case .objectSearchService: return ObjectSearchServiceTranslator.self
        case .objectTrackingService: return ObjectTrackingServiceTranslator.self
        case .reidJob: return ReidJobTranslator.self
        case .videoAnalyticsJob: return VideoAnalyticsJobTranslator.self
        }
    }
}
