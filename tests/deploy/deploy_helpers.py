"""Shared helpers for tests/deploy: repository root, the overlays, offline kustomize rendering."""
import functools
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


# Every kustomize entry point a user applies (docs/deploy.md lists the same).
OVERLAYS = [
    "deploy/kubernetes/base",
    "deploy/kubernetes/overlays/prometheus-operator",
    "deploy/kubernetes/overlays/scrape-annotations",
    "deploy/kubernetes/overlays/grafana",
    "deploy/kubernetes/overlays/logs",
    "deploy/kubernetes/overlays/edge",
    "deploy/kubernetes/overlays/edge-metaserver",
    "deploy/kubernetes/overlays/webhook",
    "deploy/kubernetes/overlays/webhook-cert-manager",
    "deploy/kubernetes/overlays/auto-sharding",
]


def kubectl() -> str:
    path = shutil.which("kubectl")
    if path is None:
        pytest.fail("kubectl (with built-in kustomize) is required for tests/deploy; it is preinstalled on the project machine")
    return path


@functools.lru_cache(maxsize=None)
def _render(overlay: str) -> str:
    proc = subprocess.run([kubectl(), "kustomize", str(ROOT / overlay)],
                          capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        raise AssertionError(f"kubectl kustomize {overlay} failed:\n{proc.stderr}")
    return proc.stdout


def render(overlay: str) -> list[dict]:
    """Rendered objects of an overlay (kubectl kustomize, offline)."""
    return [d for d in yaml.safe_load_all(_render(overlay)) if d]


def find(objs, kind, name=None):
    out = [o for o in objs if o["kind"] == kind and (name is None or o["metadata"]["name"] == name)]
    return out


def one(objs, kind, name):
    found = find(objs, kind, name)
    assert len(found) == 1, f"expected one {kind}/{name}, found {len(found)}"
    return found[0]
