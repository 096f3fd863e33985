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

Side by side with nginx (Debian's, started here on 127.0.0.1 with a temporary config and stopped
by PID): the exact body one scrape returned is written to a file that nginx serves as it is, and
gzip'd (level 5, like ours) for `gzip_static`; scrapes alternate ours / nginx over one keep-alive
connection each, so machine noise hits both alike. Also per size: scrape latency while every
watch is cut with 410 Gone and the exporter relists everything (bench/static_api.py
/bench/expire), once with every object back as it was and once with every pod's samples
changed (a restart more), each with plain and with gzip scrapes, RSS against the bound 1.5 x body + 30 MiB (once after gzip scrapes only, as
Prometheus scrapes, and once after plain scrapes too, when a plain body is also kept), and the
growth of the scrape time from one size to the next (linear cost: 10x the tasks should cost <= 10.5x).
Before those, with nothing scraping, what a relist costs: the exporter's CPU and wall time from
the 410 until every resource is listed and applied, twice with every object back as it was
(the items it holds as listed are not parsed again) and once with every pod changed, beside the
API server's CPU for the same LISTs.

With --simulated-tasks and --churn-seconds, the churn run scrapes back to back for that long,
samples the exporter's RSS every second and plots it (--plot, matplotlib), then stops the
simulator and scrapes the same, now still, body for the idle p99 it compares with. It also
prints the CPU the exporter, the simulator (the load generator: API server, LC stand-in and every
worker) and this client used over the churn window, in cores: how much of the two cores each had.
With --simulator-nice N every thread of the simulator runs at nice N during the churn window (a
diagnostic: whether the exporter's slow scrapes are the load generator's CPU on the same two
cores; a real cluster's API server and workers run elsewhere). With --churn-peer, nginx serves
the exporter's latest body (its file replaced, outside the timed requests, by what the exporter
answered, every 2 s of the churn window and again for the idle one) and every scrape of ours is
followed by one of nginx's over its own connection, churn and idle alike: nginx's churn / idle
ratio is what the same load does to a server that does no work per scrape but send a file,
the floor for ours on this machine.

Usage: bench/exporter_bench.py [--sizes 1000,10000[,50000]] [--scrapes 50] [--simulated-tasks 10,50]
                               [--churn-seconds 600 --plot churn-rss.png [--simulator-nice 19] [--churn-peer]]
                               [--recreate-after 300 --max-groups 20000]
                               [--no-nginx] [--no-relist]
Environment: SEDNA_EXPORTER_BIN (default: builds .build/release/sedna-exporter).
"""
import argparse
import copy
import gzip
import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
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
        if not self.process.alive():
            raise RuntimeError("the static API exited:\n" + self.process.output())


class Client:
    """One keep-alive HTTP/1.1 connection; returns the body as sent (gzip stays compressed: the
    point is what the server does, and inflating would add the same cost to both sides)."""

    def __init__(self, port):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def get(self, path="/metrics", gzip_ok=False):
        headers = {"Accept-Encoding": "gzip" if gzip_ok else "identity"}
        try:
            self.conn.request("GET", path, headers=headers)
            r = self.conn.getresponse()
        except (http.client.HTTPException, OSError):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            self.conn.request("GET", path, headers=headers)
            r = self.conn.getresponse()
        body = r.read()
        assert r.status == 200, r.status
        assert (r.getheader("Content-Encoding") == "gzip") == gzip_ok, r.getheader("Content-Encoding")
        return body

    def timed(self, gzip_ok=False):
        return self.timed_body(gzip_ok)[0]

    def timed_body(self, gzip_ok=False):
        """(seconds, the body as sent)."""
        t = time.perf_counter()
        body = self.get(gzip_ok=gzip_ok)
        return time.perf_counter() - t, body


class Nginx:
    """Debian's nginx serving `body` at /metrics, and its gzip for gzip_static."""

    def __init__(self, work, body):
        self.dir = tempfile.mkdtemp(prefix="nginx-", dir=work)
        www = os.path.join(self.dir, "www")
        os.makedirs(www)
        with open(os.path.join(www, "metrics"), "wb") as f:
            f.write(body)
        with open(os.path.join(www, "metrics.gz"), "wb") as f:
            f.write(gzip.compress(body, compresslevel=5, mtime=0))
        self.port = free_port()
        d = self.dir
        # The worker would otherwise drop to www-data, which cannot read the 0700 temp directories.
        user = "user root;\n" if os.geteuid() == 0 else ""
        conf = f"""{user}worker_processes 1;
daemon off;
pid {d}/nginx.pid;
error_log {d}/error.log;
events {{ worker_connections 64; }}
http {{
  access_log off;
  client_body_temp_path {d}/t1; proxy_temp_path {d}/t2; fastcgi_temp_path {d}/t3; uwsgi_temp_path {d}/t4; scgi_temp_path {d}/t5;
  sendfile on; tcp_nopush on; keepalive_requests 1000000; keepalive_timeout 300s;
  server {{
    listen 127.0.0.1:{self.port};
    root {www};
    location = /metrics {{ default_type "text/plain; version=0.0.4; charset=utf-8"; gzip_static on; }}
  }}
}}
"""
        with open(os.path.join(d, "nginx.conf"), "w") as f:
            f.write(conf)
        self.process = Process(["nginx", "-c", os.path.join(d, "nginx.conf"), "-p", d], os.path.join(d, "nginx.log"))
        try:
            wait_for(lambda: self._up() or not self.process.alive(), 30, what="nginx")
        except Exception:
            self.process.stop()
            raise

    def _up(self):
        try:
            return requests.get(f"http://127.0.0.1:{self.port}/metrics", timeout=5).status_code == 200
        except requests.RequestException:
            return False

    def replace(self, body, gzip_ok):
        """Serves `body` from now on: as the plain file, or (`gzip_ok`: a gzip member as sent) as
        the one `gzip_static` sends. Renamed into place: a request never reads half a file."""
        name = os.path.join(self.dir, "www", "metrics.gz" if gzip_ok else "metrics")
        with open(name + ".new", "wb") as f:
            f.write(body)
        os.replace(name + ".new", name)

    def stop(self):
        self.process.stop()


