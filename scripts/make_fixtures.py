#!/usr/bin/env python3
"""Builds fixtures/cluster/*.json: a realistic Sedna cluster snapshot for tests.

Specs come unchanged from Sedna's own samples (fixtures/sedna/samples, Apache-2.0, see NOTICE).
Statuses, pods and nodes are written the way docs/sedna-data-model.md describes the GM, LC and kubelet
writing them (conditions appended, `data` as a JSON string, metrics as strings, pod labels
`<kind>.sedna.io/*`). The Swift golden tests and the Python end-to-end tests both read these
files, so both test the same objects. Deterministic: `--check` fails when the files drift.

Usage: scripts/make_fixtures.py [--check]
"""
import json, os, sys, copy
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLES = os.path.join(ROOT, "fixtures", "sedna", "samples")
OUT = os.path.join(ROOT, "fixtures", "cluster")
T0 = "2025-01-01T10:00:00Z"


def ts(minutes, seconds=0):
    h, m = divmod(minutes, 60)
    return f"2025-01-01T{10 + h:02d}:{m:02d}:{seconds:02d}Z"


def sample(filename, index=0):
    docs = [d for d in yaml.safe_load_all(open(os.path.join(SAMPLES, filename))) if d]
    return copy.deepcopy(docs[index])


def meta(obj, uid, namespace="default", minutes=0, name=None):
    m = obj.setdefault("metadata", {})
    if name:
        m["name"] = name
    m["namespace"] = namespace
    m["uid"] = uid
    m["creationTimestamp"] = ts(minutes)
    # No resourceVersion: kmock keeps whatever the client sends, so a fixed one would let a
    # watch "resume" across an emulator restart; a real API server always sets its own.
    return obj


def cond(type_, minutes, stage=None, data=None, message="", reason=""):
    c = {"type": type_, "status": "True", "lastHeartbeatTime": ts(minutes), "lastTransitionTime": ts(minutes),
         "reason": reason, "message": message}
    if stage is not None:
        c["stage"] = stage
    if data is not None:
        c["data"] = data if isinstance(data, str) else json.dumps(data, separators=(",", ":"))
    return c


def model(url, fmt="pb", metrics=None):
    m = {"format": fmt, "url": url, "classes": None}
    if metrics is not None:
        m["metrics"] = metrics
    return m


def il_conditions(out="/incremental_learning/output"):
    trained = f"{out}/train/1/model.pb"
    deploy = "/models/deploy/model.pb"
    return [
        cond("Waiting", 1, "Train"),
        cond("Ready", 2, "Train", {"input": {"models": [model("/models/initial/model.pb")],
                                             "dataURL": f"{out}/data/train/1/data.txt", "outputDir": f"{out}/train/1"}},
             message="reported by lc"),
        cond("Starting", 2, "Train"),
        cond("Running", 3, "Train"),
        cond("Completed", 10, "Train", {"output": {"models": [
            model(trained, metrics={"loss": 0.0421, "accuracy": 0.9}),
            model(f"{out}/train/1", "ckpt", metrics={"loss": 0.0421, "accuracy": 0.9})]}}, message="reported by lc"),
        cond("Completed", 10, "Train"),  # the pod-phase path appends a second Completed (race)
        cond("Waiting", 11, "Eval"),
        cond("Ready", 11, "Eval", {"input": {"models": [model(trained, metrics={"loss": 0.0421}), model(deploy)],
                                             "dataURL": f"{out}/data/eval/1/data.txt"}}, message="reported by lc"),
        cond("Starting", 11, "Eval"),
        cond("Running", 12, "Eval"),
        cond("Completed", 14, "Eval", {"output": {"models": [
            model(trained, metrics={"precision": [0.83, 0.91], "recall": [0.77, 0.88]}),
            model(deploy, metrics={"precision": [0.80, 0.85], "recall": [0.75, 0.86]})]}}, message="reported by lc"),
        cond("Waiting", 15, "Deploy"),
        cond("Ready", 15, "Deploy", {"input": {"models": [model(trained, metrics={"loss": 0.0421}), model(deploy)]}},
             message="reported by lc"),
        cond("Completed", 16, "Deploy"),
        cond("Waiting", 17, "Train"),
    ]


