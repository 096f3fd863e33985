import SednaCatalog

/// A pod with one container, and the kubelet's (or edgecore's) view of it: phase, container
/// state, restarts and the Ready condition.
///
/// Transitions live in `Lifecycles/PodLifecycle.swift`; this file only renders the object the
/// API server would return.
struct SimPod: Sendable {
    enum ContainerState: Sendable, Equatable {
        case waiting(reason: String, message: String?)
        case running(startedAt: String)
        case terminated(reason: String, exitCode: Int, startedAt: String, finishedAt: String)
    }

    var meta: ObjectMeta
    var node: String
    var hostNetwork = false
    /// Empty means the Kubernetes default (Always).
    var restartPolicy = "Always"
    var container: JSON
    var volumes: [JSON] = []

    var phase = "Pending"
    var startTime: String? = nil
    var state: ContainerState = .waiting(reason: "ContainerCreating", message: nil)
    var lastState: ContainerState? = nil
    var restartCount = 0
    /// The node controller marks pods on an unreachable node not ready (NodeHealth).
    var nodeReady = true
    var hostIP = ""
    var podIP = ""
    var readySince: String? = nil

    var name: String { meta.name }
    var namespace: String { meta.namespace }
    var key: String { "\(meta.namespace)/\(meta.name)" }
    var containerName: String { container["name"].string ?? "worker" }
    var image: String { container["image"].string ?? "" }
    var isRunning: Bool { if case .running = state { return true } else { return false } }
    var ready: Bool { isRunning && nodeReady && phase == "Running" }
    var workerName: String? {
        (container["env"].array ?? []).first { $0["name"].string == "WORKER_NAME" }?["value"].string
    }

    var json: JSON {
        var spec: [String: JSON] = [
            "nodeName": .string(node), "containers": [container], "restartPolicy": .string(restartPolicy),
            "schedulerName": "default-scheduler", "serviceAccountName": "default", "dnsPolicy": "ClusterFirst",
            "terminationGracePeriodSeconds": 30,
        ]
        if hostNetwork {
            spec["hostNetwork"] = true
            spec["dnsPolicy"] = "ClusterFirstWithHostNet"
        }
        if !volumes.isEmpty { spec["volumes"] = .array(volumes) }

        let created = meta.creationTimestamp
        func cond(_ type: String, _ ok: Bool, _ at: String) -> JSON {
            ["type": .string(type), "status": .string(ok ? "True" : "False"), "lastProbeTime": .null,
             "lastTransitionTime": .string(at)]
        }
        let readyAt = readySince ?? startTime ?? created
        var status: [String: JSON] = [
            "phase": .string(phase),
            "conditions": [
                cond("Initialized", true, created), cond("Ready", ready, readyAt),
                cond("ContainersReady", isRunning, readyAt), cond("PodScheduled", true, created),
            ],
            "qosClass": "BestEffort",
        ]
        if !hostIP.isEmpty { status["hostIP"] = .string(hostIP) }
        if !podIP.isEmpty, phase != "Pending" {
            status["podIP"] = .string(podIP)
            status["podIPs"] = [["ip": .string(podIP)]]
        }
        if let s = startTime { status["startTime"] = .string(s) }
        var cs: [String: JSON] = [
            "name": .string(containerName), "image": .string(image), "imageID": phase == "Pending" ? "" : .string("docker-pullable://\(image)"),
            "ready": .bool(ready), "started": .bool(isRunning), "restartCount": .number(Double(restartCount)),
            "state": Self.render(state),
            "lastState": lastState.map(Self.render) ?? [:],
        ]
        if phase != "Pending" { cs["containerID"] = .string("containerd://\(meta.uid.replacingOccurrences(of: "-", with: ""))\(restartCount)") }
        status["containerStatuses"] = [.object(cs)]
        return ["apiVersion": "v1", "kind": "Pod", "metadata": meta.json, "spec": .object(spec), "status": .object(status)]
    }

    static func render(_ s: ContainerState) -> JSON {
        switch s {
        case let .waiting(reason, message):
            var w: [String: JSON] = ["reason": .string(reason)]
            if let message { w["message"] = .string(message) }
            return ["waiting": .object(w)]
        case let .running(at):
            return ["running": ["startedAt": .string(at)]]
        case let .terminated(reason, code, started, finished):
            return ["terminated": ["reason": .string(reason), "exitCode": .number(Double(code)),
                                   "startedAt": .string(started), "finishedAt": .string(finished)]]
        }
    }
}
