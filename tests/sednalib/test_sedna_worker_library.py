"""Sedna's own Python worker library, unchanged, through the capture route, checked in Prometheus.

Each worker's pod is built the way the GM builds it (template env, then the GM env with
LC_SERVER last), mutated by the exporter's admission webhook (`serve --webhook-listen`, whose
rewrite docs/deploy.md describes), its env expanded as the kubelet does on a node whose host IP
is 127.0.0.1, and the library is run with that env:

    worker (Sedna's LCClient / LCReporter) -> relay :9480 -> LC stand-in (answers like Sedna's LC)
                                                  \\-> exporter (serve, kmock API) <- Prometheus

The two replicas of one joint-inference edge Deployment share a WORKER_NAME; their processes
connect from 127.0.0.11 and 127.0.0.12 (podnet/sitecustomize.py), the podIPs of their pods.
One stack serves every test of the module.
"""
import base64
import collections
import json
import os
import subprocess

import pytest
import requests
import urllib3

from sedna_paths import ROOT, SEDNA_PYTHON, VENV_PYTHON
from harness import Exporter, KubeAPI, Process, Prometheus, exporter_bin, free_port, wait_for
from pod_env import (RELAY_PORT, admission_review, apply_json_patch, contract_env, contract_pod, gm_pod,
                     patch_from_review, resolve_env)

HERE = os.path.dirname(os.path.abspath(__file__))
NS = "sednalib"
HOST_IP = "127.0.0.1"
LC_OK = {"Status": 200, "Message": "OK"}


def webhook_enabled():
    """The webhook step runs when `serve` has --webhook-listen (SEDNALIB_WEBHOOK=0/1 forces it);
    otherwise each pod gets the contract's env from pod_env.contract_pod."""
    forced = os.environ.get("SEDNALIB_WEBHOOK")
    if forced in ("0", "1"):
        return forced == "1"
    try:
        out = subprocess.run([exporter_bin(), "serve", "--help"], capture_output=True, text=True, timeout=20)
    except (OSError, RuntimeError, subprocess.TimeoutExpired):
        return False
    return "--webhook-listen" in out.stdout + out.stderr


def task(kind, plural, name, uid, spec):
    return plural, {"apiVersion": "sedna.io/v1alpha1", "kind": kind,
                    "metadata": {"name": name, "namespace": NS, "uid": uid}, "spec": spec, "status": {}}


TASKS = [
    task("JointInferenceService", "jointinferenceservices", "helmet-itm", "uid-ji-itm",
         {"edgeWorker": {"model": {"name": "small"}, "hardExampleMining": {"name": "Threshold"}},
          "cloudWorker": {"model": {"name": "big"}}}),
    task("JointInferenceService", "jointinferenceservices", "helmet-mti", "uid-ji-mti",
         {"edgeWorker": {"model": {"name": "small"}, "hardExampleMining": {"name": "Threshold"}},
          "cloudWorker": {"model": {"name": "big"}}}),
    task("FederatedLearningJob", "federatedlearningjobs", "surface-defect", "uid-fl-sd",
         {"aggregationWorker": {"model": {"name": "fl-model"}}, "trainingWorkers": [{"dataset": {"name": "d1"}}]}),
    task("IncrementalLearningJob", "incrementallearningjobs", "helmet-il", "uid-il",
         {"dataset": {"name": "d1"}, "outputDir": "/tmp/il"}),
    task("LifelongLearningJob", "lifelonglearningjobs", "atcii-ll", "uid-ll",
         {"dataset": {"name": "d2"}, "outputDir": "/tmp/ll"}),
]

# Edge scores per sample; below 0.5 is a hard example for the Threshold filter.
ITM_A = [0.9, 0.2, 0.8, 0.3, 0.95, 0.7]          # 6 samples, 2 hard
ITM_B = [0.1, 0.9, 0.85, 0.6]                    # 4 samples, 1 hard
MTI = [0.9, 0.1, 0.8, 0.2, 0.7, 0.3, 0.9, 0.95, 0.6, 0.99]   # 10 samples, 3 hard


class Worker:
    """One worker pod: as the GM builds it, whether it is in the API, how the driver runs it."""

    def __init__(self, pod, plural_kind, args, in_api=True, pod_ip=None):
        self.pod = pod
        self.name = pod["metadata"]["name"]
        self.kind = plural_kind
        self.args = args
        self.in_api = in_api
        self.pod_ip = pod_ip
        self.env = None          # the resolved process env
        self.lines = []