def side_by_side(ours, peer, scrapes, gzip_ok):
    """Alternating scrapes; (our times, peer times)."""
    a, b = [], []
    for _ in range(scrapes):
        a.append(ours.timed(gzip_ok))
        b.append(peer.timed(gzip_ok))
    return a, b


PUSH_PROBE = """
import http.client, sys, time
port, seconds = int(sys.argv[1]), float(sys.argv[2])
body = "".join(f'relist_probe_value{{step="{i}"}} {i}\\n' for i in range(20)).encode()
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
end = time.perf_counter() + seconds
while time.perf_counter() < end:
    t = time.perf_counter()
    conn.request("PUT", "/metrics/job/relist-probe/instance/p", body=body)
    r = conn.getresponse(); r.read()
    assert r.status == 200, r.status
    print(time.perf_counter() - t, flush=True)
    time.sleep(0.01)
"""


def push_probe(port, seconds):
    """A worker pushing 20 series every 10 ms from a process of its own (not this one's GIL),
    for `seconds`; call .latencies() for the request times."""
    p = subprocess.Popen([sys.executable, "-c", PUSH_PROBE, str(port), str(seconds)], stdout=subprocess.PIPE, text=True)

    class Probe:
        def latencies(self):
            out, _ = p.communicate(timeout=seconds + 120)
            assert p.returncode == 0, f"push probe failed ({p.returncode})"
            return [float(x) for x in out.split()]
    return Probe()


def relist_latency(e, api, client, idle_seconds, changed=False, gzip_ok=False):
    """Scrapes back to back, and a push every 10 ms, while every watch is cut with 410 and
    everything is relisted; the same client and the same pushes idle just before. `changed`:
    every pod comes back from the relist with a restart more (the exported samples of 2/3 of the
    objects change); otherwise the relist brings the objects back as they were."""
    def lists():
        return counter_sum(client.get().decode(), "sedna_exporter_list_requests_total")

    window = max(5.0, 4 * idle_seconds)
    idle_pushes = push_probe(e.port, window)
    idle, t0 = [], time.perf_counter()
    while time.perf_counter() - t0 < window:
        idle.append(client.timed(gzip_ok))
    idle_push = idle_pushes.latencies()
    before = lists()
    pushes = push_probe(e.port, window)
    requests.post(api.url + "/bench/expire" + ("?changed=1" if changed else ""), timeout=60).raise_for_status()
    times, t0 = [], time.perf_counter()
    while time.perf_counter() - t0 < window:
        times.append(client.timed(gzip_ok))
    during_push = pushes.latencies()
    relisted = lists() - before
    return {"relist_window_s": window, "relist_scrapes": len(times), "relist_list_requests": relisted,
            "relist_idle_p99_ms": percentile(idle, 99) * 1e3, "relist_idle_max_ms": max(idle) * 1e3,
            "relist_p50_ms": percentile(times, 50) * 1e3, "relist_p99_ms": percentile(times, 99) * 1e3,
            "relist_max_ms": max(times) * 1e3,
            "push_idle_p99_ms": percentile(idle_push, 99) * 1e3, "push_idle_max_ms": max(idle_push) * 1e3,
            "push_relist_p99_ms": percentile(during_push, 99) * 1e3, "push_relist_max_ms": max(during_push) * 1e3,
            "push_relist_count": len(during_push)}


