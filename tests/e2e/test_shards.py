"""Three shards against one unsharded exporter over the simulated cluster (`--tasks 20`).

The shards' series partition the unsharded exporter's (self-metrics aside); worker reports and
prometheus_client pushes sent to any shard land exactly once, on the shard that owns their task;
a relay pointed at one shard loses and repeats nothing while another shard is killed and
restarted (docs/architecture.md, "Sharded intake"). Every process is started here on 127.0.0.1
and stopped by its PID; waits are bounded and timing is never asserted.

The simulator runs slowly (`--speed 0.05`: its changes come in bursts a few seconds apart, so four
scrapes can agree) and sends nothing to the exporters (`--no-capture`, no `--intake-url`): what
reaches the intake is what this test sends.

The partition and location tests need every shard to keep the context its translators join
(nodes for pod locations, datasets for federated learning jobs, docs/architecture.md "Sharded
intake"); the reports, pushes and relay tests need every shard to know every task's UID.
"""
import os
import re
import signal
import time

import pytest
import requests
from prometheus_client import CollectorRegistry, Gauge, push_to_gateway
from prometheus_client.exposition import default_handler

from harness import Exporter, Process, Simulator, exporter_bin, free_port, wait_for

TOTAL = 3
TOKEN = "shard-e2e-token"
SELF = ("sedna_exporter_", "sedna_intake_")
LOCATION = re.compile(r',?location="[^"]*"')


def fnv1a(s):
    h = 0xCBF29CE484222325
    for b in s.encode():
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def owner(uid):
    """The shard of a task (Sources/Exposition/ObjectFilter.swift)."""
    return fnv1a(uid) % TOTAL


def series(text):
    """name{labels} -> value for every sample but the exporter's own families."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#") or line.startswith(SELF):
            continue
        key, value = line.rsplit(" ", 1)
        out[key] = float(value)
    return out


def counter(text, name, **labels):
    want = [f'{k}="{v}"' for k, v in labels.items()]
    total = 0.0
    for line in text.splitlines():
        if (line.startswith(name + "{") or line.startswith(name + " ")) and all(w in line for w in want):
            total += float(line.rsplit(" ", 1)[1])
    return total


class Cluster:
    def __init__(self, workdir):
        self.workdir = workdir
        self.sim = Simulator(workdir, extra=["--tasks", "20", "--no-capture", "--speed", "0.05"])
        self.token_file = os.path.join(workdir, "intake-token")
        with open(self.token_file, "w") as f:
            f.write(TOKEN + "\n")
        self.ports = [free_port() for _ in range(TOTAL)]
        self.peers = ",".join(f"http://127.0.0.1:{p}" for p in self.ports)
        self.unsharded = None
        self.shards = []
        try:
            self.unsharded = Exporter(workdir, self.sim.kubeconfig(), extra=["--intake-token-file", self.token_file])
            for i in range(TOTAL):
                self.shards.append(self.start(i))
            for e in [self.unsharded, *self.shards]:
                e.wait_ready()
            # The joint inference edge pods are created a few simulated seconds in.
            wait_for(lambda: len(ji_edge_pods(self)) >= 10, timeout=60, interval=1, what="joint inference edge pods")
        except BaseException:
            # A set-up that fails part way (a shard not ready in time) must not leave the
            # processes it started running past the test session.
            self.stop()
            raise

    def start(self, i):
        return Exporter(self.workdir, self.sim.kubeconfig(), port=self.ports[i],
                        extra=["--shard", str(i), "--total-shards", str(TOTAL), "--shard-peers", self.peers,
                               "--intake-token-file", self.token_file])

    def restart(self, i):
        self.shards[i] = self.start(i)
        self.shards[i].wait_ready()

    def stop(self):
        for p in [*self.shards, self.unsharded, self.sim]:
            if p is not None:
                p.stop()

    def tasks(self, plural):
        """name -> (namespace, uid) of the simulated tasks of a kind."""
        return {o["metadata"]["name"]: (o["metadata"]["namespace"], o["metadata"]["uid"]) for o in self.sim.list(plural)}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    c = Cluster(str(tmp_path_factory.mktemp("shards")))
    yield c
    c.stop()


def auth():
    return {"Authorization": f"Bearer {TOKEN}"}


def ji_edge_pods(cluster):
    """(pod, namespace, WORKER_NAME, task uid) of the joint inference edge workers."""
    tasks = cluster.tasks("jointinferenceservices")
    out = []
    for p in cluster.sim.list("pods"):
        labels = p["metadata"].get("labels", {})
        task = labels.get("jointinferenceservice.sedna.io/name")
        if not task or task not in tasks or labels.get("jointinferenceservice.sedna.io/worker-type") != "edge":
            continue
        env = {e["name"]: e.get("value") for c in p["spec"]["containers"] for e in c.get("env", [])}
        if env.get("WORKER_NAME"):
            out.append((p["metadata"]["name"], p["metadata"]["namespace"], env["WORKER_NAME"], tasks[task][1]))
    return out


def test_the_shards_partition_the_unsharded_series(cluster):
    """Union equals the unsharded set, no series on two shards. Locations are compared apart
    (next test): the series are the same whatever location a shard knows."""
    def compare():
        whole = {LOCATION.sub("", k).replace("{,", "{") for k in series(cluster.unsharded.metrics())}
        parts = [{LOCATION.sub("", k).replace("{,", "{") for k in series(s.metrics())} for s in cluster.shards]
        union = set().union(*parts)
        overlap = {k for i, a in enumerate(parts) for b in parts[i + 1:] for k in a & b}
        compare.last = (whole - union, union - whole, overlap)
        return whole == union and not overlap and all(parts)
    # The simulated cluster keeps changing (slowly): four scrapes are compared until they agree.
    try:
        wait_for(compare, timeout=40, interval=0.5, what="the shards' series to partition the unsharded set")
    except AssertionError:
        missing, extra, overlap = compare.last
        raise AssertionError(f"missing {sorted(missing)[:5]} ({len(missing)}), extra {sorted(extra)[:5]} ({len(extra)}), "
                             f"overlap {sorted(overlap)[:5]} ({len(overlap)})")


def test_every_shard_knows_every_location(cluster):
    """No `location="unknown"` on a shard where the unsharded exporter has a location. Depends on
    every shard keeping node context for its pods (docs/architecture.md, "Sharded intake": nodes
    are watched by every shard, their own series exported by shard 0)."""
    def unknown_on_shards():
        whole = series(cluster.unsharded.metrics())
        known = {LOCATION.sub("", k) for k in whole if 'location="' in k and 'location="unknown"' not in k}
        bad = [k for s in cluster.shards for k in series(s.metrics())
               if 'location="unknown"' in k and LOCATION.sub("", k) in known]
        unknown_on_shards.last = bad
        return not bad
    try:
        wait_for(unknown_on_shards, timeout=20, interval=1, what="locations on every shard")
    except AssertionError:
        raise AssertionError(f"{len(unknown_on_shards.last)} series unknown on a shard, e.g. {unknown_on_shards.last[:3]}")


def sedna_report(worker, namespace, inferences, hard):
    """What Sedna's JointInference edge worker posts (`LCReporter`, lib/sedna/service/client.py)."""
    return {"name": worker, "namespace": namespace, "ownerName": "sedna", "ownerKind": "jointinferenceservice",
            "kind": "inference", "status": "running", "results": [],
            "ownerInfo": {"startTime": "2026-11-30 05:00:00", "updateTime": "2026-11-30 05:01:00",
                          "inferenceNumber": inferences, "hardExampleNumber": hard,
                          "uploadCloudRatio": hard / inferences}}


