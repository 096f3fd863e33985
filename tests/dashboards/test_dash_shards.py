"""Shard-safe rules and dashboards: every dashboard query, recording rule and alert expression
gives the same answer over one exporter and over three (`serve --shard i --total-shards 3`).

The cluster is a snapshot of the simulated Sedna cluster (`sedna-exporter simulate`, run for a
few seconds so that tasks are in many states) served by kmock, so that it holds still while the
two stacks are compared: one unsharded exporter scraped by one Prometheus, three shards scraped
by another (one job, three targets, as the auto-sharding overlay's PodMonitor does). Both
Prometheus evaluate the generated rule files. Every query is run on both at the same instant and
the results compared with `instance` dropped (docs/deploy.md, "Scaling out").

Shard-dependent by nature, and compared by their labels only: the exporter's timings and
request counters (`TIMING`). Needing node context on every shard (a worker pod's `location` comes
from its node, and nodes used to be watched by shard 0 only): queries whose answers differ only
because shard 1 or 2 labels worker pods `location="unknown"` are reported, and fail only once
every shard knows every node (then nothing may differ). Worker reports and pushes need the
intake's hand-over to the owner shard and are not sent here (tests/e2e/test_shards.py)."""
from __future__ import annotations

import json
import os
import re
import sys
import time

import pytest
import requests

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "e2e"))
from harness import Exporter, KubeAPI, Prometheus, Simulator, wait_for  # noqa: E402

from dash_common import data_panels, dashboard_paths, load_dashboard, load_rules, query_needs, sedna_rule_files, substitute  # noqa: E402

SHARDS = 3
RESOURCES = ["datasets", "models", "jointinferenceservices", "incrementallearningjobs", "lifelonglearningjobs",
             "federatedlearningjobs", "featureextractionservices", "objectsearchservices", "objecttrackingservices",
             "reidjobs", "videoanalyticsjobs", "pods", "nodes"]
# Families whose values depend on each exporter's own timing or request history.
TIMING = re.compile(r"sedna_exporter_(last_sync|scrape|render|list_requests|watch_requests|watch_events|scrapes|http_rejected)")
# Short windows: both stacks hold a few scrapes of a cluster that does not change.
WINDOWS = {"__rate_interval": "10s", "__interval": "10s", "__range": "10s"}
VALUES = {"namespace": ".+", "kind": ".+", "task": ".+", "search": "", "location": ".+", "node": ".+", "cluster": ".*",
          "pod": ".+"}


def snapshot(workdir):
    """The simulated cluster after a few seconds at speed 4, as kmock fixture files."""
    sim = Simulator(workdir, seed=3, speed=4, extra=["--no-capture"])
    try:
        time.sleep(6)
        out = os.path.join(workdir, "snapshot")
        os.makedirs(out)
        for plural in RESOURCES:
            items = sim.list(plural)
            for o in items:
                for k in ("resourceVersion", "managedFields", "generation"):
                    o["metadata"].pop(k, None)
            with open(os.path.join(out, plural + ".json"), "w") as f:
                json.dump({"items": items}, f)
        return out
    finally:
        sim.stop()


@pytest.fixture(scope="module")
def stacks(tmp_path_factory):
    workdir = str(tmp_path_factory.mktemp("dash-shards"))
    started = []
    try:
        kube = KubeAPI(workdir, load=snapshot(workdir))
        started.append(kube)
        config = kube.kubeconfig()
        single = Exporter(workdir, config, extra=["--disable-intake"])
        started.append(single)
        shards = [Exporter(workdir, config, extra=["--disable-intake", "--shard", str(i), "--total-shards", str(SHARDS)])
                  for i in range(SHARDS)]
        started += shards
        for e in [single, *shards]:
            e.wait_ready()
        rules = [str(p) for p in sedna_rule_files()]
        one = Prometheus(workdir, [f"127.0.0.1:{single.port}"], rule_files=rules)
        started.append(one)
        many = Prometheus(workdir, [f"127.0.0.1:{e.port}" for e in shards], rule_files=rules)
        started.append(many)
        for prom, targets in ((one, 1), (many, SHARDS)):
            wait_for(lambda: len(prom.query('count_over_time(up{job="sedna-exporter"}[30s]) >= 12')) == targets, 60,
                     interval=1, what="a dozen scrapes of every exporter")
            wait_for(lambda: prom.query("sedna_task:current_condition"), 30, interval=1, what="recording rules evaluated")
        yield {"single": single, "shards": shards, "one": one, "many": many}
    finally:
        for p in reversed(started):
            p.stop()


def time_dependent():
    """Recording rules whose value holds `time()` at their evaluation (each Prometheus evaluates
    at its own instant), and the rules built on them."""
    records = {rule["record"]: rule["expr"] for path in sedna_rule_files() for _, rule in load_rules(path) if "record" in rule}
    found = {name for name, expr in records.items() if "time()" in expr}
    while True:
        more = {name for name, expr in records.items() if any(re.search(rf"\b{re.escape(f)}\b", expr) for f in found)} - found
        if not more:
            return found
        found |= more


