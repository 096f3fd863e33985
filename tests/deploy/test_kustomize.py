"""Render every kustomize overlay offline and check what would reach the cluster."""
import importlib.util
import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from deploy_helpers import OVERLAYS, ROOT, find, one, render

SEDNA_PLURALS = {
    "datasets", "models", "jointinferenceservices", "incrementallearningjobs",
    "lifelonglearningjobs", "federatedlearningjobs", "featureextractionservices",
    "objectsearchservices", "objecttrackingservices", "reidjobs", "videoanalyticsjobs",
}
READ_ONLY = {"get", "list", "watch"}
EDGE_KEY = "node-role.kubernetes.io/edge"


def pod_specs(objs):
    for o in objs:
        if o["kind"] in {"Deployment", "DaemonSet", "StatefulSet", "Job"}:
            yield o, o["spec"]["template"]["spec"]


def node_terms(spec):
    aff = spec.get("affinity", {}).get("nodeAffinity", {})
    req = aff.get("requiredDuringSchedulingIgnoredDuringExecution", {})
    return req.get("nodeSelectorTerms", [])


def requires(spec, operator):
    """Every nodeSelectorTerm carries EDGE_KEY with this operator (terms are ORed)."""
    terms = node_terms(spec)
    return bool(terms) and all(
        any(e["key"] == EDGE_KEY and e["operator"] == operator for e in t.get("matchExpressions", []))
        for t in terms)


def load_sync():
    spec = importlib.util.spec_from_file_location("sync_kustomize", ROOT / "scripts/sync-kustomize.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_overlay_renders(overlay):
    objs = render(overlay)
    assert objs, f"{overlay} renders nothing"
    for o in objs:
        assert {"apiVersion", "kind", "metadata"} <= o.keys()
        if o["kind"] not in {"Namespace", "ClusterRole", "ClusterRoleBinding", "MutatingWebhookConfiguration"}:
            assert o["metadata"].get("namespace"), f"{o['kind']}/{o['metadata']['name']} has no namespace"


def test_every_overlay_directory_is_tested():
    dirs = {str(p.parent.relative_to(ROOT)) for p in (ROOT / "deploy/kubernetes").rglob("kustomization.yaml")}
    dirs.discard("deploy/kubernetes/namespace")
    assert dirs == set(OVERLAYS)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_rbac_is_read_only_and_never_secrets(overlay):
    for role in find(render(overlay), "ClusterRole") + find(render(overlay), "Role"):
        for rule in role["rules"]:
            assert set(rule["verbs"]) <= READ_ONLY, f"{role['metadata']['name']}: {rule['verbs']}"
            assert "*" not in rule.get("resources", []) and "*" not in rule.get("apiGroups", [])
            assert "secrets" not in rule.get("resources", [])
            assert not rule.get("nonResourceURLs")


def test_exporter_clusterrole_covers_exactly_what_it_watches():
    role = one(render("deploy/kubernetes/base"), "ClusterRole", "sedna-exporter")
    by_group = {}
    for rule in role["rules"]:
        for g in rule["apiGroups"]:
            by_group.setdefault(g, set()).update(rule["resources"])
    assert by_group == {"sedna.io": SEDNA_PLURALS, "": {"pods", "nodes"}}
    binding = one(render("deploy/kubernetes/base"), "ClusterRoleBinding", "sedna-exporter")
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "sedna-exporter", "namespace": "sedna-observability"}]


@pytest.mark.parametrize("overlay", ["deploy/kubernetes/base", "deploy/kubernetes/overlays/prometheus-operator",
                                     "deploy/kubernetes/overlays/scrape-annotations", "deploy/kubernetes/overlays/webhook",
                                     "deploy/kubernetes/overlays/webhook-cert-manager"])
