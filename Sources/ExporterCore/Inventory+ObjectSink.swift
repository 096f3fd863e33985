import Exposition
import KubeWatch
import SednaCatalog

/// The inventory is where reflectors deliver objects.
extension Inventory: ObjectSink {
    public func apply(_ resource: WatchedResource, _ changes: [ObjectChange]) {
        apply(resource, changes.map { c in
            switch c {
            case .upsert(let o): return (o, false)
            case .delete(let o): return (o, true)
            }
        })
    }
}
