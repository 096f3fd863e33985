#!/usr/bin/env python3
"""Drives Sedna's own, unchanged Python worker library (lib/sedna on PYTHONPATH) as a worker pod
would, with its env as the kubelet would give it, so that its LCClient / LCReporter send the
reports they really send to LC_SERVER.

Modes:
  ji-edge       JointInference (lib/sedna/core/joint_inference/joint_inference.py) with a tiny
                estimator, hard-example mining from HEM_NAME/HEM_PARAMETERS and MINING_MODE as
                set in the env; its LCReporter (lib/sedna/service/client.py) reports every
                LC_PERIOD seconds. The cloud worker is a small stand-in answering
                ModelClient's `POST /<service>/predict`. --scores gives one edge score per
                sample; a score below the Threshold filter's 0.5 is a hard example.
  il-train      IncrementalLearning.train (core/incremental_learning/incremental_learning.py).
  il-eval       IncrementalLearning.evaluate over MODEL_URLS.
  fl-train      The reports FederatedLearning.train (core/federated_learning/federated_learning.py)
                sends after each aggregation round: JobBase.report_task_info with the task_info
                it builds (currentRound, sampleCount, startTime, updateTime), status running and
                then completed, and the estimator's model_info as results. The class itself
                needs a framework backend with get_weights (TensorFlow, PyTorch or MindSpore),
                which this machine does not have; FederatedLearning does not override
                job_kind, so ownerKind is JobBase's "default" here as there.
  ll-train      The report LifelongLearning.train (core/lifelong_learning/lifelong_learning.py)
                sends at its end, from a real LifelongLearning instance: report_task_info(None,
                "completed", seen_estimator.model_info(<KB index>)). Training its seen-task
                learner needs a multi-task data set and a knowledge base server.

Every LCClient.send is observed (the original is called unchanged) and printed as one JSON line
{"sent": <message>, "answer": <what LCClient.send returned>}, so the test sees what the worker
got back.
"""
import copy
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from sedna.service import client as sedna_client

_OUT = threading.Lock()
_original_send = sedna_client.LCClient.send.__func__


def _observed_send(cls, lc_server, worker_name, message):
    snapshot = copy.deepcopy(message)
    answer = _original_send(cls, lc_server, worker_name, message)
    with _OUT:
        print(json.dumps({"sent": snapshot, "answer": answer}), flush=True)
    return answer


sedna_client.LCClient.send = classmethod(_observed_send)


class Estimator:
    """The smallest estimator Sedna's BackendBase drives (lib/sedna/backend/base.py)."""

    def __init__(self, **kwargs):
        self.weights = [0.0]

    def load(self, model_url=None, **kwargs):
        return self

    def predict(self, data, **kwargs):
        # One detection box [x1, y1, x2, y2, score] per sample: the shape the Threshold and
        # IBT filters read (lib/sedna/algorithms/hard_example_mining/hard_example_mining.py).
        score = float(data[0][4]) if hasattr(data, "__len__") and len(data) and hasattr(data[0], "__len__") else 0.9
        return [[0, 0, 1, 1, score]]

    def train(self, train_data, valid_data=None, **kwargs):
        return {"loss": 0.25, "accuracy": 0.875}

    def evaluate(self, data, model_path=None, **kwargs):
        return {"precision": 0.9 if "new" in str(model_path) else 0.8, "recall": 0.7}

    def save(self, model_path):
        with open(model_path, "w") as f:
            f.write("tiny model\n")
        return model_path


def cloud_standin():
    """The cloud worker's inference endpoint as ModelClient calls it (lib/sedna/service/client.py
    `POST http://BIG_MODEL_IP:BIG_MODEL_PORT/<service>/predict`, JSON with "data")."""
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):  # noqa: N802
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
            data = json.dumps({"result": [[0, 0, 1, 1, 0.99]], "received": body.get("data")}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server.server_address[1]


def run_ji(scores):
    import numpy as np
    os.environ["BIG_MODEL_IP"] = "127.0.0.1"     # the cloud stand-in replaces the cloud Service
    os.environ["BIG_MODEL_PORT"] = str(cloud_standin())
    from sedna.core.joint_inference import JointInference
    ji = JointInference(estimator=Estimator)
    mining = os.environ.get("MINING_MODE", "inference-then-mining")
    hard = 0
    for s in scores:
        box = [[0, 0, 1, 1, s]]
        # inference-then-mining sends data.tolist() to the cloud; mining-then-inference hands
        # the data itself to the filter, which needs a plain list.
        is_hard = ji.inference(np.array(box) if mining == "inference-then-mining" else box)[0]
        hard += int(bool(is_hard))
    reporter = ji.lc_reporter
    expected = (reporter.inference_number, reporter.hard_example_number)
    print(json.dumps({"done": {"samples": len(scores), "hard": hard, "inferenceNumber": expected[0],
                               "hardExampleNumber": expected[1]}}), flush=True)
    # The reporter sends on its own period; wait until it has sent the final figures.
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and reporter.period_increment:
        time.sleep(0.1)
    time.sleep(0.3)


def run_il(mode):
    from sedna.core.incremental_learning import IncrementalLearning
    il = IncrementalLearning(estimator=Estimator())
    if mode == "train":
        il.train(train_data=[[1, 2], [3, 4]])
    else:
        il.evaluate(data=[[1, 2], [3, 4]])


def run_fl(rounds):
    from sedna.core.base import JobBase
    from sedna.common.constant import K8sResourceKindStatus
    job = JobBase(estimator=Estimator())
    model = job.estimator.save()   # as federated_learning.py: self.estimator.save()
    for n in range(1, rounds + 1):
        start = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime())
        task_info = {"currentRound": n, "sampleCount": 600, "startTime": start,
                     "updateTime": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime())}
        results = job.estimator.model_info(model, result={"loss": 1.0 / n}, relpath=job.config.data_path_prefix)
        status = K8sResourceKindStatus.COMPLETED.value if n == rounds else K8sResourceKindStatus.RUNNING.value
        job.report_task_info(task_info, status, results)


def run_ll():
    from sedna.core.lifelong_learning import LifelongLearning
    from sedna.common.constant import K8sResourceKindStatus
    ll = LifelongLearning(seen_estimator=Estimator())
    index = os.path.join(os.environ["OUTPUT_URL"], "index.pkl")
    results = ll.cloud_knowledge_management.seen_estimator.model_info(index, relpath=ll.config.data_path_prefix)
    ll.report_task_info(None, K8sResourceKindStatus.COMPLETED.value, results)


def main(argv):
    mode = argv[1] if len(argv) > 1 else ""
    if mode == "ji-edge":
        run_ji([float(s) for s in argv[2].split(",")])
    elif mode in ("il-train", "il-eval"):
        run_il(mode[3:])
    elif mode == "fl-train":
        run_fl(int(argv[2]) if len(argv) > 2 else 3)
    elif mode == "ll-train":
        run_ll()
    else:
        sys.exit(f"usage: {argv[0]} ji-edge SCORES | il-train | il-eval | fl-train [ROUNDS] | ll-train")


if __name__ == "__main__":
    main(sys.argv)
