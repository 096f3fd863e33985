"""deploy/grafana/dashboards/nodes.json follows the project's dashboard conventions. Its queries are
run against real data in test_node_edge_agent.py."""
from __future__ import annotations

import json
import re

import pytest

from node_helpers import DASHBOARD


@pytest.fixture(scope="module")
def board():
    return json.loads(DASHBOARD.read_text())


def all_panels(board):
    for panel in board["panels"]:
        yield panel
        yield from panel.get("panels", [])


def test_identity(board):
    assert board["uid"] == "sedna-nodes"
    assert board["schemaVersion"] == 39
    assert board["title"] and board["description"]
    assert "id" not in board or board["id"] is None


def test_variables(board):
    variables = {v["name"]: v for v in board["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource" and variables["datasource"]["query"] == "prometheus"
    location = variables["location"]
    assert location["type"] == "custom" and set(location["query"].split(",")) == {"cloud", "edge"}
    node = variables["node"]
    assert node["type"] == "query" and node["datasource"]["uid"] == "${datasource}"
    assert "$location" in node["definition"]


def test_no_hard_coded_datasource(board):
    text = json.dumps(board)
    uids = set(re.findall(r'"uid": "([^"]*)"', text)) - {board["uid"]}
    assert uids <= {"${datasource}", "-- Grafana --"}, uids


def test_panels_have_unit_description_and_unique_ids(board):
    ids = [p["id"] for p in all_panels(board)]
    assert len(ids) == len(set(ids))
    for panel in all_panels(board):
        if panel["type"] == "row":
            continue
        assert panel["description"].strip(), panel["title"]
        assert panel["fieldConfig"]["defaults"].get("unit"), panel["title"]
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            assert target["datasource"]["uid"] == "${datasource}"


def test_queries_use_rate_interval_and_variables(board):
    for panel in all_panels(board):
        for target in panel.get("targets", []):
            expr = target["expr"]
            for match in re.finditer(r"\b(rate|irate|increase)\((?:[^()]|\([^()]*\))*\[([^\]]+)\]", expr):
                assert match.group(2) == "$__rate_interval", (panel["title"], expr)
            assert '$node' in expr, (panel["title"], expr)
            assert '$location' in expr or 'location="edge"' in expr, (panel["title"], expr)


def test_panels_do_not_overlap(board):
    cells = set()
    for panel in board["panels"]:
        g = panel["gridPos"]
        assert g["x"] + g["w"] <= 24
        for x in range(g["x"], g["x"] + g["w"]):
            for y in range(g["y"], g["y"] + g["h"]):
                assert (x, y) not in cells, panel["title"]
                cells.add((x, y))


def test_required_views(board):
    titles = " | ".join(p["title"].lower() for p in all_panels(board))
    for word in ("cpu", "memory", "disk", "network", "clock", "last sample"):
        assert word in titles, word
