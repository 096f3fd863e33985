"""Every config file parses as what it claims to be; chart values are wired to this project."""
import json
import re
import shlex
import subprocess
from pathlib import Path

import pytest
import yaml

from deploy_helpers import OVERLAYS, ROOT

YAML_FILES = sorted(p for p in (ROOT / "deploy").rglob("*") if p.suffix in {".yaml", ".yml"})
JSON_FILES = sorted((ROOT / "deploy").rglob("*.json"))
CHARTS = ROOT / "deploy/charts"
EDGE_KEY = "node-role.kubernetes.io/edge"


def rel(p: Path) -> str:
    return str(p.relative_to(ROOT))


@pytest.mark.parametrize("path", YAML_FILES, ids=rel)
def test_yaml_parses(path):
    docs = list(yaml.safe_load_all(path.read_text()))
    assert any(d is not None for d in docs), "empty YAML file"


@pytest.mark.parametrize("path", JSON_FILES, ids=rel)
def test_json_parses(path):
    json.loads(path.read_text())


def test_dashboards_fit_in_a_configmap():
    for p in (ROOT / "deploy/grafana/dashboards").glob("*.json"):
        assert p.stat().st_size < 900 * 1024, f"{p.name}: ConfigMaps hold at most 1 MiB"


def values(name):
    return yaml.safe_load((CHARTS / name).read_text())


