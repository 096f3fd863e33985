#!/usr/bin/env python3
"""Benchmark of the exporter on N realistic objects served by the kmock API emulator.

Prints, per size: time from start to /readyz 200 (LIST of everything + render), scrape time
p50/p99 over repeated scrapes, body bytes (plain and gzip), the exporter's RSS, and a peer
measured side by side in the same run: prometheus_client (the reference Python client)
rendering the *same* series from a registry, and its ratio to our scrape. Numbers on a shared
2-core machine are noisy; the ratios are the point. No pass/fail here.

With --simulated-tasks, the same measurements on the simulated cluster (`sedna-exporter simulate
--tasks N`) instead: a live cluster whose objects change every second and whose workers report
and push to the exporter, so scrapes run under watch and intake churn; it adds the watch events
and intake requests the exporter handled per second.

Usage: bench/exporter_bench.py [--sizes 1000,10000] [--scrapes 50] [--simulated-tasks 10,50]
Environment: SEDNA_EXPORTER_BIN (default: builds .build/release/sedna-exporter).
"""
import argparse
import copy
import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import requests

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
from harness import FIXTURES, Exporter, KubeAPI, Process, Simulator, free_port, wait_for  # noqa: E402


class StaticAPI(KubeAPI):
    """bench/static_api.py in place of kmock (see its docstring for why)."""

    def __init__(self, workdir, load):
        self.port = free_port()
        self.workdir = workdir
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = Process([sys.executable, os.path.join(HERE, "static_api.py"), "--port", str(self.port), "--load", load],
                               os.path.join(workdir, f"static-api-{self.port}.log"))
        wait_for(lambda: "serving" in self.process.output() or not self.process.alive(), 120, what="static API")


