"""Worker telemetry intake with real clients: prometheus_client's push functions and the exact
JSON Sedna's workers send to their LocalController, tied to task lifecycle in kmock."""
import gzip
import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import requests
from prometheus_client import CollectorRegistry, Counter, Gauge, delete_from_gateway, push_to_gateway, pushadd_to_gateway
from prometheus_client.exposition import default_handler

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "e2e"))
from harness import Exporter, KubeAPI, Prometheus, wait_for  # noqa: E402

JI = "helmet-detection-inference-example"
IL = "helmet-detection-demo"
FL = "surface-defect-detection"


@pytest.fixture
def kube(tmp_path):
    api = KubeAPI(str(tmp_path))
    yield api
    api.stop()


@pytest.fixture
def exporter(tmp_path, kube):
    e = Exporter(str(tmp_path), kube.kubeconfig())
    try:
        e.wait_ready()
        yield e
    finally:
        e.stop()


def lc_report(url, worker, body):
    """What lib/sedna/service/client.py LCClient.send does: POST JSON to the LC."""
    return requests.post(f"{url}/sedna/workers/{worker}/info", data=json.dumps(body), headers={"Content-Type": "application/json"},
                         timeout=10)


# Bodies exactly as docs/sedna-data-model.md ("Worker reports") describes them, per task type.
JI_EDGE_POD = "helmet-detection-inference-example-deployment-edge-7d9f8c6b5-x2k4z"
JI_REPORT = {"name": "edgeworker-ab1cd", "namespace": "default", "ownerName": "sedna", "ownerKind": "jointinferenceservice",
             "kind": "inference", "results": [],
             "ownerInfo": {"startTime": "2025-01-01 10:00:00", "updateTime": "2025-01-01 10:00:30", "inferenceNumber": 120,
                           "hardExampleNumber": 30, "uploadCloudRatio": 0.25}}
IL_TRAIN_REPORT = {"name": "helmet-detection-demo-train-9xk2p", "namespace": "default", "ownerName": IL,
                   "ownerKind": "incrementallearningjob", "kind": "train", "status": "completed",
                   "results": [{"format": "pb", "url": "/incremental_learning/output/train/1/model.pb", "metrics": {"loss": 0.0421}},
                               {"format": "ckpt", "url": "/incremental_learning/output/train/1", "metrics": {"loss": 0.0421}}]}
IL_EVAL_REPORT = {"name": "eval-worker-q1w2e", "namespace": "default", "ownerName": IL, "ownerKind": "incrementallearningjob",
                  "kind": "eval", "status": "completed",
                  "results": [{"format": "pb", "url": "/m/new.pb", "metrics": {"precision": [0.83, 0.91]}},
                              {"format": "pb", "url": "/m/deploy.pb", "metrics": {"precision": [0.80, 0.85]}}]}
FL_REPORT = {"name": "surface-defect-detection-train-t1x9z", "namespace": "default", "ownerName": "sedna", "ownerKind": "default",
             "kind": "train", "status": "running",
             "ownerInfo": {"currentRound": 4, "sampleCount": 600, "startTime": "2025-01-01 10:00:00", "updateTime": "2025-01-01 10:04:00"},
             "results": [{"format": "pb", "url": "/fl/model.pb", "metrics": {"accuracy": 0.81, "loss": 0.42}}]}
LL_REPORT = {"name": "ll-train-abcde", "namespace": "default", "ownerName": "atcii-classifier-demo", "ownerKind": "lifelonglearningjob",
             "kind": "train", "status": "completed", "results": [{"format": "pkl", "url": "/kb/index.pkl", "metrics": None}]}


