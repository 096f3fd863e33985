#!/usr/bin/env python3
"""Writes the seed inputs of every fuzz target into fuzz/corpus/<target>/seed-*.

Seeds come from the repository's fixtures (fixtures/cluster: objects as the API serves them),
the worker-report shapes Sedna's Python library sends (docs/sedna-data-model.md, "Worker
reports"), prometheus_client's text output and grouping-key paths, and kubeconfig / web config
files shaped like the tests' and exporter-toolkit's. Inputs libFuzzer found later are merged
next to them by `FUZZ_MERGE=1 scripts/fuzz.sh <target>` (files named by their SHA-1).
Run from the repository root: python3 fuzz/seed_corpus.py
"""
import base64
import glob
import json
import os

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def write(target, name, data):
    d = os.path.join(ROOT, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, f"seed-{name}"), "wb") as f:
        f.write(data)


def fixtures():
    out = {}
    for path in sorted(glob.glob("fixtures/cluster/*.json")):
        out[os.path.basename(path)[:-5]] = json.load(open(path))["items"]
    return out


def translator(objs):
    n = 0
    for items in objs.values():
        for o in items[:3]:
            write("translator", f"{n}.json", json.dumps(o, separators=(",", ":")))
            n += 1
    for i, s in enumerate(["2025-01-01T10:00:00.123+08:00", "s3://a:b@h/p?x=1#f", "Round 12 reaches at x", "1e308"]):
        write("translator", f"text-{i}", s)


def conditions(objs):
    n = 0
    for kind in ["incrementallearningjobs", "lifelonglearningjobs", "reidjobs", "videoanalyticsjobs", "federatedlearningjobs"]:
        for o in objs.get(kind, []):
            conds = o.get("status", {}).get("conditions", [])
            lines = [c.get("data") or c.get("message") or "" for c in conds]
            if any(lines):
                write("conditions", f"{n}", "\n".join(lines))
                n += 1
    write("conditions", "round", "Round 3 reaches at 2025-01-01\nRound 4 reaches at 2025-01-01")
    write("conditions", "outputdir", "\n".join([
        json.dumps({"input": {"models": [{"format": "pb", "url": "s3://u:p@m/model.pb?sig=1"}], "dataURL": "/d.txt",
                               "outputDir": "/out/1"}}),
        "", "", "",
        json.dumps({"output": {"models": [{"format": "pb", "url": "/out/1/m.pb", "metrics": {"loss": 0.1, "accuracy": [0.9]}}]}}),
    ]))


def push():
    try:
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Summary, Info, Enum
        from prometheus_client.exposition import generate_latest
        r = CollectorRegistry()
        Counter("train_samples", "Samples seen.", ["task", "worker"], registry=r).labels("t", "w").inc(3)
        Gauge("model_accuracy", "Accuracy with \"quotes\" and \\ backslash\nnewline.", ["url"], registry=r).labels("s3://a/b").set(0.93)
        Histogram("infer_seconds", "Latency.", registry=r).observe(0.2)
        Summary("batch_size", "Batch size.", registry=r).observe(32)
        Info("build", "Build.", registry=r).info({"version": "1.0"})
        Enum("phase", "Phase.", states=["a", "b"], registry=r).state("b")
        write("push", "prometheus-client", generate_latest(r))
    except ImportError:
        pass
    write("push", "plain", "# TYPE x gauge\n# HELP x Help.\nx{a=\"1\",b=\"\\\"\\n\\\\\"} 1.5\nx{a=\"2\"} NaN\ny +Inf\nz_total -1e-3\n")
    write("push", "untyped", "a 1\nb{c=\"d\"} 2\n# comment\n\n")
    write("push", "bad-timestamp", "a 1 1700000000000\n")
    b64 = base64.urlsafe_b64encode(b"/path/with/slashes").decode()
    for i, p in enumerate(["job/train", "job/train/instance/w1", f"job/train/url@base64/{b64}", "job@base64/dHJhaW4=/a/=",
                           "job/x/a@base64/!!", "job/x/a/1/a/2"]):
        write("push", f"path-{i}", p)


def report():
    base = {"name": "worker-1", "namespace": "default", "ownerName": "ji-1", "ownerKind": "jointinferenceservice",
            "kind": "inference", "status": "running"}
    write("report", "ji", json.dumps(dict(base, ownerInfo={"inferenceNumber": 120, "hardExampleNumber": 7,
                                                              "uploadCloudRatio": 0.058})))
    write("report", "il-train", json.dumps(dict(base, ownerKind="incrementallearningjob", kind="train", status="completed",
                                                results=[{"format": "pb", "url": "/out/1/model.pb",
                                                          "metrics": {"accuracy": [0.9], "loss": 0.04}}])))
    write("report", "ll-eval", json.dumps(dict(base, ownerKind="lifelonglearningjob", kind="eval", status="completed",
                                               ownerInfo={"task_index": "s3://kb/index.pkl"}, results=[])))
    write("report", "fl", json.dumps(dict(base, ownerKind="default", kind="train",
                                          ownerInfo={"currentRound": 4, "sampleCount": 500, "metrics": {"loss": 0.3}})))
    write("report", "minimal", '{"name":"w"}')
    write("report", "wrong-types", '{"name":"w","results":{},"ownerInfo":[1],"status":3}')


