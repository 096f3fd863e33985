"""Edge node monitoring with real parts on loopback (docs/edge-node-monitoring.md).

Debian's prometheus-node-exporter is scraped by a Debian prometheus in agent mode running the
shipped deploy/prometheus/agent/prometheus-agent.yml, which remote-writes to a second prometheus
started with --web.enable-remote-write-receiver and the shipped storage settings and node rules.
The agent's configuration differs from the shipped file only in what cannot be the same on a test
machine: the loopback ports, the remote-write URL, the file_sd directory and a 2 s scrape interval.
"""
from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import pytest
import yaml
from prometheus_client import CollectorRegistry, Counter, Gauge, start_http_server

from node_helpers import (AGENT_CONFIG, CLOUD_CONFIG, DASHBOARD, RULES, PromAPI, Proc, free_port, http_get,
                      start_prometheus, tool, wait_until)

NODE = "edge-test-1"
SITE = "site-a"
INTERVAL = 2  # seconds between scrapes in the test
OUTAGE = float(os.environ.get("SEDNA_TEST_OUTAGE_SECONDS", "120"))  # a two-minute outage, as docs/edge-node-monitoring.md describes
WORKER_LABELS = {
    "sedna_kind": "JointInferenceService",
    "sedna_task": "helmet-detection",
    "sedna_worker_type": "edge",
    "namespace": "default",
    "pod": "helmet-detection-deployment-edge-7d9c5-x2x4b",
}


def render_agent_config(dst: Path, node_exporter_port: int, agent_port: int, write_url: str,
                        targets_dir: Path, relay_port: int, alloy_port: int) -> Path:
    cfg = yaml.safe_load(AGENT_CONFIG.read_text())
    cfg["global"]["scrape_interval"] = f"{INTERVAL}s"
    cfg["global"]["scrape_timeout"] = f"{INTERVAL}s"
    jobs = {job["job_name"]: job for job in cfg["scrape_configs"]}
    assert set(jobs) == {"node-exporter", "prometheus-agent", "sedna-relay", "sedna-alloy", "sedna-workers"}
    assert jobs["node-exporter"]["static_configs"] == [{"targets": ["127.0.0.1:9101"]}]
    jobs["node-exporter"]["static_configs"][0]["targets"] = [f"127.0.0.1:{node_exporter_port}"]
    assert jobs["prometheus-agent"]["static_configs"] == [{"targets": ["127.0.0.1:9095"]}]
    jobs["prometheus-agent"]["static_configs"][0]["targets"] = [f"127.0.0.1:{agent_port}"]
    assert jobs["sedna-relay"]["static_configs"] == [{"targets": ["127.0.0.1:9480"]}]
    jobs["sedna-relay"]["static_configs"][0]["targets"] = [f"127.0.0.1:{relay_port}"]
    assert jobs["sedna-alloy"]["static_configs"] == [{"targets": ["127.0.0.1:12346"]}]
    jobs["sedna-alloy"]["static_configs"][0]["targets"] = [f"127.0.0.1:{alloy_port}"]
    (file_sd,) = jobs["sedna-workers"]["file_sd_configs"]
    prefix = "/etc/sedna-observability/targets/"
    assert all(f.startswith(prefix) for f in file_sd["files"])
    file_sd["files"] = [str(targets_dir / f[len(prefix):]) for f in file_sd["files"]]
    file_sd["refresh_interval"] = f"{INTERVAL}s"
    (remote,) = cfg["remote_write"]
    remote["url"] = write_url
    dst.write_text(yaml.safe_dump(cfg, sort_keys=False))
    return dst


def render_central_config(dst: Path) -> Path:
    """The shipped cloud configuration without its Kubernetes scrape jobs (the central one only
    receives here) and with the node rules only."""
    cfg = yaml.safe_load(CLOUD_CONFIG.read_text())
    central = {
        "global": dict(cfg["global"], evaluation_interval=f"{INTERVAL}s"),
        "storage": cfg["storage"],
        "rule_files": [str(RULES)],
        "scrape_configs": [],
    }
    dst.write_text(yaml.safe_dump(central, sort_keys=False))
    return dst


