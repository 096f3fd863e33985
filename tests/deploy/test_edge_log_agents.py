"""The edge log agent as deployed: readiness, Docker nodes, push URL (chart values and kustomize overlay).

Helm cannot run here, so the grafana/alloy chart's relevant template lines are
restated (chart templates/containers/_agent.yaml, chart 1.x for Alloy 1.18):
  args:           --server.http.listen-addr={{ listenAddr }}:{{ listenPort }}
  readinessProbe: httpGet {path: /-/ready, port: {{ listenPort }}}   (no host: the kubelet calls the pod IP)
  mounts.dockercontainers: hostPath /var/lib/docker/containers, read-only
The kubelet expands $(VAR) in args from the container's environment; with
hostNetwork the pod IP is the node's IP.
"""
import re

import yaml

from deploy_helpers import ROOT, one, render

CHART_VALUES = ROOT / "deploy/charts/alloy-edge-values.yaml"


def effective_listen_and_probe(values: dict) -> tuple[str, str, int, int]:
    """(listen host as the kubelet expands it, host the probe calls, listen port, probe port)."""
    a = values["alloy"]
    env = {e["name"]: e for e in a.get("extraEnv", [])}
    host_network = values["controller"].get("hostNetwork", False)
    pod_ip = "<node IP>" if host_network else "<pod IP>"
    listen = str(a.get("listenAddr", "0.0.0.0"))

    def expand(m):
        var = env.get(m.group(1))
        assert var is not None, f"$({m.group(1)}) is not in the container's env: the kubelet would not expand it"
        field = var.get("valueFrom", {}).get("fieldRef", {}).get("fieldPath")
        if field == "status.podIP" or (field == "status.hostIP" and host_network):
            return pod_ip
        return var.get("value", f"<{field}>")

    listen = re.sub(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", expand, listen)
    port = int(a.get("listenPort", 12345))
    return listen, pod_ip, port, port


def probe_reaches(listen: str, probe_host: str) -> bool:
    return listen in {"0.0.0.0", "::", probe_host}


def test_edge_chart_readiness_probe_reaches_the_listen_address():
    v = yaml.safe_load(CHART_VALUES.read_text())
    assert v["alloy"].get("enableHttpServerPort", True), "the probe needs the HTTP server port"
    listen, probe, lport, pport = effective_listen_and_probe(v)
    assert lport == pport
    assert probe_reaches(listen, probe), f"probe calls {probe}:{pport}, Alloy listens on {listen}:{lport}"
    assert listen != "0.0.0.0", "listen on the node's own address only, not on every interface"


def test_the_probe_check_catches_the_loopback_mistake():
    v = yaml.safe_load(CHART_VALUES.read_text())
    v["alloy"]["listenAddr"] = "127.0.0.1"
    listen, probe, _, _ = effective_listen_and_probe(v)
    assert not probe_reaches(listen, probe)


def test_edge_chart_values_for_docker_nodes_and_push_url():
    v = yaml.safe_load(CHART_VALUES.read_text())
    assert v["alloy"]["mounts"]["dockercontainers"] is True
    env = {e["name"]: e for e in v["alloy"]["extraEnv"]}
    push = env["LOKI_PUSH_URL"]["value"]
    assert push.endswith("/loki/api/v1/push") and ".svc" not in push, \
        "an edge host resolves no cluster DNS names without EdgeMesh"
    assert env["ALLOY_ALL_PODS"]["value"] == "false" and env["ALLOY_READ_ROTATED"]["value"] == "true"
    assert v["alloy"]["stabilityLevel"] == "generally-available"


def test_edge_overlay_mounts_docker_containers_read_only():
    objs = render("deploy/kubernetes/overlays/edge")
    spec = one(objs, "DaemonSet", "sedna-alloy-edge")["spec"]["template"]["spec"]
    (c,) = spec["containers"]
    mounts = {m["name"]: m for m in c["volumeMounts"]}
    assert mounts["dockercontainers"]["mountPath"] == "/var/lib/docker/containers"
    assert mounts["dockercontainers"]["readOnly"] is True
    vol = next(v for v in spec["volumes"] if v["name"] == "dockercontainers")
    assert vol["hostPath"]["path"] == "/var/lib/docker/containers"
