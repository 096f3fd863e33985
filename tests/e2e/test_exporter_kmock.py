"""The exporter against the third-party Kubernetes API emulator (kmock), scraped by a real Prometheus."""
import copy
import json
import os
import subprocess

import pytest
import requests
from prometheus_client.openmetrics.parser import text_string_to_metric_families

from harness import FIXTURES, ROOT, Exporter, KubeAPI, wait_for

GOLDEN = os.path.join(ROOT, "Tests", "ExpositionTests", "Golden", "fixture-cluster.prom")
JI = "helmet-detection-inference-example"


def fixture(plural, name):
    items = json.load(open(os.path.join(FIXTURES, plural + ".json")))["items"]
    return copy.deepcopy(next(o for o in items if o["metadata"]["name"] == name))


def test_listed_cluster_matches_the_golden_exposition(exporter):
    """Over real HTTP list and watch, the exporter serves exactly what the golden file holds."""
    golden = open(GOLDEN).read()
    wait_for(lambda: exporter.object_lines() == golden, 30, what="exposition equal to the golden file")


def test_live_exposition_passes_promtool_and_parses_as_openmetrics(exporter):
    text = exporter.metrics()
    check = subprocess.run(["promtool", "check", "metrics"], input=text.encode(), capture_output=True)
    assert check.returncode == 0, check.stdout.decode() + check.stderr.decode()
    om = exporter.metrics(accept="application/openmetrics-text;version=1.0.0")
    families = {f.name: f for f in text_string_to_metric_families(om)}
    assert families["sedna_joint_inference_inferences"].type == "counter"
    assert families["sedna_task_start_timestamp_seconds"].unit == "seconds"


def test_create_patch_delete_show_up_within_seconds(kube, exporter):
    ji = fixture("jointinferenceservices", JI)
    ji["metadata"].update(name="ji-e2e", uid="uid-ji-e2e")
    kube.create("jointinferenceservices", ji)
    wait_for(lambda: 'sedna_joint_inference_inferences_total{namespace="default",kind="JointInferenceService",task="ji-e2e"} 120'
             in exporter.metrics(), 10, what="created task in /metrics")

    kube.patch("jointinferenceservices", "default", "ji-e2e",
               {"status": {"metrics": [{"key": "inferenceNumber", "value": "500"}, {"key": "hardExampleNumber", "value": "90"}]}})
    wait_for(lambda: 'task="ji-e2e"} 500' in exporter.metrics(), 10, what="patched counter in /metrics")

    kube.delete("jointinferenceservices", "default", "ji-e2e")
    wait_for(lambda: 'task="ji-e2e"' not in exporter.metrics(), 10, what="deleted task gone from /metrics")


def test_pod_and_node_changes(kube, exporter):
    kube.patch("nodes", None, "edge2", {"status": {"conditions": [{"type": "Ready", "status": "True"}]}})
    wait_for(lambda: 'sedna_node_ready{node="edge2",location="edge"} 1' in exporter.metrics(), 10, what="edge2 Ready")
    kube.delete("pods", "default", "surface-defect-detection-train-t2x9z")
    wait_for(lambda: "surface-defect-detection-train-t2x9z" not in exporter.metrics(), 10, what="deleted pod gone")
    # A pod that is not Sedna's is never exported.
    kube.create("pods", {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "nginx", "namespace": "default", "uid": "u-nginx"},
                         "spec": {"nodeName": "cloud-node"}, "status": {"phase": "Running"}})
    assert 'pod="nginx"' not in exporter.metrics()


def test_hostile_objects_are_survived(kube, exporter):
    """Malformed condition data, huge and hostile label values: clear series, valid exposition."""
    nasty = 'x"y\\z\nw' + "é" * 3000
    kube.create("incrementallearningjobs", {
        "apiVersion": "sedna.io/v1alpha1", "kind": "IncrementalLearningJob",
        "metadata": {"name": "hostile", "namespace": "default", "uid": "uid-hostile"},
        "spec": {"dataset": {"name": nasty, "trainProb": 0.5}},
        "status": {"conditions": [{"type": "Completed", "stage": "Train", "data": "{\"output\": [unterminated"},
                                  {"type": "Completed", "stage": "Eval",
                                   "data": json.dumps({"output": {"models": [{"url": "s3://ak:sk@b/m?sig=1", "metrics": {"f1": [0.5, 0.7]}}]}})}]}})
    wait_for(lambda: 'sedna_task_condition_data_errors{namespace="default",kind="IncrementalLearningJob",task="hostile"} 1'
             in exporter.metrics(), 10, what="hostile task exported")
    text = exporter.metrics()
    assert "sk@" not in text and "sig=1" not in text
    check = subprocess.run(["promtool", "check", "metrics"], input=text.encode(), capture_output=True)
    assert check.returncode == 0, check.stdout.decode()
    assert exporter.process.alive()