def test_sedna_reports_for_every_task_type_are_tied_to_the_right_task(exporter):
    for body in (JI_REPORT, IL_TRAIN_REPORT, IL_EVAL_REPORT, FL_REPORT, LL_REPORT):
        r = lc_report(exporter.url, body["name"], body)
        assert r.status_code == 200 and r.json() == {"Message": "OK", "Status": 200}, r.text
    text = exporter.metrics()
    # JI names the owner "sedna": resolved through the pod's WORKER_NAME env instead.
    # Sedna counts each hard example in inferenceNumber too (default MINING_MODE): 120 - 30 inputs.
    ji = f'namespace="default",kind="JointInferenceService",task="{JI}",worker="edgeworker-ab1cd",pod="%s"' % JI_EDGE_POD
    assert f'sedna_joint_inference_worker_inferences_total{{{ji}}} 90' in text
    assert f'sedna_joint_inference_worker_edge_inferences_total{{{ji}}} 90' in text
    assert f'sedna_joint_inference_worker_hard_examples_total{{{ji}}} 30' in text
    assert 'upload_cloud_ratio{namespace="default",kind="JointInferenceService",task="%s",worker' % JI not in text
    # FL says ownerKind "default": resolved through the pod name.
    assert f'sedna_federated_learning_worker_round{{namespace="default",kind="FederatedLearningJob",task="{FL}",worker="surface-defect-detection-train-t1x9z",pod="surface-defect-detection-train-t1x9z"}} 4' in text
    assert f'sedna_worker_reported_metric{{namespace="default",kind="FederatedLearningJob",task="{FL}",worker="surface-defect-detection-train-t1x9z",pod="surface-defect-detection-train-t1x9z",phase="train",model_role="output",metric="accuracy"}} 0.81' in text
    assert f'sedna_worker_reported_metric{{namespace="default",kind="IncrementalLearningJob",task="{IL}",worker="eval-worker-q1w2e",pod="",phase="eval",model_role="new",metric="precision"}} 0.87' in text
    assert f'sedna_worker_report_info{{namespace="default",kind="IncrementalLearningJob",task="{IL}",worker="helmet-detection-demo-train-9xk2p",pod="helmet-detection-demo-train-9xk2p",phase="train",status="completed"}} 1' in text
    assert 'kind="LifelongLearningJob",task="atcii-classifier-demo",worker="ll-train-abcde"' in text
    assert 'sedna_intake_reports_total{kind="JointInferenceService",outcome="by_worker_env"} 1' in text
    assert 'sedna_intake_reports_total{kind="FederatedLearningJob",outcome="by_pod_name"} 1' in text
    # The IL train worker is found by its pod name, the eval worker (no such pod) by its owner.
    assert 'sedna_intake_reports_total{kind="IncrementalLearningJob",outcome="by_pod_name"} 1' in text
    assert 'sedna_intake_reports_total{kind="IncrementalLearningJob",outcome="by_owner"} 1' in text
    check = subprocess.run(["promtool", "check", "metrics"], input=text.encode(), capture_output=True)
    assert check.returncode == 0, check.stdout.decode()


def test_a_report_before_its_job_is_held_and_tied_when_the_job_appears(kube, exporter):
    """Sedna's FL train worker says ownerKind "default" (lib/sedna/core/base.py); with no pod
    of that name and the job not yet watched, the report is held, then tied to the one task
    named ownerName once the job appears."""
    body = {"name": "trainworker-late", "namespace": "default", "ownerName": "fl-late", "ownerKind": "default",
            "kind": "train", "status": "running", "ownerInfo": {"currentRound": 2, "sampleCount": 300}}
    r = lc_report(exporter.url, body["name"], body)
    assert r.status_code == 200 and r.json() == {"Message": "OK", "Status": 200}, r.text
    text = exporter.metrics()
    assert 'sedna_intake_reports_total{kind="unknown",outcome="held"} 1' in text
    assert "sedna_intake_held_reports 1" in text
    kube.create("federatedlearningjobs", {"apiVersion": "sedna.io/v1alpha1", "kind": "FederatedLearningJob",
                                          "metadata": {"name": "fl-late", "namespace": "default", "uid": "uid-fl-late"}})
    series = ('sedna_federated_learning_worker_round{namespace="default",kind="FederatedLearningJob",task="fl-late",'
              'worker="trainworker-late",pod=""} 2')
    wait_for(lambda: series in exporter.metrics(), 10, what="the held report to be tied to the new job")
    text = exporter.metrics()
    assert 'sedna_intake_reports_total{kind="FederatedLearningJob",outcome="held_then_tied"} 1' in text
    assert "sedna_intake_held_reports 0" in text


def test_report_name_must_match_the_path_like_the_lc(exporter):
    r = lc_report(exporter.url, "someone-else", JI_REPORT)
    assert r.status_code == 400 and r.json()["Status"] == 400


