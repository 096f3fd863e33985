import SednaCatalog

/// The one change the webhook makes to a Sedna worker pod: its effective `LC_SERVER` points at
/// the relay on the pod's own node.
///
/// Sedna's GM builds worker pods from the user's template and then appends its own env to every
/// container (`injectWorkerParam` and `injectDeploymentParam` in
/// `pkg/globalmanager/runtime/worker.go`: `append(Containers[i].Env, envs...)`, init containers
/// untouched). `LC_SERVER` is among those appended values (the GM config's
/// `localController.server`, set per kind in `pkg/globalmanager/controllers/*/`), so with duplicate
/// names the *last* entry is the one the container sees; an `LC_SERVER` in the template is
/// shadowed. Only that last entry is rewritten, in `spec.containers` only (the GM injects
/// nothing into init containers, so they carry no `LC_SERVER` of Sedna's).
///
/// The relay listens on every edge node's host network (port 9480); a pod not on the host network
/// reaches it at the node's IP, which only the downward API knows (`status.hostIP`). Kubernetes
/// expands `$(VAR)` only for variables defined *earlier* in the same list, so the host-IP variable
/// is inserted just before the rewritten entry.
public enum LocalControllerRewrite {
    public static let envName = "LC_SERVER"
    public static let hostIPVariable = "SEDNA_RELAY_HOST_IP"
    public static let relayPort = 9480
    public static var relayURL: String { "http://$(\(hostIPVariable)):\(relayPort)" }

    static var hostIPEntry: JSON {
        .object(["name": .string(hostIPVariable),
                 "valueFrom": .object(["fieldRef": .object(["fieldPath": .string("status.hostIP")])])])
    }

    static var lcServerEntry: JSON { .object(["name": .string(envName), "value": .string(relayURL)]) }

    /// What a container needs.
    public enum ContainerState: Equatable, Sendable {
        /// No `LC_SERVER` at all: not a container Sedna configured; left alone.
        case noLocalController
        /// Already pointing at the relay (a second admission, or a re-created pod).
        case alreadyRewritten
        /// The effective entry is at this index of `env` and must be rewritten.
        case rewrite(index: Int)
    }

    public static func state(ofEnv env: [JSON]) -> ContainerState {
        guard let last = env.lastIndex(where: { $0["name"].string == envName }) else { return .noLocalController }
        if env[last] == lcServerEntry, last > 0, env[last - 1] == hostIPEntry { return .alreadyRewritten }
        return .rewrite(index: last)
    }

    /// The JSONPatch operations for a pod (empty when nothing needs to change), and whether any
    /// container carried an `LC_SERVER` at all.
    public static func operations(pod: JSON) -> (ops: [JSONPatchOperation], sawLocalController: Bool) {
        var ops: [JSONPatchOperation] = []
        var saw = false
        for (i, container) in (pod["spec"]["containers"].array ?? []).enumerated() {
            let env = container["env"].array ?? []
            switch state(ofEnv: env) {
            case .noLocalController:
                continue
            case .alreadyRewritten:
                saw = true
            case .rewrite(let index):
                saw = true
                let path = "/spec/containers/\(i)/env/\(index)"
                // Replace first, then insert before it: applied in order, the host-IP variable
                // ends up at `index` and the rewritten LC_SERVER at `index + 1`.
                ops.append(JSONPatchOperation(op: "replace", path: path, value: lcServerEntry))
                ops.append(JSONPatchOperation(op: "add", path: path, value: hostIPEntry))
            }
        }
        return (ops, saw)
    }
}
