"""The image's binary: a release build with the Swift runtime linked statically
(`--static-swift-stdlib`, as the Dockerfile builds it). There is no Docker engine here, so the
binary the Dockerfile would copy is built and run directly: `--help`, and `/healthz` served."""
import os
import subprocess
import sys
import time

import pytest
import requests

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "e2e"))
from harness import ROOT, Process, free_port, wait_for  # noqa: E402


pytestmark = pytest.mark.runs_last


@pytest.fixture(scope="module")
def static_binary():
    if os.environ.get("SEDNA_SKIP_STATIC_BUILD") == "1":
        pytest.skip("SEDNA_SKIP_STATIC_BUILD=1")
    scratch = os.path.join(ROOT, ".build-static")
    cmd = ["swift", "build", "-c", "release", "--static-swift-stdlib", "--product", "sedna-exporter", "--scratch-path", scratch]
    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=3000)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    return os.path.join(scratch, "release", "sedna-exporter")


def test_static_binary_needs_no_swift_runtime(static_binary):
    out = subprocess.run(["ldd", static_binary], capture_output=True, text=True).stdout
    assert "libswift" not in out and "libFoundation" not in out, out
    r = subprocess.run([static_binary, "--help"], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0 and "serve" in r.stdout and "relay" in r.stdout


def test_static_binary_serves_healthz(static_binary, tmp_path):
    dead = free_port()  # nothing listens here: the exporter is alive but not ready
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(f"""apiVersion: v1
kind: Config
clusters: [{{name: c, cluster: {{server: "http://127.0.0.1:{dead}"}}}}]
users: [{{name: u, user: {{}}}}]
contexts: [{{name: c, context: {{cluster: c, user: u}}}}]
current-context: c
""")
    port = free_port()
    p = Process([static_binary, "serve", "--kubeconfig", str(kubeconfig), "--listen", f"127.0.0.1:{port}"], str(tmp_path / "log"))
    try:
        wait_for(lambda: requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200, 30, what="/healthz")
        assert requests.get(f"http://127.0.0.1:{port}/readyz", timeout=5).status_code == 503
    finally:
        assert p.stop() == 0, p.output()