def test_prometheus_client_push_functions_work_unchanged(exporter):
    reg = CollectorRegistry()
    Gauge("sedna_training_loss", "Training loss after the latest step or epoch.", registry=reg).set(0.5)
    Gauge("sedna_training_learning_rate", "Learning rate the worker uses now.", registry=reg).set(0.01)
    key = {"namespace": "default", "pod": "helmet-detection-demo-train-9xk2p"}
    push_to_gateway(exporter.url, job="sedna-worker", grouping_key=key, registry=reg)
    text = exporter.metrics()
    assert ('sedna_training_loss{job="sedna-worker",namespace="default",pod="helmet-detection-demo-train-9xk2p",'
            f'kind="IncrementalLearningJob",task="{IL}"}} 0.5') in text
    assert 'push_time_seconds{job="sedna-worker",namespace="default",pod="helmet-detection-demo-train-9xk2p"' in text

    # pushadd (POST) replaces only the families it names.
    reg2 = CollectorRegistry()
    Gauge("sedna_training_loss", "Training loss after the latest step or epoch.", registry=reg2).set(0.25)
    pushadd_to_gateway(exporter.url, job="sedna-worker", grouping_key=key, registry=reg2)
    text = exporter.metrics()
    assert 'task="helmet-detection-demo"} 0.25' in text and "sedna_training_learning_rate{" in text

    # push (PUT) replaces the whole group.
    reg3 = CollectorRegistry()
    Gauge("sedna_training_epoch", "Current epoch of the training worker.", registry=reg3).set(3)
    push_to_gateway(exporter.url, job="sedna-worker", grouping_key=key, registry=reg3)
    text = exporter.metrics()
    assert "sedna_training_epoch{" in text and "sedna_training_learning_rate{" not in text

    # Values with slashes travel base64-encoded; counters keep their _total.
    reg4 = CollectorRegistry()
    Counter("sedna_learning_iteration_inferences", "Inferences made by the inference worker in the current iteration.",
            registry=reg4).inc(7)
    pushadd_to_gateway(exporter.url, job="sedna/worker", grouping_key={"namespace": "default", "task": IL}, registry=reg4)
    text = exporter.metrics()
    assert (f'sedna_learning_iteration_inferences_total{{job="sedna/worker",namespace="default",task="{IL}",'
            'kind="IncrementalLearningJob"} 7') in text

    delete_from_gateway(exporter.url, job="sedna-worker", grouping_key=key)
    delete_from_gateway(exporter.url, job="sedna/worker", grouping_key={"namespace": "default", "task": IL})
    text = exporter.metrics()
    assert "sedna_training_epoch{" not in text and "push_time_seconds{" not in text


def test_pushed_and_reported_series_go_away_with_their_task_and_pod(kube, exporter):
    lc_report(exporter.url, JI_REPORT["name"], JI_REPORT)
    lc_report(exporter.url, FL_REPORT["name"], FL_REPORT)
    reg = CollectorRegistry()
    Gauge("sedna_training_loss", "Training loss after the latest step or epoch.", registry=reg).set(0.5)
    push_to_gateway(exporter.url, job="w", grouping_key={"namespace": "default", "task": JI}, registry=reg)
    push_to_gateway(exporter.url, job="w", grouping_key={"namespace": "default", "pod": "surface-defect-detection-train-t1x9z"},
                    registry=reg)
    text = exporter.metrics()
    assert f'task="{JI}",worker="edgeworker-ab1cd"' in text and 'pod="surface-defect-detection-train-t1x9z"' in text

    kube.delete("jointinferenceservices", "default", JI)
    # (kmock has no garbage collector: the JI worker pods, and their sedna_worker_* series, stay.)
    wait_for(lambda: 'worker="edgeworker-ab1cd"' not in exporter.metrics() and f'job="w",namespace="default",task="{JI}"'
             not in exporter.metrics(), 10, what="the JI task's reported and pushed series to go")

    kube.delete("pods", "default", "surface-defect-detection-train-t1x9z")
    wait_for(lambda: 'surface-defect-detection-train-t1x9z' not in exporter.metrics(), 10, what="the pod's series to go")
    # The FL job itself is still there.
    assert f'sedna_task_info{{namespace="default",kind="FederatedLearningJob",task="{FL}"' in exporter.metrics()


