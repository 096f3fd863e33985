import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Exporter, KubeAPI, Prometheus  # noqa: E402


@pytest.fixture
def workdir(tmp_path):
    return str(tmp_path)


@pytest.fixture
def kube(workdir):
    api = KubeAPI(workdir)
    yield api
    api.stop()


@pytest.fixture
def exporter(workdir, kube):
    e = Exporter(workdir, kube.kubeconfig())
    try:
        e.wait_ready()
        yield e
    finally:
        e.stop()


@pytest.fixture
def prometheus(workdir, exporter):
    p = Prometheus(workdir, [f"127.0.0.1:{exporter.port}"])
    yield p
    p.stop()
