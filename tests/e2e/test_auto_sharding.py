"""`serve --auto-sharding` against kmock: the shard comes from the pod name's ordinal and the
StatefulSet's spec.replicas, and scaling the StatefulSet re-shards the running exporters (they
relist under the new shard; docs/deploy.md, "Scaling out")."""
import os

import pytest
import requests

from harness import ROOT, Exporter, KubeAPI, wait_for

GOLDEN = os.path.join(ROOT, "Tests", "ExpositionTests", "Golden", "fixture-cluster.prom")
NAMESPACE = "sedna-observability"


def statefulsets(kube, name=None):
    return f"{kube.url}/apis/apps/v1/namespaces/{NAMESPACE}/statefulsets" + (f"/{name}" if name else "")


def scale(kube, replicas):
    r = requests.patch(statefulsets(kube, "sedna-exporter"), json={"spec": {"replicas": replicas}},
                       headers={"Content-Type": "application/merge-patch+json"}, timeout=10)
    r.raise_for_status()


def shard_of(e):
    values = {}
    for line in e.metrics().splitlines():
        for name in ("sedna_exporter_shard_ordinal", "sedna_exporter_total_shards"):
            if line.startswith(name + " "):
                values[name] = int(float(line.split()[1]))
    return values.get("sedna_exporter_shard_ordinal"), values.get("sedna_exporter_total_shards")


def task_lines(e):
    """Task-level series (worker pods' location needs node context on every shard)."""
    return sorted(l for l in e.object_lines().splitlines() if l.startswith("sedna_task_"))


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    workdir = str(tmp_path_factory.mktemp("auto-sharding"))
    kube = KubeAPI(workdir)
    started = [kube]
    try:
        r = requests.post(statefulsets(kube), timeout=10, json={
            "apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": {"name": "sedna-exporter", "namespace": NAMESPACE, "uid": "uid-sts"},
            "spec": {"replicas": 1, "serviceName": "sedna-exporter-shards"}})
        r.raise_for_status()
        exporters = []
        for ordinal in range(2):
            e = Exporter(workdir, kube.kubeconfig(), extra=["--disable-intake", "--auto-sharding",
                                                            "--pod-name", f"sedna-exporter-{ordinal}",
                                                            "--pod-namespace", NAMESPACE])
            started.append(e)
            exporters.append(e)
        yield kube, exporters
    finally:
        for p in reversed(started):
            p.stop()


def test_scaling_the_statefulset_reshards(cluster):
    kube, (e0, e1) = cluster
    golden = open(GOLDEN).read()
    golden_tasks = sorted(l for l in golden.splitlines() if l.startswith("sedna_task_"))
    e0.wait_ready()
    assert shard_of(e0) == (0, 1)
    wait_for(lambda: e0.object_lines() == golden, 20, what="shard 0 of 1 serves the whole cluster")
    # Ordinal 1 of a one-replica StatefulSet is being scaled away (or not yet wanted): it serves nothing.
    assert not e1.ready() and e1.process.alive()
    assert task_lines(e1) == []

    scale(kube, 2)
    wait_for(lambda: shard_of(e0) == (0, 2) and shard_of(e1) == (1, 2), 20, what="both exporters on 2 shards")
    e0.wait_ready(30)
    e1.wait_ready(30)
    wait_for(lambda: sorted(task_lines(e0) + task_lines(e1)) == golden_tasks, 20,
             what="the two shards' task series partition the cluster's")
    assert task_lines(e0) and task_lines(e1)
    assert not set(task_lines(e0)) & set(task_lines(e1))
    assert "sedna_node_info{" in e0.object_lines() and "sedna_node_info{" not in e1.object_lines()

    scale(kube, 1)
    wait_for(lambda: shard_of(e0) == (0, 1), 20, what="shard 0 back to 1 shard")
    e0.wait_ready(30)
    wait_for(lambda: e0.object_lines() == golden, 20, what="shard 0 of 1 serves the whole cluster again")
    # The pod beyond the replicas keeps its last assignment until the StatefulSet stops it.
    assert shard_of(e1) == (1, 2)


def test_a_pod_name_that_no_statefulset_gives_is_refused(tmp_path):
    e = Exporter(str(tmp_path), os.path.join(str(tmp_path), "missing-kubeconfig"),
                 extra=["--auto-sharding", "--pod-name", "sedna-exporter-7c9d8-abcde", "--pod-namespace", NAMESPACE])
    wait_for(lambda: not e.process.alive(), 10, what="the exporter to refuse the pod name")
    assert "<statefulset>-<ordinal>" in e.process.output()
