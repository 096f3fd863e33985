/// Model: URL and format, and the metrics federated learning writes into its status.
public enum ModelTranslator: Translator {
    public static func translate(_ o: KubeObject, context: TranslationContext) -> MetricSet {
        var set = MetricSet()
        let l = [o.namespace, o.name]
        set.add(Catalog.modelInfo, l + [o.uid ?? "", o.spec["format"].string ?? "",
                                        URLSanitizer.sanitize(o.spec["url"].string ?? "")], 1)
        for m in o.status["metrics"].array ?? [] {
            guard let key = m["key"].string, !key.isEmpty else { continue }
            set.add(Catalog.modelMetric, l + [key], m["value"].number)
        }
        set.add(Catalog.modelUpdated, l, o.status["updateTime"].string.flatMap(Timestamp.parse))
        return set
    }
}
