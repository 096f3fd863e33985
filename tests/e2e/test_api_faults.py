"""API faults between the exporter and kmock (a Kubernetes API that is not ours): after each
fault the exporter converges to the API's state without a restart, checked object by object;
/readyz is 503 while it cannot; its self-metrics count the faults."""
import copy
import json
import os
import re

import pytest
import requests

from faultproxy import FaultProxy
from harness import FIXTURES, Exporter, KubeAPI, wait_for


def fixture(plural, name):
    items = json.load(open(os.path.join(FIXTURES, plural + ".json")))["items"]
    return copy.deepcopy(next(o for o in items if o["metadata"]["name"] == name))


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    work = str(tmp_path_factory.mktemp("faults"))
    kube = KubeAPI(work)
    proxy = FaultProxy(kube.port, stall_seconds=20)
    exporter = Exporter(work, proxy.kubeconfig(os.path.join(work, "kubeconfig-proxy")))
    try:
        exporter.wait_ready()
        yield kube, proxy, exporter
    finally:
        exporter.stop()
        proxy.stop()
        kube.stop()


def api_objects(kube):
    """(kind-or-plural, name) of every JI service, model and dataset kmock holds."""
    out = set()
    for plural, key in (("jointinferenceservices", "JointInferenceService"), ("models", "model"), ("datasets", "dataset")):
        r = requests.get(kube.path(plural), timeout=10)
        r.raise_for_status()
        out |= {(key, o["metadata"]["name"]) for o in r.json()["items"]}
    return out


def exported_objects(exporter):
    text = exporter.metrics()
    out = {("JointInferenceService", m) for m in re.findall(r'^sedna_task_info\{[^}]*kind="JointInferenceService",task="([^"]+)"', text, re.M)}
    out |= {("model", m) for m in re.findall(r'^sedna_model_info\{[^}]*model="([^"]+)"', text, re.M)}
    out |= {("dataset", m) for m in re.findall(r'^sedna_dataset_info\{[^}]*dataset="([^"]+)"', text, re.M)}
    return out


def converged(kube, exporter):
    return api_objects(kube) == exported_objects(exporter)


def wait_converged(kube, exporter, timeout, what):
    """Waits for convergence; a timeout names the objects that differ and the watch counters,
    so a failure on a loaded CI machine says whether the exporter hung or was only slow."""
    try:
        wait_for(lambda: converged(kube, exporter), timeout, what=what)
    except AssertionError as e:
        api, seen = api_objects(kube), exported_objects(exporter)
        counters = [l for l in exporter.metrics().splitlines()
                    if l.startswith(("sedna_exporter_watch_requests_total{", "sedna_exporter_list_requests_total{"))]
        raise AssertionError(f"{e}; only in the API: {sorted(api - seen)}; only exported: {sorted(seen - api)}; "
                             f"counters: {counters}") from None


def counter_sum(exporter, family, **labels):
    total = 0.0
    for line in exporter.metrics().splitlines():
        if line.startswith(family + "{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total


def failures(exporter):
    """LIST and WATCH requests that did not end well (every result but ok)."""
    total = 0.0
    for line in exporter.metrics().splitlines():
        if line.startswith(("sedna_exporter_watch_requests_total{", "sedna_exporter_list_requests_total{")) and 'result="ok"' not in line:
            total += float(line.rsplit(" ", 1)[1])
    return total


def change_during(kube, n):
    """Creates a task, deletes a model and patches a dataset's URL: the changes the exporter must catch up on."""
    ji = fixture("jointinferenceservices", "helmet-detection-inference-example")
    ji["metadata"].update(name=f"ji-fault-{n}", uid=f"uid-ji-fault-{n}")
    kube.create("jointinferenceservices", ji)
    model = fixture("models", "model-demo1")
    model["metadata"].update(name=f"model-fault-{n}", uid=f"uid-model-fault-{n}")
    kube.create("models", model)
    if n > 0:
        kube.delete("models", "default", f"model-fault-{n - 1}")


@pytest.mark.parametrize("n,kind,watch_only,count", [
    (0, "drop", True, 6),
    (1, "gone", True, 4),
    (2, "error_event", True, 4),
    (3, "5xx", False, 8),
    (4, "429", False, 6),
    (5, "garbage", True, 4),
    (6, "stall", True, 2),
])
def test_the_exporter_converges_after_each_fault(env, n, kind, watch_only, count):
    kube, proxy, exporter = env
    # Generous bounds: a loaded CI machine slows the relists and their backoff (up to 60 s with
    # jitter); these are deadlines for a hang, not timings.
    wait_converged(kube, exporter, 120, "converged before the fault")
    before = sum(proxy.faults.values())
    proxy.inject(kind, requests=count, watch_only=watch_only)
    change_during(kube, n)
    wait_for(lambda: sum(proxy.faults.values()) > before, 60, what=f"the {kind} fault to be applied")
    # Converges without a restart once the API behaves (some faults are all used up by then).
    wait_converged(kube, exporter, 240, f"convergence after {kind}")
    proxy.clear()
    assert exporter.process.alive()
    text = exporter.metrics()
    assert "sedna_exporter_watch_requests_total" in text


def test_faults_are_counted_and_readyz_is_503_while_the_api_fails(env):
    kube, proxy, exporter = env
    wait_for(lambda: converged(kube, exporter) and exporter.ready(), 60, what="converged and ready")
    failed_before = failures(exporter)
    # Every request fails: watches end, relists fail, the consecutive failures make /readyz 503.
    proxy.inject("5xx", requests=None, watch_only=False)
    try:
        wait_for(lambda: requests.get(exporter.url + "/readyz", timeout=5).status_code == 503, 120, what="/readyz 503")
        assert "consecutive failures" in requests.get(exporter.url + "/readyz", timeout=5).text
        assert 'sedna_exporter_ready 0' in exporter.metrics()
    finally:
        proxy.clear()
    wait_for(lambda: exporter.ready(), 120, what="/readyz 200 again")
    assert failures(exporter) > failed_before
    change_during(kube, 7)
    wait_for(lambda: converged(kube, exporter), 60, what="convergence after the outage")
    # The gone watches of the earlier cases were counted too.
    assert counter_sum(exporter, "sedna_exporter_watch_requests_total", result="gone") > 0


def test_a_crd_removed_drops_its_series_for_good(env):
    """The supervisor stops the removed resource's reflector and waits for it before forgetting
    its objects: no late relist brings them back while the API still lists them."""
    kube, proxy, exporter = env
    wait_for(lambda: 'kind="ReidJob"' in exporter.metrics(), 30, what="ReidJob series")
    proxy.hide({"reidjobs"})
    try:
        wait_for(lambda: 'kind="ReidJob"' not in exporter.metrics(), 30, what="ReidJob series dropped")
        wait_for(lambda: 'sedna_exporter_resource_available{resource="reidjobs"} 0' in exporter.metrics(), 10,
                 what="reidjobs unavailable")
        # Three discovery rounds and a cut of every watch later, still gone.
        proxy.inject("drop", requests=0)
        seen = proxy.requests["discovery"]
        wait_for(lambda: proxy.requests["discovery"] >= seen + 3, 30, what="three more discovery rounds")
        assert 'kind="ReidJob"' not in exporter.metrics()
    finally:
        proxy.hide(set())
        proxy.clear()
    wait_for(lambda: 'kind="ReidJob"' in exporter.metrics(), 30, what="ReidJob back once the CRD is served again")
