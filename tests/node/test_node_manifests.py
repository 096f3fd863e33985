"""deploy/node-monitoring: rendered with kubectl kustomize and checked against the rules for
edge pods (no API access, host network, KubeEdge taints) and against prometheus.yml."""
from __future__ import annotations

import re
import shutil
import subprocess

import pytest
import yaml

from node_helpers import AGENT_CONFIG, AGENT_METASERVER_CONFIG, CLOUD_CONFIG, NODE_MONITORING


def kustomize(path) -> list[dict]:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.fail("kubectl (with kustomize) is needed to render deploy/node-monitoring")
    result = subprocess.run([kubectl, "kustomize", str(path)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return [d for d in yaml.safe_load_all(result.stdout) if d]


@pytest.fixture(scope="module")
def rendered():
    return {(d["kind"], d["metadata"]["name"]): d for d in kustomize(NODE_MONITORING)}


def test_everything_in_the_observability_namespace(rendered):
    assert {k for k, _ in rendered} == {"DaemonSet", "ConfigMap", "Service"}
    assert all(d["metadata"]["namespace"] == "sedna-observability" for d in rendered.values())


def edge_tolerations_ok(spec):
    tolerations = {(t["key"], t.get("effect")) for t in spec["tolerations"]}
    assert ("node-role.kubernetes.io/edge", "NoSchedule") in tolerations
    assert ("node.kubernetes.io/unreachable", "NoExecute") in tolerations
    return True


@pytest.mark.parametrize("name", ["node-exporter-edge", "prometheus-agent-edge"])
def test_edge_daemonsets(rendered, name):
    spec = rendered[("DaemonSet", name)]["spec"]["template"]["spec"]
    assert spec["nodeSelector"] == {"node-role.kubernetes.io/edge": ""}
    assert edge_tolerations_ok(spec)
    assert spec["hostNetwork"] is True
    assert spec["automountServiceAccountToken"] is False  # no API server access on the edge
    assert "serviceAccountName" not in spec


def test_cloud_node_exporter_avoids_edge_nodes_and_port_9100(rendered):
    spec = rendered[("DaemonSet", "node-exporter")]["spec"]["template"]["spec"]
    (term,) = spec["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
    assert term["matchExpressions"] == [{"key": "node-role.kubernetes.io/edge", "operator": "DoesNotExist"}]
    (container,) = spec["containers"]
    assert "--web.listen-address=:9101" in container["args"]
    assert container["ports"][0]["name"] == "metrics"  # what prometheus.yml keeps
    edge = rendered[("DaemonSet", "node-exporter-edge")]["spec"]["template"]["spec"]["containers"][0]
    assert "--web.listen-address=127.0.0.1:9101" in edge["args"]
    assert "127.0.0.1:9101" in AGENT_CONFIG.read_text()


def test_agent_runs_the_shipped_config_in_agent_mode_with_a_host_wal(rendered):
    configmaps = [d for (kind, _), d in rendered.items() if kind == "ConfigMap"]
    (configmap,) = configmaps
    assert configmap["data"]["prometheus-agent.yml"] == AGENT_CONFIG.read_text()
    assert configmap["data"]["prometheus-agent-metaserver.yml"] == AGENT_METASERVER_CONFIG.read_text()
    spec = rendered[("DaemonSet", "prometheus-agent-edge")]["spec"]["template"]["spec"]
    (container,) = spec["containers"]
    script = container["args"][0]
    for flag in ("--enable-feature=agent", "--enable-feature=expand-external-labels", "--storage.agent.path=/wal",
                 "--storage.agent.retention.max-time=24h", "--web.listen-address=127.0.0.1:9095"):
        assert flag in script
    env = {e["name"]: e for e in container["env"]}
    assert env["NODE_NAME"]["valueFrom"]["fieldRef"]["fieldPath"] == "spec.nodeName"
    assert env["AGENT_CONFIG"]["value"] in configmap["data"]
    volumes = {v["name"]: v for v in spec["volumes"]}
    assert volumes["config"]["configMap"]["name"] == configmap["metadata"]["name"]  # hash suffix followed
    assert volumes["wal"]["hostPath"]["path"] == "/var/lib/sedna-observability/prometheus-agent"
    # retention of the agent's WAL == out-of-order window of the central Prometheus
    central = yaml.safe_load(CLOUD_CONFIG.read_text())
    assert central["storage"]["tsdb"]["out_of_order_time_window"] == "24h"


def test_agent_start_script_reads_the_site(tmp_path, rendered):
    """Runs the container's shell script with a stand-in for /bin/prometheus."""
    script = rendered[("DaemonSet", "prometheus-agent-edge")]["spec"]["template"]["spec"]["containers"][0]["args"][0]
    script = script.replace("$$(", "$(")  # what the kubelet does with the $$ escape
    fake = tmp_path / "prometheus"
    fake.write_text('#!/bin/sh\necho "site=$EDGE_SITE config=$AGENT_CONFIG $*"\n')
    fake.chmod(0o755)
    site_dir = tmp_path / "etc"
    site_dir.mkdir()
    script = script.replace("/bin/prometheus", str(fake)).replace("/etc/sedna-observability", str(site_dir))
    run = lambda: subprocess.run(["sh", "-c", script], capture_output=True, text=True, timeout=30,  # noqa: E731
                                 env={"AGENT_CONFIG": "prometheus-agent.yml", "PATH": "/usr/bin:/bin"}).stdout
    assert run().startswith("site=unassigned config=prometheus-agent.yml ")
    (site_dir / "site").write_text("factory-3\n")
    assert run().startswith("site=factory-3 ")


def camel_to_snake(rules: list[dict]) -> list[dict]:
    return [{re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), k): v for k, v in r.items()} for r in rules]


def test_operator_resources_follow_prometheus_yml():
    docs = {(d["kind"], d["metadata"]["name"]): d for d in kustomize(NODE_MONITORING / "operator")}
    jobs = {j["job_name"]: j for j in yaml.safe_load(CLOUD_CONFIG.read_text())["scrape_configs"]}
    podmonitor = docs[("PodMonitor", "sedna-workers")]["spec"]
    assert podmonitor["attachMetadata"] == {"node": True}
    (endpoint,) = podmonitor["podMetricsEndpoints"]
    assert camel_to_snake(endpoint["relabelings"]) == jobs["sedna-workers"]["relabel_configs"]
    relay = docs[("PodMonitor", "sedna-relay")]["spec"]
    assert relay["attachMetadata"] == {"node": True}
    (endpoint,) = relay["podMetricsEndpoints"]
    assert camel_to_snake(endpoint["relabelings"]) == jobs["sedna-relay"]["relabel_configs"]
    assert (endpoint["port"], endpoint["path"]) == ("http-relay", jobs["sedna-relay"]["metrics_path"])
    servicemonitor = docs[("ServiceMonitor", "node-exporter-cloud")]["spec"]
    (endpoint,) = servicemonitor["endpoints"]
    assert camel_to_snake(endpoint["relabelings"]) == jobs["node-exporter"]["relabel_configs"]
    kubelet = docs[("ServiceMonitor", "kubelet-cloud")]["spec"]
    assert {e["path"] for e in kubelet["endpoints"]} == {"/metrics", "/metrics/cadvisor"}
    for endpoint in kubelet["endpoints"]:
        assert endpoint["relabelings"][0] == {
            "sourceLabels": ["__meta_kubernetes_node_labelpresent_node_role_kubernetes_io_edge"],
            "regex": "true", "action": "drop"}
