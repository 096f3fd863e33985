import Logging
import SednaCatalog
import ServerSupport

/// Starts one reflector per wanted resource, skipping Sedna kinds whose CRD is not installed
/// (one log line each) and re-running discovery periodically so a CRD installed later is picked
/// up, and one removed later drops its series.
public struct WatchSupervisor: Sendable {
    let client: KubeClient
    let sink: any ObjectSink
    let stats: WatchStats
    let logger: Logger
    public let resources: [WatchedResource]
    let discoveryInterval: Double
    let watchTimeout: ClosedRange<Int>

    public init(client: KubeClient, sink: any ObjectSink, stats: WatchStats, logger: Logger,
                resources: [WatchedResource], discoveryInterval: Double = 60, watchTimeout: ClosedRange<Int> = 300...600) {
        self.client = client
        self.sink = sink
        self.stats = stats
        self.logger = logger
        self.resources = resources
        self.discoveryInterval = discoveryInterval
        self.watchTimeout = watchTimeout
    }

    /// Runs until cancelled. The reflectors are children of one task group: cancelling the
    /// supervisor cancels them and returns only after every one has finished, and a reflector
    /// whose resource disappeared is stopped and awaited before its objects are forgotten, so a
    /// late `replaceAll` from it cannot bring them back.
    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            var running: [WatchedResource: (stop: Latch, stopped: Latch)] = [:]
            var announcedAbsent: Set<WatchedResource> = []
            var backoff = Backoff(initial: 1, cap: discoveryInterval)
            while !Task.isCancelled {
                var served: Set<String>? = nil
                do {
                    served = try await client.discoverSednaResources()
                    stats.setDiscovered(true)
                    backoff.reset()
                } catch {
                    if (error as? KubeError)?.code == .transport { client.resetConnections() }
                    logger.warning("discovery of \(SednaKind.group)/\(SednaKind.version) failed", metadata: ["error": "\(error)"])
                }
                if let served {
                    for r in resources {
                        let available = !r.isOptional || served.contains(r.description)
                        stats.update(r) { $0.available = available }
                        if available, running[r] == nil {
                            announcedAbsent.remove(r)
                            let reflector = Reflector(resource: r, client: client, sink: sink, stats: stats, logger: logger,
                                                      watchTimeout: watchTimeout)
                            let handle = (stop: Latch(), stopped: Latch())
                            running[r] = handle
                            group.addTask { await Self.run(reflector, until: handle.stop, then: handle.stopped) }
                        } else if !available {
                            if let handle = running.removeValue(forKey: r) {
                                handle.stop.fire()
                                await handle.stopped.wait()
                                sink.forget(r)
                                stats.update(r) { $0.synced = false }
                                logger.warning("resource no longer served; its series were dropped", metadata: ["resource": "\(r)"])
                            } else if announcedAbsent.insert(r).inserted {
                                logger.info("resource not served (CRD not installed); skipping and checking again later",
                                            metadata: ["resource": "\(r)"])
                            }
                        }
                    }
                }
                let wait = served == nil ? backoff.next(random: Double.random(in: 0..<1)) : discoveryInterval
                do { try await Task.sleep(for: .milliseconds(Int(wait * 1000))) } catch { break }
            }
            group.cancelAll()
        }
    }

    /// Runs `reflector` until `stop` fires or the task is cancelled, then fires `stopped` once
    /// the reflector has returned.
    static func run(_ reflector: Reflector, until stop: Latch, then stopped: Latch) async {
        await withTaskGroup(of: Void.self) { inner in
            inner.addTask { await reflector.run() }
            inner.addTask { await stop.wait() }
            await inner.next()
            inner.cancelAll()
        }
        stopped.fire()
    }
}
