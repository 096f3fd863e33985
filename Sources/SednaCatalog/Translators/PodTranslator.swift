/// What a pod is to Sedna, read from the labels the GM sets (docs/sedna-data-model.md) and the Helm
/// chart's `sedna: gm|lc|kb`.
public enum PodRole: Sendable, Equatable {
    case worker(kind: SednaKind, task: String, workerType: String)
    case component(String)
    case unrelated

    public static func classify(_ labels: [String: String]) -> PodRole { classify { labels[$0] } }

    /// Reads the labels where they are in the object: on the watch path a pod is classified
    /// several times per event, and building a `[String: String]` for each was 5 % of it.
    public static func classify(_ pod: KubeObject) -> PodRole {
        guard let labels = pod.metadata["labels"].object else { return .unrelated }
        return classify { labels[$0]?.string }
    }

    /// `<kind>.sedna.io/name` and `<kind>.sedna.io/worker-type` of each task kind, built once.
    private static let workerLabels: [(kind: SednaKind, name: String, workerType: String)] =
        SednaKind.allCases.filter(\.isTask).map { ($0, $0.labelPrefix + "name", $0.labelPrefix + "worker-type") }

    private static func classify(_ label: (String) -> String?) -> PodRole {
        for w in workerLabels {
            if let task = label(w.name) {
                return .worker(kind: w.kind, task: task, workerType: label(w.workerType) ?? "")
            }
        }
        if let c = label("sedna"), c == "gm" || c == "lc" || c == "kb" { return .component(c) }
        return .unrelated
    }
}

/// Pods Sedna created: workers of tasks, and Sedna's own GM/LC/KB. Other pods yield nothing
/// (the store does not even keep them).
public enum PodTranslator {
    public static func translate(_ o: KubeObject, context: TranslationContext) -> MetricSet {
        translate(o, context: context, role: PodRole.classify(o))
    }

    /// With the pod's role already read from its labels (the inventory classifies each pod
    /// once per event and hands the role on: eight label lookups a time).
    public static func translate(_ o: KubeObject, context: TranslationContext, role: PodRole) -> MetricSet {
        var set = MetricSet()
        let node = o.spec["nodeName"].string ?? ""
        let location = context.location(ofNode: node).rawValue
        let statuses = (o.status["containerStatuses"].array ?? []) + (o.status["initContainerStatuses"].array ?? [])
        switch role {
        case .unrelated:
            break
        case let .component(component):
            set.add(Catalog.componentInfo, [o.namespace, component, o.name, node, location], 1)
            set.add(Catalog.componentReady, [o.namespace, component, o.name, node], ready(o))
            for c in statuses {
                guard let name = c["name"].string else { continue }
                set.add(Catalog.componentRestarts, [o.namespace, component, o.name, name], c["restartCount"].number ?? 0)
            }
        case let .worker(kind, task, workerType):
            let l = [o.namespace, kind.rawValue, task, o.name]
            set.add(Catalog.workerInfo, l + [workerType, node, location], 1)
            set.addStateSet(Catalog.workerPhase, l, current: o.status["phase"].string)
            set.add(Catalog.workerReady, l, ready(o))
            set.add(Catalog.workerStart, l, o.status["startTime"].string.flatMap(Timestamp.parse))
            for c in statuses {
                guard let name = c["name"].string else { continue }
                set.add(Catalog.workerRestarts, l + [name], c["restartCount"].number ?? 0)
                let state = c["state"]
                let current = ["running", "waiting", "terminated"].first { !state[$0].isNull }
                if let current {
                    set.addStateSet(Catalog.workerContainerState, l + [name], current: current)
                }
                if let reason = state["waiting"]["reason"].string, !reason.isEmpty {
                    set.add(Catalog.workerWaitingReason, l + [name, reason], 1)
                }
            }
        }
        return set
    }

    static func ready(_ o: KubeObject) -> Double {
        let cond = (o.status["conditions"].array ?? []).first { $0["type"].string == "Ready" }
        return cond?["status"].string == "True" ? 1 : 0
    }
}