class EdgeSetup:
    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.procs: list[Proc] = []
        self.central_port = free_port()
        self.agent_port = free_port()
        self.ne_port = free_port()
        self.central = PromAPI(self.central_port)
        self.central_config = render_central_config(tmp / "central.yml")
        self.central_data = tmp / "central-data"
        self.central_proc: Proc | None = None
        self.worker_server = None
        self.relay_server = None
        self.alloy_server = None

    def start_central(self):
        self.central_proc = start_prometheus(
            self.procs, "central", self.central_config, self.central_data, self.central_port, self.tmp,
            extra=["--web.enable-remote-write-receiver", "--storage.tsdb.retention.time=1d"])

    def start(self):
        ne = Proc("node-exporter", [tool("prometheus-node-exporter"),
                                    f"--web.listen-address=127.0.0.1:{self.ne_port}"], self.tmp).start()
        self.procs.append(ne)
        wait_until(lambda: http_get(f"http://127.0.0.1:{self.ne_port}/metrics"), 30, what="node-exporter")

        registry = CollectorRegistry()
        self.inferences = Counter("edge_worker_inferences", "Inferences of the fake Sedna edge worker.",
                                  registry=registry)
        self.inferences.inc(3)
        worker_port = free_port()
        self.worker_server = start_http_server(worker_port, addr="127.0.0.1", registry=registry)
        # A stand-in for the node's relay: one of its gauges on its own port.
        relay_registry = CollectorRegistry()
        Gauge("sedna_relay_queue_depth", "Reports waiting for the central exporter.", registry=relay_registry).set(2)
        relay_port = free_port()
        self.relay_server = start_http_server(relay_port, addr="127.0.0.1", registry=relay_registry)
        # A stand-in for the node's Alloy: an LC sample gauge as deploy/alloy's pipeline exposes
        # it (stream labels of the LC pod, the job's labels as logged), and one of Alloy's own.
        alloy_registry = CollectorRegistry()
        Gauge("loki_process_custom_sedna_lc_train_samples", "Training samples.",
              ["component_id", "namespace", "pod", "container", "sedna_component", "tier",
               "lc_job_namespace", "lc_job_kind", "lc_job_name"], registry=alloy_registry).labels(
            "loki.process.sedna", "sedna", "lc-x1y2z", "lc", "lc", "edge",
            "default", "IncrementalLearningJob", "helmet").set(42)
        Gauge("alloy_build_info", "Alloy's own.", registry=alloy_registry).set(1)
        alloy_port = free_port()
        self.alloy_server = start_http_server(alloy_port, addr="127.0.0.1", registry=alloy_registry)
        targets = self.tmp / "targets"
        targets.mkdir()
        (targets / "helmet-detection.yaml").write_text(yaml.safe_dump(
            [{"targets": [f"127.0.0.1:{worker_port}"], "labels": WORKER_LABELS}]))

        self.start_central()
        config = render_agent_config(self.tmp / "agent.yml", self.ne_port, self.agent_port,
                                     f"http://127.0.0.1:{self.central_port}/api/v1/write", targets, relay_port,
                                     alloy_port)
        start_prometheus(self.procs, "agent", config, self.tmp / "agent-wal", self.agent_port, self.tmp,
                         agent=True, env={"NODE_NAME": NODE, "EDGE_SITE": SITE},
                         extra=["--enable-feature=agent", "--enable-feature=expand-external-labels",
                                "--storage.agent.wal-compression"])

    def stop(self):
        for proc in reversed(self.procs):
            proc.stop()
        for started in (self.worker_server, self.relay_server, self.alloy_server):
            if started is not None:
                server = started[0] if isinstance(started, tuple) else started
                server.shutdown()
                server.server_close()

    def agent_metric(self, name: str) -> float:
        text = http_get(f"http://127.0.0.1:{self.agent_port}/metrics").decode()
        values = [float(m.group(1)) for m in re.finditer(rf"^{name}(?:{{[^}}]*}})? (\S+)$", text, re.M)]
        assert values, f"{name} not exposed by the agent"
        return max(values)


