import Exposition
import KubeWatch
import SednaCatalog

/// The inventory is where reflectors deliver objects.
extension Inventory: ObjectSink {
    /// From the first LIST page to the relist's apply the store is marked as changing in bulk,
    /// so a scrape meanwhile gets the body from before the relist instead of assembling one
    /// after each resource's apply while the others still relist (`ScrapeBodyCache`).
    public func relistStarted(_ resource: WatchedResource) {
        beginRelist(resource)
        store.beginBulk()
    }

    public func relistEnded(_ resource: WatchedResource) {
        abandonRelist(resource)   // after `relistComplete`, nothing is left to abandon
        store.endBulk()
    }

    /// Page by page: one page's trees alive at a time (`beginRelist`).
    public var appliesRelistPages: Bool { true }
    public func relistPage(_ resource: WatchedResource, _ page: RelistPage) { applyRelistPage(resource, page) }
    public func relistComplete(_ resource: WatchedResource) { completeRelist(resource) }

    public func apply(_ resource: WatchedResource, _ changes: [ObjectChange]) {
        apply(resource, changes.map { c in
            switch c {
            case .upsert(let o): return (o, false)
            case .delete(let o): return (o, true)
            }
        })
    }
}
