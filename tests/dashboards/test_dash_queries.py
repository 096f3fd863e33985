"""Every query of every generated dashboard and every Sedna rule, run against a real Prometheus
(Debian 2.42) that scrapes sedna-exporter watching the fixture cluster and evaluates the generated
rule files.

The cluster is kmock's Kubernetes API emulator loaded with fixtures/cluster (the simulated cluster
of issue 4 does not exist yet). The fixture cluster is static, so a rate or increase is 0: a query
"returns data" when its result is non-empty. Queries that need kube-state-metrics, node-exporter,
or Loki cannot return data here (worker telemetry is fed through the real intake); they are listed by the
test and checked for syntax (promtool for PromQL, a structural check for LogQL)."""
from __future__ import annotations

import os
import re
import sys
import time

import pytest
import requests

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "e2e"))
from harness import Exporter, KubeAPI, Prometheus, wait_for  # noqa: E402

from dash_common import (data_panels, dashboard_paths, load_dashboard, load_rules, logql_structure_errors,  # noqa: E402
                         promql_syntax_errors, query_needs, sedna_rule_files, substitute)

GENERATED = dashboard_paths(generated_only=True)

# Queries (dashboard, panel title, refId) that are valid but have no data here, with the reason.
NO_FIXTURE_DATA = {
    ("lifelong-learning.json", "Evaluations: new vs deployed model", "A"):
        "the fixture LifelongLearningJob is in its first Eval stage: no evaluation output yet",
    ("lifelong-learning.json", "Worker pods", "A"): "the fixture has no worker pods for the LifelongLearningJob",
    ("lifelong-learning.json", "Worker pods", "B"): "the fixture has no worker pods for the LifelongLearningJob",
    ("lifelong-learning.json", "Worker pods", "C"): "the fixture has no worker pods for the LifelongLearningJob",
    ("components.json", "List and watch requests", "B"):
        "sedna_exporter_watch_requests_total counts ended watch streams; kmock keeps its streams open",
}


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    workdir = str(tmp_path_factory.mktemp("dash-queries"))
    kube = KubeAPI(workdir)
    exporter = prom = None
    try:
        exporter = Exporter(workdir, kube.kubeconfig())
        exporter.wait_ready()
        feed_worker_telemetry(exporter)
        prom = Prometheus(workdir, [f"127.0.0.1:{exporter.port}"], rule_files=[str(p) for p in sedna_rule_files()])
        # rate() needs two samples, the 1m windows a few: wait for several scrapes and rule evaluations.
        wait_for(lambda: prom.query('count_over_time(up{job="sedna-exporter"}[1m]) >= 4'), 60, what="4 scrapes")
        wait_for(lambda: prom.query("count_over_time(sedna_task:joint_inference_hard_example_ratio:rate5m[1m]) >= 2"),
                 60, what="recording rules evaluated twice")
        yield prom
    finally:
        for p in (prom, exporter):
            if p:
                p.stop()
        kube.stop()


def feed_worker_telemetry(exporter):
    """What workers hand to the intake: the training vocabulary pushed with prometheus_client by
    the IL and FL train pods, and Sedna-format reports (so the telemetry panels have data)."""
    from prometheus_client import CollectorRegistry, Gauge, push_to_gateway

    for pod in ("helmet-detection-demo-train-9xk2p", "surface-defect-detection-train-t1x9z"):
        reg = CollectorRegistry()
        Gauge("sedna_training_learning_rate", "Learning rate the worker uses now.", registry=reg).set(0.001)
        Gauge("sedna_training_epoch", "Current epoch of the training worker.", registry=reg).set(3)
        Gauge("sedna_training_batch_size", "Batch size the worker uses.", registry=reg).set(32)
        Gauge("sedna_training_loss", "Training loss after the latest step or epoch.", registry=reg).set(0.42)
        Gauge("sedna_training_remaining_seconds", "Estimated time left in the current phase.", ["phase"],
              registry=reg).labels("train").set(540)
        push_to_gateway(exporter.url, job="sedna-worker", grouping_key={"namespace": "default", "pod": pod}, registry=reg)
    report = {"name": "edgeworker-ab1cd", "namespace": "default", "ownerName": "sedna", "ownerKind": "jointinferenceservice",
              "kind": "inference", "ownerInfo": {"inferenceNumber": 120, "hardExampleNumber": 30, "uploadCloudRatio": 0.25}}
    r = requests.post(exporter.url + "/sedna/workers/edgeworker-ab1cd/info", json=report, timeout=10)
    assert r.status_code == 200, r.text