HOSTILE = [
    ("malformed JSON", "/sedna/workers/w/info", "POST", b"{not json", {"Content-Type": "application/json"}, 400),
    ("JSON array", "/sedna/workers/w/info", "POST", b"[1,2]", {"Content-Type": "application/json"}, 400),
    ("wrong content type", "/sedna/workers/w/info", "POST", b'{"name":"w"}', {"Content-Type": "text/html"}, 415),
    ("oversized report", "/sedna/workers/w/info", "POST", b'{"name":"w","x":"' + b"a" * (2 << 20) + b'"}',
     {"Content-Type": "application/json"}, 413),
    ("client timestamp", "/metrics/job/x", "PUT", b"m 1 1700000000000\n", {}, 400),
    ("quote injection", "/metrics/job/x", "PUT", b'm{a="x"} 1\nm{a="y"} 2",b="c"} 3\n', {}, 400),
    ("newline in name", "/metrics/job/x", "PUT", b"m\n{a=\"b\"} 1\n", {}, 400),
    ("bad escape", "/metrics/job/x", "PUT", b'm{a="\\q"} 1\n', {}, 400),
    ("invalid UTF-8", "/metrics/job/x", "PUT", b'm{a="\xff\xfe"} 1\n', {}, 400),
    ("type clash within push", "/metrics/job/x", "PUT", b"# TYPE m counter\n# TYPE m gauge\nm 1\n", {}, 400),
    ("exporter's own family", "/metrics/job/x", "PUT", b"sedna_task_info 1\n", {}, 400),
    ("vocabulary type clash", "/metrics/job/x", "PUT", b"# TYPE sedna_training_loss counter\nsedna_training_loss 1\n", {}, 400),
    ("reserved label name", "/metrics/job/x", "PUT", b'm{__name__="y"} 1\n', {}, 400),
    ("huge label value", "/metrics/job/x", "PUT", b'm{a="' + b"v" * 5000 + b'"} 1\n', {}, 413),
    ("bad base64 key", "/metrics/job/x/a@base64/%%%", "PUT", b"m 1\n", {}, 400),
    ("odd path", "/metrics/job/x/lonely", "PUT", b"m 1\n", {}, 400),
    ("grouping label conflict", "/metrics/job/x/a/1", "PUT", b'm{a="2"} 1\n', {}, 400),
    ("gzip bomb", "/metrics/job/x", "PUT", gzip.compress(b"m 1\n" + b"#" * (4 << 20)), {"Content-Encoding": "gzip"}, 400),
    ("protobuf", "/metrics/job/x", "PUT", b"\x00\x01", {"Content-Type": "application/vnd.google.protobuf"}, 415),
]