def where(cluster, needle):
    return [i for i, s in enumerate(cluster.shards) if needle in s.metrics()]


def test_reports_and_pushes_sent_to_any_shard_land_once_on_the_owner(cluster):
    pods = ji_edge_pods(cluster)
    uids = {}
    for pod, ns, worker, uid in pods:
        uids.setdefault((ns, worker), set()).add(uid)
    # A WORKER_NAME of one task only (the resolver ties the report by it, `by_worker_env`).
    workers = {k: next(iter(v)) for k, v in uids.items() if len(v) == 1}
    assert len({owner(uid) for uid in workers.values()}) == TOTAL, "the simulated tasks cover every shard"
    chosen = sorted(workers.items())[:9]
    for n, ((ns, worker), uid) in enumerate(chosen):
        target = cluster.shards[n % TOTAL]
        r = requests.post(f"{target.url}/sedna/workers/{worker}/info", json=sedna_report(worker, ns, 100 + n, 10),
                          headers=auth(), timeout=10)
        assert r.status_code == 200 and r.json() == {"Status": 200, "Message": "OK"}, r.text
    pushed = sorted({(pod, ns, uid) for pod, ns, _, uid in pods})[:6]

    def handler(url, method, timeout, headers, data):
        return default_handler(url, method, timeout, [*headers, ("Authorization", f"Bearer {TOKEN}")], data)
    for n, (pod, ns, uid) in enumerate(pushed):
        registry = CollectorRegistry()
        Gauge("e2e_shard_loss", "loss", registry=registry).set(n + 0.5)
        push_to_gateway(f"127.0.0.1:{cluster.ports[n % TOTAL]}", job="e2e-shards", registry=registry,
                        grouping_key={"namespace": ns, "pod": pod}, handler=handler)
    registry = CollectorRegistry()
    Gauge("e2e_unbound", "bound to nothing", registry=registry).set(1)
    push_to_gateway(f"127.0.0.1:{cluster.ports[2]}", job="e2e-unbound", registry=registry, handler=handler)

    for n, ((ns, worker), uid) in enumerate(chosen):
        needle = f'sedna_joint_inference_worker_hard_examples_total{{namespace="{ns}",kind="JointInferenceService",'
        found = [i for i, s in enumerate(cluster.shards)
                 if any(line.startswith(needle) and f'worker="{worker}"' in line for line in s.metrics().splitlines())]
        assert found == [owner(uid)], f"report of {worker} (owner {owner(uid)}) is on shards {found}"
    for n, (pod, ns, uid) in enumerate(pushed):
        found = [i for i, s in enumerate(cluster.shards)
                 if any(line.startswith("e2e_shard_loss{") and f'pod="{pod}"' in line for line in s.metrics().splitlines())]
        assert found == [owner(uid)], f"push of {pod} (owner {owner(uid)}) is on shards {found}"
    assert where(cluster, "e2e_unbound{") == [0]
    texts = [s.metrics() for s in cluster.shards]
    forwarded = sum(counter(t, "sedna_intake_forwarded_total", result="delivered") for t in texts)
    expected = sum(1 for n, (_, uid) in enumerate(chosen) if owner(uid) != n % TOTAL) \
        + sum(1 for n, (_, _, uid) in enumerate(pushed) if owner(uid) != n % TOTAL) + 1
    assert forwarded == expected
    assert sum(counter(t, "sedna_intake_forwarded_total", result="failed") for t in texts) == 0


