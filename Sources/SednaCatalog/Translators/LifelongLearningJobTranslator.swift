/// LifelongLearningJob: the IL loop plus the knowledge-base summary in `status.knowledgeBase`
/// (capitalised `AIModels`/`AIClasses`, DATA-MODEL.md 3.3).
public enum LifelongLearningJobTranslator: Translator {
    /// Knowledge-base models beyond this many are summarised by the count only.
    static let maxKBModels = 100

    public static func translate(_ o: KubeObject, context: TranslationContext) -> MetricSet {
        var set = MetricSet()
        let l = TaskCommon.translate(o, kind: .lifelongLearningJob, into: &set)
        LearningJobConditions.translate(o, kind: .lifelongLearningJob, labels: l, into: &set)

        let kb = o.status["knowledgeBase"]
        guard !kb.isNull else { return set }
        set.add(Catalog.kbModels, l, kb["AIModels"]["numberOfAIModels"].number)
        set.add(Catalog.kbClasses, l, kb["AIClasses"]["numberOfAIClasses"].number)
        set.add(Catalog.kbUnseen, l, kb["samples"]["numberOfUnseenSample"].number)
        set.add(Catalog.kbLabeledUnseen, l, kb["samples"]["numberOfLabeledUnseenSample"].number)
        for m in (kb["AIModels"]["listOfAIModels"].array ?? []).prefix(maxKBModels) {
            guard let id = m["modelID"].string, !id.isEmpty else { continue }
            set.add(Catalog.kbModelPrecision, l + [id], m["averagePrecision"].number)
            set.add(Catalog.kbModelSamples, l + [id], m["numberOfTrainSamples"].number)
        }
        return set
    }
}
