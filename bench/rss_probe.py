#!/usr/bin/env python3
"""The exporter's resident memory on bench/exporter_bench.py's static cluster, by mapping.

Starts the static API (bench/static_api.py) with N tasks' copies of the fixture cluster and the
exporter (the e2e harness), then prints `/proc/<pid>/status` RSS and the largest mappings'
resident sizes (from `/proc/<pid>/smaps`: the heap, anonymous mappings, the binary and each
shared library) three times: at ready, after five scrapes asking for gzip (as Prometheus
scrapes; `exporter_bench`'s "RSS gzip scrapes only"), and after three plain scrapes (the exporter
then also keeps the plain body). With --malloc, glibc's account at each stage too (gdb calls
`mallinfo2()` in the process): how much of the anonymous memory is live allocations and how much
freed but kept in the arenas. Stops both processes by PID. No pass/fail.

Usage: bench/rss_probe.py [--tasks 10000] [--malloc]
Environment: SEDNA_EXPORTER_BIN (default: the harness's, .build/debug/sedna-exporter).
"""
import argparse
import collections
import os
import re
import subprocess
import sys
import tempfile
import time

import requests

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import exporter_bench as eb  # noqa: E402
from harness import Exporter  # noqa: E402


def mappings(pid):
    """Resident KiB per mapping name (anonymous mappings together)."""
    out, name = collections.Counter(), None
    for line in open(f"/proc/{pid}/smaps"):
        parts = line.split()
        if "-" in parts[0] and not parts[0].endswith(":"):
            name = os.path.basename(parts[5]) if len(parts) > 5 else "[anon]"
        elif parts[0] == "Rss:":
            out[name] += int(parts[1])
    return out


def heap(pid):
    """glibc's own account (`mallinfo2()` through gdb, every arena): bytes in use, free in the
    arenas, and in mmap'd chunks; None without gdb."""
    try:
        out = subprocess.run(["gdb", "-p", str(pid), "-batch", "-ex", "p mallinfo2()"], capture_output=True,
                             text=True, timeout=60).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    fields = dict(re.findall(r"(\w+) = (\d+)", out))
    if "uordblks" not in fields:
        return None
    mib = lambda k: int(fields[k]) / 2**20
    return f"malloc in use {mib('uordblks'):.1f}, free in arenas {mib('fordblks'):.1f}, mmap'd chunks {mib('hblkhd'):.1f} MiB"


def show(stage, pid, malloc=False):
    status = {l.split(":")[0]: l.split()[1] for l in open(f"/proc/{pid}/status") if l.startswith(("VmRSS", "RssAnon", "RssFile"))}
    top = ", ".join(f"{k} {v / 1024:.1f}" for k, v in mappings(pid).most_common(9))
    print(f"{stage}: VmRSS {int(status['VmRSS']) / 1024:.1f} MiB (anonymous {int(status['RssAnon']) / 1024:.1f}, "
          f"files {int(status['RssFile']) / 1024:.1f}); by mapping (MiB): {top}", flush=True)
    if malloc and (h := heap(pid)):
        print(f"  {h}", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tasks", type=int, default=10000)
    ap.add_argument("--malloc", action="store_true",
                    help="also glibc's in-use and free bytes at each stage (gdb attaches: the process pauses for a moment)")
    args = ap.parse_args()
    per_objects, per_tasks = eb.fixture_copy_shape()
    with tempfile.TemporaryDirectory(prefix="sedna-rss-") as work:
        data = os.path.join(work, "cluster")
        objects = eb.make_cluster(max(1, args.tasks // per_tasks) * per_objects, data)
        api = eb.StaticAPI(work, data)
        e = Exporter(work, api.kubeconfig())
        try:
            e.wait_ready(timeout=600)
            time.sleep(2)
            print(f"{objects} objects")
            show("ready", e.process.pid, args.malloc)
            for _ in range(5):
                requests.get(e.url + "/metrics", headers={"Accept-Encoding": "gzip"}, stream=True, timeout=120).raw.read()
            time.sleep(1)
            show("after 5 gzip scrapes", e.process.pid, args.malloc)
            for _ in range(3):
                eb.Client(e.port).get()
            time.sleep(1)
            show("after 3 plain scrapes", e.process.pid, args.malloc)
        finally:
            e.process.stop()
            api.process.stop()


if __name__ == "__main__":
    main()
