/// Dataset: sample count as the LC last counted it (pkg/localcontroller/managers/dataset/dataset.go).
public enum DatasetTranslator: Translator {
    public static func translate(_ o: KubeObject, context: TranslationContext) -> MetricSet {
        var set = MetricSet()
        let l = [o.namespace, o.name]
        set.add(Catalog.datasetInfo, l + [o.uid ?? "", o.spec["format"].string ?? "",
                                          URLSanitizer.sanitize(o.spec["url"].string ?? ""), o.spec["nodeName"].string ?? ""], 1)
        set.add(Catalog.datasetSamples, l, o.status["numberOfSamples"].number)
        set.add(Catalog.datasetUpdated, l, o.status["updateTime"].string.flatMap(Timestamp.parse))
        set.add(Catalog.datasetCreated, l, o.creationTimestamp)
        return set
    }
}
