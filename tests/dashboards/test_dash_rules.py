"""Prometheus rules: promtool check and unit tests, a firing and a quiet case for every Sedna alert,
annotations and runbooks."""
from __future__ import annotations

import re
import subprocess

import pytest
import yaml

from dash_common import (NODE_RUNBOOKS, RULE_TESTS_DIR, RUNBOOKS, load_rules, promtool, rule_files,
                         sedna_rule_files)

SEDNA_TEST = RULE_TESTS_DIR / "sedna_test.yaml"
# ArtifactSettings.default.runbookBaseURL: alerts link their runbook with an absolute URL.
RUNBOOK_BASE_URL = "https://github.com/kubeedge/sedna-observability/blob/main/docs/runbooks.md"


def test_sedna_rule_files_exist():
    names = {p.name for p in sedna_rule_files()}
    assert {"sedna-records.yaml", "sedna-alerts.yaml"} <= names


@pytest.mark.parametrize("path", rule_files(), ids=lambda p: p.name)
def test_promtool_check_rules(path):
    r = subprocess.run([promtool(), "check", "rules", str(path)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_promtool_test_rules():
    r = subprocess.run([promtool(), "test", "rules", SEDNA_TEST.name], cwd=RULE_TESTS_DIR,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def sedna_alerts():
    return [rule for p in sedna_rule_files() for _, rule in load_rules(p) if "alert" in rule]


def test_every_alert_has_a_firing_and_a_quiet_case():
    doc = yaml.safe_load(SEDNA_TEST.read_text())
    firing, quiet = set(), set()
    for case in doc["tests"]:
        for t in case.get("alert_rule_test", []):
            (firing if t.get("exp_alerts") else quiet).add(t["alertname"])
    names = {a["alert"] for a in sedna_alerts()}
    assert names - firing == set(), "alerts without a firing case"
    assert names - quiet == set(), "alerts without a quiet case"


def test_issue_alerts_are_present():
    names = {a["alert"] for a in sedna_alerts()}
    for n in ("SednaTaskFailed", "SednaTaskStageStuck", "SednaWorkerReportsStale", "SednaHardExampleRatioSpike",
              "SednaEvaluatedModelWorse", "SednaFederatedRoundStalled", "SednaDatasetNotGrowing",
              "SednaExporterNotReady", "SednaExporterWatchFailing", "SednaGlobalManagerDown",
              "SednaLocalControllerDown", "SednaEdgeNodeNotReadyWithWorkers"):
        assert n in names


def anchors(markdown):
    return {re.sub(r"[^a-z0-9 _-]", "", h.strip().lower()).replace(" ", "-")
            for h in re.findall(r"^#{1,6} (.+)$", markdown, flags=re.M)}


def test_every_alert_has_annotations_and_a_runbook_that_resolves():
    text = RUNBOOKS.read_text()
    have = anchors(text)
    for path in rule_files():
        for _, rule in load_rules(path):
            if "alert" not in rule:
                continue
            a = rule["annotations"]
            assert a.get("summary") and a.get("description"), rule["alert"]
            assert rule["labels"].get("severity") in ("info", "warning", "critical")
            url = a["runbook_url"]
            assert url == f"{RUNBOOK_BASE_URL}#{rule['alert'].lower()}", url
            assert url.split("#", 1)[1] in have, f"{url} does not resolve"
            section = text.split(f"\n## {rule['alert']}\n", 1)[1].split("\n## ", 1)[0]
            assert "**Diagnosis.**" in section or "**Meaning.**" in section


def test_node_runbook_sections_are_merged_verbatim():
    """docs/runbooks-nodes.md (read by tests/node) stays the source of the node sections; the
    copy in docs/runbooks.md must not drift from it."""
    nodes = NODE_RUNBOOKS.read_text()
    merged = RUNBOOKS.read_text()
    for part in re.split(r"\n(?=## )", nodes)[1:]:
        assert part.strip() in merged, part.splitlines()[0]
