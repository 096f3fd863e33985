#!/usr/bin/env python3
"""Intake benchmark: `sedna-exporter serve`'s Pushgateway-compatible API against Debian's
prometheus-pushgateway, side by side in one run.

Both get identical 20-series PUT bodies from the same wrk Lua script (16 connections, 2 wrk
threads, each request to the next of N group names: /metrics/job/bench/instance/i<k>). Before
each measurement every one of the N groups is pushed once (so the store holds N groups, the
state the numbers are about); the Pushgateway starts with a fresh --persistence.file in a
temporary directory. The exporter runs against an empty read-only API (bench/static_api.py),
push auth off, every check on (types and help against the other groups, duplicate series,
label and size limits). Rounds alternate the two servers and the median is printed, with the
CPU time each server spent per request (utime+stime from /proc over the run: steadier than
req/s on a shared machine). Everything listens on 127.0.0.1; servers are started and stopped
by PID. At the first size each server also answers a trivial GET under the same wrk load (ours
/healthz, the Pushgateway /-/healthy): the HTTP stack's own cost here, the ceiling for any push.
No pass/fail here: numbers on a shared 2-core machine are noisy, the ratios are the point.

With bench/http_floor built (`swift build -c release --package-path bench/http_floor`: the
same Hummingbird, answering the same PUTs by reading the body and nothing else), each round at
the first size also measures it under the identical wrk script: what the HTTP stack alone costs
for exactly this request, the floor for any push on this stack and machine.

Usage: bench/intake_bench.py [--groups 1000,10000] [--seconds 10] [--rounds 3] [--connections 16]
Environment: SEDNA_EXPORTER_BIN (default .build/release/sedna-exporter), SEDNA_HTTP_FLOOR_BIN
(default bench/http_floor/.build/release/http-floor; skipped when absent).
"""
import argparse
import concurrent.futures
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

import requests

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from exporter_bench import StaticAPI, rss_kib  # noqa: E402
from harness import Exporter, Process, free_port, wait_for  # noqa: E402


def body():
    """20 series in 4 families, as a training worker's push_to_gateway would send them."""
    out = []
    for name, typ, help_ in [("bench_step_seconds", "gauge", "Seconds per step."),
                             ("bench_samples_total", "counter", "Samples seen."),
                             ("bench_loss", "gauge", "Loss."),
                             ("bench_accuracy", "gauge", "Accuracy.")]:
        out.append(f"# HELP {name} {help_}\n# TYPE {name} {typ}\n")
        for i, phase in enumerate(["train", "eval", "test", "infer", "warmup"]):
            out.append(f'{name}{{phase="{phase}"}} {i * 1.5 + 0.25}\n')
    return "".join(out)


LUA = r"""
local groups = %(groups)d
local counter = 0
local threads = {}
wrk.method = "PUT"
wrk.body = %(body)s
wrk.headers["Content-Type"] = "text/plain; version=0.0.4; charset=utf-8"

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  counter = id * 7919
end

function request()
  counter = counter + 1
  return wrk.format(nil, "/metrics/job/bench/instance/i" .. (counter %% groups))
end
"""


def lua_script(groups, path):
    text = body()
    with open(path, "w") as f:
        f.write(LUA % {"groups": groups, "body": "[==[" + text + "]==]"})
    return path


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def prefill(url, groups, budget):
    """Pushes every group once (16 at a time); returns how many were stored within `budget` s."""
    deadline = time.monotonic() + budget
    data = body().encode()
    session = requests.Session()

    def put(k):
        if time.monotonic() > deadline:
            return False
        r = session.put(f"{url}/metrics/job/bench/instance/i{k}", data=data, timeout=60,
                        headers={"Content-Type": "text/plain; version=0.0.4"})
        r.raise_for_status()
        return True

    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        return sum(pool.map(put, range(groups)))


