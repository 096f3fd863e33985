import SednaCatalog

/// `metadata` as the API server returns it. `resourceVersion` is left to the API store.
struct ObjectMeta: Sendable {
    var name: String
    var namespace: String
    var uid: String
    var creationTimestamp: String
    var generateName: String? = nil
    var labels: [String: String] = [:]
    var annotations: [String: String] = [:]
    var ownerReferences: [JSON] = []
    var generation: Int? = nil

    var json: JSON {
        var m: [String: JSON] = [
            "name": .string(name), "uid": .string(uid), "creationTimestamp": .string(creationTimestamp),
        ]
        if !namespace.isEmpty { m["namespace"] = .string(namespace) }
        if let g = generateName { m["generateName"] = .string(g) }
        if !labels.isEmpty { m["labels"] = .object(labels.mapValues { .string($0) }) }
        if !annotations.isEmpty { m["annotations"] = .object(annotations.mapValues { .string($0) }) }
        if !ownerReferences.isEmpty { m["ownerReferences"] = .array(ownerReferences) }
        if let g = generation { m["generation"] = .number(Double(g)) }
        return .object(m)
    }

    /// A controller reference, as the GM sets on the pods, Deployments and Services it creates
    /// (`pkg/globalmanager/runtime/worker.go`) and as Deployments/ReplicaSets set on theirs.
    static func controllerRef(apiVersion: String, kind: String, name: String, uid: String) -> JSON {
        ["apiVersion": .string(apiVersion), "kind": .string(kind), "name": .string(name), "uid": .string(uid),
         "controller": true, "blockOwnerDeletion": true]
    }
}

/// The identity of a Sedna custom resource, for owner references and worker labels.
struct TaskRef: Sendable {
    let kind: SednaKind
    let name: String
    let namespace: String
    let uid: String

    var ownerRef: JSON {
        ObjectMeta.controllerRef(apiVersion: "\(SednaKind.group)/\(SednaKind.version)", kind: kind.rawValue, name: name, uid: uid)
    }

    /// `<kind>.sedna.io/name|uid|worker-type` (pkg/globalmanager/runtime/worker.go `generateLabels`).
    func workerLabels(_ workerType: String) -> [String: String] {
        [kind.labelPrefix + "name": name, kind.labelPrefix + "uid": uid, kind.labelPrefix + "worker-type": workerType.lowercased()]
    }
}

/// Env entries in order, written as `[{name, value}]`.
func envList(_ pairs: [(String, String)]) -> JSON {
    .array(pairs.map { ["name": .string($0.0), "value": .string($0.1)] })
}

/// A container of a pod template or pod spec.
func container(_ name: String, image: String, args: [String] = [], env: [(String, String)] = [], extra: [String: JSON] = [:]) -> JSON {
    var c: [String: JSON] = ["name": .string(name), "image": .string(image), "imagePullPolicy": "IfNotPresent"]
    if !args.isEmpty { c["args"] = .array(args.map { .string($0) }) }
    if !env.isEmpty { c["env"] = envList(env) }
    for (k, v) in extra { c[k] = v }
    return .object(c)
}

/// The CR itself: apiVersion, kind, metadata, spec, status.
func sednaObject(_ kind: SednaKind, meta: ObjectMeta, spec: JSON, status: JSON?) -> JSON {
    var o: [String: JSON] = [
        "apiVersion": .string("\(SednaKind.group)/\(SednaKind.version)"), "kind": .string(kind.rawValue),
        "metadata": meta.json, "spec": spec,
    ]
    if let status { o["status"] = status }
    return .object(o)
}

extension JSON {
    /// Sets `self[key] = value` on an object (no-op on other values).
    mutating func set(_ key: String, _ value: JSON) {
        guard case .object(var o) = self else { return }
        o[key] = value
        self = .object(o)
    }
}