def pod(name, uid, node, labels, phase="Running", containers=(("worker", 0, "running"),), start=1, ready=True,
        namespace="default", owner=None, env=None):
    statuses = []
    for cname, restarts, state in containers:
        st = {"running": {"startedAt": ts(start)}} if state == "running" else \
             {"waiting": {"reason": state}} if state not in ("completed",) else \
             {"terminated": {"exitCode": 0, "reason": "Completed"}}
        statuses.append({"name": cname, "restartCount": restarts, "ready": state == "running", "state": st,
                         "image": "kubeedge/sedna-example:v0.1.0"})
    p = {"apiVersion": "v1", "kind": "Pod",
         "metadata": {"name": name, "namespace": namespace, "uid": uid, "labels": labels, "creationTimestamp": ts(start)},
         "spec": {"nodeName": node, "containers": [{"name": c[0], "image": "kubeedge/sedna-example:v0.1.0",
                                                    "env": env or []} for c in containers]},
         "status": {"phase": phase, "startTime": ts(start), "containerStatuses": statuses,
                    "conditions": [{"type": "Ready", "status": "True" if ready else "False"}]}}
    if owner:
        p["metadata"]["ownerReferences"] = [dict(owner, controller=True, blockOwnerDeletion=True)]
    return p


def node(name, edge, ready=True, version="v1.28.6"):
    labels = {"kubernetes.io/hostname": name}
    if edge:
        labels["node-role.kubernetes.io/edge"] = ""
        labels["node-role.kubernetes.io/agent"] = ""
        version = "v1.28.6-kubeedge-v1.17.0"
    else:
        labels["node-role.kubernetes.io/control-plane"] = ""
    return {"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": name, "uid": f"node-{name}", "labels": labels, "creationTimestamp": T0},
            "status": {"nodeInfo": {"kubeletVersion": version},
                       "conditions": [{"type": "Ready", "status": "True" if ready else "False",
                                       "lastHeartbeatTime": ts(20)}]}}


def worker_labels(kind, task, uid, worker_type):
    p = kind.lower() + ".sedna.io/"
    return {p + "name": task, p + "uid": uid, p + "worker-type": worker_type}


def owner(kind, name, uid):
    return {"apiVersion": "sedna.io/v1alpha1", "kind": kind, "name": name, "uid": uid}