def make_cluster(n, out):
    """~n objects: copies of the fixture tasks, datasets and their worker pods, plus the nodes."""
    base = {r[:-5]: json.load(open(os.path.join(FIXTURES, r)))["items"] for r in os.listdir(FIXTURES)}
    per_copy = [(r, o) for r, items in base.items() if r != "nodes" for o in items]
    copies = max(1, n // len(per_copy))
    out_items = {"nodes": base["nodes"]}
    for i in range(copies):
        for r, o in per_copy:
            c = copy.deepcopy(o)
            m = c["metadata"]
            m["name"] = f"{m['name']}-{i}"
            m["uid"] = f"{m.get('uid', m['name'])}-{i}"
            if r == "pods":
                labels = m.get("labels", {})
                for k in list(labels):
                    if k.endswith(".sedna.io/name"):
                        labels[k] = f"{labels[k]}-{i}"
            out_items.setdefault(r, []).append(c)
    os.makedirs(out, exist_ok=True)
    for r, items in out_items.items():
        json.dump({"items": items}, open(os.path.join(out, r + ".json"), "w"))
    return sum(len(v) for v in out_items.values())


def rss_kib(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def percentile(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def scrape_times(url, scrapes):
    times = []
    for _ in range(scrapes):
        t = time.perf_counter()
        r = requests.get(url + "/metrics", timeout=60)
        times.append(time.perf_counter() - t)
        assert r.status_code == 200
    return times


def peer_render_seconds(text, scrapes):
    """prometheus_client rendering the same families and series from a custom collector."""
    from prometheus_client import CollectorRegistry, generate_latest
    from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
    from prometheus_client.parser import text_string_to_metric_families

    families = list(text_string_to_metric_families(text))

    class Same:
        def collect(self):
            for f in families:
                labels = sorted({k for s in f.samples for k in s.labels})
                mf = (CounterMetricFamily if f.type == "counter" else GaugeMetricFamily)(f.name, f.documentation or "x", labels=labels)
                for s in f.samples:
                    mf.add_metric([s.labels.get(k, "") for k in labels], s.value)
                yield mf

    reg = CollectorRegistry()
    reg.register(Same())
    times = []
    for _ in range(scrapes):
        t = time.perf_counter()
        generate_latest(reg)
        times.append(time.perf_counter() - t)
    return times


def run(size, scrapes, binary, work):
    data = os.path.join(work, f"cluster-{size}")
    objects = make_cluster(size, data)
    t = time.perf_counter()
    api = StaticAPI(work, data)
    load_s = time.perf_counter() - t
    os.environ["SEDNA_EXPORTER_BIN"] = binary
    e = Exporter(work, api.kubeconfig())
    try:
        t = time.perf_counter()
        e.wait_ready(timeout=600)
        ready_s = time.perf_counter() - t
        text = e.metrics()
        series = sum(1 for l in text.splitlines() if l and not l.startswith("#"))
        times = scrape_times(e.url, scrapes)
        gz = requests.get(e.url + "/metrics", headers={"Accept-Encoding": "gzip"}, timeout=60, stream=True).raw.read()
        rss = rss_kib(e.process.pid)
        peer = peer_render_seconds(text, max(5, scrapes // 5))
    finally:
        e.stop()
        api.stop()
    ours_p50 = percentile(times, 50)
    peer_p50 = percentile(peer, 50)
    return {"objects": objects, "series": series, "api_load_s": load_s, "ready_s": ready_s,
            "scrape_p50_ms": ours_p50 * 1e3, "scrape_p99_ms": percentile(times, 99) * 1e3,
            "body_bytes": len(text.encode()), "gzip_bytes": len(gz), "rss_mib": rss / 1024,
            "peer_render_p50_ms": peer_p50 * 1e3, "peer_over_ours": peer_p50 / ours_p50}


def counter_sum(text, family):
    return sum(float(l.rsplit(" ", 1)[1]) for l in text.splitlines() if l.startswith(family + "{") or l.startswith(family + " "))


def run_simulated(tasks, scrapes, binary, work, speed=4.0):
    os.environ["SEDNA_EXPORTER_BIN"] = binary
    port = free_port()
    sim = Simulator(work, intake_url=f"http://127.0.0.1:{port}", speed=speed, extra=["--tasks", str(tasks)])
    e = Exporter(work, sim.kubeconfig(), port=port)
    try:
        t = time.perf_counter()
        e.wait_ready(timeout=600)
        ready_s = time.perf_counter() - t
        time.sleep(10)  # let pods, reports and pushes flow
        before, t0 = e.metrics(), time.perf_counter()
        times = scrape_times(e.url, scrapes)
        time.sleep(max(0.0, 10 - (time.perf_counter() - t0)))  # a window long enough to count churn
        text, elapsed = e.metrics(), time.perf_counter() - t0
        events = counter_sum(text, "sedna_exporter_watch_events_total") - counter_sum(before, "sedna_exporter_watch_events_total")
        intake = (counter_sum(text, "sedna_intake_reports_total") + counter_sum(text, "sedna_intake_pushes_total")
                  - counter_sum(before, "sedna_intake_reports_total") - counter_sum(before, "sedna_intake_pushes_total"))
        objects = int(counter_sum(text, "sedna_exporter_objects"))
        series = sum(1 for l in text.splitlines() if l and not l.startswith("#"))
        rss = rss_kib(e.process.pid)
        peer = peer_render_seconds(text, max(5, scrapes // 5))
    finally:
        e.stop()
        sim.stop()
    ours_p50 = percentile(times, 50)
    peer_p50 = percentile(peer, 50)
    return {"tasks": tasks, "objects": objects, "series": series, "ready_s": ready_s, "events_per_s": events / elapsed,
            "intake_per_s": intake / elapsed, "scrape_p50_ms": ours_p50 * 1e3, "scrape_p99_ms": percentile(times, 99) * 1e3,
            "rss_mib": rss / 1024, "peer_render_p50_ms": peer_p50 * 1e3, "peer_over_ours": peer_p50 / ours_p50}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,10000")
    ap.add_argument("--scrapes", type=int, default=50)
    ap.add_argument("--simulated-tasks", default="", help="comma-separated --tasks values for the simulated cluster")
    args = ap.parse_args()
    binary = os.environ.get("SEDNA_EXPORTER_BIN")
    if not binary:
        subprocess.run(["swift", "build", "-c", "release", "--product", "sedna-exporter"], cwd=ROOT, check=True)
        binary = os.path.join(ROOT, ".build", "release", "sedna-exporter")
    if args.simulated_tasks:
        with tempfile.TemporaryDirectory(prefix="sedna-bench-") as work:
            rows = [run_simulated(int(t), args.scrapes, binary, work) for t in args.simulated_tasks.split(",")]
        for r in rows:
            print(json.dumps(r), flush=True)
        print()
        print("| --tasks | objects | series | ready (s) | watch events/s | intake requests/s | scrape p50 (ms) | scrape p99 (ms) "
              "| RSS (MiB) | prometheus_client render p50 (ms) | peer / ours |")
        print("|---|---|---|---|---|---|---|---|---|---|---|")
        for r in rows:
            print(f"| {r['tasks']} | {r['objects']} | {r['series']} | {r['ready_s']:.2f} | {r['events_per_s']:.0f} | "
                  f"{r['intake_per_s']:.0f} | {r['scrape_p50_ms']:.1f} | {r['scrape_p99_ms']:.1f} | {r['rss_mib']:.0f} | "
                  f"{r['peer_render_p50_ms']:.1f} | {r['peer_over_ours']:.1f}x |")
        return
    rows = []
    with tempfile.TemporaryDirectory(prefix="sedna-bench-") as work:
        for size in [int(s) for s in args.sizes.split(",")]:
            row = run(size, args.scrapes, binary, work)
            rows.append(row)
            print(json.dumps(row), flush=True)
    print()
    print("| objects | series | ready (s) | scrape p50 (ms) | scrape p99 (ms) | body (KiB) | gzip (KiB) | RSS (MiB) | prometheus_client render p50 (ms) | peer / ours |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['objects']} | {r['series']} | {r['ready_s']:.2f} | {r['scrape_p50_ms']:.1f} | {r['scrape_p99_ms']:.1f} | "
              f"{r['body_bytes'] / 1024:.0f} | {r['gzip_bytes'] / 1024:.0f} | {r['rss_mib']:.0f} | {r['peer_render_p50_ms']:.1f} | "
              f"{r['peer_over_ours']:.1f}x |")


if __name__ == "__main__":
    main()
