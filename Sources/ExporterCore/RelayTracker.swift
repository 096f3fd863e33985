import AdmissionWebhook
import KubeWatch
import SednaCatalog
import Synchronization

/// The relay pods and edge nodes the webhook consults, kept current from the exporter's own pod
/// and node watches (it sees every object, before the inventory's namespace filter, so relays
/// in the exporter's namespace count even when that namespace is not exported).
public final class RelayTracker: Sendable {
    private let state = Mutex(RelayPresence())
    /// Pod and node keys each relist under way has listed (`relistPage`), for `relistComplete`.
    private let relistSeen = RelistKeys()

    public init() {}

    public var presence: RelayPresence { state.withLock { $0 } }

    func upsert(_ resource: WatchedResource, _ o: KubeObject) {
        switch resource {
        case .pods: state.withLock { $0.upsertPod(o) }
        case .nodes: state.withLock { $0.upsertNode(o) }
        default: break
        }
    }

    func delete(_ resource: WatchedResource, _ o: KubeObject) {
        switch resource {
        case .pods: state.withLock { $0.deletePod(o) }
        case .nodes: state.withLock { $0.deleteNode(o) }
        default: break
        }
    }

    func relistStarted(_ resource: WatchedResource) {
        guard resource == .pods || resource == .nodes else { return }
        relistSeen.begin(resource)
    }

    /// A relist's page: its objects upserted, their keys and its unchanged keys remembered (an
    /// unchanged item is one the inventory holds as an earlier LIST gave it, and this tracker
    /// got the same pages and events: it holds that item as listed too).
    func relistPage(_ resource: WatchedResource, _ page: RelistPage) {
        guard resource == .pods || resource == .nodes else { return }
        relistSeen.record(resource, page.keys)
        for o in page.objects { upsert(resource, o) }
    }

    /// The relist's pages are all in: what none held is gone (as `replaceAll` of them all).
    func relistComplete(_ resource: WatchedResource) {
        guard let seen = relistSeen.finish(resource) else { return }
        switch resource {
        case .pods: state.withLock { $0.retainPods(seen) }
        case .nodes: state.withLock { $0.retainNodes(seen) }
        default: break
        }
    }

    func relistEnded(_ resource: WatchedResource) {
        relistSeen.abandon(resource)
    }

    func replaceAll(_ resource: WatchedResource, _ objects: [KubeObject]) {
        switch resource {
        case .pods: state.withLock { $0.replacePods(objects) }
        case .nodes: state.withLock { $0.replaceNodes(objects) }
        default: break
        }
    }
}

/// Delivers every watch event to the inventory and to the relay tracker.
struct TrackingSink: ObjectSink {
    let inner: any ObjectSink
    let tracker: RelayTracker

    func upsert(_ resource: WatchedResource, _ object: KubeObject) {
        tracker.upsert(resource, object)
        inner.upsert(resource, object)
    }

    func delete(_ resource: WatchedResource, _ object: KubeObject) {
        tracker.delete(resource, object)
        inner.delete(resource, object)
    }

    func replaceAll(_ resource: WatchedResource, _ objects: [KubeObject]) {
        tracker.replaceAll(resource, objects)
        inner.replaceAll(resource, objects)
    }

    func forget(_ resource: WatchedResource) {
        tracker.replaceAll(resource, [])
        inner.forget(resource)
    }

    func apply(_ resource: WatchedResource, _ changes: [ObjectChange]) {
        for c in changes {
            switch c {
            case .upsert(let o): tracker.upsert(resource, o)
            case .delete(let o): tracker.delete(resource, o)
            }
        }
        inner.apply(resource, changes)
    }

    func relistStarted(_ resource: WatchedResource) {
        tracker.relistStarted(resource)
        inner.relistStarted(resource)
    }

    func relistEnded(_ resource: WatchedResource) {
        tracker.relistEnded(resource)
        inner.relistEnded(resource)
    }

    /// Pages when the inventory takes pages; the tracker follows either way.
    var appliesRelistPages: Bool { inner.appliesRelistPages }

    func relistPage(_ resource: WatchedResource, _ page: RelistPage) {
        tracker.relistPage(resource, page)
        inner.relistPage(resource, page)
    }

    func knownListItems(_ resource: WatchedResource) -> [Int: String] { inner.knownListItems(resource) }

    func relistComplete(_ resource: WatchedResource) {
        tracker.relistComplete(resource)
        inner.relistComplete(resource)
    }

    func recordUndecodable(_ resource: WatchedResource) { inner.recordUndecodable(resource) }
}