def wrk(url, script, seconds, connections):
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", script, url],
                         capture_output=True, text=True, timeout=seconds + 60).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    p99 = re.search(r"99%\s+(\S+)", out)
    return {"rps": rps, "requests": total, "non2xx": int(bad.group(1)) if bad else 0,
            "socket_errors": errors.group(1) if errors else "", "p99": p99.group(1) if p99 else "?"}


class Pushgateway:
    def __init__(self, work):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.dir = tempfile.mkdtemp(prefix="pgw-", dir=work)
        self.process = Process(["prometheus-pushgateway", f"--web.listen-address=127.0.0.1:{self.port}",
                                f"--persistence.file={self.dir}/pushgateway.data", "--log.level=warn"],
                               os.path.join(work, f"pushgateway-{self.port}.log"))
        wait_for(lambda: requests.get(self.url + "/-/ready", timeout=5).status_code == 200, 60, what="pushgateway")

    def stop(self):
        self.process.stop()


class Ours:
    def __init__(self, work, api):
        self.exporter = Exporter(work, api.kubeconfig(), extra=["--max-groups", "100000", "--log-level", "warning"])
        self.exporter.wait_ready(120)
        self.url = self.exporter.url
        self.process = self.exporter.process

    def stop(self):
        self.exporter.stop()


class HTTPFloor:
    """bench/http_floor: Hummingbird reading each PUT's body and answering 200, nothing else."""

    def __init__(self, work, binary):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = Process([binary, str(self.port)], os.path.join(work, f"http-floor-{self.port}.log"))
        wait_for(lambda: requests.get(self.url + "/healthz", timeout=5).status_code == 200, 60, what="http-floor")

    def stop(self):
        self.process.stop()


def measure_floor(server, path, seconds, connections):
    """The server's trivial GET endpoint under the same wrk load: what its HTTP stack alone
    costs on this machine, the ceiling for any request that also carries a body."""
    cpu0 = cpu_seconds(server.process.pid)
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", server.url + path],
                         capture_output=True, text=True, timeout=seconds + 60).stdout
    n = int(re.search(r"(\d+) requests in", out).group(1))
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "cpu_us_per_req": (cpu_seconds(server.process.pid) - cpu0) / max(1, n) * 1e6}


