import KubeWatch
import Logging
import NIOCore
import SednaCatalog
import ServerSupport

/// Keeps a `ShardAssignmentBox` in step with the exporter's StatefulSet: GET it, take
/// `spec.replicas`, then watch it (by name) and re-read on every change, the way
/// kube-state-metrics' `--auto-sharding` follows its StatefulSet. Errors are logged and
/// retried with backoff; the last known assignment stays in force meanwhile.
public struct AutoShardingWatcher: Sendable {
    let client: KubeClient
    let namespace: String
    let pod: AutoSharding.PodIdentity
    let box: ShardAssignmentBox
    let logger: Logger
    let watchTimeout: ClosedRange<Int>
    /// Called with the first assignment read and with every later change (after the box is set).
    let publish: @Sendable (ShardAssignment) -> Void

    public init(client: KubeClient, namespace: String, pod: AutoSharding.PodIdentity, box: ShardAssignmentBox,
                logger: Logger, watchTimeout: ClosedRange<Int> = 300...600,
                publish: @escaping @Sendable (ShardAssignment) -> Void) {
        self.client = client
        self.namespace = namespace
        self.pod = pod
        self.box = box
        self.logger = logger
        self.watchTimeout = watchTimeout
        self.publish = publish
    }

    /// Runs until cancelled.
    public func run() async {
        var backoff = Backoff(initial: 1, cap: 30)
        var published = false
        func apply(_ object: KubeObject) {
            guard let replicas = AutoSharding.replicas(of: object.json) else {
                logger.warning("StatefulSet spec.replicas is not a whole number; keeping the shard assignment",
                               metadata: ["statefulset": "\(namespace)/\(pod.statefulSet)"])
                return
            }
            guard let a = AutoSharding.assignment(ordinal: pod.ordinal, replicas: replicas) else {
                logger.info("this pod's ordinal is not below the StatefulSet's replicas (being scaled away); keeping the shard assignment",
                            metadata: ["ordinal": "\(pod.ordinal)", "replicas": "\(replicas)", "assignment": "\(box.current)"])
                return
            }
            let previous = box.current
            guard !published || a != previous else { return }
            box.set(a)
            published = true
            logger.info("shard assignment from the StatefulSet", metadata: [
                "statefulset": "\(namespace)/\(pod.statefulSet)", "shard": "\(a.shard)", "total": "\(a.total)"])
            publish(a)
        }
        while !Task.isCancelled {
            do {
                let object = try await client.statefulSet(namespace: namespace, name: pod.statefulSet)
                apply(object)
                let body = try await client.watchStatefulSet(namespace: namespace, name: pod.statefulSet,
                                                             resourceVersion: object.resourceVersion,
                                                             timeoutSeconds: Int.random(in: watchTimeout))
                backoff.reset()
                var splitter = LineSplitter()
                read: for try await chunk in body {
                    for line in try splitter.feed(chunk.readableBytesView) {
                        let event = try WatchEvent.decode(line)
                        switch event.type {
                        case "ADDED", "MODIFIED":
                            if event.object.name == pod.statefulSet { apply(event.object) }
                        case "BOOKMARK":
                            continue
                        default:   // DELETED, ERROR (410 Gone ...): read the object again
                            break read
                        }
                    }
                }
                // The watch ended (server timeout) or needs a fresh GET: after a short pause, so
                // that a server ending watches at once is not asked in a tight loop.
            } catch is CancellationError {
                return
            } catch {
                if Task.isCancelled { return }
                if (error as? KubeError)?.code == .transport { client.resetConnections() }
                logger.warning("reading the StatefulSet for --auto-sharding failed; retrying",
                               metadata: ["statefulset": "\(namespace)/\(pod.statefulSet)", "error": "\(error)"])
            }
            let wait = backoff.next(random: Double.random(in: 0..<1))
            do { try await Task.sleep(for: .milliseconds(Int(wait * 1000))) } catch { return }
        }
    }
}
