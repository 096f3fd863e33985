"""Dashboards follow the rules of issue 5 item 2, and decode with Grafana's own generated models
(PyPI grafana-foundation-sdk, Dashboard.from_json)."""
from __future__ import annotations

import json
import re
from collections import Counter

import pytest

from dash_common import (all_panels, dashboard_paths, data_panels, is_loki, load_dashboard, panel_links, query_needs,
                         selectors)

ALL = dashboard_paths()
# The dashboards `sedna-exporter generate` writes: those of issue 5 and the node dashboard (issue 7).
EXPECTED = {"overview.json", "joint-inference.json", "incremental-learning.json", "federated-learning.json",
            "lifelong-learning.json", "task.json", "components.json", "logs.json", "nodes.json"}


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


def test_overview_drills_down_to_the_dashboard_of_each_rows_kind_and_logs():
    """One dashboard link per row, chosen by the row's kind: the queries name the kind's dashboard
    in a hidden `dashboard` column; the five kinds without their own open the generic one."""
    b = load_dashboard(next(p for p in ALL if p.name == "overview.json"))
    tasks = next(p for p in data_panels(b) if p["title"] == "Tasks" and p["type"] == "table")
    assert not drilldown_defects(tasks)
    uids = {load_dashboard(p)["uid"] for p in ALL}
    exprs = " ".join(t["expr"] for t in tasks["targets"])
    for kind, uid in KIND_DASHBOARDS.items():
        assert uid in uids
        assert f'"dashboard", "{uid}", "kind", "{kind}"' in exprs or (uid == "sedna-task" and '"sedna-task", "kind", ".+"' in exprs), kind
    urls = panel_links(tasks)
    assert any("/d/sedna-logs/" in u and "var-task=${__data.fields.task}" in u for u in urls)
    task_board = load_dashboard(next(p for p in ALL if p.name == "task.json"))
    kinds = next(v for v in task_board["templating"]["list"] if v["name"] == "kind")["definition"]
    for kind in ("FeatureExtractionService", "ObjectSearchService", "ObjectTrackingService", "ReidJob", "VideoAnalyticsJob"):
        assert kind in kinds


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


# --- Lint of the defects an operator would trust wrongly (issue 13) ---------------------------

KIND_DASHBOARDS = {
    "JointInferenceService": "sedna-joint-inference", "IncrementalLearningJob": "sedna-incremental-learning",
    "FederatedLearningJob": "sedna-federated-learning", "LifelongLearningJob": "sedna-lifelong-learning",
    "FeatureExtractionService": "sedna-task", "ObjectSearchService": "sedna-task", "ObjectTrackingService": "sedna-task",
    "ReidJob": "sedna-task", "VideoAnalyticsJob": "sedna-task",
}
CLUSTER_MATCHER = 'cluster=~"$cluster"'


def _steps(cfg):
    return (cfg.get("thresholds") or {}).get("steps") or []


def stat_colour_defects(panel):
    """A stat coloured palette-classic ignores its thresholds and mappings: a failure stays blue."""
    if panel["type"] != "stat":
        return []
    mode = panel["fieldConfig"]["defaults"].get("color", {}).get("mode")
    return [] if mode == "thresholds" else [f"stat coloured {mode}, not by thresholds"]


def table_cell_defects(panel):
    """Thresholds colour nothing in a table cell of type auto."""
    if panel["type"] != "table":
        return []
    defaults = panel["fieldConfig"]["defaults"]
    default_cells = defaults.get("custom", {}).get("cellOptions", {}).get("type", "auto")
    coloured_fields = set()
    threshold_fields = set()
    for o in panel["fieldConfig"].get("overrides", []):
        field = o["matcher"].get("options")
        for prop in o["properties"]:
            if prop["id"] == "custom.cellOptions" and prop["value"].get("type") != "auto":
                coloured_fields.add(field)
            if prop["id"] == "thresholds" and len(_steps({"thresholds": prop["value"]})) > 1:
                threshold_fields.add(field)
    defects = []
    if len(_steps(defaults)) > 1 and default_cells == "auto" and not coloured_fields:
        defects.append("thresholds on cells of type auto")
    for f in threshold_fields - coloured_fields:
        if default_cells == "auto":
            defects.append(f"thresholds on column {f} whose cells are auto")
    return defects


def link_defects(urls):
    """A variable passed as var-x=${x} (or $x) becomes `{a,b}` for several values: use ${x:queryparam}."""
    return [f"variable passed without :queryparam in {u}" for u in urls
            if re.search(r"var-\w+=\$\{?(?!__)\w+(?!:queryparam)\}?", u)]


def kind_defects(expr):
    """A task name is unique only per kind: a selector on $task must name the kind too."""
    return [f"selector on $task without kind: {{{body}}}" for _, body in selectors(expr)
            if re.search(r'\btask=~?"\$\{?task', body) and not re.search(r"\bkind(=|=~)", body)]


def pod_regex_defects(expr):
    """`pod=~"$task-.*"` also matches the pods of `$task-v2`: pods are selected by the exporter's
    pod-to-task mapping or matched exactly."""
    return [f"unanchored pod regex {m.group(0)}" for m in re.finditer(r'pod=~"([^"]*)"', expr)
            if re.search(r"\.[*+]", m.group(1))]