def query_range(prom, expr):
    end = time.time()
    r = requests.get(prom.url + "/api/v1/query_range",
                     params={"query": expr, "start": end - 30, "end": end, "step": 2}, timeout=10)
    body = r.json()
    assert r.status_code == 200 and body["status"] == "success", body
    return body["data"]["result"]


def variable_values(prom, board):
    """Test values for the dashboard's variables, taken from the fixture data through the
    variables' own label_values queries (which must therefore return data too)."""
    values = {"namespace": "default", "kind": ".+", "search": ""}
    variables = {v["name"]: v for v in board["templating"]["list"]}
    for name in ("namespace", "kind", "task"):
        v = variables.get(name)
        if not v:
            continue
        m = re.fullmatch(r"label_values\((.*), (\w+)\)", v["definition"])
        assert m, v["definition"]
        selector = substitute(m.group(1), values)
        found = sorted({s["metric"][m.group(2)] for s in prom.query(f"group by ({m.group(2)}) ({selector})")})
        assert found, f"variable {name}: {v['definition']} returns nothing"
        if name == "task":
            values["task"] = ".+" if v.get("multi") else found[0]
        elif name == "namespace":
            assert "default" in found
    return values


def panel_queries():
    for path in GENERATED:
        board = load_dashboard(path)
        for p in data_panels(board):
            for t in p["targets"]:
                yield path.name, board, p, t


def test_every_exporter_query_returns_data(stack):
    prom = stack
    checked, empty, syntax_only = 0, [], []
    values_by_board = {}
    for name, board, panel, target in panel_queries():
        need = query_needs(target["expr"], panel)
        if need != "exporter":
            syntax_only.append(f"{name} › {panel['title']}: needs {need}")
            continue
        values = values_by_board.setdefault(name, variable_values(prom, board))
        expr = substitute(target["expr"], values)
        result = prom.query(expr) if target.get("instant") else query_range(prom, expr)
        checked += 1
        if not result and (name, panel["title"], target["refId"]) not in NO_FIXTURE_DATA:
            empty.append(f"{name} › {panel['title']}: {expr}")
    print(f"\n{checked} exporter queries run; syntax only ({len(syntax_only)}):\n  " + "\n  ".join(syntax_only))
    assert checked > 80
    assert not empty, "queries without data:\n" + "\n".join(empty)


def test_queries_without_fixture_data_are_really_empty(stack):
    """Keeps NO_FIXTURE_DATA honest: an entry whose panel gets data must be removed."""
    prom = stack
    for name, board, panel, target in panel_queries():
        if (name, panel["title"], target["refId"]) in NO_FIXTURE_DATA:
            expr = substitute(target["expr"], variable_values(prom, board))
            assert not prom.query(expr), f"{name} › {panel['title']} has data now: drop it from NO_FIXTURE_DATA"


def test_every_promql_panel_query_has_valid_syntax():
    exprs = []
    for name, board, panel, target in panel_queries():
        if query_needs(target["expr"], panel) != "Loki":
            exprs.append(substitute(target["expr"], {"namespace": "default", "task": "t", "kind": ".+", "search": ""}))
    assert not promql_syntax_errors(exprs)


def test_every_logql_query_is_well_formed():
    count = 0
    for name, board, panel, target in panel_queries():
        if query_needs(target["expr"], panel) == "Loki":
            count += 1
            expr = substitute(target["expr"], {"namespace": "default", "task": "t", "search": ""})
            assert not logql_structure_errors(expr), (panel["title"], logql_structure_errors(expr))
    assert count >= 5


def test_recording_rules_return_data_and_alerts_load(stack):
    prom = stack
    groups = requests.get(prom.url + "/api/v1/rules", timeout=10).json()["data"]["groups"]
    loaded = {r["name"]: r for g in groups for r in g["rules"]}
    empty = []
    for path in sedna_rule_files():
        for _, rule in load_rules(path):
            name = rule.get("record") or rule.get("alert")
            assert name in loaded, f"{name} not loaded by Prometheus"
            assert loaded[name]["health"] != "err", f"{name}: {loaded[name].get('lastError')}"
            if "record" in rule and not prom.query(rule["record"]):
                empty.append(rule["record"])
    assert not empty, f"recording rules without data: {empty}"
    for g in groups:
        for r in g["rules"]:
            assert not r.get("lastError"), (r["name"], r["lastError"])
