/// The metric catalog as data: every family the exporter can emit, in exposition order.
///
/// Translators refer to these constants; the renderer, docs/metrics.md and the generated
/// dashboards and rules all read this list, so a family exists in exactly one place.
public enum Catalog {
    /// Labels every per-task series carries (the conventions in docs/metrics.md).
    public static let taskLabels = ["namespace", "kind", "task"]
    /// Labels every worker-pod series carries.
    public static let workerLabels = ["namespace", "kind", "task", "pod"]

    public static let objectFamilies: [MetricFamily] =
        taskFamilies + jointInferenceFamilies + learningFamilies + lifelongFamilies + federatedFamilies
        + datasetFamilies + modelFamilies + workerFamilies + componentFamilies + nodeFamilies + intakeFamilies

    public static let all: [MetricFamily] = objectFamilies + SelfMetrics.families

    /// Position of each family in exposition order.
    public static let index: [String: Int] = {
        var d: [String: Int] = [:]
        for (i, f) in objectFamilies.enumerated() { d[f.name] = i }
        return d
    }()

    /// Names that Prometheus targets commonly attach themselves; never used as our label names.
    public static let reservedLabelNames: Set<String> = ["job", "instance", "stage", "cluster", "service"]
}
