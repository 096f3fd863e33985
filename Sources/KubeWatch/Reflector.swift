import AsyncHTTPClient
import Logging
import NIOCore
import SednaCatalog

/// Runs one resource's ReflectorStateMachine against the API server: performs the actions it
/// decides and feeds it the outcomes. All decisions live in the state machine.
public struct Reflector: Sendable {
    public let resource: WatchedResource
    let client: KubeClient
    let sink: any ObjectSink
    let stats: WatchStats
    let logger: Logger
    /// Server-side watch timeout range (client-go picks 5 to 10 minutes at random).
    let watchTimeout: ClosedRange<Int>

    public init(resource: WatchedResource, client: KubeClient, sink: any ObjectSink, stats: WatchStats,
                logger: Logger, watchTimeout: ClosedRange<Int> = 300...600) {
        self.resource = resource
        self.client = client
        self.sink = sink
        self.stats = stats
        self.logger = logger
        self.watchTimeout = watchTimeout
    }

    public func run() async {
        let client = self.client.fork()
        defer { Task { await client.shutdown() } }
        var machine = ReflectorStateMachine()
        var action = machine.on(.start)
        // A sink that takes a relist all at once gets every page gathered here; one that takes
        // pages (`appliesRelistPages`: the inventory) gets each as it arrives, and this stays empty.
        var accumulated: [KubeObject] = []
        var listed = 0
        let pageWise = sink.appliesRelistPages
        // A page-wise sink's page being applied while the next is fetched: awaited before the
        // next page is handed over, before the completion or the end of the relist, and before
        // this returns, so that the sink sees every call in order and none after the driver ends.
        var applying: Task<Void, Never>?
        let r = resource
        // Whether a relist announced to the sink (`relistStarted`) is still to be ended.
        var relisting = false
        defer { if relisting { sink.relistEnded(r) } }
        // What a page-wise sink holds as listed, asked once per relist (`knownListItems`).
        var known: [Int: String] = [:]
        var unchanged = 0
        while !Task.isCancelled {
            switch action {
            case .list(let token):
                if token == nil {
                    accumulated.removeAll()
                    listed = 0
                    unchanged = 0
                    known = pageWise ? sink.knownListItems(r) : [:]
                }
                if !relisting {
                    sink.relistStarted(r)
                    relisting = true
                }
                do {
                    let page = try await client.list(r, continueToken: token, known: pageWise ? known : nil)
                    listed += page.items.count + page.unchanged.count
                    unchanged += page.unchanged.count
                    if pageWise {
                        let items = RelistPage(objects: page.items, hashes: page.hashes, unchanged: page.unchanged)
                        await applying?.value
                        applying = Task { [sink] in
                            await WatchWork.shared.run(heavy: items.objects.count >= WatchWork.inlineObjects) { sink.relistPage(r, items) }
                        }
                    } else {
                        accumulated.append(contentsOf: page.items)
                    }
                    for _ in 0..<page.undecodable { sink.recordUndecodable(r) }
                    stats.update(r) { s in
                        s.listResults["ok", default: 0] += 1
                        s.listItems["parsed", default: 0] += page.items.count
                        if !page.unchanged.isEmpty { s.listItems["unchanged", default: 0] += page.unchanged.count }
                    }
                    action = machine.on(.listPage(continueToken: page.continueToken, resourceVersion: page.resourceVersion))
                } catch {
                    let e = error as? KubeError
                    stats.update(r) { s in
                        s.listResults[Self.result(e), default: 0] += 1
                        s.lastError = "\(error)"
                    }
                    if e?.code == .transport { client.resetConnections() }
                    await applying?.value
                    applying = nil
                    sink.relistEnded(r)
                    relisting = false
                    action = machine.on(.listFailed(gone: e?.code == .gone, random: Double.random(in: 0..<1)))
                    logger.warning("list failed", metadata: ["resource": "\(r)", "error": "\(error)", "retry_in": "\(action)"])
                }

            case .replaceAllThenWatch(let rv):
                let objects = accumulated
                accumulated.removeAll()
                let n = listed
                await applying?.value
                applying = nil
                if pageWise {
                    await WatchWork.shared.run(heavy: n >= WatchWork.inlineObjects) { [sink] in sink.relistComplete(r) }
                } else {
                    await WatchWork.shared.run(heavy: n >= WatchWork.inlineObjects) { [sink] in sink.replaceAll(r, objects) }
                }
                if relisting {
                    sink.relistEnded(r)
                    relisting = false
                }
                stats.update(r) { s in
                    s.synced = true
                    s.consecutiveFailures = 0
                    s.lastSync = WatchStats.now()
                }
                logger.info("listed", metadata: ["resource": "\(r)", "objects": "\(n)", "unchanged": "\(unchanged)"])
                action = .watch(resourceVersion: rv)

            case .watch(let rv):
                action = await watchOnce(&machine, client: client, resourceVersion: rv)

            case .sleep(let seconds):
                stats.update(r) { $0.consecutiveFailures = machine.consecutiveFailures }
                do { try await Task.sleep(for: .milliseconds(Int(seconds * 1000))) } catch { return }
                action = machine.on(.backoffElapsed)

            case .apply, .none:
                // Only returned for single events, never as the next step; relist to be safe.
                action = .list(continueToken: nil)
            }
        }
        // Cancelled between two pages: the last one handed over is applied before the relist ends.
        await applying?.value
    }

