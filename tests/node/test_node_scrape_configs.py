"""The shipped Kubernetes scrape jobs, run by a real Prometheus against a fixture cluster.

deploy/prometheus/prometheus.yml (cloud) and deploy/prometheus/agent/prometheus-agent-metaserver.yml
use kubernetes_sd_configs, which Debian's prometheus lacks; node_k8s_sd.py produces the target groups
Kubernetes discovery would produce and feeds them through file_sd. Everything else, the relabeling
above all, is the shipped file. Every address in the fixture cluster is 127.0.0.1 and every port
the test's own metrics server, so no scrape leaves the test.
"""
from __future__ import annotations

import copy
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from node_helpers import (AGENT_METASERVER_CONFIG, CLOUD_CONFIG, RULES, PromAPI, free_port, start_prometheus,
                      wait_until)
from node_k8s_sd import KNOWN_ROLES, KNOWN_SD_KEYS, Cluster

SEDNA_KINDS = ["JointInferenceService", "IncrementalLearningJob", "LifelongLearningJob", "FederatedLearningJob",
               "FeatureExtractionService", "ObjectSearchService", "ObjectTrackingService", "ReidJob",
               "VideoAnalyticsJob"]


class _Metrics(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802
        body = b"# TYPE fixture_up gauge\nfixture_up 1\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def metrics_port():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Metrics)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def node(name: str, labels: dict, port: int) -> dict:
    return {"metadata": {"name": name, "labels": labels},
            "status": {"addresses": [{"type": "InternalIP", "address": "127.0.0.1"}, {"type": "Hostname", "address": name}],
                       "daemonEndpoints": {"kubeletEndpoint": {"Port": port}}}}


def pod(namespace: str, name: str, node_name: str, labels: dict, ports: list, annotations=None, phase="Running",
        owner=("ReplicaSet", "rs")) -> dict:
    return {"metadata": {"namespace": namespace, "name": name, "uid": f"uid-{name}", "labels": labels,
                         "annotations": annotations or {},
                         "ownerReferences": [{"kind": owner[0], "name": owner[1], "controller": True}]},
            "spec": {"nodeName": node_name, "containers": [{"name": "main", "image": "img", "ports": ports}]},
            "status": {"phase": phase, "podIP": "127.0.0.1", "hostIP": "127.0.0.1",
                       "conditions": [{"type": "Ready", "status": "True"}]}}


def sedna_labels(kind: str, task: str, worker_type: str) -> dict:
    prefix = kind.lower() + ".sedna.io/"
    return {prefix + "name": task, prefix + "uid": f"uid-{task}", prefix + "worker-type": worker_type}


def fixture_cluster(port: int) -> Cluster:
    scrape = {"prometheus.io/scrape": "true", "prometheus.io/port": str(port)}
    metrics_port = [{"name": "metrics", "containerPort": port}]
    nodes = [node("cloud-1", {"node-role.kubernetes.io/control-plane": "", "kubernetes.io/hostname": "cloud-1"}, port),
             node("edge-1", {"node-role.kubernetes.io/edge": "", "node-role.kubernetes.io/agent": ""}, port)]
    pods = [
        pod("sedna-observability", "node-exporter-c1abc", "cloud-1",
            {"app.kubernetes.io/name": "node-exporter", "app.kubernetes.io/component": "cloud"}, metrics_port),
        pod("sedna-observability", "node-exporter-edge-e1abc", "edge-1",
            {"app.kubernetes.io/name": "node-exporter", "app.kubernetes.io/component": "edge"}, metrics_port),
        pod("monitoring", "node-exporter-other", "cloud-1",
            {"app.kubernetes.io/name": "node-exporter"}, metrics_port),
        pod("sedna-observability", "sedna-exporter-7f9-abcde", "cloud-1",
            {"app.kubernetes.io/name": "sedna-exporter"}, [{"name": "http-metrics", "containerPort": port}]),
        pod("kube-system", "kube-state-metrics-5d-xyz12", "cloud-1",
            {"app.kubernetes.io/name": "kube-state-metrics"}, [{"name": "http-metrics", "containerPort": port},
                                                               {"name": "telemetry", "containerPort": port + 1}]),
        # Sedna relays: the one on a cloud node is scraped from here, the edge one by its agent.
        pod("sedna-observability", "sedna-relay-c1xyz", "cloud-1", {"app.kubernetes.io/name": "sedna-relay"},
            [{"name": "http-relay", "containerPort": port}]),
        pod("sedna-observability", "sedna-relay-e1xyz", "edge-1", {"app.kubernetes.io/name": "sedna-relay"},
            [{"name": "http-relay", "containerPort": port}]),
        # Alloy on the cloud node (its LC sample gauges); the edge one is the edge agent's.
        pod("sedna-observability", "sedna-alloy-cloud-c1xyz", "cloud-1", {"app.kubernetes.io/name": "sedna-alloy"},
            [{"name": "http-metrics", "containerPort": port}]),
        pod("sedna-observability", "sedna-alloy-edge-e1xyz", "edge-1", {"app.kubernetes.io/name": "sedna-alloy"},
            [{"name": "http-metrics", "containerPort": port}]),
        # A JointInferenceService's cloud worker: scraped by the cloud Prometheus.
        pod("default", "helmet-detection-deployment-cloud-5d9f7-abcde", "cloud-1",
            dict(sedna_labels("JointInferenceService", "helmet-detection", "cloud"),
                 **{"app.sedna.io": "helmet-detection-Cloud-svc"}),
            [{"name": "infer", "containerPort": 5000}], dict(scrape, **{"prometheus.io/path": "/worker-metrics"})),
        # Its edge worker: the edge agent's business.
        pod("default", "helmet-detection-deployment-edge-5d9f7-fghij", "edge-1",
            sedna_labels("JointInferenceService", "helmet-detection", "edge"), [], scrape),
        # An FL aggregation worker that does not ask to be scraped.
        pod("default", "mnist-aggregation-k2j4d", "cloud-1",
            sedna_labels("FederatedLearningJob", "mnist", "aggregation"), [{"containerPort": 7363}],
            owner=("FederatedLearningJob", "mnist")),
        # A finished IL train pod.
        pod("default", "helmet-il-train-x8k2p", "cloud-1",
            sedna_labels("IncrementalLearningJob", "helmet-il", "train"), [], scrape, phase="Succeeded",
            owner=("IncrementalLearningJob", "helmet-il")),
        # A running LL eval pod (hostNetwork in Sedna: pod IP = node IP).
        pod("ml", "kb-ll-eval-q1w2e", "cloud-1", sedna_labels("LifelongLearningJob", "kb-ll", "eval"), [], scrape,
            owner=("LifelongLearningJob", "kb-ll")),
        # Something else that asks to be scraped but is not a Sedna worker.
        pod("default", "web-abc", "cloud-1", {"app": "web"}, [], scrape),
    ]
    services = [
        {"metadata": {"namespace": "sedna-observability", "name": "sedna-exporter",
                      "labels": {"app.kubernetes.io/name": "sedna-exporter"}}},
        {"metadata": {"namespace": "kube-system", "name": "kube-state-metrics",
                      "labels": {"app.kubernetes.io/name": "kube-state-metrics"}}},
        {"metadata": {"namespace": "default", "name": "kubernetes", "labels": {}}},
    ]

    def endpoints(namespace, name, pod_name, node_name, ports):
        return {"metadata": {"namespace": namespace, "name": name},
                "subsets": [{"addresses": [{"ip": "127.0.0.1", "nodeName": node_name,
                                            "targetRef": {"kind": "Pod", "name": pod_name, "namespace": namespace}}],
                             "ports": ports}]}

    eps = [
        endpoints("sedna-observability", "sedna-exporter", "sedna-exporter-7f9-abcde", "cloud-1",
                  [{"name": "http-metrics", "port": port}]),
        endpoints("kube-system", "kube-state-metrics", "kube-state-metrics-5d-xyz12", "cloud-1",
                  [{"name": "http-metrics", "port": port}, {"name": "telemetry", "port": port}]),
        {"metadata": {"namespace": "default", "name": "kubernetes"},
         "subsets": [{"addresses": [{"ip": "127.0.0.1"}], "ports": [{"name": "https", "port": port}]}]},
    ]
    return Cluster(nodes, pods, services, eps)


def to_file_sd(cfg: dict, cluster: Cluster, sd_dir: Path, token: Path) -> dict:
    cfg = copy.deepcopy(cfg)
    for job in cfg["scrape_configs"]:
        sds = job.pop("kubernetes_sd_configs", None)
        if sds is None:
            continue
        groups = []
        for sd in sds:
            assert set(sd) <= KNOWN_SD_KEYS and sd["role"] in KNOWN_ROLES, sd
            groups += cluster.groups(sd)
        path = sd_dir / f"{job['job_name']}.json"
        path.write_text(json.dumps(groups, indent=1))
        job["file_sd_configs"] = [{"files": [str(path)]}]
        # In-cluster credentials do not exist here; the fixture's kubelet is plain HTTP anyway.
        if "tls_config" in job:
            job["tls_config"] = {"insecure_skip_verify": True}
        if "authorization" in job:
            job["authorization"] = {"credentials_file": str(token)}
    return cfg


def active_targets(api: PromAPI, jobs: set) -> dict:
    def collect():
        targets = api.get("/api/v1/targets", state="active")["activeTargets"]
        by_job = {}
        for target in targets:
            by_job.setdefault(target["labels"]["job"], []).append(target)
        return by_job if jobs <= set(by_job) else None
    return wait_until(collect, 60, what=f"active targets of {sorted(jobs)}")


@pytest.fixture(scope="module")
def cloud_targets(tmp_path_factory, metrics_port):
    tmp = tmp_path_factory.mktemp("cloud-sd")
    token = tmp / "token"
    token.write_text("test-token")
    shipped = yaml.safe_load(CLOUD_CONFIG.read_text())
    cfg = to_file_sd(shipped, fixture_cluster(metrics_port), tmp, token)
    port = free_port()
    for job in cfg["scrape_configs"]:
        for static in job.get("static_configs", []):
            static["targets"] = [f"127.0.0.1:{port}" if t == "localhost:9090" else t for t in static["targets"]]
    cfg["rule_files"] = [str(RULES)]
    config = tmp / "prometheus.yml"
    config.write_text(yaml.safe_dump(cfg, sort_keys=False))
    procs = []
    try:
        start_prometheus(procs, "cloud", config, tmp / "data", port, tmp)
        yield active_targets(PromAPI(port), {j["job_name"] for j in shipped["scrape_configs"]} - {"kubelet-edge"})
    finally:
        for proc in procs:
            proc.stop()


def only(targets: list) -> dict:
    assert len(targets) == 1, [t["labels"] for t in targets]
    return targets[0]


def test_cloud_node_exporter_only_on_cloud_nodes(cloud_targets):
    target = only(cloud_targets["node-exporter"])
    assert target["labels"] == {"job": "node-exporter", "instance": "cloud-1", "node": "cloud-1", "location": "cloud"}


@pytest.mark.parametrize("job, path", [("kubelet", "/metrics"), ("cadvisor", "/metrics/cadvisor")])
def test_kubelet_and_cadvisor_of_cloud_nodes(cloud_targets, job, path):
    target = only(cloud_targets[job])
    assert target["labels"] == {"job": job, "instance": "cloud-1", "node": "cloud-1", "location": "cloud"}
    assert target["scrapeUrl"].startswith("https://127.0.0.1:") and target["scrapeUrl"].endswith(path)


def test_sedna_exporter_service(cloud_targets, metrics_port):
    target = only(cloud_targets["sedna-exporter"])
    assert target["labels"] == {"job": "sedna-exporter", "instance": "sedna-exporter-7f9-abcde", "location": "cloud"}
    assert target["scrapeUrl"] == f"http://127.0.0.1:{metrics_port}/metrics"


def test_sedna_relay_only_on_cloud_nodes(cloud_targets, metrics_port):
    target = only(cloud_targets["sedna-relay"])
    assert target["labels"] == {"job": "sedna-relay", "instance": "cloud-1", "node": "cloud-1", "location": "cloud"}
    assert target["scrapeUrl"] == f"http://127.0.0.1:{metrics_port}/metrics"


def test_sedna_alloy_only_on_cloud_nodes(cloud_targets):
    target = only(cloud_targets["sedna-alloy"])
    assert target["labels"] == {"job": "sedna-alloy", "instance": "cloud-1", "node": "cloud-1", "location": "cloud"}


def test_kube_state_metrics_keeps_its_own_node_label(cloud_targets):
    target = only(cloud_targets["kube-state-metrics"])
    assert "node" not in target["labels"]
    assert target["labels"]["location"] == "cloud"


def test_sedna_worker_pods_get_sedna_labels(cloud_targets, metrics_port):
    targets = {t["labels"]["pod"]: t for t in cloud_targets["sedna-workers"]}
    assert set(targets) == {"helmet-detection-deployment-cloud-5d9f7-abcde", "kb-ll-eval-q1w2e"}
    ji = targets["helmet-detection-deployment-cloud-5d9f7-abcde"]
    assert ji["labels"] == {
        "job": "sedna-workers", "instance": "helmet-detection-deployment-cloud-5d9f7-abcde",
        "namespace": "default", "pod": "helmet-detection-deployment-cloud-5d9f7-abcde", "node": "cloud-1",
        "location": "cloud", "sedna_kind": "JointInferenceService", "sedna_task": "helmet-detection",
        "sedna_worker_type": "cloud"}
    assert ji["scrapeUrl"] == f"http://127.0.0.1:{metrics_port}/worker-metrics"
    ll = targets["kb-ll-eval-q1w2e"]["labels"]
    assert (ll["sedna_kind"], ll["sedna_task"], ll["sedna_worker_type"], ll["namespace"]) == (
        "LifelongLearningJob", "kb-ll", "eval", "ml")


def test_node_label_on_every_node_and_pod_target(cloud_targets):
    for job in ("node-exporter", "kubelet", "cadvisor", "sedna-workers", "sedna-relay"):
        for target in cloud_targets[job]:
            assert target["labels"].get("node"), target["labels"]
    for targets in cloud_targets.values():
        for target in targets:
            assert target["labels"]["location"] == "cloud"


def test_relabeling_covers_every_sedna_kind():
    text = CLOUD_CONFIG.read_text()
    for kind in SEDNA_KINDS:
        lower = kind.lower()
        assert f"__meta_kubernetes_pod_label_{lower}_sedna_io_name" in text
        assert f"__meta_kubernetes_pod_label_{lower}_sedna_io_worker_type" in text
        assert f"replacement: {kind}\n" in text


def test_metaserver_agent_discovers_local_sedna_workers(tmp_path, metrics_port):
    """The MetaServer variant: the MetaServer lists only this edge node's pods."""
    cluster = fixture_cluster(metrics_port)
    cluster.pods = [p for p in cluster.pods if p["spec"]["nodeName"] == "edge-1"]
    shipped = yaml.safe_load(AGENT_METASERVER_CONFIG.read_text())
    for job in shipped["scrape_configs"]:
        for sd in job.get("kubernetes_sd_configs", []):
            assert sd["api_server"] == "http://127.0.0.1:10550"
    token = tmp_path / "token"
    token.write_text("unused")
    cfg = to_file_sd(shipped, cluster, tmp_path, token)
    port = free_port()
    cfg["scrape_configs"] = [j for j in cfg["scrape_configs"] if j["job_name"] == "sedna-workers"]
    cfg["remote_write"][0]["url"] = f"http://127.0.0.1:{free_port()}/api/v1/write"  # nobody listens
    config = tmp_path / "agent.yml"
    config.write_text(yaml.safe_dump(cfg, sort_keys=False))
    procs = []
    try:
        start_prometheus(procs, "agent-metaserver", config, tmp_path / "wal", port, tmp_path, agent=True,
                         extra=["--enable-feature=agent", "--enable-feature=expand-external-labels"],
                         env={"NODE_NAME": "edge-1", "EDGE_SITE": "site-a"})
        targets = active_targets(PromAPI(port), {"sedna-workers"})["sedna-workers"]
    finally:
        for proc in procs:
            proc.stop()
    target = only(targets)
    assert target["labels"] == {
        "job": "sedna-workers", "instance": "helmet-detection-deployment-edge-5d9f7-fghij", "namespace": "default",
        "pod": "helmet-detection-deployment-edge-5d9f7-fghij", "node": "edge-1", "sedna_kind": "JointInferenceService",
        "sedna_task": "helmet-detection", "sedna_worker_type": "edge"}
    assert target["scrapeUrl"] == f"http://127.0.0.1:{metrics_port}/metrics"
