"""promtool on every shipped node-monitoring Prometheus configuration and on the node rules."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from node_helpers import AGENT_CONFIG, AGENT_DIR, AGENT_METASERVER_CONFIG, CLOUD_CONFIG, RULE_TESTS, RULES, tool
from node_k8s_sd import KNOWN_ROLES, KNOWN_SD_KEYS

# ArtifactSettings.default.runbookBaseURL: alerts link their runbook with an absolute URL.
RUNBOOK_BASE_URL = "https://github.com/kubeedge/sedna-observability/blob/main/docs/runbooks.md"


def promtool(*args: str, cwd: Path | None = None) -> str:
    result = subprocess.run([tool("promtool"), *args], capture_output=True, text=True, timeout=120, cwd=cwd)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    return output


IN_CLUSTER = "/var/run/secrets/kubernetes.io/serviceaccount/"


def without_kubernetes_sd(path: Path, tmp: Path) -> Path:
    """Debian's promtool lacks kubernetes_sd_configs: check their fields here, the rest with promtool.
    promtool also wants the service-account token to exist: it is replaced by a file in tmp."""
    cfg = yaml.safe_load(path.read_text())
    token = tmp / "token"
    token.write_text("token")
    for job in cfg.get("scrape_configs", []):
        credentials = job.get("authorization", {}).get("credentials_file")
        if credentials:
            assert credentials == IN_CLUSTER + "token"
            job["authorization"]["credentials_file"] = str(token)
        for sd in job.pop("kubernetes_sd_configs", []):
            assert set(sd) <= KNOWN_SD_KEYS, (job["job_name"], sd)
            assert sd["role"] in KNOWN_ROLES
            for selector in sd.get("selectors", []):
                assert selector["role"] == sd["role"] and set(selector) <= {"role", "label", "field"}
            if "attach_metadata" in sd:
                assert sd["role"] == "pod" and set(sd["attach_metadata"]) == {"node"}
            job.setdefault("static_configs", []).append({"targets": []})
    if cfg.get("rule_files"):
        cfg["rule_files"] = [str(path.parent / f) for f in cfg["rule_files"]]
    out = tmp / path.name
    out.write_text(yaml.safe_dump(cfg, sort_keys=False))
    return out


SHIPPED = [CLOUD_CONFIG, AGENT_CONFIG, AGENT_METASERVER_CONFIG]


def test_every_prometheus_config_of_this_issue_is_listed():
    assert sorted(AGENT_DIR.glob("*.yml")) == sorted([AGENT_CONFIG, AGENT_METASERVER_CONFIG])


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_promtool_check_config(path, tmp_path):
    output = promtool("check", "config", str(without_kubernetes_sd(path, tmp_path)))
    assert "SUCCESS" in output


def test_cloud_config_loads_node_rules():
    cfg = yaml.safe_load(CLOUD_CONFIG.read_text())
    assert RULES in {p for pattern in cfg["rule_files"] for p in CLOUD_CONFIG.parent.glob(pattern)}


def test_promtool_check_rules():
    assert "SUCCESS" in promtool("check", "rules", str(RULES))


def test_promtool_test_rules():
    assert "SUCCESS" in promtool("test", "rules", RULE_TESTS.name, cwd=RULE_TESTS.parent)


def test_every_alert_has_annotations_and_a_test():
    rules = yaml.safe_load(RULES.read_text())
    tests = yaml.safe_load(RULE_TESTS.read_text())
    tested = {case["alertname"] for t in tests["tests"] for case in t.get("alert_rule_test", [])
              if case.get("exp_alerts")}
    alerts = [r for g in rules["groups"] for r in g["rules"] if "alert" in r]
    assert alerts
    runbooks = (CLOUD_CONFIG.parents[2] / "docs" / "runbooks-nodes.md").read_text()
    for rule in alerts:
        name = rule["alert"]
        assert name.startswith("Sedna"), name
        annotations = rule["annotations"]
        assert annotations["summary"] and annotations["description"]
        assert annotations["runbook_url"] == f"{RUNBOOK_BASE_URL}#{name.lower()}"
        assert f"\n## {name}\n" in runbooks, f"no runbook section for {name}"
        assert rule["labels"]["severity"] in ("warning", "critical")
        assert name in tested, f"{name} has no firing promtool test case"
    labels = {k for g in rules["groups"] for r in g["rules"] for k in r.get("labels", {})}
    assert not labels & {"job", "instance", "cluster", "service", "stage"}


def test_metaserver_variant_differs_only_in_worker_discovery():
    base = yaml.safe_load(AGENT_CONFIG.read_text())
    meta = yaml.safe_load(AGENT_METASERVER_CONFIG.read_text())
    strip = lambda cfg: {k: v for k, v in cfg.items() if k != "scrape_configs"}  # noqa: E731
    assert strip(base) == strip(meta)
    jobs = lambda cfg: {j["job_name"]: j for j in cfg["scrape_configs"]}  # noqa: E731
    base_jobs, meta_jobs = jobs(base), jobs(meta)
    assert set(base_jobs) == set(meta_jobs)
    for name in base_jobs:
        if name != "sedna-workers":
            assert base_jobs[name] == meta_jobs[name], name


def test_metaserver_relabeling_matches_cloud_sedna_workers():
    cloud = {j["job_name"]: j for j in yaml.safe_load(CLOUD_CONFIG.read_text())["scrape_configs"]}
    meta = {j["job_name"]: j for j in yaml.safe_load(AGENT_METASERVER_CONFIG.read_text())["scrape_configs"]}
    expected = [r for r in cloud["sedna-workers"]["relabel_configs"]
                if r.get("target_label") != "location"
                and r.get("source_labels") != ["__meta_kubernetes_node_labelpresent_node_role_kubernetes_io_edge"]]
    assert meta["sedna-workers"]["relabel_configs"] == expected


def test_edge_agent_external_labels_and_wal_friendly_remote_write():
    cfg = yaml.safe_load(AGENT_CONFIG.read_text())
    assert cfg["global"]["external_labels"] == {"node": "${NODE_NAME}", "site": "${EDGE_SITE}", "location": "edge"}
    (remote,) = cfg["remote_write"]
    queue = remote["queue_config"]
    assert queue["min_backoff"] == "1s" and queue["max_backoff"] == "10s"
    assert "rule_files" not in cfg and "alerting" not in cfg  # agent mode has neither
    for job in cfg["scrape_configs"]:
        assert "kubernetes_sd_configs" not in job  # no API server on the edge
