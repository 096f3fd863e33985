#!/usr/bin/env python3
"""Benchmark of the watch path: ready time and watch events applied per second.

A cluster of N tasks (copies of the fixture IncrementalLearningJob, JointInferenceService and
FederatedLearningJob in turn) with 2 worker pods each is served by bench/static_api.py. Printed:

- ready: time from starting the exporter to /readyz 200 (LIST of every resource, decode,
  translate, render), polled every 20 ms;
- events/s: once ready, the pods WATCH streams E MODIFIED pod events (status changes) as fast as
  the exporter reads them; the rate is E over the time the server needed to write them (TCP
  back-pressure makes that the exporter's pace: each event is decoded, translated and rendered
  before the reflector reads the next one), checked against `sedna_exporter_watch_events_total`.
- CPU per event: the exporter's user + system CPU time over the stream (from /proc), divided by
  E: steadier than the rate on a shared machine, so two builds compare on it.

The machine is shared and noisy: numbers vary run to run; no pass/fail here.

With --managed-fields every pod carries `metadata.managedFields` as an API server adds it (the
GM's create and the kubelet's status updates, about 1.5 KB of nested field sets): the fixture
pods, like kmock's and the simulator's, have none, and a real watch stream always has them.

- CPU until ready: the exporter's user + system CPU time when /readyz first answers 200.

Usage: bench/watch_bench.py [--tasks 10000] [--events 200000] [--managed-fields] [--perf-out watch.perf]
                            [--perf-ready-out ready.perf]
Environment: SEDNA_EXPORTER_BIN (default: builds .build/release/sedna-exporter).
"""
import argparse
import copy
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

import requests

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
from harness import FIXTURES, Exporter, KubeAPI, Process, free_port, wait_for  # noqa: E402

TASK_FILES = {"incrementallearningjobs": "incrementallearningjob", "jointinferenceservices": "jointinferenceservice",
              "federatedlearningjobs": "federatedlearningjob"}


def managed_fields(pod, label, task_uid):
    """Server-side apply's field ownership for a worker pod: the GM's create, the kubelet's status."""
    containers = {f'k:{{"name":"{c["name"]}"}}': {".": {}, "f:image": {}, "f:imagePullPolicy": {}, "f:name": {},
                                                   "f:env": {".": {}, **{f'k:{{"name":"{e["name"]}"}}': {".": {}, "f:name": {}, "f:value": {}}
                                                                         for e in c.get("env", [])}},
                                                   "f:resources": {}, "f:terminationMessagePath": {},
                                                   "f:terminationMessagePolicy": {}}
                  for c in pod.get("spec", {}).get("containers", [])}
    statuses = {f'k:{{"type":"{t}"}}': {".": {}, "f:lastProbeTime": {}, "f:lastTransitionTime": {}, "f:status": {}, "f:type": {}}
                for t in ("ContainersReady", "Initialized", "PodReadyToStartContainers", "Ready")}
    return [
        {"manager": "sedna-gm", "operation": "Update", "apiVersion": "v1", "time": "2026-11-30T10:00:00Z", "fieldsType": "FieldsV1",
         "fieldsV1": {"f:metadata": {"f:labels": {".": {}, f"f:{label}.sedna.io/name": {}, f"f:{label}.sedna.io/uid": {}},
                                     "f:ownerReferences": {".": {}, f'k:{{"uid":"{task_uid}"}}': {}}},
                      "f:spec": {"f:containers": containers, "f:dnsPolicy": {}, "f:enableServiceLinks": {}, "f:nodeName": {},
                                 "f:restartPolicy": {}, "f:schedulerName": {}, "f:securityContext": {},
                                 "f:terminationGracePeriodSeconds": {}}}},
        {"manager": "kubelet", "operation": "Update", "apiVersion": "v1", "time": "2026-11-30T10:00:05Z", "fieldsType": "FieldsV1",
         "subresource": "status",
         "fieldsV1": {"f:status": {"f:conditions": statuses, "f:containerStatuses": {}, "f:hostIP": {}, "f:hostIPs": {},
                                   "f:phase": {}, "f:podIP": {}, "f:podIPs": {".": {}, 'k:{"ip":"10.244.1.7"}': {".": {}, "f:ip": {}}},
                                   "f:startTime": {}}}},
    ]