def cluster_defects(expr, logql=False):
    """Every selector filters the $cluster variable (a series without the label matches .*)."""
    return [f"selector without the cluster filter: {name}{{{body}}}" for name, body in selectors(expr, logql=logql)
            if CLUSTER_MATCHER not in body]


def drilldown_defects(panel):
    """A task table links each row to the dashboard of its kind (one link, from the hidden
    `dashboard` column the queries set), not to every paradigm dashboard."""
    urls = panel_links(panel)
    dashboards = [u for u in urls if "/d/" in u and "/d/sedna-logs" not in u]
    defects = []
    if len(dashboards) > 1:
        defects.append(f"{len(dashboards)} dashboard links per row")
    for u in dashboards:
        if "${__data.fields.dashboard}" not in u:
            defects.append(f"link not chosen by kind: {u}")
        elif not all('"dashboard"' in t["expr"] for t in panel["targets"]):
            defects.append("a query without the dashboard label the link reads")
    return defects


def board_defects(board):
    defects = []
    variables = {v["name"] for v in board["templating"]["list"]}
    if "cluster" not in variables:
        defects.append("no $cluster variable")
    for v in board["templating"]["list"]:
        if v.get("type") == "query" and v["name"] != "cluster":
            defects += [f"variable {v['name']}: {d}" for d in cluster_defects(v["definition"].split("(", 1)[1].rsplit(",", 1)[0])]
    defects += link_defects([l.get("url", "") for l in board.get("links", [])])
    for p in data_panels(board):
        where = f"panel {p['title']!r}"
        found = stat_colour_defects(p) + table_cell_defects(p) + link_defects(panel_links(p))
        if any("/d/" in u for u in panel_links(p)) and "task" in json.dumps(p["fieldConfig"]["overrides"]):
            found += drilldown_defects(p)
        for t in p["targets"]:
            found += kind_defects(t["expr"]) + pod_regex_defects(t["expr"]) + cluster_defects(t["expr"], logql=is_loki(p))
        defects += [f"{where}: {d}" for d in found]
    return defects


@pytest.mark.parametrize("path", ALL, ids=ids(ALL))
def test_no_colour_link_kind_pod_or_cluster_defects(path):
    assert not board_defects(load_dashboard(path))


# Each defect as the dashboards before issue 13 had it: the lint must find every one.
OLD_STAT = {"type": "stat", "title": "Failed", "targets": [{"expr": 'count(sedna_task:failed{cluster=~"$cluster"})'}],
            "fieldConfig": {"defaults": {"color": {"mode": "palette-classic"},
                                         "thresholds": {"steps": [{"color": "green", "value": None}, {"color": "red", "value": 1}]}},
                            "overrides": []}}
OLD_TABLE = {"type": "table", "title": "Longest", "targets": [{"expr": 'sedna_task:age_seconds{cluster=~"$cluster"}'}],
             "fieldConfig": {"defaults": {"custom": {"cellOptions": {"type": "auto"}},
                                          "thresholds": {"steps": [{"color": "green", "value": None}, {"color": "red", "value": 10800}]}},
                             "overrides": []}}
OLD_LINKS = ["/d/sedna-logs/sedna-logs?var-namespace=${namespace}&var-task=${task}", "/d/sedna-overview/sedna-overview?var-namespace=$namespace"]
OLD_DRILLDOWN = {"type": "table", "title": "Tasks", "targets": [{"expr": 'sedna_task:current_condition{cluster=~"$cluster"}'}],
                 "fieldConfig": {"defaults": {}, "overrides": [{"matcher": {"id": "byName", "options": "task"}, "properties": [
                     {"id": "links", "value": [{"url": f"/d/{uid}/x?var-task=${{__data.fields.task}}"} for uid in
                                               ("sedna-joint-inference", "sedna-incremental-learning", "sedna-federated-learning")]}]}]}}


def test_lint_finds_each_defect_of_the_old_dashboards():
    assert stat_colour_defects(OLD_STAT)
    assert table_cell_defects(OLD_TABLE)
    assert all(link_defects([u]) for u in OLD_LINKS)
    assert not link_defects(["/d/x?${namespace:queryparam}&var-task=${__data.fields.task}&${__url_time_range}"])
    assert kind_defects('max(sedna_learning_iteration{namespace="$namespace", task="$task"})')
    assert not kind_defects('max(sedna_learning_iteration{namespace="$namespace", kind="IncrementalLearningJob", task="$task"})')
    assert pod_regex_defects('{namespace="$namespace", pod=~"$task-.*"}')
    assert pod_regex_defects('sum(kube_pod_status_phase{pod=~"($task)-.*"})')
    assert not pod_regex_defects('{namespace=~"$namespace", pod=~"${pod:regex}"}')
    assert cluster_defects('sum by (node) (rate(node_cpu_seconds_total{mode="idle"}[$__rate_interval])) / count(up)')
    assert len(cluster_defects('sum by (node) (rate(a{mode="idle"}[5m])) * on (node) group_left (x) b')) == 2
    assert not cluster_defects('max by (x) (a{cluster=~"$cluster"}) and on (x) b{cluster=~"$cluster", y="1"}')
    assert cluster_defects('{namespace="$namespace"} |= "x"', logql=True)
    assert drilldown_defects(OLD_DRILLDOWN)
