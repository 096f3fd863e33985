/// ObjectTrackingService: conditions and counters; no GM controller writes them today, so a
/// task that stays `Unknown` here is expected (no controller: pkg/globalmanager/controllers/registry.go).
public enum ObjectTrackingServiceTranslator: Translator {
    public static func translate(_ o: KubeObject, context: TranslationContext) -> MetricSet {
        var set = MetricSet()
        TaskCommon.translate(o, kind: .objectTrackingService, into: &set)
        return set
    }
}
