/// VideoAnalyticsJob: Kubernetes-Job-like conditions, phase and pod counters; malformed `data` counted.
public enum VideoAnalyticsJobTranslator: Translator {
    public static func translate(_ o: KubeObject, context: TranslationContext) -> MetricSet {
        var set = MetricSet()
        let l = TaskCommon.translate(o, kind: .videoAnalyticsJob, into: &set)
        set.add(Catalog.taskDataErrors, l, Double(ConditionData.countMalformed(o.status["conditions"])))
        return set
    }
}