def watch(objs):
    n = 0
    for kind, items in objs.items():
        lines = []
        for i, o in enumerate(items[:2]):
            lines.append(json.dumps({"type": ["ADDED", "MODIFIED", "DELETED"][i % 3], "object": o}, separators=(",", ":")))
        lines.append(json.dumps({"type": "BOOKMARK", "object": {"kind": items[0].get("kind", ""), "metadata": {"resourceVersion": "99"}}}))
        write("watch", f"events-{kind}", "\n".join(lines) + "\n")
        page = {"kind": "List", "apiVersion": "v1", "metadata": {"resourceVersion": "42", "continue": "abc" if n % 2 else ""},
                "items": items[:2] + [{"metadata": {}}]}
        write("watch", f"list-{kind}", json.dumps(page, separators=(",", ":")))
        n += 1
    write("watch", "error-gone", json.dumps({"type": "ERROR", "object": {"kind": "Status", "code": 410, "reason": "Expired",
                                                                        "message": "too old resource version"}}) + "\n")
    write("watch", "partial", '{"type":"ADDED","object":{"metadata":{"name":"x"\n')
    # A pod as an API server sends it, with server-side apply's managedFields (the parse drops
    # them; `k:` keys carry escaped quotes).
    pod = json.loads(json.dumps(objs["pods"][0]))
    pod["metadata"]["managedFields"] = [
        {"manager": "sedna-gm", "operation": "Update", "apiVersion": "v1", "fieldsType": "FieldsV1",
         "fieldsV1": {"f:metadata": {"f:labels": {".": {}}}, "f:spec": {"f:containers": {'k:{"name":"worker"}': {".": {}, "f:image": {}}}}}},
        {"manager": "kubelet", "operation": "Update", "subresource": "status", "fieldsType": "FieldsV1",
         "fieldsV1": {"f:status": {"f:conditions": {'k:{"type":"Ready"}': {".": {}, "f:status": {}}}, "f:note": "caf\u00e9"}}}]
    write("watch", "managed-fields", json.dumps({"type": "MODIFIED", "object": pod}, separators=(",", ":")) + "\n"
          + json.dumps({"metadata": {"resourceVersion": "7"}, "items": [pod]}, separators=(",", ":")))


KUBECONFIG = """apiVersion: v1
kind: Config
current-context: {ctx}
clusters:
- name: c1
  cluster:
    server: {server}
    certificate-authority-data: {ca}
    insecure-skip-tls-verify: {insecure}
contexts:
- name: fuzz
  context: {{cluster: c1, user: u1, namespace: sedna}}
- name: other
  context:
    cluster: c1
    user: u2
users:
- name: u1
  user:
    token: s3cr3t-token
- name: u2
  user:
    client-certificate-data: {ca}
    client-key-data: {ca}
"""


def kubeconfig():
    ca = base64.b64encode(b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n").decode()
    write("kubeconfig", "token", KUBECONFIG.format(ctx="fuzz", server="https://127.0.0.1:6443", ca=ca, insecure="false"))
    write("kubeconfig", "cert", KUBECONFIG.format(ctx="other", server="http://[::1]:8080/?x=1", ca=ca, insecure="true"))
    write("kubeconfig", "flow", 'clusters: [{name: c, cluster: {server: "http://first:1"}}]\n'
                                'contexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n'
                                'users: [{name: u, user: {tokenFile: t, exec: {command: x}}}]\n')
    write("kubeconfig", "anchors", "a: &x {server: 'https://h'}\nclusters: [{name: c, cluster: *x}]\n"
                                   "contexts: [{name: fuzz, context: {cluster: c}}]\n")


def webconfig():
    write("webconfig", "tls", "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
                              "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.crt\n"
                              "  min_version: TLS12\n")
    write("webconfig", "basic-auth", "basic_auth_users:\n  alice: $2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi\n")
    write("webconfig", "headers", "http_server_config:\n  headers:\n    X-Frame-Options: deny\n    Strict-Transport-Security: max-age=31536000\n")
    write("webconfig", "empty", "")


if __name__ == "__main__":
    objs = fixtures()
    translator(objs)
    conditions(objs)
    push()
    report()
    watch(objs)
    kubeconfig()
    webconfig()
