"""Dashboards follow the rules of issue 5 item 2, and decode with Grafana's own generated models
(PyPI grafana-foundation-sdk, Dashboard.from_json)."""
from __future__ import annotations

import re
from collections import Counter

import pytest

from dash_common import all_panels, dashboard_paths, data_panels, is_loki, load_dashboard, query_needs

ALL = dashboard_paths()
# The dashboards `sedna-exporter generate` writes: those of issue 5 and the node dashboard (issue 7).
EXPECTED = {"overview.json", "joint-inference.json", "incremental-learning.json", "federated-learning.json",
            "lifelong-learning.json", "components.json", "logs.json", "nodes.json"}


def ids(paths):
    return [p.name for p in paths]


def test_every_dashboard_of_the_issue_is_generated():
    assert {p.name for p in ALL} == EXPECTED, "every dashboard is generated: add it to the generator, not by hand"


@pytest.mark.parametrize("path", ALL, ids=ids(ALL))
def test_decodes_with_grafana_foundation_sdk(path):
    from grafana_foundation_sdk.cog.plugins import register_default_plugins
    from grafana_foundation_sdk.models import dashboard as gdash, loki, prometheus

    register_default_plugins()
    raw = load_dashboard(path)
    board = gdash.Dashboard.from_json(raw)
    assert board.uid == raw["uid"] and board.title == raw["title"]
    assert board.schema_version == raw["schemaVersion"]
    assert len(board.panels) == len(raw["panels"])
    for model, rawp in zip(board.panels, raw["panels"]):
        if rawp["type"] == "row":
            assert isinstance(model, gdash.RowPanel)
            continue
        assert isinstance(model, gdash.Panel)
        # The SDK decodes options per panel plugin and targets per datasource plugin.
        assert not isinstance(model.options, dict), f"{rawp['title']}: options of {rawp['type']} not decoded"
        for t in model.targets:
            want = loki.Dataquery if is_loki(rawp) else prometheus.Dataquery
            assert isinstance(t, want), f"{rawp['title']}: target decoded as {type(t)}"
            assert t.expr
        assert model.field_config is not None and model.field_config.defaults.unit == rawp["fieldConfig"]["defaults"]["unit"]
    if raw.get("templating"):
        assert len(board.templating.list_val) == len(raw["templating"]["list"])


def test_uids_are_unique_and_stable():
    uids = [load_dashboard(p)["uid"] for p in ALL]
    assert len(uids) == len(set(uids))
    for p in ALL:
        b = load_dashboard(p)
        assert re.fullmatch(r"sedna-[a-z0-9-]+", b["uid"]) and len(b["uid"]) <= 40
        assert "id" not in b or b["id"] is None


