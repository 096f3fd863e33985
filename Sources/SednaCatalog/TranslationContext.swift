/// What a translator may know beyond its own object: the few cross-object facts the catalog
/// joins (node location for pods, dataset sample counts for federated learning). Passed as
/// immutable snapshots so translators stay pure; the store re-renders dependants when a fact
/// changes.
public struct TranslationContext: Sendable {
    /// Node name -> edge or cloud.
    public var nodeLocations: [String: NodeLocation]
    /// "namespace/name" of a Dataset -> status.numberOfSamples.
    public var datasetSamples: [String: Double]

    public init(nodeLocations: [String: NodeLocation] = [:], datasetSamples: [String: Double] = [:]) {
        self.nodeLocations = nodeLocations
        self.datasetSamples = datasetSamples
    }

    public func location(ofNode node: String) -> NodeLocation {
        node.isEmpty ? .unknown : nodeLocations[node] ?? .unknown
    }
}

