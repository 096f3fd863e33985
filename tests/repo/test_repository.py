"""The README's commands and the generated files, as a newcomer and CI would meet them."""
import os
import signal
import subprocess
import sys

import requests

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "e2e"))
from harness import ROOT, exporter_bin, free_port, wait_for  # noqa: E402


def test_generated_files_are_current():
    r = subprocess.run([exporter_bin(), "generate", "--check", "--root", ROOT], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_fixtures_are_current():
    r = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "make_fixtures.py"), "--check"], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_readme_opens_with_the_two_commands():
    lines = [l for l in open(os.path.join(ROOT, "README.md")).read().splitlines() if l.strip()]
    head = "\n".join(lines[:15])
    assert "scripts/demo.sh" in head and "scripts/test.sh" in head
    ci = open(os.path.join(ROOT, ".ci", "run")).read()
    assert "scripts/test.sh" in ci


def test_demo_command_runs_the_pipeline(tmp_path):
    """README command 1, with the test build instead of a release build."""
    ports = {"DEMO_API_PORT": free_port(), "DEMO_EXPORTER_PORT": free_port(), "DEMO_PROMETHEUS_PORT": free_port()}
    env = dict(os.environ, SEDNA_EXPORTER_BIN=exporter_bin(), DEMO_DIR=str(tmp_path), **{k: str(v) for k, v in ports.items()})
    log = open(tmp_path / "demo.out", "w")
    demo = subprocess.Popen([os.path.join(ROOT, "scripts", "demo.sh"), "--duration", "120"], stdout=log, stderr=subprocess.STDOUT,
                            env=env, start_new_session=True)
    try:
        prom = f"http://127.0.0.1:{ports['DEMO_PROMETHEUS_PORT']}"

        def tasks_by_kind():
            r = requests.get(prom + "/api/v1/query", params={"query": "count by (kind) (sedna_task_info)"}, timeout=5).json()
            return len(r["data"]["result"]) == 9

        wait_for(tasks_by_kind, 120, what="Prometheus to hold the demo's tasks")
        out = open(tmp_path / "demo.out").read()
        assert f"http://127.0.0.1:{ports['DEMO_EXPORTER_PORT']}/metrics" in out
        assert "Press Ctrl-C to stop." in out
        rules = requests.get(prom + "/api/v1/rules", timeout=5).json()
        assert rules["status"] == "success"
    finally:
        os.killpg(demo.pid, signal.SIGINT)
        demo.wait(30)
        log.close()
    assert "demo stopped" in open(tmp_path / "demo.out").read()
    for port in ports.values():  # everything the demo started is gone
        wait_for(lambda: subprocess.run(["bash", "-c", f"exec 3<>/dev/tcp/127.0.0.1/{port}"], capture_output=True).returncode != 0,
                 15, what=f"port {port} to close")