def build_workers(work):
    model = os.path.join(work, "model.pkl")
    with open(model, "w") as f:
        f.write("tiny\n")
    il_out = os.path.join(work, "il-out", "train", "1")
    ll_out = os.path.join(work, "ll-out")
    os.makedirs(ll_out, exist_ok=True)
    tmpl = [("BACKEND_TYPE", "SKLEARN"), ("LC_PERIOD", "1"), ("LOG_LEVEL", "INFO"),
            ("LC_SERVER", "http://template-lc.example:9100")]   # a template LC_SERVER the GM's shadows

    def ji(task_name, uid, pod_name, worker, mining, ip, scores):
        gm = [("BIG_MODEL_IP", "helmet-cloud.sednalib"), ("BIG_MODEL_PORT", "5000"), ("HEM_NAME", "Threshold"),
              ("HEM_PARAMETERS", json.dumps([{"key": "threshold", "value": "0.5"}])), ("MODEL_URL", model),
              ("NAMESPACE", NS), ("SERVICE_NAME", task_name), ("WORKER_NAME", worker),
              ("LC_SERVER", "http://localhost:9100")]
        pod = gm_pod(name=pod_name, namespace=NS, kind="jointinferenceservice", task=task_name, uid=uid,
                     worker_type="edge", template_env=tmpl + [("MINING_MODE", mining)], gm_env=gm, node="edge-1", pod_ip=ip)
        return Worker(pod, "JointInferenceService", ["ji-edge", ",".join(map(str, scores))], pod_ip=ip)

    def trainer(kind, plural_kind, task_name, uid, pod_name, wtype, gm, args, in_api=True):
        gm = [("NAMESPACE", NS), ("JOB_NAME", task_name)] + gm + [("LC_SERVER", "http://localhost:9100")]
        pod = gm_pod(name=pod_name, namespace=NS, kind=kind, task=task_name, uid=uid, worker_type=wtype,
                     template_env=tmpl, gm_env=gm, node="edge-1", pod_ip=HOST_IP)   # hostNetwork
        return Worker(pod, plural_kind, args, in_api=in_api)

    return [
        ji("helmet-itm", "uid-ji-itm", "helmet-itm-edge-7d9f8-aaaaa", "edgeworker-itm01", "inference-then-mining",
           "127.0.0.11", ITM_A),
        ji("helmet-itm", "uid-ji-itm", "helmet-itm-edge-7d9f8-bbbbb", "edgeworker-itm01", "inference-then-mining",
           "127.0.0.12", ITM_B),
        ji("helmet-mti", "uid-ji-mti", "helmet-mti-edge-5c8b7-ccccc", "edgeworker-mti01", "mining-then-inference",
           "127.0.0.13", MTI),
        # The FL train worker's pod is not (yet) in the API: its ownerKind "default" report must
        # still land on its job.
        trainer("federatedlearningjob", "FederatedLearningJob", "surface-defect", "uid-fl-sd",
                "surface-defect-train-0-x1", "train",
                [("AGG_IP", "127.0.0.1"), ("AGG_PORT", "7363"), ("WORKER_NAME", "trainworker-fl001"),
                 ("PARTICIPANTS_COUNT", "1"), ("MODEL_NAME", "fl-model"), ("DATASET_NAME", "d1"),
                 ("MODEL_URL", os.path.join(work, "fl-out"))], ["fl-train", "3"], in_api=False),
        trainer("incrementallearningjob", "IncrementalLearningJob", "helmet-il", "uid-il", "helmet-il-train-x2", "train",
                [("WORKER_NAME", "train-worker-il001"), ("MODEL_URL", il_out)], ["il-train"]),
        trainer("incrementallearningjob", "IncrementalLearningJob", "helmet-il", "uid-il", "helmet-il-eval-x3", "eval",
                [("WORKER_NAME", "eval-worker-il001"), ("MODEL_URL", model),
                 ("MODEL_URLS", f"{os.path.join(work, 'new-model.pkl')};{model}")], ["il-eval"]),   # new, then deployed
        trainer("lifelonglearningjob", "LifelongLearningJob", "atcii-ll", "uid-ll", "atcii-ll-train-x4", "train",
                [("WORKER_NAME", "train-worker-ll001"), ("HAS_COMPLETED_INITIAL_TRAINING", "false"),
                 ("KB_SERVER", "http://127.0.0.1:9020"), ("OUTPUT_URL", ll_out)], ["ll-train"]),
    ]