@pytest.fixture(scope="module")
def edge(tmp_path_factory):
    setup = EdgeSetup(tmp_path_factory.mktemp("edge"))
    try:
        setup.start()
        yield setup
    finally:
        setup.stop()


NODE_SELECTOR = f'node="{NODE}", site="{SITE}", location="edge"'


def test_node_metrics_arrive_with_edge_external_labels(edge):
    result = wait_until(lambda: edge.central.query(f'node_time_seconds{{job="node-exporter", {NODE_SELECTOR}}}'),
                        90, what="node_time_seconds from the edge agent at the central Prometheus")
    assert len(result) == 1
    assert result[0]["metric"]["instance"] == f"127.0.0.1:{edge.ne_port}"
    cpu = edge.central.query(f'count(node_cpu_seconds_total{{{NODE_SELECTOR}}})')
    assert cpu and float(cpu[0]["value"][1]) > 0
    memory = edge.central.query(f'node_memory_MemTotal_bytes{{{NODE_SELECTOR}}}')
    assert memory and float(memory[0]["value"][1]) > 0
    # metric_relabel_configs of the shipped agent keep the uplink free of exporter internals
    assert edge.central.query(f'count({{__name__=~"go_.*|promhttp_.*", {NODE_SELECTOR}}})') == []


def test_sedna_worker_series_carry_sedna_labels(edge):
    selector = ", ".join(f'{k}="{v}"' for k, v in WORKER_LABELS.items())
    result = wait_until(
        lambda: edge.central.query(f'edge_worker_inferences_total{{job="sedna-workers", {NODE_SELECTOR}, {selector}}}'),
        60, what="the fake Sedna worker's counter at the central Prometheus")
    assert float(result[0]["value"][1]) == 3


def test_relay_series_arrive_as_job_sedna_relay(edge):
    result = wait_until(
        lambda: edge.central.query(f'sedna_relay_queue_depth{{job="sedna-relay", {NODE_SELECTOR}}}'),
        60, what="the relay's queue depth at the central Prometheus")
    assert float(result[0]["value"][1]) == 2


def test_lc_sample_counts_arrive_as_task_series(edge):
    result = wait_until(
        lambda: edge.central.query(f'loki_process_custom_sedna_lc_train_samples{{job="sedna-alloy", {NODE_SELECTOR}}}'),
        60, what="the LC's train sample count from Alloy at the central Prometheus")
    labels = result[0]["metric"]
    assert {k: labels.get(k) for k in ("namespace", "kind", "task")} == {
        "namespace": "default", "kind": "IncrementalLearningJob", "task": "helmet"}
    assert not {"pod", "container", "sedna_component", "tier", "component_id", "lc_job_name"} & set(labels)
    assert float(result[0]["value"][1]) == 42
    assert edge.central.query(f'alloy_build_info{{{NODE_SELECTOR}}}') == []


def test_agent_self_metrics_and_node_rules(edge):
    wait_until(lambda: edge.central.query(
        f'prometheus_remote_storage_highest_timestamp_in_seconds{{job="prometheus-agent", {NODE_SELECTOR}}}'),
        60, what="the agent's own remote-write metrics")
    last = wait_until(lambda: edge.central.query(f'sedna_node:last_sample_timestamp_seconds{{{NODE_SELECTOR}}}'),
                      60, what="the recording rule over remote-written data")
    assert abs(float(last[0]["value"][1]) - time.time()) < 120
    hosting = wait_until(lambda: edge.central.query(f'sedna_node:sedna_worker_targets:count1h{{node="{NODE}"}}'),
                         60, what="the Sedna-worker presence rule")
    assert float(hosting[0]["value"][1]) == 1
    # A healthy node fires none of the node alerts' expressions for its own data.
    alerts = edge.central.get("/api/v1/alerts")["alerts"]
    assert [a for a in alerts if a["labels"].get("node") == NODE and
            a["labels"]["alertname"] in ("SednaEdgeNodeStoppedSending", "SednaEdgeRemoteWriteBehind")] == []