def test_prometheus_scrapes_and_queries(kube, exporter, prometheus):
    result = wait_for(lambda: prometheus.query(f'sedna_joint_inference_inferences_total{{task="{JI}"}}'), 30,
                      what="JI counter in Prometheus")
    assert result[0]["value"][1] == "120"
    by_kind = {r["metric"]["kind"]: r["value"][1] for r in prometheus.query("count by (kind) (sedna_task_info)")}
    assert by_kind["IncrementalLearningJob"] == "2"
    assert len(by_kind) == 9
    stage = prometheus.query('sedna_task_stage{task="helmet-detection-demo"} == 1')
    assert stage[0]["metric"]["task_stage"] == "Train"
    # Our label names survive Prometheus' own target labels (no honor_labels needed).
    up = prometheus.query('up{job="sedna-exporter"}')
    assert up[0]["value"][1] == "1"


def test_absent_crds_are_skipped_and_do_not_block_readiness(workdir):
    api = KubeAPI(workdir, omit=("reidjobs", "videoanalyticsjobs", "objecttrackingservices"))
    e = Exporter(workdir, api.kubeconfig())
    try:
        e.wait_ready()
        text = e.metrics()
        assert 'sedna_exporter_resource_available{resource="reidjobs"} 0' in text
        assert 'sedna_exporter_resource_available{resource="datasets"} 1' in text
        assert 'kind="ReidJob"' not in text
        assert "resource not served" in e.process.output()
    finally:
        e.stop()
        api.stop()


def test_dropped_api_server_makes_it_not_ready_then_recovers_by_relisting(workdir):
    api = KubeAPI(workdir)
    e = Exporter(workdir, api.kubeconfig())
    try:
        e.wait_ready()
        assert 'task="helmet-detection-demo"' in e.metrics()
        port = api.port
        api.stop()
        wait_for(lambda: not e.ready(), 60, what="exporter to report not ready while the API is down")
        body = requests.get(e.url + "/readyz", timeout=5).text
        assert "consecutive failures" in body or "LIST" in body, body
        # Back with different contents: only the relist can reveal that objects were deleted.
        empty = os.path.join(workdir, "empty")
        os.makedirs(empty)
        json.dump({"items": [fixture("datasets", "dataset-demo0")]}, open(os.path.join(empty, "datasets.json"), "w"))
        api = KubeAPI(workdir, load=empty, port=port)
        wait_for(lambda: e.ready(), 90, what="exporter ready again after the API returned")
        wait_for(lambda: 'task="helmet-detection-demo"' not in e.metrics(), 30, what="deleted objects gone after relist")
        assert 'dataset="dataset-demo0"' in e.metrics()
        assert "watch failed" in e.process.output() or "list failed" in e.process.output()
    finally:
        e.stop()
        api.stop()


def test_graceful_shutdown_on_sigterm(workdir, kube):
    e = Exporter(workdir, kube.kubeconfig())
    e.wait_ready()
    rc = e.stop()
    assert rc == 0, e.process.output()


def test_token_never_reaches_logs_or_metrics(workdir, kube):
    e = Exporter(workdir, kube.kubeconfig(token="very-secret-token-123"), extra=["--log-format", "json", "--log-level", "debug"])
    try:
        e.wait_ready()
        assert "very-secret-token-123" not in e.metrics()
    finally:
        e.stop()
    log = e.process.output()
    assert "very-secret-token-123" not in log
    assert all(json.loads(line) for line in log.splitlines() if line.startswith("{"))


@pytest.mark.parametrize("args, message", [
    (["--shard", "2", "--total-shards", "2"], "--shard"),
    (["--resources", "pods,widgets"], "unknown resource widgets"),
    (["--listen", "nonsense"], "--listen"),
])
def test_bad_flags_are_clear_errors(args, message):
    from harness import exporter_bin
    r = subprocess.run([exporter_bin(), "serve", *args], capture_output=True, timeout=30)
    assert r.returncode != 0
    assert message in (r.stdout + r.stderr).decode()
