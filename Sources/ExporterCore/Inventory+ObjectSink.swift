import Exposition
import KubeWatch

/// The inventory is where reflectors deliver objects.
extension Inventory: ObjectSink {}
