import SednaCatalog

/// Where reflectors deliver objects. The exporter's Inventory implements it; tests can record.
public protocol ObjectSink: Sendable {
    func upsert(_ resource: WatchedResource, _ object: KubeObject)
    func delete(_ resource: WatchedResource, _ object: KubeObject)
    func replaceAll(_ resource: WatchedResource, _ objects: [KubeObject])
    func forget(_ resource: WatchedResource)
    func recordUndecodable(_ resource: WatchedResource)
    /// The changes one read of a watch stream carried, in the stream's order. A sink may prepare
    /// them side by side (the inventory translates them on every core); the effect must be that
    /// of applying them one by one.
    func apply(_ resource: WatchedResource, _ changes: [ObjectChange])
    /// A relist of `resource` began: its first LIST page is being requested. Until
    /// `relistEnded`, what the sink holds for it is about to be replaced (`replaceAll`, or
    /// `relistPage`s and `relistComplete`).
    func relistStarted(_ resource: WatchedResource)
    /// The relist `relistStarted` announced is over: applied, or its LIST failed.
    func relistEnded(_ resource: WatchedResource)
    /// Whether the sink takes a relist page by page (`relistPage`, then `relistComplete`) instead
    /// of all at once (`replaceAll`): the reflector then holds no page once it is delivered.
    var appliesRelistPages: Bool { get }
    /// One LIST page of the relist under way, in order: its objects are current, and so is
    /// what the sink holds for its `unchanged` keys.
    func relistPage(_ resource: WatchedResource, _ page: RelistPage)
    /// For a page-wise sink: the hash (`ListItemHash`) of each object it holds exactly as a LIST
    /// gave it, with the object's key; the next relist's items with these hashes are not
    /// parsed and come as `RelistPage.unchanged`. Empty: every item is parsed.
    func knownListItems(_ resource: WatchedResource) -> [Int: String]
    /// The relist's last page was delivered: every object no page held is gone. Not called
    /// when the LIST failed (`relistEnded` follows either way).
    func relistComplete(_ resource: WatchedResource)
}

/// One change a watch stream reports.
public enum ObjectChange: Sendable {
    case upsert(KubeObject)
    case delete(KubeObject)
}

extension ObjectSink {
    public func relistStarted(_ resource: WatchedResource) {}
    public func relistEnded(_ resource: WatchedResource) {}
    public var appliesRelistPages: Bool { false }
    public func relistPage(_ resource: WatchedResource, _ page: RelistPage) {}
    public func knownListItems(_ resource: WatchedResource) -> [Int: String] { [:] }

    /// A page of objects all parsed (tests, sinks' own callers).
    public func relistPage(_ resource: WatchedResource, _ objects: [KubeObject]) {
        relistPage(resource, RelistPage(objects: objects))
    }
    public func relistComplete(_ resource: WatchedResource) {}

    /// One by one, for sinks with nothing to gain from a batch.
    public func apply(_ resource: WatchedResource, _ changes: [ObjectChange]) {
        for c in changes {
            switch c {
            case .upsert(let o): upsert(resource, o)
            case .delete(let o): delete(resource, o)
            }
        }
    }
}