def build():
    objs = {}

    def add(resource, obj):
        objs.setdefault(resource, []).append(obj)

    # Nodes: one cloud node, three edge nodes, one of them NotReady.
    add("nodes", node("cloud-node", False))
    add("nodes", node("edge-node", True))
    add("nodes", node("edge1", True))
    add("nodes", node("edge2", True, ready=False))

    # Datasets and models.
    ds = meta(sample("dataset_v1alpha1.yaml"), "uid-ds-demo0")
    ds["status"] = {"numberOfSamples": 1200, "updateTime": ts(5)}
    add("datasets", ds)
    for name, nodeName, n in [("incremental-dataset", "edge-node", 840), ("lifelong-dataset", "edge-node", 5000),
                              ("edge1-surface-defect-detection-dataset", "edge1", 320),
                              ("edge2-surface-defect-detection-dataset", "edge2", 280)]:
        d = meta({"apiVersion": "sedna.io/v1alpha1", "kind": "Dataset",
                  "spec": {"url": f"/data/{name}/index.txt", "format": "txt", "nodeName": nodeName}},
                 f"uid-ds-{name}", name=name)
        d["status"] = {"numberOfSamples": n, "updateTime": ts(6)}
        add("datasets", d)
    md = meta(sample("model_v1alpha1.yaml"), "uid-model-demo1")
    add("models", md)
    fm = meta({"apiVersion": "sedna.io/v1alpha1", "kind": "Model",
               "spec": {"url": "s3://AKIAEXAMPLE:secret@models.example.com/fl/model.pb?X-Amz-Signature=abc", "format": "pb"}},
              "uid-model-fl", name="surface-defect-detection-model")
    fm["status"] = {"updateTime": ts(30), "metrics": [{"key": "accuracy", "value": "0.87"}, {"key": "loss", "value": "0.31"}]}
    add("models", fm)

    # Joint inference: Running, counters as strings in random order (pkg/globalmanager/controllers/jointinference/upstream.go).
    ji = meta(sample("jointinferenceservice_v1alpha1.yaml"), "uid-ji-helmet")
    ji["status"] = {"conditions": [cond("Running", 1)], "startTime": ts(1), "active": 2, "failed": 0,
                    "metrics": [{"key": "uploadCloudRatio", "value": "0.25"}, {"key": "inferenceNumber", "value": "120"},
                                {"key": "hardExampleNumber", "value": "30"}]}
    add("jointinferenceservices", ji)

    # Incremental learning: one full Train -> Eval -> Deploy loop, back in Train/Waiting.
    il = meta(sample("incrementallearningjob_v1alpha1.yaml"), "uid-il-helmet")
    il["status"] = {"conditions": il_conditions(), "startTime": ts(1)}
    add("incrementallearningjobs", il)

    # A hostile IL job: malformed data, unknown type, strings where numbers belong.
    bad = meta({"apiVersion": "sedna.io/v1alpha1", "kind": "IncrementalLearningJob",
                "spec": {"dataset": {"name": "incremental-dataset", "trainProb": "not-a-number"},
                         "trainSpec": {"template": {"spec": {"containers": [{"name": "t", "env": [
                             {"name": "batch_size", "value": "thirty-two"}, {"name": "learning_rate", "value": "0.01"}]}]}}}}},
               "uid-il-malformed", name="il-malformed")
    bad["status"] = {"conditions": [
        cond("Waiting", 1, "Train"),
        cond("Completed", 2, "Train", "{not json"),
        cond("Completed", 3, "Eval", {"output": {"models": [{"url": "/m.pb", "metrics": {"precision": "high", "recall": [0.5, "x"]}}]}}),
        cond("Exploded", 4, "Train"),
    ], "startTime": "yesterday"}
    add("incrementallearningjobs", bad)

    # Lifelong learning: in Eval, with a knowledge base summary.
    ll = meta(sample("lifelonglearningjobv1alpha1.yaml"), "uid-ll-atcii")
    ll["status"] = {"startTime": ts(1), "conditions": [
        cond("Waiting", 1, "Train"),
        cond("Ready", 2, "Train", {"input": {"dataURL": "/data/lifelong/train/1/data.txt",
                                             "dataIndexURL": "/data/lifelong/train/1/dataIndex.txt", "outputDir": "/output/train/1"}},
             message="reported by lc"),
        cond("Starting", 2, "Train"), cond("Running", 3, "Train"),
        cond("Completed", 9, "Train", {"output": {"models": [{"format": "pkl", "url": "/output/train/1/index.pkl",
                                                              "classes": None}]}}, message="reported by lc"),
        cond("Waiting", 10, "Eval"),
        cond("Ready", 10, "Eval", {"input": {"models": [{"format": "pkl", "url": "/output/train/1/index.pkl"}],
                                             "outputDir": "/output/eval/1"}}, message="reported by lc"),
        cond("Running", 11, "Eval"),
    ], "knowledgeBase": {
        "AIModels": {"numberOfAIModels": 2, "listOfAIModels": [
            {"modelID": "task-0", "averagePrecision": 0.81, "numberOfTrainSamples": 1200},
            {"modelID": "task-1", "averagePrecision": 0.77, "numberOfTrainSamples": 800}]},
        "AIClasses": {"numberOfAIClasses": 3, "listOfAIClasses": ["sunny", "cloudy", "rainy"]},
        "samples": {"numberOfLabeledUnseenSample": 12, "numberOfUnseenSample": 40}}}
    add("lifelonglearningjobs", ll)

    # Federated learning: round 3 of training across edge1 and edge2.
    fl = meta(sample("federatedlearningjob_v1alpha1.yaml"), "uid-fl-sdd")
    fl["status"] = {"startTime": ts(1), "active": 3, "succeeded": 0, "failed": 0, "phase": "Running",
                    "conditions": [{"type": "Training", "status": "True", "lastProbeTime": ts(10 + r),
                                    "lastHeartbeatTime": ts(10 + r), "reason": "DoTraining",
                                    "message": f"Round {r} reaches at 2025-01-01 10:{10 + r:02d}:00"} for r in (1, 2, 3)]}
    add("federatedlearningjobs", fl)

    # Multi-edge kinds.
    os_ = meta(sample("objectsearchservice_v1alpha1.yaml"), "uid-os-ped")
    os_["status"] = {"conditions": [cond("Pending", 0), cond("Running", 1)], "startTime": ts(1), "active": 3, "failed": 0}
    add("objectsearchservices", os_)
    ot = meta(sample("objecttrackingservice_v1alpha1.yaml"), "uid-ot-ped")
    add("objecttrackingservices", ot)  # no GM controller: no status at all
    fe = meta({"apiVersion": "sedna.io/v1alpha1", "kind": "FeatureExtractionService",
               "spec": {"model": {"name": "fe-model"}}}, "uid-fe-demo", name="feature-extraction-demo")
    fe["status"] = {"conditions": [cond("Failed", 2, reason="workerFailed", message="the worker of service failed")],
                    "startTime": ts(1), "active": 0, "failed": 1, "metrics": []}
    add("featureextractionservices", fe)
    reid = meta({"apiVersion": "sedna.io/v1alpha1", "kind": "ReidJob", "spec": {}}, "uid-reid-demo", name="reid-demo")
    reid["status"] = {"conditions": [cond("Completed", 20, data="")], "startTime": ts(1), "completionTime": ts(20),
                      "active": 0, "succeeded": 1, "failed": 0, "phase": "Succeeded"}
    add("reidjobs", reid)
    va = meta({"apiVersion": "sedna.io/v1alpha1", "kind": "VideoAnalyticsJob", "spec": {}}, "uid-va-demo", name="video-analytics-demo")
    va["status"] = {"conditions": [cond("Failed", 5, reason="workerFailed", data="{\"output\":")],
                    "startTime": ts(1), "active": 0, "succeeded": 0, "failed": 1, "phase": "Failed"}
    add("videoanalyticsjobs", va)

    # Pods Sedna created, plus Sedna's components and one unrelated pod.
    jl = worker_labels("JointInferenceService", "helmet-detection-inference-example", "uid-ji-helmet", "edge")
    jl["app.sedna.io"] = "helmet-detection-inference-example-Edge-svc"
    add("pods", pod("helmet-detection-inference-example-deployment-edge-7d9f8c6b5-x2k4z", "uid-pod-ji-edge", "edge-node", jl,
                    env=[{"name": "WORKER_NAME", "value": "edgeworker-ab1cd"}]))
    jc = worker_labels("JointInferenceService", "helmet-detection-inference-example", "uid-ji-helmet", "cloud")
    add("pods", pod("helmet-detection-inference-example-deployment-cloud-5c8b7d9f4-q8w7e", "uid-pod-ji-cloud", "cloud-node", jc,
                    env=[{"name": "WORKER_NAME", "value": "cloudworker-fg2hi"}]))
    ilo = owner("IncrementalLearningJob", "helmet-detection-demo", "uid-il-helmet")
    add("pods", pod("helmet-detection-demo-train-9xk2p", "uid-pod-il-train", "edge-node",
                    worker_labels("IncrementalLearningJob", "helmet-detection-demo", "uid-il-helmet", "train"),
                    phase="Succeeded", containers=(("train-worker", 0, "completed"),), ready=False, owner=ilo))
    add("pods", pod("helmet-detection-demo-inference-m3n4b", "uid-pod-il-infer", "edge-node",
                    worker_labels("IncrementalLearningJob", "helmet-detection-demo", "uid-il-helmet", "inference"),
                    containers=(("infer-worker", 4, "CrashLoopBackOff"),), ready=False, owner=ilo))
    flo = owner("FederatedLearningJob", "surface-defect-detection", "uid-fl-sdd")
    add("pods", pod("surface-defect-detection-aggregation-k2j3h", "uid-pod-fl-agg", "cloud-node",
                    worker_labels("FederatedLearningJob", "surface-defect-detection", "uid-fl-sdd", "aggregation"), owner=flo))
    for i, n in ((1, "edge1"), (2, "edge2")):
        add("pods", pod(f"surface-defect-detection-train-t{i}x9z", f"uid-pod-fl-train-{i}", n,
                        worker_labels("FederatedLearningJob", "surface-defect-detection", "uid-fl-sdd", "train"),
                        containers=(("train-worker", i - 1, "running"),), owner=flo))
    add("pods", pod("gm-6d5f7c8b9-abcde", "uid-pod-gm", "cloud-node", {"sedna": "gm"}, namespace="sedna"))
    add("pods", pod("kb-7c6b5d4f3-fghij", "uid-pod-kb", "cloud-node", {"sedna": "kb"}, namespace="sedna"))
    for n in ("cloud-node", "edge-node", "edge1", "edge2"):
        add("pods", pod(f"lc-{n}", f"uid-pod-lc-{n}", n, {"sedna": "lc"}, namespace="sedna", ready=(n != "edge2")))
    add("pods", pod("coredns-5d78c9869d-abcde", "uid-pod-coredns", "cloud-node", {"k8s-app": "kube-dns"}, namespace="kube-system"))
    return objs


def render(objs):
    files = {}
    for resource, items in sorted(objs.items()):
        files[resource + ".json"] = json.dumps({"items": items}, indent=1, sort_keys=True) + "\n"
    return files


def main():
    check = "--check" in sys.argv
    files = render(build())
    stale = []
    for name, content in files.items():
        path = os.path.join(OUT, name)
        old = open(path).read() if os.path.exists(path) else None
        if old == content:
            continue
        if check:
            stale.append(name)
        else:
            os.makedirs(OUT, exist_ok=True)
            open(path, "w").write(content)
            print("wrote", os.path.relpath(path, ROOT))
    if stale:
        print("fixtures out of date (run scripts/make_fixtures.py):", ", ".join(stale))
        sys.exit(1)


if __name__ == "__main__":
    main()