def same(a, b, tolerance):
    """Equal label sets, values equal (within `tolerance` seconds for evaluation-time values)."""
    if a == b:
        return True
    if not tolerance or {l for l, _ in a} != {l for l, _ in b} or len(a) != len(b):
        return False
    da, db = dict(a), dict(b)
    return all(isinstance(da[k], float) and isinstance(db[k], float) and abs(da[k] - db[k]) <= tolerance for k in da)


def instant(prom, expr, at):
    r = requests.get(prom.url + "/api/v1/query", params={"query": expr, "time": at}, timeout=10)
    body = r.json()
    assert r.status_code == 200 and body["status"] == "success", f"{expr}: {body}"
    return body["data"]["result"]


def answer(result, values=True):
    """A query result as a comparable set: label sets without instance/job, values rounded."""
    out = set()
    for s in result:
        labels = tuple(sorted((k, v) for k, v in s["metric"].items() if k not in ("instance", "job")))
        if values:
            v = float(s["value"][1])
            out.add((labels, "nan" if v != v else round(v, 6)))
        else:
            out.add((labels, None))
    return out


def queries():
    """(where, expr) of every exporter-backed dashboard query, recording rule and alert."""
    for path in dashboard_paths():
        board = load_dashboard(path)
        for p in data_panels(board):
            for t in p["targets"]:
                if query_needs(t["expr"], p) == "exporter":
                    yield f"{path.name} › {p['title']} › {t['refId']}", substitute(t["expr"], {**VALUES, **WINDOWS})
    for path in sedna_rule_files():
        for _, rule in load_rules(path):
            name = rule.get("record") or rule.get("alert")
            if query_needs(rule["expr"]) == "exporter":
                yield f"{path.name} › {name}", rule["expr"]
            if "record" in rule:
                yield f"{path.name} › {name} (recorded)", name


def test_shards_partition_the_object_series(stacks):
    """The ground the comparison stands on: the shards' task series are the unsharded ones,
    each on exactly one shard."""
    def task_lines(e):
        return [l for l in e.object_lines().splitlines() if l.startswith("sedna_task_info{")]
    single = task_lines(stacks["single"])
    per_shard = [task_lines(e) for e in stacks["shards"]]
    assert len(single) >= 10
    assert all(per_shard), "a shard with no task: the simulated cluster is too small to test sharding"
    assert sorted(sum(per_shard, [])) == sorted(single)
    for e, i in zip(stacks["shards"], range(SHARDS)):
        text = e.metrics()
        assert f"sedna_exporter_shard_ordinal {i}\n" in text and f"sedna_exporter_total_shards {SHARDS}\n" in text


def node_context_complete(prom, at):
    return not instant(prom, 'sedna_worker_info{location="unknown"}', at)


def test_every_rule_and_dashboard_query_gives_the_same_answer_on_three_shards(stacks):
    one, many = stacks["one"], stacks["many"]
    at = time.time() - 2
    context = node_context_complete(many, at) or not node_context_complete(one, at)
    checked, with_data, differ, need_context = 0, 0, [], []
    clocked = time_dependent()
    for where, expr in queries():
        values = not TIMING.search(expr)
        a = answer(instant(one, expr, at), values)
        b = answer(instant(many, expr, at), values)   # a many-to-many join fails the request
        checked += 1
        with_data += bool(a)
        tolerance = 3.0 if any(re.search(rf"\b{re.escape(r)}\b", expr) for r in clocked) else 0
        if same(a, b, tolerance):
            continue
        if not context and ("location" in json.dumps(sorted(b)) or "worker" in expr or "location" in expr):
            need_context.append(where)
            continue
        differ.append(f"{where}\n    expr: {expr}\n    one exporter: {sorted(a)[:5]}\n    three shards: {sorted(b)[:5]}")
    print(f"\n{checked} queries compared, {with_data} with data; needing node context on every shard "
          f"({'present' if context else 'absent: not compared'}): {len(need_context)}\n  " + "\n  ".join(need_context))
    assert checked > 100 and with_data > 60
    assert not differ, f"{len(differ)} answers differ between one exporter and three shards:\n" + "\n".join(differ)


def test_joins_name_the_cluster():
    """Every vector matching `on (...)` in rules and dashboards keeps clusters apart (several
    clusters can share one Prometheus or Thanos); `on ()` joins to a scalar-like vector."""
    exprs = [(f"{path.name} › {p['title']}", t["expr"]) for path in dashboard_paths()
             for p in data_panels(load_dashboard(path)) for t in p["targets"]]
    exprs += [(f"{path.name} › {rule.get('record') or rule.get('alert')}", rule["expr"])
              for path in sorted(sedna_rule_files()) for _, rule in load_rules(path)]
    missing = []
    for where, expr in exprs:
        for labels in re.findall(r"\b(?:on|ignoring)\s*\(([^)]*)\)", expr):
            names = [l.strip() for l in labels.split(",") if l.strip()]
            if names and "cluster" not in names and "ignoring" not in expr:
                missing.append(f"{where}: on ({labels})")
    assert not missing, "\n".join(missing)
