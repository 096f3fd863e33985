"""The pure helpers the end-to-end tests rely on: GM-built pod env, the webhook contract's
rewrite, JSONPatch and the kubelet's $(VAR) expansion. No processes, no Sedna library."""
import base64
import json

import pytest

from pod_env import (admission_review, apply_json_patch, contract_env, contract_pod, gm_pod, patch_from_review,
                     resolve_env)


def pod():
    return gm_pod(name="p", namespace="ns", kind="jointinferenceservice", task="t", uid="u", worker_type="edge",
                  template_env=[("LC_SERVER", "http://mine:1"), ("A", "1")],
                  gm_env=[("LC_SERVER", "http://localhost:9100"), ("WORKER_NAME", "w")], node="n", pod_ip="10.0.0.5")


def test_gm_appends_its_env_after_the_template_with_lc_server_last():
    env = pod()["spec"]["containers"][0]["env"]
    assert [e["name"] for e in env] == ["LC_SERVER", "A", "WORKER_NAME", "LC_SERVER"]
    assert resolve_env(env, {"hostIP": "1.2.3.4"})["LC_SERVER"] == "http://localhost:9100"
    assert pod()["metadata"]["labels"]["jointinferenceservice.sedna.io/worker-type"] == "edge"


def test_contract_rewrites_only_the_effective_lc_server_and_is_idempotent():
    env = pod()["spec"]["containers"][0]["env"]
    out = contract_env(env)
    assert out[0] == env[0], "the shadowed template entry is left alone"
    assert out[3] == {"name": "SEDNA_RELAY_HOST_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.hostIP"}}}
    assert out[4] == {"name": "LC_SERVER", "value": "http://$(SEDNA_RELAY_HOST_IP):9480"}
    assert contract_env(out) == out
    assert resolve_env(out, {"hostIP": "192.168.1.7"})["LC_SERVER"] == "http://192.168.1.7:9480"
    assert contract_env([{"name": "X", "value": "1"}]) == [{"name": "X", "value": "1"}]


def test_kubelet_expansion():
    env = [{"name": "A", "value": "x"}, {"name": "B", "value": "$(A)-$(C)-$$(A)-$(A"}, {"name": "C", "value": "c"}]
    assert resolve_env(env, {})["B"] == "x-$(C)-$(A)-$(A", "only earlier variables expand; $$ escapes"


def test_json_patch_applied_as_the_api_server_does():
    p = pod()
    review = {"response": {"uid": "x", "allowed": True, "patchType": "JSONPatch", "patch": base64.b64encode(json.dumps([
        {"op": "add", "path": "/spec/containers/0/env/3",
         "value": {"name": "SEDNA_RELAY_HOST_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.hostIP"}}}},
        {"op": "replace", "path": "/spec/containers/0/env/4/value", "value": "http://$(SEDNA_RELAY_HOST_IP):9480"},
        {"op": "add", "path": "/metadata/annotations", "value": {"a~b/c": "1"}},
    ]).encode()).decode()}}
    out = apply_json_patch(p, patch_from_review(review))
    assert out["spec"] == contract_pod(p)["spec"]
    assert out["metadata"]["annotations"] == {"a~b/c": "1"}
    assert p["spec"]["containers"][0]["env"][3]["name"] == "LC_SERVER", "the input is not modified"
    assert patch_from_review({"response": {"allowed": True}}) == []
    with pytest.raises(ValueError):
        apply_json_patch(p, [{"op": "move", "from": "/a", "path": "/b"}])
    with pytest.raises(ValueError):
        apply_json_patch(p, [{"op": "replace", "path": "/metadata/missing", "value": 1}])


def test_admission_review_shape():
    r = admission_review(pod())
    assert r["apiVersion"] == "admission.k8s.io/v1" and r["request"]["operation"] == "CREATE"
    assert r["request"]["object"]["metadata"]["name"] == "p"