def excludes_edge(affinity) -> bool:
    terms = affinity["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
    return all(any(e["key"] == EDGE_KEY and e["operator"] == "DoesNotExist" for e in t["matchExpressions"])
               for t in terms)


def requires_edge(affinity) -> bool:
    terms = affinity["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
    return all(any(e["key"] == EDGE_KEY and e["operator"] == "Exists" for e in t["matchExpressions"]) for t in terms)


def test_chart_values_files_exist():
    assert {p.name for p in CHARTS.glob("*.yaml")} >= {
        "kube-prometheus-stack-values.yaml", "loki-values.yaml", "grafana-values.yaml",
        "alloy-cloud-values.yaml", "alloy-edge-values.yaml"}


def test_kube_prometheus_stack_values():
    v = values("kube-prometheus-stack-values.yaml")
    spec = v["prometheus"]["prometheusSpec"]
    # pick up overlays/prometheus-operator whatever the release name
    for key in ("serviceMonitorSelectorNilUsesHelmValues", "ruleSelectorNilUsesHelmValues",
                "podMonitorSelectorNilUsesHelmValues"):
        assert spec[key] is False
    for aff in (spec["affinity"], v["alertmanager"]["alertmanagerSpec"]["affinity"], v["prometheusOperator"]["affinity"],
                v["kube-state-metrics"]["affinity"], v["prometheus-node-exporter"]["affinity"]):
        assert excludes_edge(aff)
    assert v["grafana"]["enabled"] is False  # Grafana is its own release (grafana-values.yaml)


def test_loki_values_single_binary_with_structured_metadata():
    v = values("loki-values.yaml")
    assert v["deploymentMode"] == "Monolithic", "SingleBinary is a deprecated alias"
    assert v["singleBinary"]["replicas"] == 1
    assert v["loki"]["commonConfig"]["replication_factor"] == 1
    assert all(v[t]["replicas"] == 0 for t in ("read", "write", "backend"))
    schema = v["loki"]["schemaConfig"]["configs"][-1]
    assert (schema["store"], schema["schema"]) == ("tsdb", "v13"), "structured metadata needs tsdb + v13"
    assert v["loki"]["limits_config"]["allow_structured_metadata"] is True
    assert excludes_edge(v["singleBinary"]["affinity"])
    plain = yaml.safe_load((ROOT / "deploy/loki/loki.yaml").read_text())
    assert plain["schema_config"]["configs"][-1]["schema"] == "v13"
    assert plain["limits_config"]["allow_structured_metadata"] is True
    assert plain["server"]["http_listen_port"] == 3100


def test_grafana_values_sidecars_match_overlay_labels():
    v = values("grafana-values.yaml")
    assert v["sidecar"]["dashboards"]["label"] == "grafana_dashboard" and v["sidecar"]["dashboards"]["labelValue"] == "1"
    assert v["sidecar"]["datasources"]["label"] == "grafana_datasource"
    assert v["sidecar"]["dashboards"]["folderAnnotation"] == "grafana_folder"
    assert excludes_edge(v["affinity"])
    kust = yaml.safe_load((ROOT / "deploy/grafana/kustomization.yaml").read_text())
    for gen in kust["configMapGenerator"]:
        labels = gen["options"]["labels"]
        assert labels in ({"grafana_dashboard": "1"}, {"grafana_datasource": "1"})


@pytest.mark.parametrize("name,config,edge", [("alloy-cloud-values.yaml", "cloud.alloy", False),
                                              ("alloy-edge-values.yaml", "edge.alloy", True)])
def test_alloy_values(name, config, edge):
    v = values(name)
    assert v["alloy"]["configMap"]["create"] is False and v["alloy"]["configMap"]["key"] == "config.alloy"
    assert f"deploy/alloy/{config}" in (CHARTS / name).read_text()
    assert v["alloy"]["mounts"]["varlog"] is True
    assert v["controller"]["type"] == "daemonset"
    env = {e["name"] for e in v["alloy"]["extraEnv"]}
    assert {"NODE_NAME", "LOKI_PUSH_URL"} <= env
    mounts = {m["name"]: m["mountPath"] for m in v["alloy"]["mounts"]["extra"]}
    assert mounts["data"] == v["alloy"]["storagePath"]
    assert any(vol["name"] == "data" and "hostPath" in vol for vol in v["controller"]["volumes"]["extra"])
    if edge:
        assert requires_edge(v["controller"]["affinity"])
        assert v["controller"]["hostNetwork"] is True
        assert v["rbac"]["create"] is False
    else:
        assert excludes_edge(v["controller"]["affinity"])


def test_datasource_provisioning():
    prov = yaml.safe_load((ROOT / "deploy/grafana/provisioning/datasources/sedna.yaml").read_text())
    assert prov["apiVersion"] == 1
    by_type = {d["type"]: d for d in prov["datasources"]}
    assert set(by_type) == {"prometheus", "loki"}
    assert [d for d in prov["datasources"] if d.get("isDefault")] == [by_type["prometheus"]]
    assert by_type["loki"]["url"].endswith(":3100")
    for d in prov["datasources"]:
        assert re.fullmatch(r"[a-zA-Z0-9_-]{1,40}", d["uid"])
    # the Alloy configs push to the same Loki the datasource reads
    loki_host = by_type["loki"]["url"].split("//")[1].split(":")[0]
    for cfg in (ROOT / "deploy/alloy").glob("*.alloy"):
        assert loki_host.split(".svc")[0] in cfg.read_text()


def test_dockerfile():
    text = (ROOT / "Dockerfile").read_text()
    stages = re.findall(r"^FROM\s+(\S+)(?:\s+AS\s+(\S+))?", text, re.M | re.I)
    assert len(stages) == 2, "multi-stage: builder and runtime"
    assert "swift build -c release --static-swift-stdlib --product sedna-exporter" in text
    args = dict(re.findall(r"^ARG\s+(\w+)=(\S+)", text, re.M))
    assert args["SWIFT_IMAGE"].startswith("swift:6.")
    assert "nonroot" in args["RUNTIME_IMAGE"] or "slim" in args["RUNTIME_IMAGE"]
    user = re.findall(r"^USER\s+(\S+)", text, re.M)
    assert user and user[-1].split(":")[0] == "65532"
    entry = re.search(r"^ENTRYPOINT\s+(\[.*\])", text, re.M)
    assert json.loads(entry.group(1)) == ["/usr/local/bin/sedna-exporter"]
    assert json.loads(re.search(r"^CMD\s+(\[.*\])", text, re.M).group(1))[0] == "serve"
    ignore = [ln.strip() for ln in (ROOT / ".dockerignore").read_text().splitlines()
              if ln.strip() and not ln.startswith("#")]
    assert ".build/" in ignore and ".git/" in ignore
    for needed in ("Sources/", "Package.swift"):
        assert needed not in ignore


# --------------------------------------------------------------------------- docs

def doc_commands(doc: str) -> list[str]:
    """Shell commands in ```sh / ```console blocks ($-prefixed in console), joined over trailing backslashes."""
    cmds = []
    for lang, body in re.findall(r"```(sh|bash|console)\n(.*?)```", (ROOT / doc).read_text(), re.S):
        pending = ""
        for line in body.splitlines():
            if lang == "console":
                if not line.startswith("$ ") and not pending:
                    continue
                line = line[2:] if line.startswith("$ ") else line
            if line.strip().startswith("#") and not pending:
                continue
            pending += line.rstrip("\\").rstrip() + " " if line.endswith("\\") else line
            if not line.endswith("\\"):
                if pending.strip():
                    cmds.append(pending.strip())
                pending = ""
    return cmds


RUNNABLE = (r"^kubectl kustomize ", r"^python3 scripts/sync-kustomize\.py")


def test_guides_exist():
    for doc in ("docs/deploy.md", "docs/architecture.md"):
        text = (ROOT / doc).read_text()
        assert len(text) > 2000, doc
    deploy = (ROOT / "docs/deploy.md").read_text()
    for overlay in OVERLAYS:
        if overlay != "deploy/kubernetes/base":
            assert overlay in deploy, f"docs/deploy.md does not mention {overlay}"
    for heading in ("Prerequisites", "Install", "Verify", "KubeEdge", "relay", "MetaServer", "Upgrade", "Uninstall",
                    "Troubleshooting", "Scaling"):
        assert heading.lower() in deploy.lower(), heading
    arch = (ROOT / "docs/architecture.md").read_text()
    assert "```mermaid" in arch or "```text" in arch


def test_every_runnable_command_in_the_guide_runs():
    """The guide's offline commands (rendering, generated files) run here as written."""
    cmds = [c for c in doc_commands("docs/deploy.md") if any(re.match(p, c) for p in RUNNABLE)]
    assert len(cmds) >= 5, cmds
    for cmd in cmds:
        argv = shlex.split(cmd.split("|")[0])
        proc = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, f"{cmd}\n{proc.stderr}"


def test_guide_expected_output_matches_rendering():
    """`kubectl kustomize ... | grep -c '^kind:'` style claims: the kinds the guide lists per overlay exist."""
    text = (ROOT / "docs/deploy.md").read_text()
    for overlay, kinds in re.findall(r"<!-- renders (\S+): ([A-Za-z, ]+) -->", text):
        out = subprocess.run(["kubectl", "kustomize", overlay], cwd=ROOT, capture_output=True, text=True).stdout
        rendered = {d["kind"] for d in yaml.safe_load_all(out) if d}
        assert {k.strip() for k in kinds.split(",")} == rendered, overlay