def make_cluster(tasks, out, with_managed_fields=False):
    """`tasks` tasks with 2 worker pods each, the fixture nodes and datasets. Returns (tasks, pods)."""
    base = {r[:-5]: json.load(open(os.path.join(FIXTURES, r)))["items"] for r in os.listdir(FIXTURES)}
    templates = []
    for plural, label in TASK_FILES.items():
        task = base[plural][0]
        uid_label = f"{label}.sedna.io/uid"
        pods = [p for p in base["pods"] if p["metadata"].get("labels", {}).get(uid_label) == task["metadata"]["uid"]][:2]
        templates.append((plural, label, task, pods))
    items = {"nodes": base["nodes"], "datasets": base["datasets"], "pods": []}
    for i in range(tasks):
        plural, label, task, pods = templates[i % len(templates)]
        t = copy.deepcopy(task)
        t["metadata"]["name"] = f"{task['metadata']['name']}-{i}"
        t["metadata"]["uid"] = f"{task['metadata']['uid']}-{i}"
        items.setdefault(plural, []).append(t)
        for j in range(2):
            p = copy.deepcopy(pods[j % len(pods)])
            m = p["metadata"]
            m["name"] = f"{t['metadata']['name']}-w{j}"
            m["uid"] = f"uid-pod-{t['metadata']['uid']}-w{j}"
            m["labels"][f"{label}.sedna.io/name"] = t["metadata"]["name"]
            m["labels"][f"{label}.sedna.io/uid"] = t["metadata"]["uid"]
            if with_managed_fields:
                m["managedFields"] = managed_fields(p, label, t["metadata"]["uid"])
            items["pods"].append(p)
    os.makedirs(out, exist_ok=True)
    for r, objs in items.items():
        json.dump({"items": objs}, open(os.path.join(out, r + ".json"), "w"))
    return tasks, len(items["pods"])


class ChurnAPI(KubeAPI):
    def __init__(self, workdir, load, events):
        self.port = free_port()
        self.workdir = workdir
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = Process([sys.executable, os.path.join(HERE, "static_api.py"), "--port", str(self.port), "--load", load,
                                "--pod-churn", str(events)], os.path.join(workdir, f"static-api-{self.port}.log"))
        wait_for(lambda: "serving" in self.process.output() or not self.process.alive(), 300, what="static API")
        if not self.process.alive():
            raise RuntimeError("the static API exited:\n" + self.process.output())


def modified_pod_events(text):
    total = 0.0
    for line in text.splitlines():
        if line.startswith("sedna_exporter_watch_events_total{") and 'resource="pods"' in line and 'type="MODIFIED"' in line:
            total += float(line.rsplit(" ", 1)[1])
    return total


