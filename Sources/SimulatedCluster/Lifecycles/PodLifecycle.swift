import SednaCatalog

/// The kubelet's part of a pod's life, as the API shows it: Pending (ContainerCreating) ->
/// Running -> Succeeded/Failed, and restarts through CrashLoopBackOff for a container that
/// keeps dying under `restartPolicy: Always`/`OnFailure`.
extension SimPod {
    /// A new pod as its controller creates it (Pending, container being created).
    static func create(_ meta: ObjectMeta, node: String, container: JSON, hostNetwork: Bool = false,
                       restartPolicy: String = "Always", network: NodeNetwork) -> SimPod {
        var p = SimPod(meta: meta, node: node, hostNetwork: hostNetwork, restartPolicy: restartPolicy, container: container)
        p.hostIP = network.hostIP(node)
        p.podIP = hostNetwork ? p.hostIP : network.podIP(meta.uid)
        return p
    }

    /// The container started.
    mutating func start(at ts: String) {
        phase = "Running"
        if startTime == nil { startTime = ts }
        state = .running(startedAt: ts)
        readySince = ts
    }

    private var runningSince: String {
        if case let .running(at) = state { return at }
        return startTime ?? meta.creationTimestamp
    }

    /// The container exited for good (restart policy does not restart it).
    mutating func finish(exitCode: Int, at ts: String) {
        state = .terminated(reason: exitCode == 0 ? "Completed" : "Error", exitCode: exitCode, startedAt: runningSince, finishedAt: ts)
        phase = exitCode == 0 ? "Succeeded" : "Failed"
        readySince = ts
    }

    /// The container died and the kubelet backs off before restarting it.
    mutating func crash(reason: String, exitCode: Int, backOff: Int, at ts: String) {
        lastState = .terminated(reason: reason, exitCode: exitCode, startedAt: runningSince, finishedAt: ts)
        state = .waiting(reason: "CrashLoopBackOff",
                         message: "back-off \(backOff)s restarting failed container=\(containerName) pod=\(name)_\(namespace)(\(meta.uid))")
        readySince = ts
    }

    /// The back-off is over: a new container runs.
    mutating func restart(at ts: String) {
        restartCount += 1
        state = .running(startedAt: ts)
        readySince = ts
    }
}

/// Addresses of nodes and pods, derived from names so they stay stable.
struct NodeNetwork: Sendable {
    var hostIPs: [String: String] = [:]

    func hostIP(_ node: String) -> String { hostIPs[node] ?? "192.168.1.250" }

    func podIP(_ uid: String) -> String {
        let h = uid.unicodeScalars.reduce(UInt32(2166136261)) { ($0 ^ $1.value) &* 16777619 }
        return "10.244.\(h % 200 + 1).\(h / 200 % 250 + 2)"
    }
}
