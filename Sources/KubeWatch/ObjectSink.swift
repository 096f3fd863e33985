import SednaCatalog

/// Where reflectors deliver objects. The exporter's Inventory implements it; tests can record.
public protocol ObjectSink: Sendable {
    func upsert(_ resource: WatchedResource, _ object: KubeObject)
    func delete(_ resource: WatchedResource, _ object: KubeObject)
    func replaceAll(_ resource: WatchedResource, _ objects: [KubeObject])
    func forget(_ resource: WatchedResource)
    func recordUndecodable(_ resource: WatchedResource)
}
