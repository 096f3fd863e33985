"""The status page (`GET /` of the exporter and of the relay) on the demo's stack: the simulated
Sedna cluster (docs/simulator.md), the relay of the capture route and the exporter, started as
scripts/demo.sh starts them. The page must show the simulated tasks, the VideoAnalyticsJob that
fails marked as failed, a worker report that came through the relay, and a group pushed with
prometheus_client (its hostile label value as text); then headless Chromium (Debian's
`chromium`) opens it and takes a screenshot, which must be a real rendering, not a blank page.

Waits are bounded; timing is never asserted. `SEDNA_STATUS_SCREENSHOT=<file>` keeps the
screenshot (how docs/images/status-page.png is made)."""
from __future__ import annotations

import html
import os
import re
import shutil
import struct
import subprocess
import sys
import zlib

import pytest
import requests
from prometheus_client import CollectorRegistry, Gauge, push_to_gateway

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "e2e"))
from harness import SimulatedStack, wait_for  # noqa: E402

HOSTILE = '<script>alert("x")</script> & co'
GRAFANA = "http://127.0.0.1:3000"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    workdir = str(tmp_path_factory.mktemp("status-page"))
    # Speed 4: the simulated VideoAnalyticsJob fails about 70 simulated seconds in.
    s = SimulatedStack(workdir, capture=True, speed=4, exporter_extra=[
        "--grafana-url", GRAFANA, "--prometheus-url", "http://127.0.0.1:9090"])
    try:
        yield s
    finally:
        s.stop()


def page(url):
    r = requests.get(url + "/", timeout=10)
    r.raise_for_status()
    assert r.headers["Content-Type"].startswith("text/html")
    return r.text


def section(text, title):
    """The HTML between the <h2> of `title` and the next <h2>."""
    start = text.index(f"<h2>{title}</h2>")
    end = text.find("<h2>", start + 4)
    return text[start:end if end >= 0 else len(text)]


def test_page_shows_tasks_failures_reports_and_pushes(stack):
    exporter = stack.exporter
    reg = CollectorRegistry()
    Gauge("status_page_test_loss", "A figure a worker pushes.", registry=reg).set(0.25)
    push_to_gateway(exporter.url, job="status-page-test", grouping_key={"namespace": "default", "instance": HOSTILE},
                    registry=reg)

    def complete():
        text = page(exporter.url)
        failing = section(text, "What is failing")
        reports = section(text, "Worker reports")
        ok = ("video-analytics-demo" in failing and "✖ failed" in failing
              and re.search(r"<td>[^<]+ \(JointInferenceService\)</td>", reports)
              and "status-page-test" in section(text, "Pushed groups"))
        return text if ok else None

    text = wait_for(complete, 60, interval=1, what="a failed task, a tied worker report and the pushed group on the status page")
    tasks = section(text, "Tasks")
    for kind in ("JointInferenceService", "IncrementalLearningJob", "FederatedLearningJob", "LifelongLearningJob",
                 "VideoAnalyticsJob", "ReidJob"):
        assert f"<td>{kind}</td>" in tasks, kind
    # The failed task's row is marked red in the task table too.
    row = next(r for r in tasks.split("<tr") if "video-analytics-demo" in r)
    assert 'class="bad"' in row and "Failed" in row
    # Worker pods with their node and edge/cloud placement.
    for location in ("edge", "cloud"):
        assert re.search(rf" worker on [^ <]+ \[{location}\], (Running|Pending|Succeeded|Failed)", tasks), location
    # Links to the per-task dashboard, variables URL-encoded.
    assert f'href="{GRAFANA}/d/sedna-joint-inference/sedna-joint-inference?var-namespace=' in tasks
    # The hostile grouping label renders as text, never as markup.
    groups = section(text, "Pushed groups")
    assert html.escape(f'instance="{HOSTILE}"', quote=True).replace("&#x27;", "&#39;") in groups
    assert "<script" not in text
    # The exporter's own state.
    exp = section(text, "The exporter")
    assert "Ready" in exp and "listed, watching" in exp
    # HEAD answers without a body.
    head = requests.head(exporter.url + "/", timeout=10)
    assert head.status_code == 200 and head.content == b""


def test_relay_page_shows_its_spool_and_workers(stack):
    def heard():
        text = page(stack.relay.url)
        return text if "<h2>Workers heard from</h2>" in text and "No worker has reported" not in text else None

    text = wait_for(heard, 40, interval=1, what="a worker report on the relay's status page")
    assert "Sedna relay" in text and "relay sim-relay" in text
    assert "Delivered since start" in text


def png_info(path):
    """(width, height, decompressed pixel bytes) of a non-interlaced PNG."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width, height = 8, b"", 0, 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height = struct.unpack(">II", body[:8])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    return width, height, zlib.decompress(idat)


def test_headless_chromium_renders_the_page(stack, tmp_path):
    browser = shutil.which("chromium")
    if not browser:
        pytest.skip("chromium is not installed and could not be (scripts/setup.sh installs Debian's `chromium`)")
    wait_for(lambda: "video-analytics-demo" in page(stack.exporter.url), 60, interval=1, what="the simulated tasks")
    shot = tmp_path / "status.png"
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    f"--screenshot={shot}", "--window-size=1280,2000", stack.exporter.url + "/"],
                   check=True, timeout=90, capture_output=True, env={**os.environ, "HOME": str(tmp_path)})
    assert shot.exists() and shot.stat().st_size > 20_000, "the screenshot is missing or trivially small"
    width, height, pixels = png_info(shot)
    assert (width, height) == (1280, 2000)
    # A rendered page has text (many distinct byte values) and a white background; a blank
    # or failed rendering is one colour.
    assert len(set(pixels[::7])) > 20, "the screenshot is blank"
    if os.environ.get("SEDNA_STATUS_SCREENSHOT"):
        shutil.copyfile(shot, os.environ["SEDNA_STATUS_SCREENSHOT"])


def test_readme_shows_the_status_page_near_the_top():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    lines = open(os.path.join(root, "README.md"), encoding="utf-8").read().splitlines()
    assert any("docs/images/status-page.png" in line for line in lines[:40])
    width, height, _ = png_info(os.path.join(root, "docs", "images", "status-page.png"))
    assert width >= 800 and height >= 600