@pytest.mark.parametrize("path", ALL, ids=ids(ALL))
def test_general_rules(path):
    """Rules every dashboard follows: current schema, tags, a unit and a description on every panel,
    datasources by variable, $__rate_interval in rate queries, unique panel ids, no duplicate queries."""
    b = load_dashboard(path)
    assert b["schemaVersion"] >= 39
    assert "sedna" in b["tags"] and b["description"]
    variables = {v["name"]: v for v in b["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource" and variables["datasource"]["query"] == "prometheus"
    panel_ids = [p["id"] for p in all_panels(b)]
    assert len(panel_ids) == len(set(panel_ids)), "duplicate panel ids"
    exprs = Counter()
    for p in data_panels(b):
        where = f"{path.name} panel {p['id']} {p['title']!r}"
        assert p.get("description", "").strip(), f"{where}: no description"
        assert p.get("fieldConfig", {}).get("defaults", {}).get("unit"), f"{where}: no unit"
        assert p.get("gridPos", {}).get("w") and p["gridPos"].get("h"), f"{where}: no gridPos"
        for ds in [p.get("datasource")] + [t.get("datasource") for t in p.get("targets", [])]:
            if ds is None:
                continue
            assert ds.get("uid", "").startswith("${"), f"{where}: hard-coded datasource uid {ds}"
        assert p.get("targets"), f"{where}: no query"
        for t in p["targets"]:
            expr = t["expr"]
            exprs[expr] += 1
            for m in re.finditer(r"\b(rate|irate)\s*\(", expr):
                assert "[$__rate_interval]" in expr, f"{where}: {m.group(1)}() without [$__rate_interval]: {expr}"
    dup = [e for e, n in exprs.items() if n > 1]
    assert not dup, f"{path.name}: queries repeated across panels: {dup}"


@pytest.mark.parametrize("path", ALL, ids=ids(ALL))
def test_sedna_dashboard_rules(path):
    """Rules of the generated dashboards: Prometheus and Loki datasource variables, namespace
    and task variables from label_values, links to the other dashboards and to the logs, panels
    that need more than the exporter say so."""
    b = load_dashboard(path)
    variables = {v["name"]: v for v in b["templating"]["list"]}
    assert variables["loki"]["type"] == "datasource" and variables["loki"]["query"] == "loki"
    for name in ("namespace", "task"):
        v = variables[name]
        assert v["type"] == "query" and v["datasource"]["uid"] == "${datasource}"
        assert v["definition"].startswith("label_values(") and v["query"]["query"] == v["definition"]
    links = b["links"]
    assert any(l["type"] == "dashboards" and "sedna" in l["tags"] for l in links)
    if b["uid"] != "sedna-logs":
        assert any("/d/sedna-logs/" in l.get("url", "") for l in links), "no link to the logs"
    for p in data_panels(b):
        loki = is_loki(p)
        for t in p["targets"]:
            assert t["datasource"]["uid"] == ("${loki}" if loki else "${datasource}")
            need = query_needs(t["expr"], p)
            if need != "exporter":
                assert f"Needs {need}." in p["description"], f"{p['title']}: needs {need} but does not say so"


def test_overview_drills_down_to_task_dashboards_and_logs():
    b = load_dashboard(next(p for p in ALL if p.name == "overview.json"))
    tasks = next(p for p in data_panels(b) if p["title"] == "Tasks" and p["type"] == "table")
    links = [l for o in tasks["fieldConfig"]["overrides"] for prop in o["properties"] if prop["id"] == "links"
             for l in prop["value"]]
    urls = " ".join(l["url"] for l in links)
    uids = {load_dashboard(p)["uid"] for p in ALL}
    for uid in ("sedna-logs", "sedna-joint-inference", "sedna-incremental-learning", "sedna-federated-learning",
                "sedna-lifelong-learning"):
        assert f"/d/{uid}/" in urls and uid in uids
    assert "var-task=${__data.fields.task}" in urls


def test_task_dashboards_show_every_figure_the_issue_lists():
    titles = {p.name: {q["title"] for q in data_panels(load_dashboard(p))} for p in ALL}
    il = titles["incremental-learning.json"]
    for t in ("Stage", "Status", "Iteration", "Train loss", "Eval metrics: new vs deployed model", "Deploy status",
              "Model URLs", "Learning rate", "Epoch", "Batch size", "Remaining time", "Dataset samples"):
        assert t in il
    for t in ("Train nodes", "Samples per train node", "Round and aggregation progress", "Status"):
        assert t in titles["federated-learning.json"]
    for t in ("Inference rate at the edge and in the cloud", "Hard-example ratio", "Worker pods"):
        assert t in titles["joint-inference.json"]


def test_metrics_reference_links_every_proposal_metric():
    from dash_common import ROOT

    text = (ROOT / "docs/metrics.md").read_text()
    section = text.split("## Dashboards: where each proposal metric is shown", 1)[1].split("\n## ", 1)[0]
    rows = [l for l in section.splitlines() if l.startswith("| ") and not l.startswith("| Proposal")]
    assert len(rows) >= 33
    shown = [r for r in rows if "deploy/grafana/dashboards/" in r]
    assert len(shown) >= 27, "most proposal metrics must be on a panel"
    for r in rows:
        if r not in shown:
            assert "intake" in r or "not shown" in r, r
