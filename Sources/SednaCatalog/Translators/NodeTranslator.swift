/// Nodes: edge or cloud (KubeEdge labels edge nodes `node-role.kubernetes.io/edge`) and Ready.
public enum NodeTranslator {
    public static let edgeRoleLabel = "node-role.kubernetes.io/edge"

    public static func location(_ o: KubeObject) -> NodeLocation {
        o.labels[edgeRoleLabel] != nil ? .edge : .cloud
    }

    public static func translate(_ o: KubeObject, context: TranslationContext) -> MetricSet {
        var set = MetricSet()
        let loc = location(o).rawValue
        set.add(Catalog.nodeInfo, [o.name, loc, o.status["nodeInfo"]["kubeletVersion"].string ?? ""], 1)
        let cond = (o.status["conditions"].array ?? []).first { $0["type"].string == "Ready" }
        set.add(Catalog.nodeReady, [o.name, loc], cond?["status"].string == "True" ? 1 : 0)
        return set
    }
}