def measure(server, groups, args, work, prefill_budget):
    stored = prefill(server.url, groups, prefill_budget)
    script = lua_script(groups, os.path.join(work, f"push-{groups}.lua"))
    cpu0 = cpu_seconds(server.process.pid)
    r = wrk(server.url, script, args.seconds, args.connections)
    r["cpu_us_per_req"] = (cpu_seconds(server.process.pid) - cpu0) / max(1, r["requests"]) * 1e6
    r["prefilled"] = stored
    r["rss_mib"] = rss_kib(server.process.pid) / 1024
    return r


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--groups", default="1000,10000")
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--pushgateway-prefill-seconds", type=float, default=120,
                    help="time allowed to push every group once into the Pushgateway (its pushes slow down as it fills)")
    args = ap.parse_args()
    binary = os.environ.get("SEDNA_EXPORTER_BIN") or os.path.join(ROOT, ".build", "release", "sedna-exporter")
    os.environ["SEDNA_EXPORTER_BIN"] = binary
    sizes = [int(s) for s in args.groups.split(",")]
    print(f"# intake bench: {binary}; wrk -t2 -c{args.connections} -d{args.seconds}s, 20-series PUT bodies "
          f"({len(body())} bytes), {args.rounds} rounds; shared 2-core machine: noisy, read the ratios", flush=True)
    results, floors = {}, {}
    floor_bin = os.environ.get("SEDNA_HTTP_FLOOR_BIN") or os.path.join(HERE, "http_floor", ".build", "release", "http-floor")
    if not os.path.exists(floor_bin):
        print(f"# {floor_bin} absent: no PUT floor (swift build -c release --package-path bench/http_floor)", flush=True)
        floor_bin = None
    with tempfile.TemporaryDirectory(prefix="intake-bench-") as work:
        empty = os.path.join(work, "empty")
        os.makedirs(empty)
        for r in ["nodes", "pods"]:
            json.dump({"items": []}, open(os.path.join(empty, r + ".json"), "w"))
        api = StaticAPI(work, empty)
        try:
            for groups in sizes:
                for rnd in range(args.rounds):
                    for name in ["ours", "pushgateway"]:
                        server = Ours(work, api) if name == "ours" else Pushgateway(work)
                        try:
                            budget = args.pushgateway_prefill_seconds if name == "pushgateway" else 600
                            r = measure(server, groups, args, work, budget)
                            if groups == sizes[0]:
                                fl = measure_floor(server, "/healthz" if name == "ours" else "/-/healthy",
                                                   args.seconds, args.connections)
                                floors.setdefault(name, []).append(fl)
                                print(f"round={rnd + 1} {name} trivial GET: {fl['rps']:.0f} req/s, "
                                      f"{fl['cpu_us_per_req']:.0f} us CPU/req", flush=True)
                        finally:
                            server.stop()
                        results.setdefault((groups, name), []).append(r)
                        print(f"groups={groups} round={rnd + 1} {name}: {r['rps']:.0f} req/s, "
                              f"{r['cpu_us_per_req']:.0f} us CPU/req, p99 {r['p99']}, non-2xx {r['non2xx']} "
                              f"{r['socket_errors']}, prefilled {r['prefilled']}/{groups}, RSS {r['rss_mib']:.0f} MiB", flush=True)
                    if floor_bin and groups == sizes[0]:
                        server = HTTPFloor(work, floor_bin)
                        try:
                            script = lua_script(groups, os.path.join(work, f"push-{groups}.lua"))
                            cpu0 = cpu_seconds(server.process.pid)
                            fl = wrk(server.url, script, args.seconds, args.connections)
                            fl["cpu_us_per_req"] = (cpu_seconds(server.process.pid) - cpu0) / max(1, fl["requests"]) * 1e6
                        finally:
                            server.stop()
                        floors.setdefault("hummingbird_put", []).append(fl)
                        print(f"round={rnd + 1} Hummingbird alone, the same PUTs (body read, nothing stored): "
                              f"{fl['rps']:.0f} req/s, {fl['cpu_us_per_req']:.0f} us CPU/req, non-2xx {fl['non2xx']}", flush=True)
        finally:
            api.stop()
    print()
    print("| groups | ours req/s | Pushgateway req/s | ratio | ours CPU/req | Pushgateway CPU/req | CPU ratio |")
    print("|---|---|---|---|---|---|---|")
    med = {}
    for groups in sizes:
        o, p = results[(groups, "ours")], results[(groups, "pushgateway")]
        orps, prps = statistics.median(x["rps"] for x in o), statistics.median(x["rps"] for x in p)
        ocpu, pcpu = statistics.median(x["cpu_us_per_req"] for x in o), statistics.median(x["cpu_us_per_req"] for x in p)
        med[groups] = (orps, ocpu)
        print(f"| {groups:,} | {orps:,.0f} | {prps:,.0f} | {orps / prps:.1f}x | {ocpu:.0f} us | {pcpu:.0f} us | {pcpu / ocpu:.1f}x |")
    print("\nHTTP floor (under the same wrk load: a trivial GET, ours /healthz and the Pushgateway /-/healthy; "
          "hummingbird_put: bench/http_floor answering the same PUTs):")
    for name, runs in floors.items():
        print(f"  {name}: {statistics.median(x['rps'] for x in runs):,.0f} req/s, "
              f"{statistics.median(x['cpu_us_per_req'] for x in runs):.0f} us CPU/req")
    if len(sizes) >= 2:
        a, b = sizes[0], sizes[-1]
        print(f"\nours {a:,} -> {b:,} groups: {med[a][0] / med[b][0]:.2f}x slower by req/s, "
              f"{med[b][1] / med[a][1]:.2f}x by CPU per request (medians)")


if __name__ == "__main__":
    main()
