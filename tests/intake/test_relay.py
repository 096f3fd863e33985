"""The edge relay through an offline link: nothing accepted is lost, nothing arrives twice."""
import json
import os
import sys

import requests

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "e2e"))
from harness import Exporter, KubeAPI, Process, exporter_bin, free_port, wait_for  # noqa: E402


class Relay:
    def __init__(self, workdir, central_port, spool, port=None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = Process([exporter_bin(), "relay", "--listen", f"127.0.0.1:{self.port}",
                                "--central-url", f"http://127.0.0.1:{central_port}", "--spool-dir", spool,
                                "--relay-name", "edge1"], os.path.join(workdir, f"relay-{self.port}.log"))
        wait_for(lambda: requests.get(self.url + "/healthz", timeout=2).status_code == 200, 30, what="relay up")

    def metric(self, name):
        for line in requests.get(self.url + "/metrics", timeout=5).text.splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
        return None


def report(i):
    if i % 2 == 0:
        return "edgeworker-ab1cd", {"name": "edgeworker-ab1cd", "namespace": "default", "ownerName": "sedna",
                                    "ownerKind": "jointinferenceservice", "kind": "inference",
                                    "ownerInfo": {"inferenceNumber": i, "hardExampleNumber": i // 4, "uploadCloudRatio": 0.25}}
    return "surface-defect-detection-train-t1x9z", {"name": "surface-defect-detection-train-t1x9z", "namespace": "default",
                                                   "ownerName": "sedna", "ownerKind": "default", "kind": "train", "status": "running",
                                                   "ownerInfo": {"currentRound": i, "sampleCount": 600}}


def send(relay, start, end):
    s = requests.Session()
    for i in range(start, end):
        worker, body = report(i)
        r = s.post(f"{relay.url}/sedna/workers/{worker}/info", data=json.dumps(body), headers={"Content-Type": "application/json"},
                   timeout=10)
        assert r.status_code == 200 and r.json()["Status"] == 200, r.text


def test_thousand_reports_through_an_offline_link_and_a_relay_restart(tmp_path):
    work = str(tmp_path)
    spool = os.path.join(work, "spool")
    kube = KubeAPI(work)
    central_port = free_port()
    relay = Relay(work, central_port, spool)
    exporter = None
    try:
        send(relay, 0, 500)
        assert relay.metric("sedna_relay_queue_depth") == 500
        assert relay.metric("sedna_relay_dropped_total") == 0
        relay.process.stop()                      # the relay restarts midway
        relay = Relay(work, central_port, spool, port=relay.port)
        assert relay.metric("sedna_relay_queue_depth") == 500, "the spool survived the restart"
        send(relay, 500, 1000)
        assert relay.metric("sedna_relay_queue_depth") == 1000
        wait_for(lambda: relay.metric("sedna_relay_delivery_failures_total") > 0, 30, what="a failed delivery (central is down)")

        exporter = Exporter(work, kube.kubeconfig(), port=central_port)   # the link comes back
        exporter.wait_ready()
        wait_for(lambda: relay.metric("sedna_relay_queue_depth") == 0, 60, what="the relay queue to drain")
        text = exporter.metrics()
        assert 'sedna_intake_relay_reports_total{relay="edge1",result="accepted"} 1000' in text
        # In order per worker: the newest report of each worker is the last one sent.
        assert ('sedna_joint_inference_worker_inferences_total{namespace="default",kind="JointInferenceService",'
                'task="helmet-detection-inference-example",worker="edgeworker-ab1cd",'
                'pod="helmet-detection-inference-example-deployment-edge-7d9f8c6b5-x2k4z"} 749') in text   # 998 - 998 // 4: Sedna counts hard examples in inferenceNumber too
        assert ('sedna_federated_learning_worker_round{namespace="default",kind="FederatedLearningJob",'
                'task="surface-defect-detection",worker="surface-defect-detection-train-t1x9z",'
                'pod="surface-defect-detection-train-t1x9z"} 999') in text
        # Redelivering what was already accepted changes nothing.
        r = requests.post(f"{exporter.url}/sedna/relay/edge1/reports",
                          data=json.dumps({"reports": [{"seq": 3, "worker": "edgeworker-ab1cd", "body": json.dumps(report(2)[1])}]}),
                          timeout=10)
        assert r.json()["acked"] == 1000
        assert 'sedna_intake_relay_reports_total{relay="edge1",result="duplicate"}' in exporter.metrics()
        assert 'worker="edgeworker-ab1cd",pod="helmet-detection-inference-example-deployment-edge-7d9f8c6b5-x2k4z"} 749' in exporter.metrics()
    finally:
        relay.process.stop()
        if exporter:
            exporter.stop()
        kube.stop()
