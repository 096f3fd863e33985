"""The exporter against our own simulated cluster (`sedna-exporter simulate`): a live API whose
objects change every second, with bookmarks, server-side watch timeouts and a short history
window, so the exporter's resume and relist paths run for real. The same exporter also runs
against the third-party emulator kmock (test_exporter_kmock.py), so it is never only compatible
with our own server. The simulated workers report to their effective LC_SERVER: through the
relay (capture route) or, as released, to the simulator's LC stand-in or nowhere."""
import json
import os
import re
import signal
import subprocess
import time

import pytest
import requests

from harness import Exporter, SimulatedStack, Simulator, exporter_bin, free_port, wait_for


def pods_in_simulator(sim):
    return {(p["metadata"]["namespace"], p["metadata"]["name"]) for p in sim.list("pods")}


def pods_in_exporter(exporter):
    out = set()
    for line in exporter.metrics().splitlines():
        if line.startswith(("sedna_worker_info{", "sedna_component_info{")):
            ns = re.search(r'namespace="([^"]*)"', line).group(1)
            pod = re.search(r'pod="([^"]*)"', line).group(1)
            out.add((ns, pod))
    return out


def counter(exporter, family, **labels):
    total = 0.0
    for line in exporter.metrics().splitlines():
        if line.startswith(family + "{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total


def start(workdir, history=5000, watch_timeout=20, speed=4):
    stack = SimulatedStack(workdir, capture=False, speed=speed, sim_extra=["--history", str(history), "--bookmark-interval", "1"],
                           exporter_extra=["--watch-timeout", str(watch_timeout)])
    return stack.sim, stack.exporter


def test_discovery_and_lists_look_like_a_kubernetes_api(workdir):
    sim = Simulator(workdir)
    try:
        resources = requests.get(sim.url + "/apis/sedna.io/v1alpha1", timeout=5).json()["resources"]
        assert len([r for r in resources if "/" not in r["name"]]) == 11
        nodes = sim.list("nodes")
        assert any("node-role.kubernetes.io/edge" in n["metadata"].get("labels", {}) for n in nodes)
        page = requests.get(sim.url + "/api/v1/pods", params={"limit": 3}, timeout=5).json()
        assert len(page["items"]) == 3 and page["metadata"]["continue"] and int(page["metadata"]["resourceVersion"]) > 0
        for plural in ("jointinferenceservices", "incrementallearningjobs", "federatedlearningjobs", "datasets"):
            assert sim.list(plural), plural
        assert requests.delete(sim.url + "/api/v1/namespaces/default/pods/x", timeout=5).status_code == 405
    finally:
        sim.stop()


def test_exporter_follows_a_changing_cluster(workdir):
    sim, exporter = start(workdir)
    try:
        # Pods come and go every few seconds; the exporter converges on the simulator's set.
        wait_for(lambda: pods_in_exporter(exporter) == pods_in_simulator(sim), 60, interval=0.5,
                 what="the exporter's pods to equal the simulator's")
        tasks = {(o["metadata"]["namespace"], o["metadata"]["name"]) for o in sim.list("incrementallearningjobs")}
        text = exporter.metrics()
        for ns, name in tasks:
            assert f'sedna_task_info{{namespace="{ns}",kind="IncrementalLearningJob",task="{name}"' in text
        # Bookmarks arrive and watches end at their server-side timeout without errors.
        wait_for(lambda: counter(exporter, "sedna_exporter_watch_events_total", type="BOOKMARK") > 0, 30,
                 what="bookmarks")
        assert counter(exporter, "sedna_exporter_watch_requests_total", result="error") == 0
    finally:
        exporter.stop()
        sim.stop()


def test_a_stalled_exporter_gets_410_and_relists(workdir):
    """The exporter is frozen (SIGSTOP) while its watches end and the cluster moves on by more
    than the simulator's history window; on waking it must be told 410 Gone, relist, and agree
    with the simulator again."""
    sim, exporter = start(workdir, history=30, watch_timeout=2, speed=8)
    try:
        wait_for(lambda: pods_in_exporter(exporter) == pods_in_simulator(sim), 60, interval=0.5, what="first sync")
        lists_before = counter(exporter, "sedna_exporter_list_requests_total", resource="pods")
        os.kill(exporter.process.pid, signal.SIGSTOP)
        try:
            time.sleep(8)
        finally:
            os.kill(exporter.process.pid, signal.SIGCONT)
        wait_for(lambda: counter(exporter, "sedna_exporter_watch_requests_total", result="gone") > 0, 60,
                 what="a watch answered 410 Gone")
        wait_for(lambda: counter(exporter, "sedna_exporter_list_requests_total", resource="pods") > lists_before, 30,
                 what="a relist of pods")
        wait_for(lambda: pods_in_exporter(exporter) == pods_in_simulator(sim), 60, interval=0.5,
                 what="the exporter to agree with the simulator after the relist")
    finally:
        exporter.stop()
        sim.stop()


def test_simulator_is_deterministic_per_seed(workdir):
    def snapshot(seed):
        s = Simulator(workdir, seed=seed)
        try:
            # The objects that exist from the start: their names and uids come from the seed.
            return sorted((o["metadata"]["name"], o["metadata"]["uid"])
                          for plural in ("incrementallearningjobs", "federatedlearningjobs", "datasets") for o in s.list(plural))
        finally:
            s.stop()
    assert snapshot(3) == snapshot(3)
    assert snapshot(3) != snapshot(4)


def test_simulated_workers_use_the_intake_token(workdir):
    """With bearer-token auth on the exporter's intake, the simulator's workers send the token
    from --intake-token-file with their pushes and are accepted; the token never reaches either
    log. (Reports carry no token: Sedna's LCClient sends none; the relay has its own.)"""
    token_file = os.path.join(workdir, "intake-token")
    with open(token_file, "w") as f:
        f.write("sim-secret-token-42\n")
    port = free_port()
    sim = Simulator(workdir, intake_url=f"http://127.0.0.1:{port}", speed=4, extra=["--intake-token-file", token_file])
    exporter = Exporter(workdir, sim.kubeconfig(), port=port, extra=["--intake-token-file", token_file])
    try:
        exporter.wait_ready()
        wait_for(lambda: counter(exporter, "sedna_intake_pushes_total", result="ok") > 0, 60, what="accepted pushes")
    finally:
        exporter.stop()
        sim.stop()
    assert "sim-secret-token-42" not in sim.process.output() + exporter.process.output()


def lc_answer(url, worker, body):
    r = requests.post(f"{url}/sedna/workers/{worker}/info", data=json.dumps(body), headers={"Content-Type": "application/json"},
                      timeout=10)
    return r.status_code, r.text


def test_capture_route_reports_reach_the_lc_and_the_exporter(workdir):
    """Capture route: every worker pod's effective LC_SERVER is the relay; the relay answers with
    the LC stand-in's own reply and the exporter gets the reports, FL ones (ownerKind "default")
    too, while the FL job itself carries no Training condition (Sedna as released)."""
    stack = SimulatedStack(workdir, capture=True, speed=4)
    try:
        pods = stack.sim.list("pods")
        workers = [p for p in pods if any(k.endswith(".sedna.io/worker-type") for k in p["metadata"].get("labels", {}))]
        assert workers
        for p in workers:
            env = p["spec"]["containers"][0].get("env", [])
            servers = [i for i, e in enumerate(env) if e["name"] == "LC_SERVER"]
            if servers:
                assert env[servers[-1]]["value"] == "http://$(SEDNA_RELAY_HOST_IP):9480", p["metadata"]["name"]
                assert env[servers[-1] - 1]["name"] == "SEDNA_RELAY_HOST_IP"
        wait_for(lambda: counter(stack.exporter, "sedna_federated_learning_worker_round") > 0, 90, what="FL round reports via the relay")
        wait_for(lambda: counter(stack.exporter, "sedna_joint_inference_worker_inferences_total") > 0, 60, what="JI reports via the relay")
        assert stack.relay.metric("sedna_relay_delivered_total") > 0
        for job in stack.sim.list("federatedlearningjobs"):
            assert all(c["type"] != "Training" for c in job.get("status", {}).get("conditions", []))
        # The relay answers with the LC's own reply, byte for byte.
        body = {"name": "edgeworker-zz9zz", "namespace": "default", "ownerName": "sedna", "ownerKind": "jointinferenceservice",
                "kind": "inference", "ownerInfo": {"inferenceNumber": 1, "hardExampleNumber": 0, "uploadCloudRatio": 0}}
        assert lc_answer(stack.relay.url, "edgeworker-zz9zz", body) == lc_answer(stack.sim.url, "edgeworker-zz9zz", body)
        assert lc_answer(stack.sim.url, "edgeworker-zz9zz", body) == (200, '{\n  "Status": 200,\n  "Message": "OK"\n }')
        status, text = lc_answer(stack.sim.url, "someone-else", body)
        assert status == 400 and json.loads(text)["Status"] == 400
    finally:
        stack.stop()


def test_without_capture_the_exporter_gets_no_reports(workdir):
    """--no-capture: pods carry the GM's env only, host-network workers report to localhost:9100
    (the simulator's LC), JI edge workers' reports are lost; pushes still reach the exporter."""
    stack = SimulatedStack(workdir, capture=False, speed=4)
    try:
        pods = stack.sim.list("pods")
        for p in pods:
            env = p["spec"]["containers"][0].get("env", [])
            assert not any(e["name"] == "SEDNA_RELAY_HOST_IP" for e in env)
            servers = [e["value"] for e in env if e["name"] == "LC_SERVER"]
            if servers:
                assert servers[-1] == "http://localhost:9100"
        wait_for(lambda: counter(stack.exporter, "sedna_intake_pushes_total", result="ok") > 0, 60, what="accepted pushes")
        text = stack.exporter.metrics()
        assert "sedna_joint_inference_worker_inferences_total{" not in text
        assert "sedna_federated_learning_worker_round{" not in text
        for svc in stack.sim.list("jointinferenceservices"):
            assert "metrics" not in svc.get("status", {}), svc["metadata"]["name"]
    finally:
        stack.stop()
    assert "lost_reports" in stack.sim.process.output()


@pytest.mark.parametrize("args, message", [
    (["--speed", "0"], "--speed"),
    (["--tasks", "0"], "--tasks"),
    (["--intake-url", "ftp://x"], "--intake-url"),
    (["--relay-url", "nonsense"], "--relay-url"),
    (["--intake-token-file", "/nonexistent/token"], "--intake-token-file"),
    (["--listen", "nonsense"], "--listen"),
])
def test_bad_simulator_flags_are_clear_errors(args, message):
    r = subprocess.run([exporter_bin(), "simulate", *args], capture_output=True, text=True, timeout=30)
    assert r.returncode != 0 and message in r.stderr, r.stderr
