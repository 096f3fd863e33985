#!/usr/bin/env python3
"""Sharded exporters side by side with one unsharded exporter over the same static cluster.

Builds a cluster of about --tasks tasks (copies of the fixture cluster, as bench/exporter_bench.py
does), serves it from bench/static_api.py, starts one unsharded exporter and --shards exporters
with `--shard i --total-shards N` (every shard lists everything: it keeps the context, node
locations, dataset sizes, task and worker-pod indexes, for all objects and renders only its own
tasks, docs/deploy.md "Scaling out"), and prints per exporter: time to /readyz, object series,
body size, scrape p50/p99 over --scrapes scrapes, and RSS. It also checks that the shards' object
series add up to the unsharded exporter's. Numbers on a shared machine are noisy; the comparison
between the rows of one run is the point. No pass/fail here.

Usage: bench/shard_bench.py [--tasks 50000] [--shards 3] [--scrapes 20] [--no-unsharded]
Environment: SEDNA_EXPORTER_BIN (a release build: `swift build -c release --product sedna-exporter`).
"""
import argparse
import os
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from exporter_bench import StaticAPI, fixture_copy_shape, make_cluster, percentile, rss_kib, scrape_times  # noqa: E402
from harness import Exporter  # noqa: E402

import requests  # noqa: E402

SELF_PREFIXES = ("sedna_exporter_", "sedna_intake_", "sedna_webhook_")


def object_series(text):
    return sum(1 for line in text.splitlines() if line and not line.startswith("#") and not line.startswith(SELF_PREFIXES))


def measure(name, exporter, started, scrapes):
    exporter.wait_ready(timeout=3600)
    ready_s = time.perf_counter() - started
    text = requests.get(exporter.url + "/metrics", timeout=300).text
    times = scrape_times(exporter.url, scrapes)
    return {"name": name, "ready_s": ready_s, "series": object_series(text), "body_mib": len(text.encode()) / 2**20,
            "p50_ms": percentile(times, 50) * 1e3, "p99_ms": percentile(times, 99) * 1e3,
            "rss_mib": rss_kib(exporter.process.pid) / 1024}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tasks", type=int, default=50000)
    ap.add_argument("--shards", type=int, default=3)
    ap.add_argument("--scrapes", type=int, default=20)
    ap.add_argument("--no-unsharded", action="store_true", help="skip the unsharded exporter (saves its memory)")
    args = ap.parse_args()
    per_objects, per_tasks = fixture_copy_shape()
    size = max(1, args.tasks // per_tasks) * per_objects
    work = tempfile.mkdtemp(prefix="shard-bench-")
    data = os.path.join(work, "cluster")
    objects = make_cluster(size, data)
    print(f"cluster: {objects} objects, {max(1, size // per_objects) * per_tasks} tasks; {args.shards} shards", flush=True)
    api = StaticAPI(work, data)
    rows, running = [], []
    try:
        started = time.perf_counter()
        shards = [Exporter(work, api.kubeconfig(), extra=("--shard", str(i), "--total-shards", str(args.shards)))
                  for i in range(args.shards)]
        running += shards
        # Ready times first, all shards listing at once (as a rollout does); scrapes only once
        # every shard is ready, one shard at a time, so no scrape competes with a LIST.
        ready = {}
        while len(ready) < len(shards):
            for i, e in enumerate(shards):
                try:
                    if i not in ready and e.ready():
                        ready[i] = time.perf_counter() - started
                except requests.RequestException:
                    pass   # not listening yet
            if not all(e.process.alive() for e in shards):
                raise SystemExit("a shard died")
            time.sleep(0.2)
        for i, e in enumerate(shards):
            row = measure(f"shard {i}/{args.shards}", e, started, args.scrapes)
            row["ready_s"] = ready[i]
            rows.append(row)
        for e in shards:   # the unsharded exporter gets the machine to itself
            e.stop()
        running.clear()
        if not args.no_unsharded:
            started = time.perf_counter()
            whole = Exporter(work, api.kubeconfig())
            running.append(whole)
            rows.append(measure("unsharded", whole, started, args.scrapes))
    finally:
        for e in running:
            e.stop()
        api.stop()
    print("| exporter | ready (s) | object series | body (MiB) | scrape p50 (ms) | scrape p99 (ms) | RSS (MiB) |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['name']} | {r['ready_s']:.1f} | {r['series']} | {r['body_mib']:.1f} | {r['p50_ms']:.0f} | {r['p99_ms']:.0f} | {r['rss_mib']:.0f} |")
    sharded = sum(r["series"] for r in rows if r["name"].startswith("shard"))
    if not args.no_unsharded:
        print(f"object series: shards together {sharded}, unsharded {rows[-1]['series']}"
              f" ({'equal' if sharded == rows[-1]['series'] else 'DIFFERENT'})")


if __name__ == "__main__":
    main()