def test_exporter_deployment_is_hardened_and_on_cloud_nodes(overlay):
    dep = one(render(overlay), "Deployment", "sedna-exporter")
    spec = dep["spec"]["template"]["spec"]
    assert requires(spec, "DoesNotExist"), "exporter must never be scheduled on edge nodes"
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["securityContext"]["runAsUser"] != 0
    assert spec.get("hostNetwork") is not True
    (c,) = spec["containers"]
    sc = c["securityContext"]
    assert sc["readOnlyRootFilesystem"] is True
    assert sc["allowPrivilegeEscalation"] is False
    assert sc["runAsNonRoot"] is True
    assert sc["capabilities"]["drop"] == ["ALL"] and not sc["capabilities"].get("add")
    res = c["resources"]
    assert {"cpu", "memory"} <= res["requests"].keys() and "memory" in res["limits"]
    assert c["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert c["readinessProbe"]["httpGet"]["path"] == "/readyz"
    port = {p["name"]: p["containerPort"] for p in c["ports"]}["http-metrics"]
    assert port == 9479
    assert c["args"][0] == "serve" and "--listen=0.0.0.0:9479" in c["args"]
    assert c["image"].startswith("sedna-observability/sedna-exporter:")
    svc = one(render(overlay), "Service", "sedna-exporter")
    assert svc["spec"]["ports"][0]["port"] == 9479
    assert svc["spec"]["selector"] == dep["spec"]["selector"]["matchLabels"]


def test_scrape_annotations_overlay():
    dep = one(render("deploy/kubernetes/overlays/scrape-annotations"), "Deployment", "sedna-exporter")
    ann = dep["spec"]["template"]["metadata"]["annotations"]
    assert ann["prometheus.io/scrape"] == "true"
    assert ann["prometheus.io/port"] == "9479"
    assert ann["prometheus.io/path"] == "/metrics"


def test_prometheus_operator_overlay():
    objs = render("deploy/kubernetes/overlays/prometheus-operator")
    sm = one(objs, "ServiceMonitor", "sedna-exporter")
    svc = one(objs, "Service", "sedna-exporter")
    assert sm["spec"]["selector"]["matchLabels"].items() <= svc["metadata"]["labels"].items()
    assert sm["spec"]["endpoints"][0]["port"] == svc["spec"]["ports"][0]["name"]
    assert sm["spec"]["namespaceSelector"]["matchNames"] == [svc["metadata"]["namespace"]]
    rule = one(objs, "PrometheusRule", "sedna-exporter-rules")
    assert isinstance(rule["spec"]["groups"], list)


def test_prometheus_rule_holds_every_rule_group_on_disk():
    sync = load_sync()
    groups = sync.load_rule_groups(ROOT)
    rule = one(render("deploy/kubernetes/overlays/prometheus-operator"), "PrometheusRule", "sedna-exporter-rules")
    assert [g["name"] for g in rule["spec"]["groups"]] == [g["name"] for g in groups]
    assert rule["spec"]["groups"] == groups


def test_grafana_overlay_has_one_labelled_configmap_per_dashboard():
    objs = render("deploy/kubernetes/overlays/grafana")
    dashboards = sorted((ROOT / "deploy/grafana/dashboards").glob("*.json"))
    cms = [o for o in find(objs, "ConfigMap") if o["metadata"].get("labels", {}).get("grafana_dashboard") == "1"]
    assert len(cms) == len(dashboards)
    by_key = {k: v for cm in cms for k, v in cm["data"].items()}
    for p in dashboards:
        assert json.loads(by_key[p.name]) == json.loads(p.read_text())
    ds = [o for o in find(objs, "ConfigMap") if o["metadata"].get("labels", {}).get("grafana_datasource") == "1"]
    assert len(ds) == 1
    prov = yaml.safe_load(next(iter(ds[0]["data"].values())))
    assert {d["type"] for d in prov["datasources"]} == {"prometheus", "loki"}


def test_generated_kustomize_files_are_in_sync():
    proc = subprocess.run(["python3", str(ROOT / "scripts/sync-kustomize.py"), "--check"],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, "run `python3 scripts/sync-kustomize.py`:\n" + proc.stdout + proc.stderr


def test_sync_script_follows_files_on_disk(tmp_path):
    """Adding a dashboard or a rule file changes the generated files; --check notices."""
    root = tmp_path
    for rel in ["deploy/grafana/provisioning/datasources", "deploy/grafana/dashboards", "deploy/prometheus/rules"]:
        (root / rel).mkdir(parents=True)
    shutil.copy(ROOT / "deploy/grafana/provisioning/datasources/sedna.yaml", root / "deploy/grafana/provisioning/datasources/")
    script = str(ROOT / "scripts/sync-kustomize.py")

    def run(*args):
        return subprocess.run(["python3", script, "--root", str(root), *args], capture_output=True, text=True)

    assert run().returncode == 0  # empty sets work
    assert run("--check").returncode == 0
    (root / "deploy/grafana/dashboards/Sedna Tasks.json").write_text(json.dumps({"title": "t", "panels": []}))
    (root / "deploy/prometheus/rules/sedna.yaml").write_text(yaml.safe_dump({"groups": [
        {"name": "sedna.rules", "rules": [{"record": "x:y", "expr": "sum(up)"}]}]}))
    (root / "deploy/prometheus/rules/sedna_test.yaml").write_text(yaml.safe_dump({"rule_files": ["sedna.yaml"], "tests": []}))
    stale = run("--check")
    assert stale.returncode == 1 and "sedna-dashboard-sedna-tasks" in stale.stdout
    assert run().returncode == 0 and run("--check").returncode == 0
    kust = yaml.safe_load((root / "deploy/grafana/kustomization.yaml").read_text())
    names = [g["name"] for g in kust["configMapGenerator"]]
    assert names == ["sedna-grafana-datasources", "sedna-dashboard-sedna-tasks"]
    rule = yaml.safe_load((root / "deploy/kubernetes/overlays/prometheus-operator/prometheusrule.yaml").read_text())
    assert [g["name"] for g in rule["spec"]["groups"]] == ["sedna.rules"]
    # the generated kustomization renders (dashboards dir is inside its root)
    proc = subprocess.run(["kubectl", "kustomize", str(root / "deploy/grafana")], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    (root / "deploy/prometheus/rules/dup.yaml").write_text(yaml.safe_dump({"groups": [{"name": "sedna.rules", "rules": []}]}))
    dup = run()
    assert dup.returncode != 0 and "sedna.rules" in (dup.stdout + dup.stderr)


def test_logs_overlay_cloud_alloy():
    objs = render("deploy/kubernetes/overlays/logs")
    ds = one(objs, "DaemonSet", "sedna-alloy-cloud")
    spec = ds["spec"]["template"]["spec"]
    assert requires(spec, "DoesNotExist")
    (c,) = spec["containers"]
    assert c["args"][:2] == ["run", "/etc/alloy/cloud.alloy"]
    assert c["securityContext"]["readOnlyRootFilesystem"] is True
    assert c["securityContext"]["capabilities"]["drop"] == ["ALL"]
    assert c["securityContext"]["allowPrivilegeEscalation"] is False
    mounts = {m["mountPath"]: m for m in c["volumeMounts"]}
    assert mounts["/var/log/pods"]["readOnly"] is True
    assert any(e["name"] == "NODE_NAME" and e["valueFrom"]["fieldRef"]["fieldPath"] == "spec.nodeName" for e in c["env"])
    cm_name = next(v["configMap"]["name"] for v in spec["volumes"] if "configMap" in v)
    cm = one(objs, "ConfigMap", cm_name)
    assert (ROOT / "deploy/alloy/cloud.alloy").read_text() == cm["data"]["cloud.alloy"]
    role = one(objs, "ClusterRole", "sedna-alloy-cloud")
    assert role["rules"] == [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "watch"]}]


@pytest.mark.parametrize("overlay,config", [("deploy/kubernetes/overlays/edge", "edge.alloy"),
                                            ("deploy/kubernetes/overlays/edge-metaserver", "edge-metaserver.alloy")])
def test_edge_overlay(overlay, config):
    objs = render(overlay)
    relay = one(objs, "DaemonSet", "sedna-relay")
    spec = relay["spec"]["template"]["spec"]
    assert requires(spec, "Exists"), "relay must run on edge nodes only"
    assert spec["hostNetwork"] is True
    assert spec["dnsPolicy"] == "ClusterFirstWithHostNet"
    assert spec["automountServiceAccountToken"] is False
    (c,) = spec["containers"]
    args = c["args"]
    assert args[0] == "relay"
    for flag in ("--listen=0.0.0.0:9480", "--lc-url=http://127.0.0.1:9100", "--central-url=$(CENTRAL_URL)",
                 "--spool-dir=/var/lib/sedna-relay", "--token-file=/etc/sedna-relay/token", "--node-name=$(NODE_NAME)"):
        assert flag in args
    node_env = next(e for e in c["env"] if e["name"] == "NODE_NAME")
    assert node_env["valueFrom"]["fieldRef"]["fieldPath"] == "spec.nodeName"
    # The capture webhook recognises relays by this label and trusts their Ready condition.
    assert relay["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/name"] == "sedna-relay"
    assert c["readinessProbe"]["httpGet"] == {"path": "/healthz", "port": 9480}
    assert {"containerPort": 9480, "hostPort": 9480, "name": "http-relay"}.items() <= c["ports"][0].items()
    assert c["securityContext"]["readOnlyRootFilesystem"] is True
    assert c["securityContext"]["capabilities"]["drop"] == ["ALL"]
    assert any(v.get("hostPath", {}).get("path") == "/var/lib/sedna-relay" for v in spec["volumes"])
    assert c["image"].startswith("sedna-observability/sedna-exporter:")

    alloy = one(objs, "DaemonSet", "sedna-alloy-edge")
    aspec = alloy["spec"]["template"]["spec"]
    assert requires(aspec, "Exists")
    assert aspec["hostNetwork"] is True
    assert aspec["automountServiceAccountToken"] is False, "the edge agent must not need the API server"
    (ac,) = aspec["containers"]
    assert ac["args"][:2] == ["run", f"/etc/alloy/{config}"]
    data = next(v for v in aspec["volumes"] if v["name"] == "data")
    assert data["hostPath"]["path"].startswith("/var/lib/"), "positions must survive pod restarts"
    cm_name = next(v["configMap"]["name"] for v in aspec["volumes"] if "configMap" in v)
    assert one(objs, "ConfigMap", cm_name)["data"][config] == (ROOT / "deploy/alloy" / config).read_text()
    endpoints = one(objs, "ConfigMap", next(
        e["valueFrom"]["configMapKeyRef"]["name"] for e in ac["env"] if e["name"] == "LOKI_PUSH_URL"))
    assert {"CENTRAL_URL", "LOKI_PUSH_URL"} <= endpoints["data"].keys()
    # no RBAC at all on the edge
    assert not find(objs, "ClusterRole") and not find(objs, "Role")


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_placement_everywhere(overlay):
    """Each workload says where it runs: cloud (edge excluded) or edge (edge required)."""
    for obj, spec in pod_specs(render(overlay)):
        name = obj["metadata"]["name"]
        if name in {"sedna-relay", "sedna-alloy-edge"}:
            assert requires(spec, "Exists"), name
        else:
            assert requires(spec, "DoesNotExist"), name
            assert spec.get("hostNetwork") is not True, name
        for c in spec["containers"]:
            assert c.get("resources", {}).get("limits", {}).get("memory"), f"{name}/{c['name']} has no memory limit"
            assert c["securityContext"].get("privileged") is not True


SEDNA_TASK_KINDS = ["jointinferenceservice", "incrementallearningjob", "lifelonglearningjob", "federatedlearningjob",
                    "featureextractionservice", "objectsearchservice", "objecttrackingservice", "reidjob", "videoanalyticsjob"]


@pytest.mark.parametrize("overlay", ["deploy/kubernetes/overlays/webhook", "deploy/kubernetes/overlays/webhook-cert-manager"])
def test_webhook_overlay(overlay):
    objs = render(overlay)
    (mwc,) = find(objs, "MutatingWebhookConfiguration")
    hooks = mwc["webhooks"]
    # One entry per task kind: one objectSelector's expressions are ANDed, a pod has its own kind's label only.
    assert sorted(h["objectSelector"]["matchExpressions"][0]["key"] for h in hooks) == \
        sorted(f"{k}.sedna.io/worker-type" for k in SEDNA_TASK_KINDS)
    svc = one(objs, "Service", "sedna-exporter-webhook")
    dep = one(objs, "Deployment", "sedna-exporter")
    (c,) = dep["spec"]["template"]["spec"]["containers"]
    for h in hooks:
        assert h["objectSelector"]["matchExpressions"][0]["operator"] == "Exists"
        assert len(h["objectSelector"]["matchExpressions"]) == 1 and "matchLabels" not in h["objectSelector"]
        assert h["failurePolicy"] == "Ignore", "the webhook must never block Sedna's pods"
        assert h["sideEffects"] == "None"
        assert h["admissionReviewVersions"] == ["v1"]
        assert 1 <= h["timeoutSeconds"] <= 5
        assert h["rules"] == [{"operations": ["CREATE"], "apiGroups": [""], "apiVersions": ["v1"], "resources": ["pods"],
                               "scope": "Namespaced"}]
        ref = h["clientConfig"]["service"]
        assert (ref["name"], ref["namespace"], ref["path"], ref["port"]) == \
            ("sedna-exporter-webhook", "sedna-observability", "/mutate-pods", 443)
    assert svc["spec"]["ports"] == [{"name": "https-webhook", "port": 443, "targetPort": "https-webhook", "protocol": "TCP"}]
    assert svc["spec"]["selector"] == dep["spec"]["selector"]["matchLabels"]
    assert {"name": "https-webhook", "containerPort": 9443, "protocol": "TCP"} in c["ports"]
    args = c["args"]
    assert "--webhook-listen=0.0.0.0:9443" in args
    mount = next(m for m in c["volumeMounts"] if m["name"] == "webhook-tls")
    assert f"--webhook-tls-cert-file={mount['mountPath']}/tls.crt" in args
    assert f"--webhook-tls-key-file={mount['mountPath']}/tls.key" in args
    secret = next(v for v in dep["spec"]["template"]["spec"]["volumes"] if v["name"] == "webhook-tls")["secret"]["secretName"]
    assert secret == "sedna-exporter-webhook-tls"
    if overlay.endswith("cert-manager"):
        cert = one(objs, "Certificate", "sedna-exporter-webhook")
        assert cert["spec"]["secretName"] == secret
        assert "sedna-exporter-webhook.sedna-observability.svc" in cert["spec"]["dnsNames"]
        ns, name = mwc["metadata"]["annotations"]["cert-manager.io/inject-ca-from"].split("/")
        assert (ns, name) == (cert["metadata"]["namespace"], cert["metadata"]["name"])
        issuer = one(objs, "Issuer", cert["spec"]["issuerRef"]["name"])
        ca = one(objs, "Certificate", issuer["spec"]["ca"]["secretName"])
        assert ca["spec"]["isCA"] is True
    else:
        assert not find(objs, "Certificate")


def test_auto_sharding_overlay():
    """A StatefulSet of self-sharding exporters: the base pod template plus --auto-sharding, its
    downward-API env and peers, a headless Service for the peers, a PodMonitor on every shard and
    read-only access to its own StatefulSet only."""
    objs = render("deploy/kubernetes/overlays/auto-sharding")
    assert not find(objs, "Deployment") and not find(objs, "ServiceMonitor")
    sts = one(objs, "StatefulSet", "sedna-exporter")
    base = one(render("deploy/kubernetes/base"), "Deployment", "sedna-exporter")
    assert sts["spec"]["replicas"] == 3
    assert sts["spec"]["podManagementPolicy"] == "Parallel"
    assert sts["spec"]["selector"] == base["spec"]["selector"]
    # The pod template is the base's (hardening, probes, resources, placement) plus the sharding bits.
    tmpl = json.loads(json.dumps(sts["spec"]["template"]))
    (c,) = tmpl["spec"]["containers"]
    extra_args = [a for a in c["args"] if a not in base["spec"]["template"]["spec"]["containers"][0]["args"]]
    assert extra_args == ["--auto-sharding",
                          "--shard-peer-template=http://sedna-exporter-{shard}.sedna-exporter-shards.$(POD_NAMESPACE).svc:9479"]
    env = {e["name"]: e["valueFrom"]["fieldRef"]["fieldPath"] for e in c.pop("env")}
    assert env == {"POD_NAME": "metadata.name", "POD_NAMESPACE": "metadata.namespace"}
    c["args"] = [a for a in c["args"] if a not in extra_args]
    assert tmpl == base["spec"]["template"]
    assert "--shard" not in " ".join(c["args"]) and "--total-shards" not in " ".join(c["args"])

    headless = one(objs, "Service", sts["spec"]["serviceName"])
    assert headless["spec"]["clusterIP"] == "None"
    assert headless["spec"]["selector"] == sts["spec"]["selector"]["matchLabels"]
    assert headless["metadata"]["name"] in extra_args[1]
    central = one(objs, "Service", "sedna-exporter")
    assert central["spec"]["selector"] == sts["spec"]["selector"]["matchLabels"], "reports may reach any shard"

    pm = one(objs, "PodMonitor", "sedna-exporter")
    assert pm["spec"]["selector"]["matchLabels"].items() <= sts["spec"]["template"]["metadata"]["labels"].items()
    assert pm["spec"]["namespaceSelector"]["matchNames"] == [sts["metadata"]["namespace"]]
    (ep,) = pm["spec"]["podMetricsEndpoints"]
    assert ep["port"] == "http-metrics" and ep["honorLabels"] is True
    assert {"targetLabel": "job", "replacement": "sedna-exporter"} in ep["relabelings"]
    one(objs, "PrometheusRule", "sedna-exporter-rules")

    role = one(objs, "Role", "sedna-exporter-auto-sharding")
    assert role["metadata"]["namespace"] == sts["metadata"]["namespace"]
    assert role["rules"] == [{"apiGroups": ["apps"], "resources": ["statefulsets"],
                              "resourceNames": [sts["metadata"]["name"]], "verbs": ["get", "list", "watch"]}]
    binding = one(objs, "RoleBinding", "sedna-exporter-auto-sharding")
    assert binding["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": role["metadata"]["name"]}
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": tmpl["spec"]["serviceAccountName"],
                                    "namespace": sts["metadata"]["namespace"]}]
    # The cluster-wide role stays what the single exporter has.
    assert one(objs, "ClusterRole", "sedna-exporter") == one(render("deploy/kubernetes/base"), "ClusterRole", "sedna-exporter")