def dashboard_queries():
    """The node-exporter and edge-agent queries; those of the exporter's families (the expected
    node totals, sedna_node_info) are run by tests/dashboards against the simulated cluster."""
    board = json.loads(DASHBOARD.read_text())
    for panel in board["panels"]:
        for target in panel.get("targets", []):
            if re.search(r"\bsedna_(?!node:)[a-z_]+", target["expr"]):
                continue
            yield panel["title"], target["expr"]


def substitute(expr: str, location: str) -> str:
    return (expr.replace("$__rate_interval", "1m").replace("$cluster", ".*").replace("${__rate_interval}", "1m")
            .replace("$__interval", "10s").replace("$__range", "5m")
            .replace("${location:regex}", location).replace("$location", location)
            .replace("${node:regex}", NODE).replace("$node", NODE))


def test_every_dashboard_query_answers_with_edge_data(edge):
    wait_until(lambda: edge.central.query(f'rate(node_cpu_seconds_total{{{NODE_SELECTOR}}}[1m])'),
               60, what="enough samples for rates")
    deadline = time.monotonic() + 60  # some series appear only after the agent's first sends
    empty = list(dashboard_queries())
    while empty and time.monotonic() < deadline:
        # edge.central.query raises on a PromQL error
        empty = [(title, expr) for title, expr in empty if not edge.central.query(substitute(expr, "edge"))]
        if empty:
            time.sleep(1)
    assert empty == [], "dashboard queries without data on a live edge node:\n" + "\n".join(
        f"{title}: {expr}" for title, expr in empty)


def raw_samples(api: PromAPI, selector: str, since: float) -> list[float]:
    now = time.time()
    window = int(now - since) + 1
    result = api.query(f"{selector}[{window}s]", at=now)
    assert len(result) == 1, result
    return [float(ts) for ts, _ in result[0]["values"]]


def test_outage_samples_arrive_after_central_restart(edge):
    selector = f'node_time_seconds{{job="node-exporter", {NODE_SELECTOR}}}'
    wait_until(lambda: edge.central.query(selector), 90, what="edge data before the outage")
    time.sleep(3 * INTERVAL)
    stopped_at = time.time()
    edge.central_proc.stop()
    assert not edge.central_proc.running

    time.sleep(OUTAGE)  # the agent keeps scraping into its WAL meanwhile
    assert all(p.running for p in edge.procs if p.name != "central"), "agent or node-exporter died"
    backlog = (edge.agent_metric("prometheus_remote_storage_highest_timestamp_in_seconds")
               - edge.agent_metric("prometheus_remote_storage_queue_highest_sent_timestamp_seconds"))
    assert backlog >= OUTAGE / 2, f"the agent's unsent backlog is only {backlog}s"

    restarted_at = time.time()
    edge.start_central()

    def caught_up():
        samples = raw_samples(edge.central, selector, stopped_at - 20)
        return samples if samples and samples[-1] >= restarted_at else None

    samples = wait_until(caught_up, 120, interval=1, what="the agent to send its backlog")
    assert samples[0] <= stopped_at - 10, "data from before the outage is missing"
    gaps = [b - a for a, b in zip(samples, samples[1:])]
    worst = max(gaps)
    hole_at = samples[gaps.index(worst)]
    assert worst <= 2 * INTERVAL + 0.5, (
        f"hole of {worst:.1f}s at {hole_at:.0f} (outage {stopped_at:.0f}..{restarted_at:.0f})")
    outage_samples = [t for t in samples if stopped_at < t < restarted_at]
    assert len(outage_samples) >= (restarted_at - stopped_at) / INTERVAL - 3
