import Synchronization

/// The object keys each relist under way has listed so far, by resource: what a sink that takes
/// a relist page by page (the inventory, the webhook's relay tracker) needs to find, once the
/// last page is in, the objects no page held.
public final class RelistKeys: Sendable {
    private let seen = Mutex<[WatchedResource: Set<String>]>([:])

    public init() {}

    /// A relist of `resource` begins: nothing listed yet.
    public func begin(_ resource: WatchedResource) {
        seen.withLock { $0[resource] = [] }
    }

    /// One page's keys.
    public func record(_ resource: WatchedResource, _ keys: some Sequence<String>) {
        seen.withLock { s in s[resource, default: []].formUnion(keys) }
    }

    /// The keys the relist listed, and the relist is over; nil when none began.
    public func finish(_ resource: WatchedResource) -> Set<String>? {
        seen.withLock { $0.removeValue(forKey: resource) }
    }

    /// The relist failed: its keys are forgotten.
    public func abandon(_ resource: WatchedResource) {
        _ = finish(resource)
    }
}