def tls_files(work):
    cert, key = os.path.join(work, "webhook.crt"), os.path.join(work, "webhook.key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", cert],
                   check=True, capture_output=True, timeout=60)
    return cert, key


def mutate(webhook_url, pod):
    """POSTs an AdmissionReview for `pod` to the webhook; returns (patched pod, patch)."""
    r = requests.post(webhook_url + "/mutate-pods", json=admission_review(pod), verify=False, timeout=10)
    r.raise_for_status()
    review = r.json()
    assert review["response"]["allowed"] is True, review
    assert review["response"]["uid"] == "sednalib-review-1", review
    patch = patch_from_review(review)
    return apply_json_patch(pod, patch), patch


class Stack:
    pass


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    work = str(tmp_path_factory.mktemp("sednalib"))
    s = Stack()
    s.work = work
    s.webhook = webhook_enabled()
    procs = []
    try:
        s.kube = KubeAPI(work, load=False)
        procs.append(s.kube)
        for plural, obj in TASKS:
            s.kube.create(plural, obj)
        s.workers = build_workers(work)
        for w in s.workers:
            if w.in_api:
                s.kube.create("pods", w.pod)
        # The node the workers run on, and the relay DaemonSet's Ready pod on it: the webhook
        # rewrites a pod's LC_SERVER only where a relay is Ready to take the reports.
        for node in sorted({w.pod["spec"]["nodeName"] for w in s.workers}):
            s.kube.create("nodes", {"apiVersion": "v1", "kind": "Node", "metadata": {
                "name": node, "uid": f"node-{node}", "labels": {"node-role.kubernetes.io/edge": ""}},
                "status": {"conditions": [{"type": "Ready", "status": "True"}]}})
            s.kube.create("pods", {"apiVersion": "v1", "kind": "Pod", "metadata": {
                "name": f"sedna-relay-{node}", "namespace": "sedna", "uid": f"relay-{node}",
                "labels": {"app.kubernetes.io/name": "sedna-relay"}},
                "spec": {"nodeName": node, "hostNetwork": True, "containers": [{"name": "relay", "image": "sedna-exporter"}]},
                "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}})

        lc_port = free_port()
        s.lc = Process(["python3", os.path.join(HERE, "lc_standin.py"), "--port", str(lc_port)],
                       os.path.join(work, "lc.log"))
        procs.append(s.lc)
        s.lc_url = f"http://127.0.0.1:{lc_port}"
        wait_for(lambda: requests.get(s.lc_url + "/healthz", timeout=2).ok, 20, what="the LC stand-in")

        extra = []
        if s.webhook:
            cert, key = tls_files(work)
            s.webhook_port = free_port()
            s.webhook_url = f"https://127.0.0.1:{s.webhook_port}"
            extra = ["--webhook-listen", f"127.0.0.1:{s.webhook_port}", "--webhook-tls-cert-file", cert,
                     "--webhook-tls-key-file", key]
        s.exporter = Exporter(work, s.kube.kubeconfig(), extra=extra)
        procs.append(s.exporter)
        s.exporter.wait_ready()

        # The relay runs with hostNetwork on every node at the port the webhook's LC_SERVER names.
        s.relay_url = f"http://{HOST_IP}:{RELAY_PORT}"
        s.relay = Process([exporter_bin(), "relay", "--listen", f"{HOST_IP}:{RELAY_PORT}", "--central-url", s.exporter.url,
                           "--lc-url", s.lc_url, "--spool-dir", os.path.join(work, "spool"), "--relay-name", "edge-1"],
                          os.path.join(work, "relay.log"))
        procs.append(s.relay)
        wait_for(lambda: requests.get(s.relay_url + "/healthz", timeout=2).ok or not s.relay.alive(), 30, what="the relay")
        assert s.relay.alive(), f"the relay did not start (is port {RELAY_PORT} taken?):\n{s.relay.output()}"

        s.prom = Prometheus(work, [f"127.0.0.1:{s.exporter.port}"])
        procs.append(s.prom)

        if s.webhook:
            urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
        for w in s.workers:
            mutated = mutate(s.webhook_url, w.pod)[0] if s.webhook else contract_pod(w.pod)
            w.env = resolve_env(mutated["spec"]["containers"][0]["env"], {"hostIP": HOST_IP})

        running = []
        for w in s.workers:
            env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": work, "PYTHONPYCACHEPREFIX": os.path.join(ROOT, ".venv-sedna", "pycache"),
                   "PYTHONPATH": os.pathsep.join([os.path.join(HERE, "podnet"), SEDNA_PYTHON]), **w.env}
            if w.pod_ip:
                env["SEDNALIB_POD_IP"] = w.pod_ip
            log = open(os.path.join(work, f"driver-{w.name}.log"), "wb")
            running.append((w, log, subprocess.Popen([VENV_PYTHON, os.path.join(HERE, "drivers", "sedna_worker.py"),
                                                      *w.args], stdout=subprocess.PIPE, stderr=log, env=env, cwd=work)))
        for w, log, p in running:
            out, _ = p.communicate(timeout=90)
            log.close()
            assert p.returncode == 0, f"driver for {w.name} failed:\n" + open(log.name).read()[-4000:]
            w.lines = [json.loads(line) for line in out.decode().splitlines() if line.startswith("{")]
        yield s
    finally:
        for p in reversed(procs):
            p.stop()


def sent(worker):
    return [line for line in worker.lines if "sent" in line]


def by_name(stack, pod_name):
    return next(w for w in stack.workers if w.name == pod_name)


def lc_records(stack):
    return requests.get(stack.lc_url + "/records", timeout=5).json()


def value(stack, expr, expected, what):
    """Waits until Prometheus answers `expected` for a single-series expression."""
    def check():
        result = stack.prom.query(expr)
        return len(result) == 1 and float(result[0]["value"][1]) == expected
    wait_for(check, 30, what=f"{what}: {expr} == {expected} (last: {stack.prom.query(expr)})")


def test_each_worker_got_the_relay_as_its_only_effective_lc_server(stack):
    for w in stack.workers:
        built = w.pod["spec"]["containers"][0]["env"]
        assert [e["name"] for e in built].count("LC_SERVER") == 2, "the GM's LC_SERVER comes after the template's"
        assert w.env["LC_SERVER"] == f"http://{HOST_IP}:{RELAY_PORT}", w.name


def test_the_lc_got_every_report_unchanged_and_each_worker_saw_its_answer(stack):
    records = lc_records(stack)
    got = collections.Counter((r["worker"], base64.b64decode(r["body"])) for r in records)
    expected = collections.Counter()
    for w in stack.workers:
        assert sent(w), f"{w.name} sent no report"
        for line in sent(w):
            # requests' json= body: json.dumps with its default separators, key order kept.
            expected[(line["sent"]["name"], json.dumps(line["sent"]).encode())] += 1
            assert line["answer"] == LC_OK, f"{w.name} saw {line['answer']!r}, not the LC's answer"
    assert got == expected, "the LC stand-in got other bytes than the workers sent"
    assert all(r["status"] == 200 for r in records)


def test_the_reports_are_those_sedna_sends(stack):
    """What Sedna's library really sends, including what it gets wrong: JI names its owner
    `sedna` and double-counts hard examples in inference-then-mining; FL says ownerKind default."""
    a = sent(by_name(stack, "helmet-itm-edge-7d9f8-aaaaa"))[-1]["sent"]
    assert (a["ownerName"], a["ownerKind"], a["kind"]) == ("sedna", "jointinferenceservice", "inference")
    assert (a["ownerInfo"]["inferenceNumber"], a["ownerInfo"]["hardExampleNumber"]) == (6 + 2, 2)
    m = sent(by_name(stack, "helmet-mti-edge-5c8b7-ccccc"))[-1]["sent"]
    assert (m["ownerInfo"]["inferenceNumber"], m["ownerInfo"]["hardExampleNumber"]) == (10, 3)
    fl = sent(by_name(stack, "surface-defect-train-0-x1"))
    assert [x["sent"]["ownerKind"] for x in fl] == ["default"] * 3
    assert [x["sent"]["status"] for x in fl] == ["running", "running", "completed"]
    assert [x["sent"]["ownerInfo"]["currentRound"] for x in fl] == [1, 2, 3]
    il = sent(by_name(stack, "helmet-il-train-x2"))[-1]["sent"]
    assert (il["ownerKind"], il["ownerName"], il["kind"], il["status"]) == ("incrementallearningjob", "helmet-il", "train", "completed")
    ev = sent(by_name(stack, "helmet-il-eval-x3"))[-1]["sent"]
    assert (ev["kind"], len(ev["results"])) == ("eval", 2)
    ll = sent(by_name(stack, "atcii-ll-train-x4"))[-1]["sent"]
    assert (ll["ownerKind"], ll["ownerName"], ll["kind"], ll["status"]) == ("lifelonglearningjob", "atcii-ll", "train", "completed")


def test_mining_then_inference_figures_land_on_their_task(stack):
    sel = f'namespace="{NS}",kind="JointInferenceService",task="helmet-mti"'
    value(stack, f"sum(sedna_joint_inference_worker_inferences_total{{{sel}}})", 10, "MTI inferences")
    value(stack, f"sum(sedna_joint_inference_worker_hard_examples_total{{{sel}}})", 3, "MTI hard examples")


def test_incremental_and_lifelong_reports_land_on_their_tasks(stack):
    for kind, task_name, worker, phase in [("IncrementalLearningJob", "helmet-il", "train-worker-il001", "train"),
                                           ("IncrementalLearningJob", "helmet-il", "eval-worker-il001", "eval"),
                                           ("LifelongLearningJob", "atcii-ll", "train-worker-ll001", "train")]:
        value(stack, f'sum(sedna_worker_report_info{{namespace="{NS}",kind="{kind}",task="{task_name}",worker="{worker}",'
                     f'phase="{phase}",status="completed"}})', 1, f"{kind} {phase} report")
    value(stack, f'max(sedna_worker_reported_metric{{namespace="{NS}",kind="IncrementalLearningJob",task="helmet-il",'
                 f'worker="train-worker-il001",metric="accuracy"}})', 0.875, "IL train accuracy")
    for role, precision in [("new", 0.9), ("deployed", 0.8)]:
        value(stack, f'max(sedna_worker_reported_metric{{namespace="{NS}",kind="IncrementalLearningJob",task="helmet-il",'
                     f'worker="eval-worker-il001",phase="eval",model_role="{role}",metric="precision"}})', precision,
              f"IL eval precision of the {role} model")


def test_federated_report_with_owner_kind_default_and_no_pod_lands_on_its_job(stack):
    sel = f'namespace="{NS}",kind="FederatedLearningJob",task="surface-defect",worker="trainworker-fl001"'
    value(stack, f"max(sedna_federated_learning_worker_round{{{sel}}})", 3, "FL round")
    value(stack, f'sum(sedna_worker_report_info{{{sel},phase="train",status="completed"}})', 1, "FL completed report")


def test_joint_inference_replicas_sharing_a_worker_name_land_on_their_own_pods(stack):
    base = f'namespace="{NS}",kind="JointInferenceService",task="helmet-itm",worker="edgeworker-itm01"'
    for pod, samples, hard in [("helmet-itm-edge-7d9f8-aaaaa", 6, 2), ("helmet-itm-edge-7d9f8-bbbbb", 4, 1)]:
        sel = f'{base},pod="{pod}"'
        value(stack, f"sedna_joint_inference_worker_hard_examples_total{{{sel}}}", hard, f"{pod} hard examples")
        value(stack, f"sedna_joint_inference_worker_edge_inferences_total{{{sel}}}", samples, f"{pod} edge inferences")
    value(stack, f"sum(sedna_joint_inference_worker_edge_inferences_total{{{base}}})", 10, "ITM edge inferences per task")
    value(stack, f"sum(sedna_joint_inference_worker_hard_examples_total{{{base}}})", 3, "ITM hard examples per task")


def test_mining_then_inference_edge_inferences_are_not_double_counted(stack):
    sel = f'namespace="{NS}",kind="JointInferenceService",task="helmet-mti"'
    value(stack, f"sum(sedna_joint_inference_worker_edge_inferences_total{{{sel}}})", 7, "MTI edge inferences")


def test_webhook_patch_leaves_one_effective_lc_server_and_is_idempotent(stack):
    assert stack.webhook, "serve has no --webhook-listen"
    for w in stack.workers:
        mutated, patch = mutate(stack.webhook_url, w.pod)
        assert patch, f"{w.name} was not mutated"
        container = mutated["spec"]["containers"][0]
        assert container["env"] == contract_env(w.pod["spec"]["containers"][0]["env"])
        assert resolve_env(container["env"], {"hostIP": HOST_IP})["LC_SERVER"] == f"http://{HOST_IP}:{RELAY_PORT}"
        assert {k: v for k, v in mutated.items() if k != "spec"} == {k: v for k, v in w.pod.items() if k != "spec"}
        again, second = mutate(stack.webhook_url, mutated)
        assert again == mutated and not [op for op in second if op["op"] != "test"], "a second admission changed the pod"
