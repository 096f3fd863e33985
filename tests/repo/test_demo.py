"""README command 1 as a newcomer runs it: scripts/demo.sh starts the simulated Sedna cluster (as
released, with the capture route), the relay its workers report to (forwarding to the simulator's
LC and delivering to the exporter), the exporter watching the cluster (workers push to its
intake), and a real Prometheus with the project's config and rules. Every assertion goes through Prometheus's HTTP
API, the way a user would look. The test build replaces the release build (SEDNA_EXPORTER_BIN).

Timing is never asserted: the waits are bounded, and what must happen within two minutes of the
start (the coverage rule of docs/simulator.md) is checked on Prometheus's own timestamps."""
import os
import re
import signal
import subprocess
import sys
import time

import pytest
import requests

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "e2e"))
from harness import ROOT, exporter_bin, free_port, wait_for  # noqa: E402

TASK_KINDS = {"JointInferenceService", "IncrementalLearningJob", "LifelongLearningJob", "FederatedLearningJob",
              "FeatureExtractionService", "ObjectSearchService", "ObjectTrackingService", "ReidJob", "VideoAnalyticsJob"}


def documented_families():
    """Every family in docs/metrics.md's reference tables (name and a type column)."""
    text = open(os.path.join(ROOT, "docs", "metrics.md")).read()
    return set(re.findall(r"^\| `([a-z_:]+)` \| (?:gauge|counter|info|stateset) \|", text, re.M))