def cpu_seconds(pid):
    """User + system CPU time the process has used, from /proc/<pid>/stat."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mib(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def run(tasks, events, binary, work, perf_out=None, with_managed_fields=False, perf_ready_out=None):
    data = os.path.join(work, f"cluster-{tasks}")
    n_tasks, n_pods = make_cluster(tasks, data, with_managed_fields)
    api = ChurnAPI(work, data, events)
    os.environ["SEDNA_EXPORTER_BIN"] = binary
    t0 = time.perf_counter()
    e = Exporter(work, api.kubeconfig())
    perf_ready = None
    if perf_ready_out:
        perf_ready = subprocess.Popen(["perf", "record", "-F", "999", "-g", "-o", perf_ready_out, "-p", str(e.process.pid)],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                if e.ready():
                    break
            except requests.RequestException:
                pass
            if not e.process.alive():
                raise RuntimeError("exporter exited:\n" + e.process.output())
            if time.perf_counter() - t0 > 600:
                raise RuntimeError("not ready in 600 s")
            time.sleep(0.02)
        ready_s = time.perf_counter() - t0
        # The CPU the exporter used until ready: steadier than the wall time on a shared machine
        # (a neighbour's load stretches the wall time, not our CPU), and over 2 cores the wall
        # time can be at most about half of it.
        cpu_ready = cpu_seconds(e.process.pid)
        rss_ready = rss_mib(e.process.pid)
        if perf_ready:
            perf_ready.send_signal(signal.SIGINT)
            perf_ready.wait(timeout=60)
        perf = None
        if perf_out:
            perf = subprocess.Popen(["perf", "record", "-F", "999", "-g", "-o", perf_out, "-p", str(e.process.pid)],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(1)
        cpu_before = cpu_seconds(e.process.pid)
        requests.post(api.url + "/bench/churn", timeout=10).raise_for_status()
        wait_for(lambda: "churn: wrote" in api.process.output(), 600, interval=0.5, what="pod churn stream")
        if perf:
            perf.send_signal(signal.SIGINT)
            perf.wait(timeout=60)
        written_s = float(re.search(r"churn: wrote \d+ pod events in ([0-9.]+) s", api.process.output()).group(1))
        wait_for(lambda: modified_pod_events(e.metrics()) >= events, 120, interval=1, what="all events counted")
        counted = modified_pod_events(e.metrics())
        # CPU per event: less noisy than the rate on a shared machine (a neighbour's load slows
        # the stream but does not add to our CPU time). Includes the few scrapes of /metrics above.
        cpu_used = cpu_seconds(e.process.pid) - cpu_before
    finally:
        e.stop()
        api.stop()
    return {"tasks": n_tasks, "pods": n_pods, "managed_fields": with_managed_fields, "ready_s": ready_s, "cpu_ready_s": cpu_ready, "rss_ready_mib": rss_ready,
            "events": events, "events_counted": counted, "stream_s": written_s, "events_per_s": events / written_s,
            "cpu_s": cpu_used, "cpu_us_per_event": cpu_used / events * 1e6}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tasks", type=int, default=10000)
    ap.add_argument("--events", type=int, default=200000)
    ap.add_argument("--managed-fields", action="store_true", help="pods carry managedFields as an API server adds them")
    ap.add_argument("--perf-out", help="record `perf record -g` of the exporter during the event stream into this file")
    ap.add_argument("--perf-ready-out", help="record `perf record -g` of the exporter from its start until ready into this file")
    args = ap.parse_args()
    binary = os.environ.get("SEDNA_EXPORTER_BIN")
    if not binary:
        subprocess.run(["swift", "build", "-c", "release", "--product", "sedna-exporter"], cwd=ROOT, check=True)
        binary = os.path.join(ROOT, ".build", "release", "sedna-exporter")
    with tempfile.TemporaryDirectory(prefix="sedna-watch-bench-") as work:
        r = run(args.tasks, args.events, binary, work, perf_out=args.perf_out and os.path.abspath(args.perf_out),
                with_managed_fields=args.managed_fields,
                perf_ready_out=args.perf_ready_out and os.path.abspath(args.perf_ready_out))
    print(json.dumps(r), flush=True)
    print()
    print("| tasks | pods | managedFields | ready (s) | CPU until ready (s) | RSS at ready (MiB) | MODIFIED pod events | stream (s) | events/s | CPU per event (us) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    print(f"| {r['tasks']} | {r['pods']} | {'yes' if r['managed_fields'] else 'no'} | {r['ready_s']:.2f} | {r['cpu_ready_s']:.2f} | {r['rss_ready_mib']:.0f} | {r['events']} | "
          f"{r['stream_s']:.2f} | {r['events_per_s']:.0f} | {r['cpu_us_per_event']:.1f} |")


if __name__ == "__main__":
    main()
