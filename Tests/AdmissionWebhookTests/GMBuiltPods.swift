import Foundation
import SednaCatalog

/// Pods shaped the way Sedna's GM builds them (`pkg/globalmanager/runtime/worker.go`): the
/// template's containers and env, then the GM's env appended to every container (in Go map
/// order, so LC_SERVER may sit anywhere among the appended entries, not necessarily last).
enum GMBuiltPods {
    static func env(_ pairs: [(String, String)]) -> JSON {
        .array(pairs.map { .object(["name": .string($0.0), "value": .string($0.1)]) })
    }

    static func gmEnv(worker: String, namespace: String = "default") -> [(String, String)] {
        [("NAMESPACE", namespace), ("WORKER_NAME", worker), ("LC_SERVER", "http://localhost:9100"),
         ("MODEL_URL", "/model/model.pb"), ("HOSTNAME", "edge-1")]
    }

    /// An incremental-learning train pod: the template sets its own LC_SERVER (shadowed by the
    /// GM's), the node is chosen in the template (`nodeName`), host network.
    static func incrementalTrainPod(node: String? = "edge-1") -> JSON {
        var spec: [String: JSON] = [
            "hostNetwork": .bool(true),
            "initContainers": .array([.object(["name": .string("fetch"), "image": .string("busybox"),
                                               "env": env([("LC_SERVER", "http://untouched:1")])])]),
            "containers": .array([.object([
                "name": .string("train"), "image": .string("kubeedge/sedna-example-incremental-learning-helmet-detection:v0.4.0"),
                "env": env([("input_shape", "352,640"), ("LC_SERVER", "http://user-choice:9100")] +
                           gmEnv(worker: "helmet-detection-demo-train-9zk2x")),
                "resources": .object(["limits": .object(["memory": .string("2Gi")])]),
            ])]),
        ]
        if let node { spec["nodeName"] = .string(node) }
        return .object([
            "apiVersion": .string("v1"), "kind": .string("Pod"),
            "metadata": .object([
                "generateName": .string("helmet-detection-demo-train-"), "namespace": .string("default"),
                "labels": .object(["incrementallearningjob.sedna.io/name": .string("helmet-detection-demo"),
                                   "incrementallearningjob.sedna.io/uid": .string("4f1c"),
                                   "incrementallearningjob.sedna.io/worker-type": .string("train")]),
            ]),
            "spec": .object(spec),
        ])
    }

    /// A joint-inference edge pod made by the Deployment the GM creates: admitted before it is
    /// scheduled (no nodeName), not on the host network, two containers, template env first.
    static func jointInferenceEdgePod() -> JSON {
        .object([
            "apiVersion": .string("v1"), "kind": .string("Pod"),
            "metadata": .object([
                "generateName": .string("helmet-detection-inference-example-edge-7d9f-"), "namespace": .string("default"),
                "labels": .object(["jointinferenceservice.sedna.io/name": .string("helmet-detection-inference-example"),
                                   "jointinferenceservice.sedna.io/worker-type": .string("edge"),
                                   "pod-template-hash": .string("7d9f")]),
            ]),
            "spec": .object([
                "containers": .array([
                    .object(["name": .string("infer"), "image": .string("kubeedge/sedna-example-joint-inference:v0.3.0"),
                             "env": env([("input_shape", "416,736"), ("video_url", "rtsp://localhost/video")] +
                                        gmEnv(worker: "helmet-detection-inference-example-edge") +
                                        [("BIG_MODEL_IP", "10.0.0.9"), ("BIG_MODEL_PORT", "30001")])]),
                    .object(["name": .string("sidecar"), "image": .string("busybox"),
                             "env": env(gmEnv(worker: "helmet-detection-inference-example-edge"))]),
                ]),
            ]),
        ])
    }

    static func review(_ pod: JSON, uid: String = "7e3b1c2a-0001", operation: String = "CREATE") -> JSON {
        .object([
            "apiVersion": .string("admission.k8s.io/v1"), "kind": .string("AdmissionReview"),
            "request": .object([
                "uid": .string(uid), "kind": .object(["group": .string(""), "version": .string("v1"), "kind": .string("Pod")]),
                "resource": .object(["group": .string(""), "version": .string("v1"), "resource": .string("pods")]),
                "namespace": .string("default"), "operation": .string(operation), "object": pod,
            ]),
        ])
    }

    static func relayPod(node: String, ready: Bool = true, key: String? = nil) -> KubeObject {
        KubeObject(.object([
            "metadata": .object(["name": .string("sedna-relay-\(node)"), "namespace": .string("sedna-observability"),
                                 "uid": .string(key ?? "relay-\(node)"),
                                 "labels": .object(["app.kubernetes.io/name": .string("sedna-relay")])]),
            "spec": .object(["nodeName": .string(node), "hostNetwork": .bool(true)]),
            "status": .object(["conditions": .array([.object(["type": .string("Ready"),
                                                              "status": .string(ready ? "True" : "False")])])]),
        ]))
    }

    static func node(_ name: String, edge: Bool = true) -> KubeObject {
        var labels: [String: JSON] = ["kubernetes.io/hostname": .string(name)]
        if edge { labels["node-role.kubernetes.io/edge"] = .string("") }
        return KubeObject(.object(["metadata": .object(["name": .string(name), "uid": .string("node-\(name)"),
                                                        "labels": .object(labels)])]))
    }

    /// The value a container sees for `name`, resolved like the kubelet does: the last entry
    /// wins, `$(VAR)` expands only variables defined earlier, `status.hostIP` is `hostIP`.
    static func effectiveValue(_ name: String, env: [JSON], hostIP: String) -> String? {
        var seen: [String: String] = [:]
        for e in env {
            guard let n = e["name"].string else { continue }
            var v: String
            if e["valueFrom"]["fieldRef"]["fieldPath"].string == "status.hostIP" {
                v = hostIP
            } else {
                v = e["value"].string ?? ""
            }
            for (k, value) in seen { v = v.replacingOccurrences(of: "$(\(k))", with: value) }
            seen[n] = v
        }
        return seen[name]
    }
}