@pytest.mark.parametrize("what,path,method,body,headers,status", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_input_is_rejected_and_changes_nothing(exporter, what, path, method, body, headers, status):
    reg = CollectorRegistry()
    Gauge("keep_me", "A group that must survive.", ["a"], registry=reg).labels("1").set(1)
    push_to_gateway(exporter.url, job="x", registry=reg)
    before = exporter.metrics()
    r = requests.request(method, exporter.url + path, data=body, headers=headers, timeout=30)
    assert r.status_code == status, f"{what}: {r.status_code} {r.text[:200]}"
    assert r.text.strip(), "a rejection says why"
    after = exporter.metrics()
    # The exporter's own families change by themselves (a watch event, a request counted), and
    # one that had no sample yet gains its HELP and TYPE lines too: leave them all out.
    own = ("sedna_exporter_", "sedna_intake_")
    strip = lambda t: [l for l in t.splitlines()  # noqa: E731
                       if not l.startswith(own) and not l.startswith(tuple(f"# {w} {p}" for w in ("HELP", "TYPE") for p in own))]
    assert strip(after) == strip(before), what
    check = subprocess.run(["promtool", "check", "metrics"], input=after.encode(), capture_output=True)
    assert check.returncode == 0, check.stdout.decode()


def test_escaped_quotes_newlines_and_backslashes_round_trip_safely(exporter):
    body = b'm{a="q\\"uote",b="new\\nline",c="back\\\\slash"} 1\n'
    assert requests.put(exporter.url + "/metrics/job/esc", data=body, timeout=10).status_code == 200
    text = exporter.metrics()
    assert 'm{a="q\\"uote",b="new\\nline",c="back\\\\slash",job="esc"} 1' in text
    check = subprocess.run(["promtool", "check", "metrics"], input=text.encode(), capture_output=True)
    assert check.returncode == 0, check.stdout.decode()


def test_type_and_help_clashes_across_groups(exporter):
    r1 = requests.put(exporter.url + "/metrics/job/a", data=b"# HELP m one\n# TYPE m gauge\nm 1\n", timeout=10)
    assert r1.status_code == 200
    r2 = requests.put(exporter.url + "/metrics/job/b", data=b"# TYPE m counter\nm 1\n", timeout=10)
    assert r2.status_code == 400 and "gauge" in r2.text
    r3 = requests.put(exporter.url + "/metrics/job/b", data=b"# HELP m two\n# TYPE m gauge\nm 1\n", timeout=10)
    assert r3.status_code == 400 and "help" in r3.text


def test_bearer_token_on_intake_but_not_on_metrics(tmp_path, kube):
    token = tmp_path / "token"
    token.write_text("s3cret-intake\n")
    e = Exporter(str(tmp_path), kube.kubeconfig(), extra=["--intake-token-file", str(token)])
    try:
        e.wait_ready()
        reg = CollectorRegistry()
        Gauge("g", "g", registry=reg).set(1)
        with pytest.raises(Exception):
            push_to_gateway(e.url, job="t", registry=reg)
        assert lc_report(e.url, JI_REPORT["name"], JI_REPORT).status_code == 401

        def auth_handler(url, method, timeout, headers, data):
            return default_handler(url, method, timeout, headers + [("Authorization", "Bearer s3cret-intake")], data)

        push_to_gateway(e.url, job="t", registry=reg, handler=auth_handler)
        assert 'g{job="t"} 1' in e.metrics()
        assert requests.get(e.url + "/healthz", timeout=5).status_code == 200
    finally:
        e.stop()
    assert "s3cret-intake" not in e.process.output()


class FakeLC(BaseHTTPRequestHandler):
    """Stands in for Sedna's LocalController (Go; not installable here): records and answers like it."""
    received = []

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        FakeLC.received.append((self.path, body))
        answer = b'{"Status":200,"Message":"OK from LC"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


def test_reports_are_forwarded_unchanged_to_the_lc_and_kept_when_it_is_down(tmp_path, kube):
    lc = HTTPServer(("127.0.0.1", 0), FakeLC)
    thread = threading.Thread(target=lc.serve_forever, daemon=True)
    thread.start()
    e = Exporter(str(tmp_path), kube.kubeconfig(), extra=["--forward-lc", f"http://127.0.0.1:{lc.server_port}"])
    try:
        e.wait_ready()
        body = json.dumps(JI_REPORT)
        r = requests.post(f"{e.url}/sedna/workers/edgeworker-ab1cd/info", data=body, headers={"Content-Type": "application/json"},
                          timeout=10)
        assert r.json()["Message"] == "OK from LC"
        assert FakeLC.received[-1] == ("/sedna/workers/edgeworker-ab1cd/info", body.encode())
        lc.shutdown()
        lc.server_close()
        r = lc_report(e.url, FL_REPORT["name"], FL_REPORT)
        assert r.status_code == 200 and r.json()["Message"] == "OK"
        assert 'worker="surface-defect-detection-train-t1x9z",pod="surface-defect-detection-train-t1x9z"} 4' in e.metrics()
    finally:
        e.stop()


def test_pushed_and_reported_series_reach_prometheus(tmp_path, exporter):
    lc_report(exporter.url, JI_REPORT["name"], JI_REPORT)
    reg = CollectorRegistry()
    Gauge("sedna_training_loss", "Training loss after the latest step or epoch.", registry=reg).set(0.125)
    push_to_gateway(exporter.url, job="sedna-worker", grouping_key={"namespace": "default", "task": IL}, registry=reg)
    prom = Prometheus(str(tmp_path), [f"127.0.0.1:{exporter.port}"])
    try:
        res = wait_for(lambda: prom.query(f'sedna_training_loss{{task="{IL}",kind="IncrementalLearningJob"}}'), 30, what="pushed loss")
        assert res[0]["value"][1] == "0.125"
        # Without honor_labels Prometheus renames the pushed job label, as with a Pushgateway.
        assert res[0]["metric"]["exported_job"] == "sedna-worker"
        res = wait_for(lambda: prom.query("sedna_joint_inference_worker_hard_examples_total"), 30, what="reported counter")
        assert res[0]["metric"]["worker"] == "edgeworker-ab1cd" and res[0]["value"][1] == "30"
    finally:
        prom.stop()


def test_gzip_push_body(exporter):
    body = gzip.compress(b"# TYPE sedna_training_epoch gauge\nsedna_training_epoch 4\n")
    r = requests.put(exporter.url + "/metrics/job/gz/namespace/default/task/" + IL, data=body,
                     headers={"Content-Encoding": "gzip"}, timeout=10)
    assert r.status_code == 200, r.text
    assert f'sedna_training_epoch{{job="gz",namespace="default",task="{IL}",kind="IncrementalLearningJob"}} 4' in exporter.metrics()
