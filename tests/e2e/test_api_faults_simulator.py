"""API faults between the exporter and our own simulated Sedna cluster (`sedna-exporter simulate`,
which keeps changing on its own), and responses trickled a few bytes at a time: after each fault
the exporter converges to the API's state without a restart, checked object by object."""
import os
import re

import pytest
import requests

from faultproxy import FaultProxy
from harness import Exporter, Simulator, wait_for

TASK_PLURALS = ["jointinferenceservices", "incrementallearningjobs", "lifelonglearningjobs", "federatedlearningjobs",
                "featureextractionservices", "objectsearchservices", "objecttrackingservices", "reidjobs", "videoanalyticsjobs"]


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    work = str(tmp_path_factory.mktemp("simfaults"))
    s = Simulator(work, seed=3)
    try:
        yield work, s
    finally:
        s.stop()


def api_objects(sim):
    """(kind, namespace, name) of every task, model and dataset the simulator serves, read directly."""
    out = set()
    for plural in TASK_PLURALS:
        out |= {("task", o["metadata"]["namespace"], o["metadata"]["name"]) for o in sim.list(plural)}
    out |= {("model", o["metadata"]["namespace"], o["metadata"]["name"]) for o in sim.list("models")}
    out |= {("dataset", o["metadata"]["namespace"], o["metadata"]["name"]) for o in sim.list("datasets")}
    return out


def labels(line):
    return dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', line.split("}", 1)[0]))


def exported_objects(exporter):
    out = set()
    for line in exporter.metrics().splitlines():
        for family, what, key in (("sedna_task_info{", "task", "task"), ("sedna_model_info{", "model", "model"),
                                  ("sedna_dataset_info{", "dataset", "dataset")):
            if line.startswith(family):
                l = labels(line[len(family):])
                out.add((what, l.get("namespace", ""), l.get(key, "")))
    return out


def converged(sim, exporter):
    # Read the API before and after the exporter: a change in between (the simulator churns)
    # is not taken for a difference.
    before = api_objects(sim)
    exported = exported_objects(exporter)
    return exported and (exported == before or exported == api_objects(sim))


def counter_sum(exporter, family, **labels):
    total = 0.0
    for line in exporter.metrics().splitlines():
        if line.startswith(family + "{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total


def non_ok_requests(exporter):
    total = 0.0
    for line in exporter.metrics().splitlines():
        if line.startswith(("sedna_exporter_watch_requests_total{", "sedna_exporter_list_requests_total{")) and 'result="ok"' not in line:
            total += float(line.rsplit(" ", 1)[1])
    return total


def test_the_exporter_converges_after_faults_in_front_of_the_simulator(sim):
    work, s = sim
    proxy = FaultProxy(s.port, stall_seconds=15)
    exporter = Exporter(work, proxy.kubeconfig(os.path.join(work, "kubeconfig-simproxy")))
    try:
        exporter.wait_ready()
        wait_for(lambda: converged(s, exporter), 30, what="converged before the faults")
        for kind, watch_only, count in (("drop", True, 4), ("gone", True, 3), ("5xx", False, 6), ("garbage", True, 3)):
            before = sum(proxy.faults.values())
            proxy.inject(kind, requests=count, watch_only=watch_only)
            wait_for(lambda: sum(proxy.faults.values()) > before, 30, what=f"the {kind} fault to be applied")
            wait_for(lambda: converged(s, exporter), 60, what=f"convergence after {kind}")
            proxy.clear()
        assert exporter.process.alive()
        assert non_ok_requests(exporter) > 0
        # The relists after 410 Gone left what the exporter held as listed unparsed (the
        # simulator writes objects deterministically, as an API server does), and convergence
        # above shows the state is the cluster's all the same.
        assert counter_sum(exporter, "sedna_exporter_list_items_total", result="unchanged") > 0
        assert counter_sum(exporter, "sedna_exporter_list_items_total", result="parsed") > 0
    finally:
        exporter.stop()
        proxy.stop()


def test_a_trickled_list_is_cut_off_and_retried(sim):
    """The first two pod LISTs are passed on 16 bytes every 50 ms: never idle, but the pod LIST
    (about 60 kB) would take three minutes each. The exporter gives up on each body after
    --api-body-timeout, counts the failure, retries, gets ready and converges."""
    work, s = sim
    proxy = FaultProxy(s.port, trickle_bytes=16, trickle_interval=0.05)
    proxy.inject("trickle", requests=2, watch_only=False, path="/api/v1/pods")
    exporter = Exporter(work, proxy.kubeconfig(os.path.join(work, "kubeconfig-trickle")), extra=["--api-body-timeout", "2"])
    try:
        exporter.wait_ready(60)
        wait_for(lambda: converged(s, exporter), 60, what="convergence after the trickled LISTs")
        assert proxy.faults["trickle"] == 2
        assert proxy.trickle_cut == 2, "a trickled LIST was not cut off by the exporter"
        assert counter_sum(exporter, "sedna_exporter_list_requests_total", resource="pods", result="error") >= 2
        assert "not complete within 2 s (api-body-timeout)" in exporter.process.output()
        assert requests.get(exporter.url + "/readyz", timeout=5).status_code == 200
    finally:
        exporter.stop()
        proxy.stop()


def test_out_of_range_api_body_timeout_is_refused(sim):
    work, s = sim
    exporter = Exporter(work, s.kubeconfig(), extra=["--api-body-timeout", "0"])
    try:
        wait_for(lambda: not exporter.process.alive(), 30, what="the exporter to refuse to start")
        assert exporter.process.proc.returncode != 0
        assert "--api-body-timeout" in exporter.process.output()
    finally:
        exporter.stop()
