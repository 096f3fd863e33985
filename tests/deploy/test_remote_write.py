"""The remote_write examples of docs/deploy.md ("Scaling out"), merged into the shipped cloud
Prometheus configuration, pass `promtool check config`."""
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from deploy_helpers import ROOT

sys.path.insert(0, str(ROOT / "tests" / "node"))
from node_helpers import tool  # noqa: E402
from test_node_promtool import without_kubernetes_sd  # noqa: E402

CLOUD = ROOT / "deploy/prometheus/prometheus.yml"
EXAMPLES = sorted((ROOT / "deploy/prometheus/remote-write").glob("*.yml"))


def merged(example: Path, tmp: Path) -> Path:
    cfg = yaml.safe_load(CLOUD.read_text())
    extra = yaml.safe_load(example.read_text())
    assert set(extra) <= {"global", "remote_write"}, "the examples only add remote_write and external labels"
    cfg["global"]["external_labels"] = {**cfg["global"].get("external_labels", {}), **extra["global"]["external_labels"]}
    cfg["remote_write"] = extra["remote_write"]
    out = tmp / "merged" / "prometheus.yml"
    out.parent.mkdir()
    out.write_text(yaml.safe_dump(cfg, sort_keys=False))
    (out.parent / "rules").symlink_to(CLOUD.parent / "rules")
    return out


def test_there_are_examples_for_thanos_and_mimir():
    assert [p.name for p in EXAMPLES] == ["mimir.yml", "thanos-receive.yml"]


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_merged_config_passes_promtool(example, tmp_path):
    checked = without_kubernetes_sd(merged(example, tmp_path), tmp_path)
    result = subprocess.run([tool("promtool"), "check", "config", str(checked)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    cfg = yaml.safe_load(example.read_text())
    assert cfg["global"]["external_labels"]["cluster"], "series must name their cluster (dashboards, joins)"
    for rw in cfg["remote_write"]:
        assert rw["url"].startswith("http") and rw["name"]
