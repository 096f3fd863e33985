"""deploy/alertmanager/alertmanager.yml: valid for amtool, every alert it names exists, and its
inhibit rules do what they say on a real Alertmanager (loopback, a port the kernel picked)."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import urllib.request
from datetime import datetime, timedelta, timezone

import pytest
import yaml

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "e2e"))
from harness import free_port, wait_for  # noqa: E402

from deploy_helpers import ROOT, render  # noqa: E402

CONFIG = ROOT / "deploy/alertmanager/alertmanager.yml"
RULES = sorted((ROOT / "deploy/prometheus/rules").glob("*.yaml"))


def binary(name: str) -> str:
    path = shutil.which(name) or (f"/usr/bin/{name}" if os.access(f"/usr/bin/{name}", os.X_OK) else None)
    if path is None:
        pytest.fail(f"{name} not found: install the Debian package prometheus-alertmanager (scripts/setup.sh does)")
    return path


def alert_names() -> set[str]:
    return {r["alert"] for p in RULES for g in yaml.safe_load(p.read_text())["groups"] for r in g["rules"] if "alert" in r}


def test_amtool_check_config():
    r = subprocess.run([binary("amtool"), "check-config", str(CONFIG)], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stdout + r.stderr


def test_inhibit_rules_name_existing_alerts_and_compare_the_cluster():
    names = alert_names()
    cfg = yaml.safe_load(CONFIG.read_text())
    assert cfg["inhibit_rules"]
    for rule in cfg["inhibit_rules"]:
        assert rule["equal"][0] == "cluster", rule
        for matcher in rule["source_matchers"] + rule["target_matchers"]:
            m = re.fullmatch(r'alertname(=~|=)"([^"]+)"', matcher)
            assert m, matcher
            for alternative in m.group(2).split("|"):
                assert alternative in names, f"{alternative} in {matcher} is not an alert of deploy/prometheus/rules"


def test_kustomization_ships_the_checked_file():
    (cm,) = [o for o in render("deploy/alertmanager") if o["kind"] == "ConfigMap"]
    assert cm["data"]["alertmanager.yml"] == CONFIG.read_text()


@pytest.fixture(scope="module")
def alertmanager(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("alertmanager")
    port = free_port()
    log = open(tmp / "alertmanager.log", "wb")
    proc = subprocess.Popen([binary("prometheus-alertmanager"), f"--config.file={CONFIG}",
                             f"--storage.path={tmp / 'data'}", f"--web.listen-address=127.0.0.1:{port}",
                             "--cluster.listen-address="], stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    log.close()
    base = f"http://127.0.0.1:{port}/api/v2"
    try:
        wait_for(lambda: urllib.request.urlopen(base + "/status", timeout=2).status == 200, 30, what="Alertmanager")
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def post(base: str, alerts: list[dict]) -> None:
    now = datetime.now(timezone.utc)
    body = [{"labels": a, "startsAt": now.isoformat(), "endsAt": (now + timedelta(hours=1)).isoformat()} for a in alerts]
    req = urllib.request.Request(base + "/alerts", data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:  # noqa: S310 - loopback only
        assert r.status == 200


def states(base: str) -> dict:
    with urllib.request.urlopen(base + "/alerts", timeout=10) as r:  # noqa: S310 - loopback only
        alerts = json.loads(r.read())
    return {(a["labels"]["alertname"], a["labels"].get("node", ""), a["labels"].get("cluster", "")):
            a["status"]["state"] for a in alerts}


def test_a_notready_edge_node_and_a_missing_exporter_page_alone(alertmanager):
    warning = {"severity": "warning"}
    post(alertmanager, [
        # edge-1 is NotReady: its LC, worker, relay alerts are its consequences.
        dict(warning, alertname="SednaEdgeNodeNotReadyWithWorkers", node="edge-1"),
        dict(warning, alertname="SednaLocalControllerDown", node="edge-1", namespace="sedna"),
        dict(warning, alertname="SednaWorkerCrashLooping", node="edge-1", namespace="default", pod="w-1"),
        dict(warning, alertname="SednaRelaySpoolBacklog", node="edge-1", instance="127.0.0.1:9480"),
        # edge-2 is Ready: its LC alert stands; the relay's LC alert is explained by it.
        dict(warning, alertname="SednaLocalControllerDown", node="edge-2", namespace="sedna"),
        dict(warning, alertname="SednaRelayLocalControllerUnreachable", node="edge-2", instance="127.0.0.1:9480"),
        # Cluster b has no exporter: the absent GM follows; cluster a's GM alert stands.
        dict(alertname="SednaExporterAbsent", severity="critical", cluster="b"),
        dict(alertname="SednaGlobalManagerDown", severity="critical", cluster="b", namespace="sedna"),
        dict(alertname="SednaGlobalManagerDown", severity="critical", cluster="a", namespace="sedna"),
    ])
    expected = {
        ("SednaEdgeNodeNotReadyWithWorkers", "edge-1", ""): "active",
        ("SednaLocalControllerDown", "edge-1", ""): "suppressed",
        ("SednaWorkerCrashLooping", "edge-1", ""): "suppressed",
        ("SednaRelaySpoolBacklog", "edge-1", ""): "suppressed",
        ("SednaLocalControllerDown", "edge-2", ""): "active",
        ("SednaRelayLocalControllerUnreachable", "edge-2", ""): "suppressed",
        ("SednaExporterAbsent", "", "b"): "active",
        ("SednaGlobalManagerDown", "", "b"): "suppressed",
        ("SednaGlobalManagerDown", "", "a"): "active",
    }
    got = wait_for(lambda: (lambda s: s if s == expected else None)(states(alertmanager)), 15,
                   what="inhibitions settled")
    assert got == expected