def families_without_simulated_data():
    """The families docs/simulator.md says the simulated cluster cannot produce, with reasons."""
    text = open(os.path.join(ROOT, "docs", "simulator.md")).read()
    section = text.split("## Families the simulation does not produce", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^- `([a-z_:]+)`", section, re.M))


class Demo:
    def __init__(self, tmp):
        self.ports = {"DEMO_API_PORT": free_port(), "DEMO_RELAY_PORT": free_port(), "DEMO_EXPORTER_PORT": free_port(),
                      "DEMO_PROMETHEUS_PORT": free_port(), "DEMO_GRAFANA_PORT": free_port()}
        env = dict(os.environ, SEDNA_EXPORTER_BIN=exporter_bin(), DEMO_DIR=str(tmp), **{k: str(v) for k, v in self.ports.items()})
        self.out = tmp / "demo.out"
        self.log = open(self.out, "w")
        self.started = time.time()
        # Ctrl-C as a terminal sends it: SIGINT to the group. A runner started in the background
        # without job control (`cmd &` in a script, nohup) hands its children SIGINT ignored, and
        # bash can neither trap nor reset a signal ignored on entry: give the demo the default.
        self.proc = subprocess.Popen([os.path.join(ROOT, "scripts", "demo.sh"), "--duration", "600"], stdout=self.log,
                                     stderr=subprocess.STDOUT, env=env, start_new_session=True,
                                     preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        self.prom = f"http://127.0.0.1:{self.ports['DEMO_PROMETHEUS_PORT']}"

    def query(self, expr, at=None):
        params = {"query": expr}
        if at:
            params["time"] = at
        body = requests.get(self.prom + "/api/v1/query", params=params, timeout=10).json()
        assert body["status"] == "success", body
        return body["data"]["result"]

    def value(self, expr):
        r = self.query(expr)
        return float(r[0]["value"][1]) if r else None

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)
            self.proc.wait(60)
        self.log.close()


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    d = Demo(tmp_path_factory.mktemp("demo"))
    try:
        wait_for(lambda: "Press Ctrl-C to stop." in open(d.out).read() or d.proc.poll() is not None, 300,
                 interval=1, what="the demo to start")
        assert d.proc.poll() is None, open(d.out).read()
        yield d
    finally:
        d.stop()


def test_demo_prints_where_to_look(demo):
    out = open(demo.out).read()
    assert f"http://127.0.0.1:{demo.ports['DEMO_EXPORTER_PORT']}/metrics" in out
    assert f"http://127.0.0.1:{demo.ports['DEMO_PROMETHEUS_PORT']}/alerts" in out
    assert f"http://127.0.0.1:{demo.ports['DEMO_RELAY_PORT']}/metrics" in out
    assert "sedna_task_info" in out  # graph links for the key queries
    # The status page comes first: it needs neither Grafana nor PromQL.
    running = out[out.index("demo is running"):]
    status = f"http://127.0.0.1:{demo.ports['DEMO_EXPORTER_PORT']}/ "
    assert status in running and running.index(status) == running.index("http://"), running[:400]


def test_every_task_kind_and_the_data_kinds_are_present(demo):
    def kinds():
        return {s["metric"]["kind"] for s in demo.query("count by (kind) (sedna_task_info)")} >= TASK_KINDS
    wait_for(kinds, 90, interval=1, what="every task kind in Prometheus")
    counts = {s["metric"]["kind"]: float(s["value"][1]) for s in demo.query("count by (kind) (sedna_task_info)")}
    assert counts["IncrementalLearningJob"] >= 2 and counts["FederatedLearningJob"] >= 2, counts
    assert demo.value("count(sedna_dataset_info)") >= 3
    assert demo.value("count(sedna_model_info)") >= 1
    assert demo.value('count(sedna_node_info{location="edge"})') >= 3
    assert demo.value('count(sedna_component_info)') >= 3  # GM, LCs, KB


def test_joint_inference_counts_increase(demo):
    expr = "sum(sedna_joint_inference_worker_inferences_total)"
    first = wait_for(lambda: demo.value(expr), 90, interval=1, what="JI worker reports")
    wait_for(lambda: demo.value(expr) > first, 90, interval=1, what="JI inference counts to grow")
    assert demo.query("sedna_joint_inference_worker_hard_examples_total > 0")


def test_an_incremental_learning_job_reaches_its_second_iteration(demo):
    wait_for(lambda: demo.query('sedna_learning_iteration{kind="IncrementalLearningJob"} >= 2'), 240, interval=2,
             what="an IL job to complete its second training")
    # Its evaluations compare the new model with the deployed one.
    assert demo.query('sedna_learning_eval_metric{kind="IncrementalLearningJob"}')


def test_a_federated_learning_round_advances(demo):
    # Sedna as released writes no Training condition: the rounds come from the captured reports.
    expr = "max(sedna_federated_learning_worker_round)"
    first = wait_for(lambda: demo.value(expr), 120, interval=1, what="an FL round")
    wait_for(lambda: demo.value(expr) > first, 120, interval=1, what="the FL round to advance")


def test_pushed_loss_carries_the_task_labels(demo):
    series = wait_for(lambda: demo.query('sedna_training_loss{kind=~".+", task=~".+"}'), 120, interval=1,
                      what="pushed training loss bound to a task")
    for s in series:
        assert s["metric"]["namespace"] and s["metric"]["kind"] in TASK_KINDS, s["metric"]


def test_every_documented_family_has_a_series_within_two_minutes(demo):
    families = documented_families()
    assert len(families) > 60
    exempt = families_without_simulated_data()
    assert exempt <= families, f"docs/simulator.md lists unknown families: {exempt - families}"
    deadline = demo.started + 120
    wait_for(lambda: time.time() > deadline + 5, 200, interval=2, what="two minutes of demo")
    # Anything seen at any time in the first two minutes counts (a pod may have come and gone).
    seen = {s["metric"]["__name__"] for s in demo.query('group by (__name__) (last_over_time({__name__=~"sedna_.+"}[3m]))',
                                                         at=deadline)}
    missing = sorted(families - exempt - seen)
    assert not missing, f"no series within two minutes for: {missing}"
    stale = sorted(exempt & seen)
    assert not stale, f"docs/simulator.md says these have no data, but they do: {stale}"


def test_the_rules_load_and_evaluate(demo):
    groups = requests.get(demo.prom + "/api/v1/rules", timeout=10).json()["data"]["groups"]
    rules = [r for g in groups for r in g["rules"]]
    assert len(rules) > 20
    assert not [r["name"] for r in rules if r.get("health") == "err"]


def test_ctrl_c_stops_everything(demo):
    demo.stop()
    assert "demo stopped" in open(demo.out).read()
    for port in demo.ports.values():  # everything the demo started is gone
        wait_for(lambda: subprocess.run(["bash", "-c", f"exec 3<>/dev/tcp/127.0.0.1/{port}"], capture_output=True).returncode != 0,
                 15, what=f"port {port} to close")