def relist_cost(e, api, changed=False, resources=13):
    """Every watch cut with 410 and nothing scraping: the exporter's CPU and wall time from the
    expiry until all `resources` have relisted and applied (their "listed" log lines), and the
    API server's CPU for the same LISTs. Unchanged, a relist finds every item as it holds it
    (`sedna_exporter_list_items_total{result="unchanged"}`); `changed`: every pod restarted."""
    def listed():
        return e.process.output().count(" listed")

    n0, c0, a0 = listed(), cpu_seconds(e.process.pid), cpu_seconds(api.process.pid)
    t0 = time.perf_counter()
    requests.post(api.url + "/bench/expire" + ("?changed=1" if changed else ""), timeout=60).raise_for_status()
    wait_for(lambda: listed() >= n0 + resources, 300, what="the relist of every resource")
    wall = time.perf_counter() - t0
    return {"wall_s": wall, "exporter_cpu_s": cpu_seconds(e.process.pid) - c0, "api_cpu_s": cpu_seconds(api.process.pid) - a0}


def cpu_seconds(pid):
    """User + system CPU time the process has used, from /proc/<pid>/stat."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Renicer(threading.Thread):
    """Keeps every thread of `pid` at nice `value` (Linux nice is per thread; threads started
    later inherit their creator's), re-applied every half second until stopped, and the
    process's autogroup too: with `kernel.sched_autogroup_enabled` (Debian's default) each
    session is scheduled as one group and nice only orders threads inside it; the harness starts
    every process in a session of its own."""

    def __init__(self, pid, value):
        super().__init__(daemon=True)
        self.pid, self.value, self.stopping = pid, value, threading.Event()

    def run(self):
        try:
            with open(f"/proc/{self.pid}/autogroup", "w") as f:
                f.write(str(self.value))
        except OSError:
            pass
        while not self.stopping.is_set():
            try:
                for tid in os.listdir(f"/proc/{self.pid}/task"):
                    try:
                        os.setpriority(os.PRIO_PROCESS, int(tid), self.value)
                    except OSError:
                        pass
            except OSError:
                return
            self.stopping.wait(0.5)

    def stop(self):
        self.stopping.set()
        self.join()


class RSSSampler(threading.Thread):
    def __init__(self, pid, every=1.0):
        super().__init__(daemon=True)
        self.pid, self.every, self.samples, self.stopping = pid, every, [], threading.Event()

    def run(self):
        t0 = time.perf_counter()
        while not self.stopping.is_set():
            try:
                self.samples.append((time.perf_counter() - t0, rss_kib(self.pid) / 1024))
            except OSError:
                return
            self.stopping.wait(self.every)

    def stop(self):
        self.stopping.set()
        self.join()


def plot_rss(samples, path, title):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(8, 3.5))
    ax.plot([t / 60 for t, _ in samples], [r for _, r in samples], lw=1)
    ax.set_xlabel("minutes")
    ax.set_ylabel("RSS (MiB)")
    ax.set_ylim(bottom=0)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    with open(os.path.splitext(path)[0] + ".csv", "w") as f:
        f.write("seconds,rss_mib\n" + "".join(f"{t:.1f},{r:.1f}\n" for t, r in samples))


def fixture_copy_shape():
    """(objects, tasks) in one copy of the fixture cluster (nodes excluded: they are not copied)."""
    base = {r[:-5]: json.load(open(os.path.join(FIXTURES, r)))["items"] for r in os.listdir(FIXTURES)}
    objects = sum(len(v) for r, v in base.items() if r != "nodes")
    tasks = sum(len(v) for r, v in base.items() if r not in ("nodes", "pods", "datasets", "models"))
    return objects, tasks


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
                # The worker's task by name and by UID (the GM sets both; sharding goes by the
                # UID): both must point at this copy's task.
                for k in list(labels):
                    if k.endswith((".sedna.io/name", ".sedna.io/uid")):
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


def run(size, scrapes, binary, work, nginx=True, relist=True):
    data = os.path.join(work, f"cluster-{size}")
    objects = make_cluster(size, data)
    t = time.perf_counter()
    api = StaticAPI(work, data)
    load_s = time.perf_counter() - t
    os.environ["SEDNA_EXPORTER_BIN"] = binary
    e = Exporter(work, api.kubeconfig())
    peer_server = None
    row = {}
    try:
        t = time.perf_counter()
        e.wait_ready(timeout=1800)
        ready_s = time.perf_counter() - t
        # As Prometheus scrapes (it asks for gzip): the exporter then keeps no plain body.
        for _ in range(5):
            requests.get(e.url + "/metrics", headers={"Accept-Encoding": "gzip"}, timeout=60, stream=True).raw.read()
        rss_gzip = rss_kib(e.process.pid)
        text = e.metrics()
        series = sum(1 for l in text.splitlines() if l and not l.startswith("#"))
        times = scrape_times(e.url, scrapes)
        gz = requests.get(e.url + "/metrics", headers={"Accept-Encoding": "gzip"}, timeout=60, stream=True).raw.read()
        rss = rss_kib(e.process.pid)
        ours = Client(e.port)
        if nginx:
            body = ours.get()
            peer_server = Nginx(work, body)
            peer = Client(peer_server.port)
            a, b = side_by_side(ours, peer, scrapes, False)
            ag, bg = side_by_side(ours, peer, scrapes, True)
            row.update({"ours_p50_ms": percentile(a, 50) * 1e3, "ours_p99_ms": percentile(a, 99) * 1e3,
                        "nginx_p50_ms": percentile(b, 50) * 1e3, "nginx_p99_ms": percentile(b, 99) * 1e3,
                        "ours_gzip_p50_ms": percentile(ag, 50) * 1e3, "ours_gzip_p99_ms": percentile(ag, 99) * 1e3,
                        "nginx_gzip_p50_ms": percentile(bg, 50) * 1e3, "nginx_gzip_p99_ms": percentile(bg, 99) * 1e3,
                        "nginx_gzip_bytes": len(peer.get(gzip_ok=True))})
        if relist:
            time.sleep(1)
            for label, changed in (("unchanged", False), ("unchanged_again", False), ("changed", True)):
                row.update({f"relist_cost_{label}_{k}": v for k, v in relist_cost(e, api, changed=changed).items()})
                time.sleep(1)
            row.update(relist_latency(e, api, ours, percentile(times, 50)))
            row.update({"changed_" + k: v for k, v in relist_latency(e, api, ours, percentile(times, 50), changed=True).items()})
            for prefix, changed in (("gzip_", False), ("gzip_changed_", True)):
                row.update({prefix + k: v for k, v in relist_latency(e, api, ours, 0, changed=changed, gzip_ok=True).items()})
        row["rss_after_mib"] = rss_kib(e.process.pid) / 1024
        peer_times = peer_render_seconds(text, max(5, scrapes // 5))
    finally:
        if peer_server:
            peer_server.stop()
        e.stop()
        api.stop()
    ours_p50 = percentile(times, 50)
    peer_p50 = percentile(peer_times, 50)
    body_mib = len(text.encode()) / 2**20
    per_objects, per_tasks = fixture_copy_shape()
    return {"objects": objects, "tasks": max(1, size // per_objects) * per_tasks, "series": series, "api_load_s": load_s, "ready_s": ready_s,
            "scrape_p50_ms": ours_p50 * 1e3, "scrape_p99_ms": percentile(times, 99) * 1e3,
            "body_bytes": len(text.encode()), "gzip_bytes": len(gz), "rss_mib": rss / 1024, "rss_gzip_only_mib": rss_gzip / 1024,
            "rss_bound_mib": 1.5 * body_mib + 30,
            "peer_render_p50_ms": peer_p50 * 1e3, "peer_over_ours": peer_p50 / ours_p50, **row}


def counter_sum(text, family):
    """The sum of a family's samples; `family` may end with a full label set (one sample)."""
    return sum(float(l.rsplit(" ", 1)[1]) for l in text.splitlines()
               if l.startswith(family + "{") or l.startswith(family + " ") or (family.endswith("}") and l.startswith(family)))


