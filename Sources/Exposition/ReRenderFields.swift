import SednaCatalog

/// What the inventory keeps of an owned pod or federated job to render it again when the fact
/// it joins changes (its node's location, its datasets' sample counts).
///
/// A pod as the API server sends it carries `managedFields`, volumes, every container's image,
/// command, mounts and environment, and every container status's image IDs: several KB that no
/// translator reads, kept for every worker pod of every task (20k pods at 10k tasks). Only the
/// fields the pod's rendering and classification read are kept: the labels (`PodRole`, the
/// shard), the node, the worker's `WORKER_NAME` and `MINING_MODE`, the pod IP, the phase, the
/// start time, the `Ready` condition and the containers' names, restart counts and states.
/// `ReRenderFieldsTests` renders every fixture pod both ways and compares the bytes. A pod with
/// none of the bulk (no `managedFields`, annotations, volumes or `hostIP`) is kept as it is.
///
/// A federated job's rendering reads most of its spec and status (workers, datasets, conditions
/// and their `data`), so only `managedFields` and kubectl's last-applied annotation go.
enum ReRenderFields {
    static func pod(_ o: KubeObject) -> KubeObject {
        let m = o.metadata, spec = o.spec, status = o.status
        // What an API server adds to every pod; a pod without any of it (an emulator's, a
        // fixture's) is already small, and rebuilding it cost 6 % of the watch path for nothing.
        guard !m["managedFields"].isNull || !m["annotations"].isNull || !spec["volumes"].isNull
                || !status["hostIP"].isNull else { return o }
        var meta: [String: JSON] = [:]
        for k in ["name", "namespace", "uid", "labels"] where !m[k].isNull { meta[k] = m[k] }
        var outSpec: [String: JSON] = [:]
        if !spec["nodeName"].isNull { outSpec["nodeName"] = spec["nodeName"] }
        if let containers = spec["containers"].array {
            outSpec["containers"] = .array(containers.map { c in
                let env = (c["env"].array ?? []).filter { e in
                    let n = e["name"].string
                    return n == "WORKER_NAME" || n == "MINING_MODE"
                }
                return env.isEmpty ? .object([:]) : .object(["env": .array(env)])
            })
        }
        var outStatus: [String: JSON] = [:]
        for k in ["phase", "startTime", "podIP"] where !status[k].isNull { outStatus[k] = status[k] }
        if let conditions = status["conditions"].array {
            outStatus["conditions"] = .array(conditions.compactMap { c in
                c["type"].string == "Ready" ? .object(["type": c["type"], "status": c["status"]]) : nil
            })
        }
        for k in ["containerStatuses", "initContainerStatuses"] {
            guard let statuses = status[k].array else { continue }
            outStatus[k] = .array(statuses.map(containerStatus))
        }
        var top: [String: JSON] = ["metadata": .object(meta)]
        if !outSpec.isEmpty { top["spec"] = .object(outSpec) }
        if !outStatus.isEmpty { top["status"] = .object(outStatus) }
        return KubeObject(.object(top))
    }

    /// Name, restart count, and which state the container is in (with the waiting reason).
    private static func containerStatus(_ c: JSON) -> JSON {
        var out: [String: JSON] = [:]
        if !c["name"].isNull { out["name"] = c["name"] }
        if !c["restartCount"].isNull { out["restartCount"] = c["restartCount"] }
        if let state = c["state"].object {
            var s: [String: JSON] = [:]
            for (k, v) in state where !v.isNull {
                s[k] = k == "waiting" && !v["reason"].isNull ? .object(["reason": v["reason"]]) : .object([:])
            }
            out["state"] = .object(s)
        } else if !c["state"].isNull {
            out["state"] = c["state"]
        }
        return .object(out)
    }

    static func federatedJob(_ o: KubeObject) -> KubeObject {
        guard case .object(var top) = o.json, case .object(var meta) = top["metadata"] ?? .null else { return o }
        let hadManaged = meta.removeValue(forKey: "managedFields") != nil
        var hadLastApplied = false
        if case .object(var annotations) = meta["annotations"] ?? .null,
           annotations.removeValue(forKey: "kubectl.kubernetes.io/last-applied-configuration") != nil {
            hadLastApplied = true
            meta["annotations"] = .object(annotations)
        }
        guard hadManaged || hadLastApplied else { return o }
        top["metadata"] = .object(meta)
        return KubeObject(.object(top))
    }
}
