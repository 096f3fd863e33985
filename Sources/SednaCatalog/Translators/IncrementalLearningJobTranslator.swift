/// IncrementalLearningJob: the Train/Eval/Deploy loop and the figures in condition `data`.
public enum IncrementalLearningJobTranslator: Translator {
    public static func translate(_ o: KubeObject, context: TranslationContext) -> MetricSet {
        var set = MetricSet()
        let l = TaskCommon.translate(o, kind: .incrementalLearningJob, into: &set)
        LearningJobConditions.translate(o, kind: .incrementalLearningJob, labels: l, into: &set)
        return set
    }
}
