"""Helpers for the node-monitoring tests (docs/edge-node-monitoring.md).

Every process a test starts is a child of this process, bound to 127.0.0.1 on a port the kernel
picked, with its data in a temporary directory; it is stopped by PID when the fixture ends.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

import sys as _sys

_sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "e2e"))
from harness import free_port, wait_for  # noqa: E402  (one copy of the process helpers)

REPO = Path(__file__).resolve().parents[2]
PROM_DIR = REPO / "deploy" / "prometheus"
CLOUD_CONFIG = PROM_DIR / "prometheus.yml"
AGENT_DIR = PROM_DIR / "agent"
AGENT_CONFIG = AGENT_DIR / "prometheus-agent.yml"
AGENT_METASERVER_CONFIG = AGENT_DIR / "prometheus-agent-metaserver.yml"
RULES = PROM_DIR / "rules" / "nodes.yaml"
RULE_TESTS = PROM_DIR / "rules" / "tests" / "nodes_test.yaml"
DASHBOARD = REPO / "deploy" / "grafana" / "dashboards" / "nodes.json"
NODE_MONITORING = REPO / "deploy" / "node-monitoring"


def tool(name: str) -> str:
    """Path of a Debian-packaged binary; the project's test script installs the packages."""
    for candidate in (shutil.which(name), f"/usr/bin/{name}"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    pytest.fail(f"{name} not found: install the Debian packages prometheus and prometheus-node-exporter")


def wait_until(predicate, timeout: float, interval: float = 0.5, what: str = "condition"):
    """Polls predicate() until it returns a truthy value; fails after timeout seconds."""
    return wait_for(predicate, timeout, interval, what)


def http_get(url: str, timeout: float = 5.0) -> bytes:
    assert url.startswith("http://127.0.0.1:"), url
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - loopback only
        return response.read()


class Proc:
    """One child process with its log file; stop() sends SIGTERM, then SIGKILL, by PID."""

    def __init__(self, name: str, argv: list[str], log_dir: Path, env: dict | None = None):
        self.name = name
        self.argv = argv
        self.log_path = log_dir / f"{name}.log"
        self.env = env
        self.popen: subprocess.Popen | None = None

    def start(self) -> "Proc":
        log = open(self.log_path, "ab")
        full_env = dict(os.environ)
        if self.env:
            full_env.update(self.env)
        self.popen = subprocess.Popen(self.argv, stdout=log, stderr=subprocess.STDOUT, env=full_env,
                                      stdin=subprocess.DEVNULL)
        log.close()
        return self

    @property
    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def stop(self, grace: float = 20.0) -> None:
        if self.popen is None or self.popen.poll() is not None:
            return
        pid = self.popen.pid
        os.kill(pid, signal.SIGTERM)
        try:
            self.popen.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            os.kill(pid, signal.SIGKILL)
            self.popen.wait(timeout=10)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


class PromAPI:
    def __init__(self, port: int):
        self.base = f"http://127.0.0.1:{port}"

    def get(self, path: str, **params) -> dict:
        url = self.base + path
        if params:
            url += "?" + urllib.parse.urlencode(params)
        body = json.loads(http_get(url, timeout=10))
        assert body.get("status") == "success", body
        return body["data"]

    def query(self, expr: str, at: float | None = None) -> list:
        params = {"query": expr}
        if at is not None:
            params["time"] = f"{at:.3f}"
        return self.get("/api/v1/query", **params)["result"]

    def ready(self) -> bool:
        try:
            http_get(self.base + "/-/ready", timeout=2)
            return True
        except Exception:  # noqa: BLE001
            return False


def start_prometheus(procs: list, name: str, config: Path, data_dir: Path, port: int, log_dir: Path,
                     extra: list[str] = (), env: dict | None = None, agent: bool = False,
                     timeout: float = 60) -> Proc:
    argv = [tool("prometheus"), f"--config.file={config}", f"--web.listen-address=127.0.0.1:{port}"]
    if agent:
        argv += [f"--storage.agent.path={data_dir}"]
    else:
        argv += [f"--storage.tsdb.path={data_dir}"]
    argv += list(extra)
    proc = Proc(name, argv, log_dir, env=env).start()
    procs.append(proc)
    api = PromAPI(port)
    try:
        wait_until(lambda: api.ready() or not proc.running, timeout, what=f"{name} ready")
    except AssertionError:
        raise AssertionError(f"{name} did not become ready:\n{proc.log_tail()}")
    assert proc.running, f"{name} exited:\n{proc.log_tail()}"
    return proc
