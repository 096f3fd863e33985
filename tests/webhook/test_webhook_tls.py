"""`serve --webhook-listen`: AdmissionReview v1 over HTTPS with a certificate made by the documented
openssl route (scripts/make-webhook-cert.sh), and a replaced certificate served without a restart."""
import base64
import json
import os
import shutil
import subprocess
import sys

import pytest
import requests

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "e2e"))
from harness import ROOT, Exporter, KubeAPI, free_port, wait_for  # noqa: E402

HOST = "sedna-exporter-webhook.sedna-observability.svc"
RELAY_URL = "http://$(SEDNA_RELAY_HOST_IP):9480"


def make_cert(out):
    subprocess.run([os.path.join(ROOT, "scripts", "make-webhook-cert.sh"), out], check=True, capture_output=True, timeout=60)


def gm_pod(node):
    """An incremental-learning train pod as the GM builds it: template env (with a user LC_SERVER),
    then the GM's env appended (pkg/globalmanager/runtime/worker.go)."""
    env = [{"name": "input_shape", "value": "352,640"}, {"name": "LC_SERVER", "value": "http://user:9100"},
           {"name": "NAMESPACE", "value": "default"}, {"name": "WORKER_NAME", "value": "helmet-train-x1"},
           {"name": "LC_SERVER", "value": "http://localhost:9100"}, {"name": "HOSTNAME", "value": node}]
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"generateName": "helmet-train-", "namespace": "default",
                         "labels": {"incrementallearningjob.sedna.io/name": "helmet",
                                    "incrementallearningjob.sedna.io/worker-type": "train"}},
            "spec": {"nodeName": node, "hostNetwork": True, "containers": [{"name": "train", "image": "x", "env": env}]}}


def review(pod, uid):
    return {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
            "request": {"uid": uid, "kind": {"group": "", "version": "v1", "kind": "Pod"}, "operation": "CREATE",
                        "namespace": "default", "object": pod}}


def post(port, ca, body):
    """curl, as the API server would connect: by the Service's DNS name, verifying against the CA."""
    proc = subprocess.run(["curl", "-sS", "--max-time", "10", "--cacert", ca, "--resolve", f"{HOST}:{port}:127.0.0.1",
                           "-H", "Content-Type: application/json", "--data-binary", "@-", f"https://{HOST}:{port}/mutate-pods"],
                          input=json.dumps(body).encode(), capture_output=True, timeout=20)
    return proc.returncode, proc.stdout.decode(), proc.stderr.decode()


def apply_patch(pod, patch):
    doc = json.loads(json.dumps(pod))
    for op in patch:
        parts = op["path"].strip("/").split("/")
        parent = doc
        for p in parts[:-1]:
            parent = parent[int(p)] if isinstance(parent, list) else parent[p]
        last = parts[-1]
        if isinstance(parent, list):
            if op["op"] == "add":
                parent.insert(int(last), op["value"])
            else:
                parent[int(last)] = op["value"]
        else:
            parent[last] = op["value"]
    return doc


def test_webhook_over_https_with_reloaded_certificate(tmp_path):
    work = str(tmp_path)
    first, second, live = (os.path.join(work, d) for d in ("cert1", "cert2", "live"))
    make_cert(first)
    make_cert(second)   # a different CA: a client trusting only it proves which pair is served
    os.makedirs(live)
    for f in ("tls.crt", "tls.key"):
        shutil.copy(os.path.join(first, f), os.path.join(live, f))
    kube = KubeAPI(work)
    kube.create("pods", {"apiVersion": "v1", "kind": "Pod",
                         "metadata": {"name": "sedna-relay-edge1", "namespace": "sedna-observability",
                                      "labels": {"app.kubernetes.io/name": "sedna-relay"}},
                         "spec": {"nodeName": "edge1", "hostNetwork": True, "containers": [{"name": "relay", "image": "x"}]},
                         "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}})
    port = free_port()
    exporter = Exporter(work, kube.kubeconfig(), extra=[
        "--webhook-listen", f"127.0.0.1:{port}", "--webhook-tls-cert-file", os.path.join(live, "tls.crt"),
        "--webhook-tls-key-file", os.path.join(live, "tls.key")])
    try:
        exporter.wait_ready()
        ca1 = os.path.join(first, "ca.crt")
        rc, out, err = post(port, ca1, review(gm_pod("edge1"), "uid-1"))
        assert rc == 0, err
        response = json.loads(out)["response"]
        assert response["uid"] == "uid-1" and response["allowed"] is True and response["patchType"] == "JSONPatch"
        patched = apply_patch(gm_pod("edge1"), json.loads(base64.b64decode(response["patch"])))
        env = patched["spec"]["containers"][0]["env"]
        lc = [i for i, e in enumerate(env) if e["name"] == "LC_SERVER"]
        assert env[lc[-1]] == {"name": "LC_SERVER", "value": RELAY_URL}
        assert env[lc[-1] - 1] == {"name": "SEDNA_RELAY_HOST_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.hostIP"}}}
        assert sum(e.get("value") == RELAY_URL for e in env) == 1
        # Admitted again: nothing to change.
        rc, out, err = post(port, ca1, review(patched, "uid-2"))
        assert rc == 0 and "patch" not in json.loads(out)["response"], out
        # A node without a Ready relay: allowed, unchanged.
        rc, out, err = post(port, ca1, review(gm_pod("edge2"), "uid-3"))
        assert rc == 0 and json.loads(out)["response"] == {"uid": "uid-3", "allowed": True}, out

        # The certificate is replaced on disk (as the kubelet does for a renewed Secret): served without a restart.
        for f in ("tls.key", "tls.crt"):
            shutil.copy(os.path.join(second, f), os.path.join(live, f + ".tmp"))
            os.replace(os.path.join(live, f + ".tmp"), os.path.join(live, f))
        ca2 = os.path.join(second, "ca.crt")
        wait_for(lambda: post(port, ca2, review(gm_pod("edge1"), "uid-4"))[0] == 0, 20, what="the new certificate served")
        assert post(port, ca1, review(gm_pod("edge1"), "uid-5"))[0] != 0, "the old certificate is still served"
        assert exporter.process.alive()

        text = exporter.metrics()
        assert 'sedna_webhook_admissions_total{outcome="already_mutated"} 1' in text
        assert 'sedna_webhook_admissions_total{outcome="relay_not_ready"} 1' in text
        assert 'sedna_webhook_admissions_total{outcome="mutated"} 2' in text
        check = subprocess.run(["promtool", "check", "metrics"], input=text.encode(), capture_output=True)
        assert check.returncode == 0, check.stdout.decode()
        om = requests.get(exporter.url + "/metrics", headers={"Accept": "application/openmetrics-text; version=1.0.0"}, timeout=10)
        assert "# TYPE sedna_webhook_admissions counter" in om.text
    finally:
        exporter.stop()
        kube.stop()


def test_webhook_flags_are_checked(tmp_path):
    from harness import exporter_bin
    proc = subprocess.run([exporter_bin(), "serve", "--webhook-listen", "127.0.0.1:0"], capture_output=True, timeout=30)
    assert proc.returncode != 0 and b"--webhook-tls-cert-file" in proc.stderr
    proc = subprocess.run([exporter_bin(), "serve", "--webhook-listen", "127.0.0.1:1", "--webhook-tls-cert-file",
                           str(tmp_path / "missing.crt"), "--webhook-tls-key-file", str(tmp_path / "missing.key")],
                          capture_output=True, timeout=30)
    assert proc.returncode != 0 and b"cannot be read" in proc.stderr