def run_simulated(tasks, scrapes, binary, work, speed=4.0, churn_seconds=0, plot=None, recreate_after=0, max_groups=2000,
                  scrape_log=None, simulator_nice=0, body_max_age=0.0, churn_gzip=False, churn_peer=False):
    os.environ["SEDNA_EXPORTER_BIN"] = binary
    port = free_port()
    sim = Simulator(work, intake_url=f"http://127.0.0.1:{port}", speed=speed,
                    extra=["--tasks", str(tasks), "--recreate-learning-jobs-after", str(recreate_after)])
    e = Exporter(work, sim.kubeconfig(), port=port,
                 extra=["--max-groups", str(max_groups)] + (["--scrape-body-max-age", str(body_max_age)] if body_max_age else []))
    extra = {}
    nginx = None
    try:
        t = time.perf_counter()
        e.wait_ready(timeout=600)
        ready_s = time.perf_counter() - t
        time.sleep(10)  # let pods, reports and pushes flow
        client = Client(e.port)  # a long timeout: a loaded exporter may take more than 10 s
        before, t0 = client.get().decode(), time.perf_counter()
        if churn_peer:
            nginx = Nginx(work, before.encode())
            peer = Client(nginx.port)
            peer_times, peer_idle = [], []
        sampler = None
        if churn_seconds:
            sampler = RSSSampler(e.process.pid)
            sampler.start()
            renicer = Renicer(sim.process.pid, simulator_nice) if simulator_nice else None
            if renicer:
                renicer.start()
            times, starts = [], []
            cpu0 = {"exporter": cpu_seconds(e.process.pid), "simulator": cpu_seconds(sim.process.pid),
                    "client": sum(os.times()[:2])}
            replaced = time.perf_counter()
            while time.perf_counter() - t0 < churn_seconds:
                starts.append(time.monotonic())
                took, body = client.timed_body(churn_gzip)
                times.append(took)
                if nginx:
                    if time.perf_counter() - replaced >= 2:
                        nginx.replace(body, churn_gzip)
                        replaced = time.perf_counter()
                    peer_times.append(peer.timed(churn_gzip))
            window = time.perf_counter() - t0
            cpu1 = {"exporter": cpu_seconds(e.process.pid), "simulator": cpu_seconds(sim.process.pid),
                    "client": sum(os.times()[:2])}
            if renicer:
                renicer.stop()
            extra["simulator_nice"] = simulator_nice
            extra.update({f"{k}_cores": (cpu1[k] - cpu0[k]) / window for k in cpu0})
            extra["body_max_age_s"] = body_max_age
            extra["churn_gzip"] = churn_gzip
            if scrape_log:
                # CLOCK_MONOTONIC, as `perf record -k CLOCK_MONOTONIC`: slow scrapes can be found in a trace.
                with open(scrape_log, "w") as f:
                    f.write(f"# exporter pid {e.process.pid}, simulator pid {sim.process.pid}\nstart_monotonic_s,seconds\n")
                    f.writelines(f"{a:.6f},{b:.6f}\n" for a, b in zip(starts, times))
        else:
            times = scrape_times(e.url, scrapes)
            time.sleep(max(0.0, 10 - (time.perf_counter() - t0)))  # a window long enough to count churn
        text, elapsed = client.get().decode(), time.perf_counter() - t0
        events = counter_sum(text, "sedna_exporter_watch_events_total") - counter_sum(before, "sedna_exporter_watch_events_total")
        intake = (counter_sum(text, "sedna_intake_reports_total") + counter_sum(text, "sedna_intake_pushes_total")
                  - counter_sum(before, "sedna_intake_reports_total") - counter_sum(before, "sedna_intake_pushes_total"))
        objects = int(counter_sum(text, "sedna_exporter_objects"))
        extra["coalesced_scrapes"] = counter_sum(text, "sedna_exporter_scrape_bodies_coalesced_total")
        # How much of the gzip'd bodies was deflated anew over the window (segments kept between
        # bodies); absent from builds before these counters.
        for part in ("objects", "pushes"):
            for result in ("deflated", "reused"):
                family = f'sedna_exporter_gzip_segments_total{{part="{part}",result="{result}"}}'
                extra[f"gzip_{part}_segments_{result}"] = counter_sum(text, family) - counter_sum(before, family)
            family = f'sedna_exporter_gzip_deflated_bytes_total{{part="{part}"}}'
            extra[f"gzip_{part}_deflated_mib"] = (counter_sum(text, family) - counter_sum(before, family)) / 2**20
        series = sum(1 for l in text.splitlines() if l and not l.startswith("#"))
        rss = rss_kib(e.process.pid)
        if sampler:
            sampler.stop()
            rs = [r for _, r in sampler.samples]
            # RSS over the first and the last tenth of the run: flat means no growth between them.
            n = max(1, len(rs) // 10)
            extra.update({"churn_seconds": elapsed, "churn_scrapes": len(times), "rss_first_tenth_mib": sum(rs[:n]) / n,
                          "rss_last_tenth_mib": sum(rs[-n:]) / n, "rss_max_mib": max(rs)})
            if plot:
                plot_rss(sampler.samples, plot, f"sedna-exporter RSS, simulate --tasks {tasks} --speed {speed}, scraped back to back")
                extra["plot"] = plot
            # The same body, still: the simulator gone, nothing changes the store any more.
            sim.stop()
            time.sleep(3)
            if nginx:
                nginx.replace(client.get(gzip_ok=churn_gzip), churn_gzip)
            idle = []
            for _ in range(max(scrapes, 100)):
                idle.append(client.timed(churn_gzip))
                if nginx:
                    peer_idle.append(peer.timed(churn_gzip))
            extra.update({"idle_p50_ms": percentile(idle, 50) * 1e3, "idle_p99_ms": percentile(idle, 99) * 1e3,
                          "churn_p99_over_idle_p99": percentile(times, 99) / percentile(idle, 99)})
            if nginx:
                extra.update({"peer_churn_p50_ms": percentile(peer_times, 50) * 1e3,
                              "peer_churn_p99_ms": percentile(peer_times, 99) * 1e3,
                              "peer_idle_p99_ms": percentile(peer_idle, 99) * 1e3,
                              "peer_churn_p99_over_idle_p99": percentile(peer_times, 99) / percentile(peer_idle, 99)})
        peer = peer_render_seconds(text, max(5, scrapes // 5))
    finally:
        if nginx:
            nginx.stop()
        e.stop()
        sim.stop()
    ours_p50 = percentile(times, 50)
    peer_p50 = percentile(peer, 50)
    return {"tasks": tasks, "objects": objects, "series": series, "ready_s": ready_s, "events_per_s": events / elapsed,
            "intake_per_s": intake / elapsed, "scrape_p50_ms": ours_p50 * 1e3, "scrape_p99_ms": percentile(times, 99) * 1e3,
            "rss_mib": rss / 1024, "peer_render_p50_ms": peer_p50 * 1e3, "peer_over_ours": peer_p50 / ours_p50, **extra}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,10000", help="objects per run")
    ap.add_argument("--tasks", default="", help="tasks per run instead of --sizes (copies of the fixture cluster's tasks with their "
                                                "pods, datasets and models: 1,000 tasks are about 2,900 objects)")
    ap.add_argument("--scrapes", type=int, default=50)
    ap.add_argument("--simulated-tasks", default="", help="comma-separated --tasks values for the simulated cluster")
    ap.add_argument("--churn-seconds", type=float, default=0, help="with --simulated-tasks: scrape back to back this long, sampling RSS")
    ap.add_argument("--plot", default="", help="with --churn-seconds: PNG of RSS over time (a .csv of the samples beside it)")
    ap.add_argument("--recreate-after", type=float, default=0,
                    help="with --simulated-tasks: simulated seconds after which each IL/LL job is deleted and applied "
                         "again (simulate --recreate-learning-jobs-after), holding the cluster at a steady size; 0: never")
    ap.add_argument("--max-groups", type=int, default=2000, help="with --simulated-tasks: the exporter's --max-groups")
    ap.add_argument("--scrape-log", default="", help="with --churn-seconds: CSV of each scrape's start (CLOCK_MONOTONIC) "
                                                    "and duration, the PIDs in its first line")
    ap.add_argument("--simulator-speed", type=float, default=4.0, help="with --simulated-tasks: simulate --speed (simulated "
                                                                     "seconds per second; more churn per second)")
    ap.add_argument("--simulator-nice", type=int, default=0, help="with --churn-seconds: the simulator's threads at this nice "
                                                                 "value during the churn window (a diagnostic; 0: unchanged)")
    ap.add_argument("--scrape-body-max-age", type=float, default=0, help="with --simulated-tasks: the exporter's "
                    "--scrape-body-max-age (a changed body younger than this is served while a newer one is built behind it)")
    ap.add_argument("--churn-gzip", action="store_true", help="with --churn-seconds: the churn and idle scrapes ask for gzip, "
                    "as Prometheus does (default: plain)")
    ap.add_argument("--churn-peer", action="store_true", help="with --churn-seconds: nginx serving the exporter's latest body, "
                    "scraped after each of ours, churn and idle (the same load's effect on a server doing no work per scrape)")
    ap.add_argument("--no-nginx", action="store_true", help="skip the nginx peer")
    ap.add_argument("--no-relist", action="store_true", help="skip the scrape-during-relist measurement")
    args = ap.parse_args()
    binary = os.environ.get("SEDNA_EXPORTER_BIN")
    if not binary:
        subprocess.run(["swift", "build", "-c", "release", "--product", "sedna-exporter"], cwd=ROOT, check=True)
        binary = os.path.join(ROOT, ".build", "release", "sedna-exporter")
    if args.simulated_tasks:
        with tempfile.TemporaryDirectory(prefix="sedna-bench-") as work:
            rows = [run_simulated(int(t), args.scrapes, binary, work, churn_seconds=args.churn_seconds,
                                  plot=(os.path.abspath(args.plot) if args.plot else None),
                                  recreate_after=args.recreate_after, max_groups=args.max_groups,
                                  scrape_log=(os.path.abspath(args.scrape_log) if args.scrape_log else None),
                                  simulator_nice=args.simulator_nice, speed=args.simulator_speed,
                                  body_max_age=args.scrape_body_max_age, churn_gzip=args.churn_gzip,
                                  churn_peer=args.churn_peer)
                    for t in args.simulated_tasks.split(",")]
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
        if args.churn_seconds:
            print()
            print("| --tasks | run (s) | scrapes | churn p99 (ms) | idle p99, same body (ms) | churn / idle | RSS first tenth (MiB) "
                  "| RSS last tenth (MiB) | RSS max (MiB) | CPU cores: exporter / simulator (nice) / client | body max age (s): coalesced scrapes |")
            print("|---|---|---|---|---|---|---|---|---|---|---|")
            for r in rows:
                print(f"| {r['tasks']} | {r['churn_seconds']:.0f} | {r['churn_scrapes']} | {r['scrape_p99_ms']:.1f} | {r['idle_p99_ms']:.1f} | "
                      f"{r['churn_p99_over_idle_p99']:.2f}x | {r['rss_first_tenth_mib']:.0f} | {r['rss_last_tenth_mib']:.0f} | "
                      f"{r['rss_max_mib']:.0f} | {r['exporter_cores']:.2f} / {r['simulator_cores']:.2f} ({r['simulator_nice']}) / "
                      f"{r['client_cores']:.2f} | {r['body_max_age_s']:g}: {r['coalesced_scrapes']:.0f} |")
            if any("peer_churn_p99_ms" in r for r in rows):
                print()
                print("Side by side under the same churn: nginx serving the exporter's latest body, scraped after each of ours")
                print()
                print("| --tasks | ours churn p99 / idle p99 (ms) | ours churn / idle | nginx churn p50 / p99 (ms) | nginx idle p99 (ms) "
                      "| nginx churn / idle | ours churn p99 / nginx churn p99 |")
                print("|---|---|---|---|---|---|---|")
                for r in rows:
                    print(f"| {r['tasks']} | {r['scrape_p99_ms']:.1f} / {r['idle_p99_ms']:.1f} | {r['churn_p99_over_idle_p99']:.2f}x | "
                          f"{r['peer_churn_p50_ms']:.1f} / {r['peer_churn_p99_ms']:.1f} | {r['peer_idle_p99_ms']:.1f} | "
                          f"{r['peer_churn_p99_over_idle_p99']:.2f}x | {r['scrape_p99_ms'] / r['peer_churn_p99_ms']:.2f}x |")
        return
    rows = []
    with tempfile.TemporaryDirectory(prefix="sedna-bench-") as work:
        sizes = [int(x) for x in args.sizes.split(",")]
        if args.tasks:
            per_objects, per_tasks = fixture_copy_shape()
            sizes = [max(1, int(t) // per_tasks) * per_objects for t in args.tasks.split(",")]
        for size in sizes:
            row = run(size, args.scrapes, binary, work, nginx=not args.no_nginx, relist=not args.no_relist)
            rows.append(row)
            print(json.dumps(row), flush=True)
    print()
    print("| objects | series | ready (s) | scrape p50 (ms) | scrape p99 (ms) | body (KiB) | gzip (KiB) | RSS (MiB) | prometheus_client render p50 (ms) | peer / ours |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['objects']} | {r['series']} | {r['ready_s']:.2f} | {r['scrape_p50_ms']:.1f} | {r['scrape_p99_ms']:.1f} | "
              f"{r['body_bytes'] / 1024:.0f} | {r['gzip_bytes'] / 1024:.0f} | {r['rss_mib']:.0f} | {r['peer_render_p50_ms']:.1f} | "
              f"{r['peer_over_ours']:.1f}x |")
    if not args.no_nginx:
        print()
        print("Side by side with nginx (alternating scrapes, same body; machine shared and noisy: ratios matter)")
        print()
        print("| tasks | objects | series | body (MiB) | ours p50/p99 (ms) | nginx p50/p99 (ms) | ratio p50/p99 | ours gzip p50/p99 (ms) "
              "| nginx gzip_static p50/p99 (ms) | gzip ratio p50/p99 | gzip KiB ours/nginx | RSS gzip scrapes only / plain too (MiB) "
              "| bound 1.5xbody+30 (MiB) |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        for r in rows:
            print(f"| {r['tasks']} | {r['objects']} | {r['series']} | {r['body_bytes'] / 2**20:.1f} | {r['ours_p50_ms']:.1f} / {r['ours_p99_ms']:.1f} | "
                  f"{r['nginx_p50_ms']:.1f} / {r['nginx_p99_ms']:.1f} | {r['ours_p50_ms'] / r['nginx_p50_ms']:.2f}x / "
                  f"{r['ours_p99_ms'] / r['nginx_p99_ms']:.2f}x | {r['ours_gzip_p50_ms']:.1f} / {r['ours_gzip_p99_ms']:.1f} | "
                  f"{r['nginx_gzip_p50_ms']:.1f} / {r['nginx_gzip_p99_ms']:.1f} | {r['ours_gzip_p50_ms'] / r['nginx_gzip_p50_ms']:.2f}x / "
                  f"{r['ours_gzip_p99_ms'] / r['nginx_gzip_p99_ms']:.2f}x | {r['gzip_bytes'] / 1024:.0f} / {r['nginx_gzip_bytes'] / 1024:.0f} | "
                  f"{r['rss_gzip_only_mib']:.0f} / {r['rss_mib']:.0f} | {r['rss_bound_mib']:.0f} |")
        for a, b in zip(rows, rows[1:]):
            print(f"linear cost: {a['tasks']} -> {b['tasks']} tasks ({b['series'] / a['series']:.1f}x the series): scrape p50 "
                  f"{b['ours_p50_ms'] / a['ours_p50_ms']:.2f}x, nginx {b['nginx_p50_ms'] / a['nginx_p50_ms']:.2f}x")
    if not args.no_relist:
        print()
        print("Scrapes back to back and a push every 10 ms, idle and while all 13 resources relist (same clients);")
        print("'added' is the worst during the relist over the idle p99: how long a relist held a request up.")
        print("'pods changed': the relist brings every pod back with one restart more (otherwise as they were).")
        print()
        print("Relist cost, nothing scraping: from every watch cut with 410 until all 13 resources are listed and applied;")
        print("'changed': every pod comes back with a restart more. The API server's CPU is for serving the same LISTs.")
        print()
        print("| objects | relist | wall (s) | exporter CPU (s) | API server CPU (s) |")
        print("|---|---|---|---|---|")
        for r in rows:
            for label, name in (("unchanged", "unchanged"), ("unchanged_again", "unchanged, again"), ("changed", "pods changed")):
                print(f"| {r['objects']} | {name} | {r[f'relist_cost_{label}_wall_s']:.2f} | {r[f'relist_cost_{label}_exporter_cpu_s']:.2f} | "
                      f"{r[f'relist_cost_{label}_api_cpu_s']:.2f} |")
        print()
        print("| objects | scrapes | pods changed | scrape idle p99 / max (ms) | scrapes during relist | LISTs | p50 (ms) | p99 (ms) | max (ms) "
              "| added (ms) | push idle p99 / max (ms) | pushes during relist | p99 (ms) | max (ms) | added (ms) |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
        for r in rows:
            for prefix, kind, label in (("", "plain", "no"), ("changed_", "plain", "yes"), ("gzip_", "gzip", "no"),
                                        ("gzip_changed_", "gzip", "yes")):
                def g(k):
                    return r[prefix + k]
                idle = g("relist_idle_p99_ms")
                print(f"| {r['objects']} | {kind} | {label} | {idle:.1f} / {g('relist_idle_max_ms'):.1f} | {g('relist_scrapes')} | {g('relist_list_requests'):.0f} | "
                      f"{g('relist_p50_ms'):.1f} | {g('relist_p99_ms'):.1f} | {g('relist_max_ms'):.1f} | "
                      f"{max(0.0, g('relist_max_ms') - idle):.1f} | {g('push_idle_p99_ms'):.1f} / {g('push_idle_max_ms'):.1f} | "
                      f"{g('push_relist_count')} | {g('push_relist_p99_ms'):.1f} | {g('push_relist_max_ms'):.1f} | "
                      f"{max(0.0, g('push_relist_max_ms') - g('push_idle_p99_ms')):.1f} |")

if __name__ == "__main__":
    main()
