"""Worker pod env the way Sedna's GM builds it, the admission webhook's rewrite of it, and the
kubelet's expansion of it: pure functions, no I/O.

The GM copies the user's pod template and appends its own env to every container *after* the
template's (pkg/globalmanager/runtime/worker.go, injectWorkerParam and injectDeploymentParam);
the GM env carries LC_SERVER (its config's localController.server), set per kind in
pkg/globalmanager/controllers/jointinference/jointinferenceservice.go,
federatedlearning/federatedlearningjob.go, incrementallearning/incrementallearningjob.go and
lifelonglearning/lifelonglearningjob.go. With duplicate names the last entry wins, so a
template LC_SERVER is shadowed.

The webhook (served by `sedna-exporter serve` at POST /mutate-pods) inserts
SEDNA_RELAY_HOST_IP (downward API, status.hostIP) just before the effective (last) LC_SERVER of
each container and points that LC_SERVER at the relay on the pod's node:
`http://$(SEDNA_RELAY_HOST_IP):9480`. `contract_env` builds that result without the webhook, so
the end-to-end tests run before the webhook exists; `apply_json_patch` applies the webhook's
real answer.
"""
import base64
import copy
import json

RELAY_PORT = 9480
HOST_IP_VAR = "SEDNA_RELAY_HOST_IP"
GM_LC_SERVER = "http://localhost:9100"   # the GM config's default localController.server


def gm_pod(*, name, namespace, kind, task, uid, worker_type, template_env, gm_env, node, pod_ip=None):
    """A worker pod as the GM creates it: its labels (runtime/worker.go generateLabels), the
    template env, then the GM env with LC_SERVER last. `kind` is the lowercase Sedna kind."""
    env = [{"name": k, "value": v} for k, v in template_env]
    env += [{"name": k, "value": v} for k, v in gm_env if k != "LC_SERVER"]
    env.append({"name": "LC_SERVER", "value": dict(gm_env).get("LC_SERVER", GM_LC_SERVER)})
    pod = {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "uid": f"uid-{name}",
                     "labels": {f"{kind}.sedna.io/name": task, f"{kind}.sedna.io/uid": uid,
                                f"{kind}.sedna.io/worker-type": worker_type}},
        "spec": {"nodeName": node, "containers": [{"name": "worker", "image": "sedna-worker:test", "env": env}]},
        "status": {"phase": "Running", "hostIP": "127.0.0.1"},
    }
    if pod_ip:
        pod["status"]["podIP"] = pod_ip
        pod["status"]["podIPs"] = [{"ip": pod_ip}]
    return pod


def contract_env(env):
    """The env the webhook produces for one container (docs/deploy.md): SEDNA_RELAY_HOST_IP
    inserted just before the last LC_SERVER, which now names the node's relay. Idempotent."""
    env = copy.deepcopy(env)
    last = max((i for i, e in enumerate(env) if e.get("name") == "LC_SERVER"), default=None)
    if last is None:
        return env
    relay = f"http://$({HOST_IP_VAR}):{RELAY_PORT}"
    if env[last].get("value") == relay and last > 0 and env[last - 1].get("name") == HOST_IP_VAR:
        return env
    env[last] = {"name": "LC_SERVER", "value": relay}
    env.insert(last, {"name": HOST_IP_VAR, "valueFrom": {"fieldRef": {"fieldPath": "status.hostIP"}}})
    return env


def contract_pod(pod):
    pod = copy.deepcopy(pod)
    for c in pod["spec"]["containers"]:
        c["env"] = contract_env(c.get("env", []))
    return pod


def admission_review(pod, uid="sednalib-review-1"):
    """An AdmissionReview v1 request for creating `pod`, as the API server sends it."""
    return {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
            "request": {"uid": uid, "kind": {"group": "", "version": "v1", "kind": "Pod"},
                        "resource": {"group": "", "version": "v1", "resource": "pods"},
                        "namespace": pod["metadata"]["namespace"], "operation": "CREATE",
                        "userInfo": {"username": "system:serviceaccount:sedna:sedna"},
                        "object": pod, "dryRun": False}}


def patch_from_review(review):
    """The JSONPatch of an AdmissionReview answer ([] when the pod is left alone)."""
    response = review["response"]
    if not response.get("patch"):
        return []
    if response.get("patchType") != "JSONPatch":
        raise ValueError(f"unexpected patchType {response.get('patchType')!r}")
    return json.loads(base64.b64decode(response["patch"]))


def _pointer(path):
    if not path.startswith("/"):
        raise ValueError(f"bad JSON pointer {path!r}")
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def apply_json_patch(doc, patch):
    """RFC 6902 add/remove/replace/test (what an admission webhook answers with)."""
    doc = copy.deepcopy(doc)
    for op in patch:
        parts = _pointer(op["path"])
        if not parts or parts == [""]:
            raise ValueError("patching the whole document is not supported")
        parent = doc
        for p in parts[:-1]:
            parent = parent[int(p)] if isinstance(parent, list) else parent[p]
        key = parts[-1]
        kind = op["op"]
        if isinstance(parent, list):
            index = len(parent) if key == "-" else int(key)
            if kind == "add":
                parent.insert(index, copy.deepcopy(op["value"]))
            elif kind == "replace":
                parent[index] = copy.deepcopy(op["value"])
            elif kind == "remove":
                del parent[index]
            elif kind == "test":
                assert parent[index] == op["value"], op
            else:
                raise ValueError(f"unsupported op {kind!r}")
        else:
            if kind in ("add", "replace"):
                if kind == "replace" and key not in parent:
                    raise ValueError(f"replace of a missing member {op['path']}")
                parent[key] = copy.deepcopy(op["value"])
            elif kind == "remove":
                del parent[key]
            elif kind == "test":
                assert parent[key] == op["value"], op
            else:
                raise ValueError(f"unsupported op {kind!r}")
    return doc


def _expand(value, defined):
    """Kubernetes' $(VAR) expansion (k8s.io/kubernetes third_party/forked/golang/expansion):
    `$$` is a literal `$`, `$(NAME)` of a defined variable is its value, anything else stays."""
    out, i = [], 0
    while i < len(value):
        if value[i] == "$" and i + 1 < len(value):
            nxt = value[i + 1]
            if nxt == "$":
                out.append("$")
                i += 2
                continue
            if nxt == "(":
                end = value.find(")", i + 2)
                if end != -1:
                    name = value[i + 2:end]
                    out.append(defined[name] if name in defined else value[i:end + 1])
                    i = end + 1
                    continue
        out.append(value[i])
        i += 1
    return "".join(out)


def resolve_env(env, pod_status):
    """The process env the kubelet gives a container: entries in order, each value expanded
    against the ones before it, downward-API status fields from `pod_status`, last one wins."""
    defined = {}
    for e in env:
        if "valueFrom" in e:
            field = e["valueFrom"].get("fieldRef", {}).get("fieldPath", "")
            if not field.startswith("status."):
                raise ValueError(f"unsupported valueFrom {e['valueFrom']}")
            defined[e["name"]] = pod_status[field.split(".", 1)[1]]
        else:
            defined[e["name"]] = _expand(e.get("value", ""), defined)
    return defined
