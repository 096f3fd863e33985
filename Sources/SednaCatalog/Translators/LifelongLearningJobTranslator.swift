/// LifelongLearningJob: the IL loop plus the knowledge-base summary in `status.knowledgeBase`
/// (capitalised `AIModels`/`AIClasses`).
///
/// The GM builds the knowledge base from the eval output models' `currentMetric`, `classes` and
/// `numberOfLabeledUnseenSample` (pkg/globalmanager/controllers/lifelonglearning/upstream.go,
/// `updateStatusKnowledgeBase`), keys Sedna's own workers never send, and hard-codes
/// `numberOfUnseenSample: 0`. So a figure is exported only when the object actually holds
/// something (a model or class listed): absent, not a misleading zero.
public enum LifelongLearningJobTranslator: Translator {
    /// Knowledge-base models beyond this many are summarised by the count only.
    static let maxKBModels = 100

    public static func translate(_ o: KubeObject, context: TranslationContext) -> MetricSet {
        var set = MetricSet()
        let l = TaskCommon.translate(o, kind: .lifelongLearningJob, into: &set)
        LearningJobConditions.translate(o, kind: .lifelongLearningJob, labels: l, into: &set)

        let kb = o.status["knowledgeBase"]
        guard !kb.isNull else { return set }
        let models = kb["AIModels"]["listOfAIModels"].array ?? []
        let classes = kb["AIClasses"]["listOfAIClasses"].array ?? []
        if !models.isEmpty {
            set.add(Catalog.kbModels, l, kb["AIModels"]["numberOfAIModels"].number)
            set.add(Catalog.kbLabeledUnseen, l, kb["samples"]["numberOfLabeledUnseenSample"].number)
        }
        if !classes.isEmpty { set.add(Catalog.kbClasses, l, kb["AIClasses"]["numberOfAIClasses"].number) }
        // Always 0 from the GM; a value is shown only if something ever fills it.
        if let unseen = kb["samples"]["numberOfUnseenSample"].number, unseen > 0 { set.add(Catalog.kbUnseen, l, unseen) }
        for m in (kb["AIModels"]["listOfAIModels"].array ?? []).prefix(maxKBModels) {
            guard let id = m["modelID"].string, !id.isEmpty else { continue }
            set.add(Catalog.kbModelPrecision, l + [id], m["averagePrecision"].number)
            set.add(Catalog.kbModelSamples, l + [id], m["numberOfTrainSamples"].number)
        }
        return set
    }
}
