/// JointInferenceService: the worker's counters that the GM copies into `status.metrics` as
/// strings (pkg/globalmanager/controllers/jointinference/upstream.go; the list is replaced on each report, in random order).
public enum JointInferenceServiceTranslator: Translator {
    public static func translate(_ o: KubeObject, context: TranslationContext) -> MetricSet {
        var set = MetricSet()
        let l = TaskCommon.translate(o, kind: .jointInferenceService, into: &set)
        StatusMetrics.translate(o.status["metrics"], labels: l, known: [
            "inferenceNumber": Catalog.jiInferences,
            "hardExampleNumber": Catalog.jiHardExamples,
            "uploadCloudRatio": Catalog.jiUploadRatio,
        ], into: &set)
        return set
    }
}

/// `status.metrics` lists of `{key, value}` strings (JI, FE).
enum StatusMetrics {
    /// Keys beyond this many are ignored: a misbehaving worker must not blow up cardinality.
    static let maxOtherKeys = 32

    static func translate(_ metrics: JSON, labels: [String], known: [String: MetricFamily], into set: inout MetricSet) {
        var others = 0
        for m in metrics.array ?? [] {
            guard let key = m["key"].string, let value = m["value"].number else { continue }
            if let family = known[key] {
                set.add(family, labels, value)
            } else if others < maxOtherKeys, key.count <= 64 {
                others += 1
                set.add(Catalog.taskReportedMetric, labels + [key], value)
            }
        }
    }
}
