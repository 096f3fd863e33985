import SednaCatalog
import SimulatedCluster

/// The simulated API server's state behind one actor: the store, and the open watches that
/// each get every change of their resource in resource-version order.
///
/// Registering a watch and replaying its backlog happen in one actor call, and changes are
/// fanned out in the same actor, so no event can fall between the replay and the live stream.
actor SimulatedAPI {
    enum WatchItem: Sendable {
        case event(APIStore.Event)
        /// Sent to every watch on each simulator tick: time to check timeouts and send a
        /// bookmark at `resourceVersion` (all earlier events were enqueued before it). `now` is
        /// the API's time (seconds), the only clock watches read.
        case tick(resourceVersion: Int, now: Double)
    }

    struct Watcher {
        let resource: WatchedResource
        let namespace: String?
        let continuation: AsyncStream<WatchItem>.Continuation
    }

    /// Events buffered per watch before the watch counts as too slow and is closed (its
    /// client resumes from its last resource version, as with a real API server).
    let watchBuffer: Int
    private var store: APIStore
    private var watchers: [Int: Watcher] = [:]
    private var nextID = 0
    /// The API's time in seconds: set by `tick(now:)` (the simulation driver passes the world's
    /// time, tests a simulated one), so watch timeouts and bookmarks never read a clock.
    private(set) var now: Double

    init(historyWindow: Int, watchBuffer: Int = 1_000, now: Double = 0) {
        store = APIStore(historyWindow: historyWindow)
        self.watchBuffer = watchBuffer
        self.now = now
    }

    var resourceVersion: Int { store.resourceVersion }
    var openWatches: Int { watchers.count }

    func apply(_ changes: [ClusterChange]) {
        for change in changes {
            guard let event = store.apply(change) else { continue }
            for (id, w) in watchers where w.resource == event.resource && (w.namespace == nil || w.namespace == event.namespace) {
                deliver(.event(event), to: id, w)
            }
        }
    }

    /// Advances the API's time (never backwards) and lets every watch check it.
    func tick(now: Double) {
        self.now = max(self.now, now)
        let rv = store.resourceVersion
        for (id, w) in watchers { deliver(.tick(resourceVersion: rv, now: self.now), to: id, w) }
    }

    func list(_ resource: WatchedResource, namespace: String?, limit: Int?, continueToken: String?) throws(APIStore.ListError) -> APIStore.ListPage {
        try store.list(resource, namespace: namespace, limit: limit, continueToken: continueToken)
    }

    func get(_ resource: WatchedResource, namespace: String, name: String) -> JSON? {
        store.get(resource, namespace: namespace, name: name)
    }

    /// Opens a watch: the backlog to replay and the live stream, or `.gone` for a version
    /// older than the history window; `openedAt` is the API's time.
    func openWatch(_ resource: WatchedResource, namespace: String?, from version: Int?)
        -> (start: APIStore.WatchStart, stream: AsyncStream<WatchItem>?, id: Int, openedAt: Double) {
        let start = store.watchStart(resource, namespace: namespace, from: version)
        guard case .events = start else { return (start, nil, -1, now) }
        let (stream, continuation) = AsyncStream<WatchItem>.makeStream(bufferingPolicy: .bufferingOldest(watchBuffer))
        nextID += 1
        let id = nextID
        watchers[id] = Watcher(resource: resource, namespace: namespace, continuation: continuation)
        continuation.onTermination = { [weak self] _ in
            guard let self else { return }
            Task { await self.closeWatch(id) }
        }
        return (start, stream, id, now)
    }

    func closeWatch(_ id: Int) {
        watchers.removeValue(forKey: id)?.continuation.finish()
    }

    /// Closes every watch (shutdown).
    func closeAll() {
        for id in Array(watchers.keys) { closeWatch(id) }
    }

    private func deliver(_ item: WatchItem, to id: Int, _ w: Watcher) {
        if case .dropped = w.continuation.yield(item) {
            // Too slow a reader: end its stream rather than lose an event silently.
            closeWatch(id)
        }
    }
}