def test_a_relay_loses_and_repeats_nothing_while_a_shard_restarts(cluster):
    tasks = cluster.tasks("jointinferenceservices")
    entry, killed = 1, 0
    # A relay whose ledger is on the third shard: its batches go 1 -> 2 -> owners.
    name = next(f"edge-{i}" for i in range(100) if fnv1a(f"edge-{i}") % TOTAL == 2)
    port = free_port()
    # The harness's Relay without a LocalController, with the intake token.
    relay = Process([exporter_bin(), "relay", "--listen", f"127.0.0.1:{port}", "--central-url", cluster.shards[entry].url,
                     "--spool-dir", os.path.join(cluster.workdir, "relay-spool"), "--relay-name", name,
                     "--token-file", cluster.token_file], os.path.join(cluster.workdir, "relay.log"))
    relay_url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: requests.get(relay_url + "/healthz", timeout=2).status_code == 200, 30, what="the relay")
        names = sorted(tasks)
        # Tasks of every shard, round robin, each report under its own worker name (tied by ownerName).
        by_owner = {s: [t for t in names if owner(tasks[t][1]) == s] for s in range(TOTAL)}
        plan = []
        for i in range(30):
            task = by_owner[i % TOTAL][i // TOTAL % len(by_owner[i % TOTAL])]
            plan.append((f"relay-w-{i}", task, tasks[task][0], owner(tasks[task][1])))
        before = counter(cluster.shards[killed].metrics(), "sedna_intake_relay_reports_total", relay=name, result="accepted")
        assert before == 0
        kill_at, restart_at = 10, 20
        for i, (worker, task, ns, _) in enumerate(plan):
            if i == kill_at:
                os.kill(cluster.shards[killed].process.pid, signal.SIGKILL)
                cluster.shards[killed].process.proc.wait(10)
                down = time.monotonic()
            if i == restart_at:
                time.sleep(max(0.0, 3 - (time.monotonic() - down)))   # down long enough for a hand-off to fail
                cluster.restart(killed)
            body = {"name": worker, "namespace": ns, "ownerName": task, "ownerKind": "jointinferenceservice",
                    "kind": "inference", "status": "running", "ownerInfo": {"inferenceNumber": i + 1, "hardExampleNumber": 0}}
            r = requests.post(f"{relay_url}/sedna/workers/{worker}/info", json=body, timeout=10)
            assert r.status_code == 200, r.text
            time.sleep(0.1)

        def drained():
            text = requests.get(relay_url + "/metrics", timeout=5).text
            return counter(text, "sedna_relay_queue_depth") == 0 and counter(text, "sedna_relay_delivered_total") == len(plan)
        wait_for(drained, timeout=40, interval=0.5, what="the relay to deliver every report")
        texts = [s.metrics() for s in cluster.shards]
        for i, (worker, task, ns, own) in enumerate(plan):
            found = [s for s, t in enumerate(texts) if f'worker="{worker}"' in t]
            if own == killed and i < kill_at:
                assert found in ([], [killed]), f"{worker} on {found}"   # gone with the killed shard's memory, or resent
            else:
                assert found == [own], f"{worker} (owner {own}, sent #{i}) is on shards {found}"
        # Exactly once: each shard accepted as many reports of this relay as it holds workers.
        for s, t in enumerate(texts):
            holds = sum(1 for w, _, _, o in plan if o == s and f'worker="{w}"' in t)
            assert counter(t, "sedna_intake_relay_reports_total", relay=name, result="accepted") == holds, f"shard {s}"
        assert sum(counter(t, "sedna_intake_forwarded_total", endpoint="relay", result="failed") for t in texts) > 0, \
            "the killed shard made some hand-off fail"
    finally:
        relay.stop()
