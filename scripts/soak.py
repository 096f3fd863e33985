#!/usr/bin/env python3
"""The soak: the whole chain on loopback for a long time, with churn, faults and pushes, while
the exporter's and the relay's resident memory and open file descriptors are sampled.

    SEDNA_EXPORTER_BIN=$PWD/.build/debug/sedna-exporter python3 scripts/soak.py --duration 3600

- `sedna-exporter simulate --tasks 50`: the simulated Sedna cluster with its lifecycles (pods
  created, running, completing, restarted; every incremental and lifelong learning job deleted
  with its pods and applied again every `--recreate-after` seconds, the operator's clean-up that
  keeps the cluster's size steady: churn), its workers reporting through a relay
  (`sedna-exporter relay`, the capture route) to the exporter's intake;
- `tests/e2e/faultproxy.py` between the exporter and the simulator's API, injecting one fault
  per `--fault-every` seconds in turn: dropped streams, 410 Gone, ERROR events, 5xx bursts, 429,
  garbage lines, trickled responses;
- prometheus_client pushes to the exporter's Pushgateway-compatible intake: a few groups, each
  replaced (PUT), added to (POST) or deleted over time;
- `/metrics` scraped every 5 s (a Prometheus would);
- every 10 s the exporter's and the relay's VmRSS and open fds (from /proc) written to
  `<out>/soak.csv`, with what the exporter holds (pods, objects, pushed groups, held reports, body
  size, from its self-metrics in the last scrape); at the end plotted to `<out>/soak.png` and checked: after the warm-up
  (`--warmup`, default a sixth of the run) the median of the last quarter of the samples is
  within 10 % of the median of the first quarter, for RSS and for fds, for both processes. The
  verdict is printed and is the exit status (0 flat, 1 not flat or a process died).
"""
import argparse
import csv
import os
import random
import statistics
import sys
import tempfile
import threading
import time

import requests

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "e2e"))
from faultproxy import FaultProxy  # noqa: E402
from harness import Exporter, Relay, Simulator, free_port  # noqa: E402

# (fault, watches only, requests): each cycle cuts every watch; most faults hit the re-watches,
# a few force relists. At --tasks 50 a relist of every resource moves megabytes (the pod LIST
# alone is about 3 MB), which a debug-built simulator on a loaded machine cannot serve in time:
# relists are kept to a few resources per fault.
FAULTS = [("drop", True, 6), ("gone", True, 2), ("5xx", True, 6), ("error_event", True, 2), ("429", True, 4),
          ("garbage", True, 2), ("trickle", True, 2), ("5xx", False, 3)]


def proc_sample(pid):
    """(RSS in KiB, open fds) of a process, from /proc."""
    rss = 0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
    return rss, len(os.listdir(f"/proc/{pid}/fd"))


