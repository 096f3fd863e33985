/// FeatureExtractionService: conditions, Deployment counters and `status.metrics`
/// (no LC manager exists for it, so the metrics stay empty unless something else writes them).
public enum FeatureExtractionServiceTranslator: Translator {
    public static func translate(_ o: KubeObject, context: TranslationContext) -> MetricSet {
        var set = MetricSet()
        let l = TaskCommon.translate(o, kind: .featureExtractionService, into: &set)
        StatusMetrics.translate(o.status["metrics"], labels: l, known: [:], into: &set)
        return set
    }
}