    private func watchOnce(_ machine: inout ReflectorStateMachine, client: KubeClient,
                           resourceVersion rv: String?) async -> ReflectorStateMachine.Action {
        let r = resource
        do {
            let body = try await client.watch(r, resourceVersion: rv, timeoutSeconds: Int.random(in: watchTimeout))
            _ = machine.on(.watchOpened)
            stats.update(r) { $0.consecutiveFailures = 0 }
            var splitter = LineSplitter()
            for try await chunk in body {
                if let next = handle(try splitter.feed(chunk.readableBytesView), &machine) { return next }
            }
            if let last = splitter.finish(), let next = handle([last], &machine) { return next }
            stats.update(r) { $0.watchResults["ok", default: 0] += 1 }
            return machine.on(.watchEnded)
        } catch is CancellationError {
            return .none
        } catch {
            let e = error as? KubeError
            stats.update(r) { s in
                s.watchResults[Self.result(e), default: 0] += 1
                s.lastError = "\(error)"
            }
            if e == nil || e?.code == .transport { client.resetConnections() }
            let next = machine.on(.watchFailed(gone: e?.code == .gone, random: Double.random(in: 0..<1)))
            logger.warning("watch failed", metadata: ["resource": "\(r)", "error": "\(error)"])
            return next
        }
    }

    /// Applies the lines of one read of the stream; returns the next action when the stream must
    /// end here. The lines are decoded on every core (`ParallelMap`), the state machine sees them
    /// in order, and the changes it lets through go to the sink as one batch (everything before
    /// an ERROR or a malformed line is applied, nothing after it).
    private func handle(_ lines: [[UInt8]], _ machine: inout ReflectorStateMachine) -> ReflectorStateMachine.Action? {
        guard !lines.isEmpty else { return nil }
        let r = resource
        let decoded = ParallelMap.map(lines) { line in Result { try WatchEvent.decode(line) } }
        var changes: [ObjectChange] = []
        changes.reserveCapacity(decoded.count)
        var counts: [String: Int] = [:]
        var undecodable = 0
        var next: ReflectorStateMachine.Action?
        loop: for result in decoded {
            let event: WatchEvent
            switch result {
            case .success(let e): event = e
            case .failure(let error):
                stats.update(r) { s in
                    s.watchResults["error", default: 0] += 1
                    s.lastError = "\(error)"
                }
                logger.warning("malformed watch event; relisting", metadata: ["resource": "\(r)", "error": "\(error)"])
                next = machine.on(.watchErrorEvent(gone: false))
                break loop
            }
            counts[event.type, default: 0] += 1
            if event.type == "ERROR" {
                let gone = event.isGone
                stats.update(r) { $0.watchResults[gone ? "gone" : "error", default: 0] += 1 }
                logger.info("watch ERROR event; relisting", metadata: ["resource": "\(r)", "gone": "\(gone)",
                                                                      "message": "\(event.object.json["message"].string ?? "")"])
                next = machine.on(.watchErrorEvent(gone: gone))
                break loop
            }
            guard machine.on(.watchEvent(type: event.type, resourceVersion: event.object.resourceVersion)) == .apply else { continue }
            switch event.type {
            case "ADDED", "MODIFIED":
                if event.object.metadata["name"].string == nil { undecodable += 1 } else { changes.append(.upsert(event.object)) }
            case "DELETED":
                changes.append(.delete(event.object))
            default:
                break
            }
        }
        if !counts.isEmpty {
            stats.update(r) { s in
                for (type, n) in counts { s.events[type, default: 0] += n }
                s.lastSync = WatchStats.now()
            }
        }
        for _ in 0..<undecodable { sink.recordUndecodable(r) }
        if !changes.isEmpty { sink.apply(r, changes) }
        return next
    }

    static func result(_ e: KubeError?) -> String {
        switch e?.code {
        case .gone: return "gone"
        case .notFound: return "not_found"
        case .http(let c): return c >= 500 ? "server_error" : "client_error"
        case .decode: return "decode_error"
        default: return "error"
        }
    }
}