def flat(values, tolerance=0.10):
    """(ok, first-quarter median, last-quarter median) of the samples after the warm-up."""
    q = max(1, len(values) // 4)
    first, last = statistics.median(values[:q]), statistics.median(values[-q:])
    return abs(last - first) <= tolerance * max(first, 1), first, last


def pusher(url, stop, counts):
    from prometheus_client import CollectorRegistry, Counter, Gauge
    from prometheus_client.exposition import delete_from_gateway, push_to_gateway, pushadd_to_gateway
    rnd = random.Random(7)
    while not stop.wait(2):
        group = {"instance": f"soak-{rnd.randrange(5)}"}
        registry = CollectorRegistry()
        g = Gauge("soak_model_accuracy", "Accuracy.", ["task"], registry=registry)
        for t in range(rnd.randrange(1, 20)):
            g.labels(f"task-{t}").set(rnd.random())
        Counter("soak_samples", "Samples.", registry=registry).inc(rnd.randrange(1000))
        action = rnd.choices(["put", "post", "delete"], [6, 3, 1])[0]
        try:
            if action == "put":
                push_to_gateway(url, job="soak", grouping_key=group, registry=registry, timeout=10)
            elif action == "post":
                pushadd_to_gateway(url, job="soak", grouping_key=group, registry=registry, timeout=10)
            else:
                delete_from_gateway(url, job="soak", grouping_key=group, timeout=10)
            counts[action] += 1
        except Exception:  # noqa: BLE001 - counted, the soak goes on
            counts["failed"] += 1


# What the exporter holds, from its own self-metrics in the last scrape: written beside RSS so a
# rise can be told apart from a growing world (more pods, more pushed groups, a larger body).
HELD = {"pods": ('sedna_exporter_objects{resource="pods"}',), "objects": ("sedna_exporter_objects{",),
        "groups": ("sedna_intake_groups",), "held_reports": ("sedna_intake_held_reports",)}


def held(body):
    """{column: value} summed over the sample lines that start with the column's prefixes."""
    out = {k: 0.0 for k in HELD}
    out["body_kib"] = round(len(body) / 1024, 1)
    for line in body.splitlines():
        if line.startswith("sedna_exporter_objects") or line.startswith("sedna_intake_"):
            for col, prefixes in HELD.items():
                if line.startswith(prefixes) and " " in line:
                    out[col] += float(line.rsplit(" ", 1)[1])
    return out


def scraper(url, stop, counts, last):
    while not stop.wait(5):
        try:
            r = requests.get(url + "/metrics", headers={"Accept-Encoding": "gzip"}, timeout=10)
            counts["scrapes" if r.status_code == 200 else "scrape_errors"] += 1
            if r.status_code == 200:
                last.update(held(r.text))
        except requests.RequestException:
            counts["scrape_errors"] += 1


def plot(rows, path, warmup, tasks):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    t = [r["t"] / 60 for r in rows]
    fig, (a, b) = plt.subplots(2, 1, figsize=(9, 6), sharex=True)
    for who, color in (("exporter", "tab:blue"), ("relay", "tab:orange")):
        a.plot(t, [r[f"{who}_rss_kib"] / 1024 for r in rows], label=who, color=color)
        b.plot(t, [r[f"{who}_fds"] for r in rows], label=who, color=color)
    for ax in (a, b):
        ax.axvline(warmup / 60, color="grey", linestyle=":", label="end of warm-up")
        ax.grid(alpha=0.3)
    a.set_ylabel("RSS (MiB)")
    b.set_ylabel("open fds")
    b.set_xlabel("minutes")
    a.legend(loc="lower right")
    a.set_title(f"sedna-exporter soak: simulate --tasks {tasks}, churn, API faults, pushes, relay")
    a.set_ylim(bottom=0)
    b.set_ylim(bottom=0)
    fig.tight_layout()
    fig.savefig(path, dpi=90)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--duration", type=float, default=3600, help="seconds (default 3600)")
    ap.add_argument("--warmup", type=float, help="seconds left out of the flatness check (default: a sixth of the run)")
    ap.add_argument("--tasks", type=int, default=50)
    ap.add_argument("--speed", type=float, default=1, help="simulator time scale (2: lifecycles twice as fast)")
    ap.add_argument("--history", type=int, default=50_000,
                    help="the simulator's watch history (at --tasks 50 the default 5,000 changes last under a minute)")
    ap.add_argument("--recreate-after", type=float, default=300,
                    help="simulated seconds after which each IL/LL job is deleted and applied again (0: never). Sedna "
                         "never deletes a job's stage pods, so without this clean-up the cluster grows all run long")
    ap.add_argument("--max-groups", type=int, default=20_000, help="the exporter's --max-groups (pushed groups held)")
    ap.add_argument("--fault-every", type=float, default=90)
    ap.add_argument("--interval", type=float, default=10, help="sampling interval, seconds")
    ap.add_argument("--out", default="soak-out", help="folder for soak.csv, soak.png and the logs")
    ap.add_argument("--plot-only", metavar="CSV", help="only plot and check an earlier run's soak.csv (into --out)")
    args = ap.parse_args()
    warmup = args.warmup if args.warmup is not None else args.duration / 6
    if args.plot_only:
        with open(args.plot_only) as f:
            rows = [{k: float(v) for k, v in r.items()} for r in csv.DictReader(f)]
        os.makedirs(args.out, exist_ok=True)
        return verdict(rows, args.out, warmup, True, args.tasks)
    os.makedirs(args.out, exist_ok=True)
    work = tempfile.mkdtemp(prefix="soak-", dir=args.out)

    exporter_port, relay_port = free_port(), free_port()
    central = f"http://127.0.0.1:{exporter_port}"
    sim = Simulator(work, intake_url=central, relay_url=f"http://127.0.0.1:{relay_port}", speed=args.speed,
                    extra=["--tasks", str(args.tasks), "--history", str(args.history),
                           "--recreate-learning-jobs-after", str(args.recreate_after)])
    relay = Relay(work, central, lc_url=sim.url, port=relay_port, name="soak-relay")
    proxy = FaultProxy(sim.port, stall_seconds=15)
    # Every worker pod that pushes holds a group while it lives: at --tasks 50 that is more than
    # the default --max-groups (2,000), and the excess pushes would be refused (413).
    exporter = Exporter(work, proxy.kubeconfig(os.path.join(work, "kubeconfig-proxy")), port=exporter_port,
                        extra=["--max-groups", str(args.max_groups)])
    stop = threading.Event()
    counts = {k: 0 for k in ("put", "post", "delete", "failed", "scrapes", "scrape_errors")}
    last = {k: 0.0 for k in (*HELD, "body_kib")}
    threads = [threading.Thread(target=pusher, args=(central, stop, counts), daemon=True),
               threading.Thread(target=scraper, args=(central, stop, counts, last), daemon=True)]
    rows, faults_done, verdict_ok = [], 0, True
    csv_path = os.path.join(args.out, "soak.csv")
    try:
        exporter.wait_ready(120)
        for t in threads:
            t.start()
        start = time.monotonic()
        next_fault = start + args.fault_every
        with open(csv_path, "w", newline="") as f:
            w = csv.DictWriter(f, ["t", "exporter_rss_kib", "exporter_fds", "relay_rss_kib", "relay_fds", "faults",
                                   *HELD, "body_kib"])
            w.writeheader()
            while time.monotonic() - start < args.duration:
                now = time.monotonic()
                if now >= next_fault:
                    proxy.clear()
                    kind, watch_only, n = FAULTS[faults_done % len(FAULTS)]
                    proxy.inject(kind, requests=n, watch_only=watch_only)
                    faults_done += 1
                    next_fault += args.fault_every
                if not (exporter.process.alive() and relay.process.alive()):
                    print("soak: a process died", file=sys.stderr)
                    verdict_ok = False
                    break
                e_rss, e_fds = proc_sample(exporter.process.pid)
                r_rss, r_fds = proc_sample(relay.process.pid)
                row = {"t": round(now - start, 1), "exporter_rss_kib": e_rss, "exporter_fds": e_fds,
                       "relay_rss_kib": r_rss, "relay_fds": r_fds, "faults": faults_done, **last}
                rows.append(row)
                w.writerow(row)
                f.flush()
                time.sleep(max(0.0, args.interval - (time.monotonic() - now)))
        proxy.clear()
        # Converged after all that: the exporter sees the tasks the API holds (directly, not proxied).
        api_tasks = sum(len(sim.list(p)) for p in ("jointinferenceservices", "incrementallearningjobs", "lifelonglearningjobs",
                                                   "federatedlearningjobs"))
        print(f"soak: {len(rows)} samples, {faults_done} faults ({dict(proxy.faults)}), pushes {counts}, "
              f"API tasks of four kinds at the end: {api_tasks}")
    finally:
        stop.set()
        for p in (exporter, relay, sim):
            p.stop()
        proxy.stop()
    return verdict(rows, args.out, warmup, verdict_ok, args.tasks)


def verdict(rows, out, warmup, verdict_ok, tasks):
    """Plots the samples and prints, per column, whether it stayed flat after the warm-up."""
    if not rows:
        print("soak: no samples")
        return 1
    plot(rows, os.path.join(out, "soak.png"), warmup, tasks)
    after = [r for r in rows if r["t"] >= warmup] or rows
    for col in ("exporter_rss_kib", "exporter_fds", "relay_rss_kib", "relay_fds"):
        ok, first, last = flat([r[col] for r in after])
        peak = max(r[col] for r in after)
        print(f"soak: {col}: first-quarter median {first}, last-quarter median {last}, peak {peak}: "
              f"{'flat' if ok else 'NOT flat'} (10 %)")
        verdict_ok &= ok
    print("soak: verdict:", "FLAT" if verdict_ok else "NOT FLAT")
    return 0 if verdict_ok else 1


if __name__ == "__main__":
    sys.exit(main())
