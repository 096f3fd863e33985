/// ObjectSearchService: conditions and Deployment counters only (docs/sedna-data-model.md).
public enum ObjectSearchServiceTranslator: Translator {
    public static func translate(_ o: KubeObject, context: TranslationContext) -> MetricSet {
        var set = MetricSet()
        TaskCommon.translate(o, kind: .objectSearchService, into: &set)
        return set
    }
}
