"""The kube-state-metrics CustomResourceStateMetrics config decodes strictly against a schema
written from kube-state-metrics' Go structs (pkg/customresourcestate/config.go,
config_metrics_types.go): unknown fields are errors. Plus what the 2022 config got wrong."""
from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from dash_common import KSM_DIR, ROOT

SCHEMA = json.loads((Path(__file__).parent / "ksm_crs_schema.json").read_text())
CONFIG = KSM_DIR / "sedna-custom-resource-state.yaml"
VALUES = KSM_DIR / "values.yaml"


@pytest.fixture(scope="module")
def config():
    return yaml.safe_load(CONFIG.read_text())


def test_config_is_valid_strictly(config):
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    jsonschema.Draft202012Validator(SCHEMA).validate(config)


def test_schema_rejects_unknown_fields_and_the_2022_typo(config):
    bad = json.loads(json.dumps(config))
    bad["spec"]["resources"][0]["metrics"][0]["each"]["stateSet"]["labelsFromKey"] = "x"  # 2022: labelsFromKey
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, SCHEMA)
    bad = json.loads(json.dumps(config))
    bad["spec"]["resources"][0]["metrics"][0]["each"]["type"] = "Histogram"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, SCHEMA)


def test_values_embed_the_same_config_with_read_only_rbac_on_cloud_nodes(config):
    values = yaml.safe_load(VALUES.read_text())
    assert values["customResourceState"] == {"enabled": True, "config": config}
    for rule in values["rbac"]["extraRules"]:
        assert set(rule["verbs"]) == {"get", "list", "watch"}
    sedna = next(r for r in values["rbac"]["extraRules"] if r["apiGroups"] == ["sedna.io"])
    kinds = {r["groupVersionKind"]["kind"] for r in config["spec"]["resources"]}
    assert {r["resourcePlural"] for r in config["spec"]["resources"]} == set(sedna["resources"])
    assert len(kinds) == 11
    terms = values["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
    assert {"key": "node-role.kubernetes.io/edge", "operator": "DoesNotExist"} in terms[0]["matchExpressions"]


def metrics_of(config, kind):
    r = next(r for r in config["spec"]["resources"] if r["groupVersionKind"]["kind"] == kind)
    return r, {m["name"]: m for m in r["metrics"]}


def test_fixes_the_2022_bugs(config):
    for r in config["spec"]["resources"]:
        assert r["labelsFromPath"]["namespace"] == ["metadata", "namespace"], "namespace label"
        for m in r["metrics"]:
            each = m["each"]
            body = each[{"Gauge": "gauge", "StateSet": "stateSet", "Info": "info"}[each["type"]]]
            labels = {**r.get("labelsFromPath", {}), **body.get("labelsFromPath", {})}
            for name, path in labels.items():
                assert path[-1] not in ("data", "lastHeartbeatTime", "lastTransitionTime", "url"), f"{m['name']}: {name}"
            if m["name"] in ("task_condition", "task_stage"):
                assert body["path"] == ["status", "conditions", "-1"], "the current condition is the last one"
    _, fl = metrics_of(config, "FederatedLearningJob")
    assert "Training" in fl["task_condition"]["each"]["stateSet"]["list"]
    assert fl["task_completion_timestamp_seconds"]["each"]["gauge"]["path"] == ["status", "completionTime"]
    _, il = metrics_of(config, "IncrementalLearningJob")
    assert il["task_stage"]["each"]["stateSet"]["list"] == ["Train", "Eval", "Deploy"]


def test_limits_are_stated():
    for path in (CONFIG, VALUES):
        text = path.read_text()
        assert "cannot parse the JSON string in status.conditions[].data" in text


def test_schema_has_kube_state_metrics_gauge_fields_only(config):
    """MetricGauge (pkg/customresourcestate/config_metrics_types.go) has no valueType."""
    assert "valueType" not in SCHEMA["$defs"]["gauge"]["properties"]
    bad = json.loads(json.dumps(config))
    gauge = next(m for r in bad["spec"]["resources"] for m in r["metrics"] if m["each"]["type"] == "Gauge")
    gauge["each"]["gauge"]["valueType"] = "duration"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, SCHEMA)


# --------------------------------------------------------------------------- against Sedna's CRDs

CRD_DIR = ROOT / ".." / "shared" / "sedna" / "crds"  # the Sedna CRDs next to the repository
# Standard ObjectMeta fields: CRDs declare metadata as a bare object.
OBJECT_META = {"name": "string", "namespace": "string", "creationTimestamp": "date-time", "uid": "string"}
# Metrics real Sedna can never fill (no GM/LC code writes the field); they must not be configured.
NEVER_WRITTEN = {
    ("ObjectTrackingService", "status"),  # no GM controller (pkg/globalmanager/controllers/registry.go)
    ("FeatureExtractionService", "status.metrics"),  # no LC manager forwards FE reports (cmd/sedna-lc/app/server.go)
    ("Model", "status"),  # written only from FL reports the LC does not forward
}


@pytest.fixture(scope="module")
def crd_schemas():
    if not CRD_DIR.is_dir():
        pytest.skip(f"Sedna CRDs not found at {CRD_DIR.resolve()}")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    out = {}
    for f in sorted(CRD_DIR.glob("sedna.io_*.yaml")):
        crd = yaml.load(f.read_text(), Loader=loader)
        for v in crd["spec"]["versions"]:
            out[(crd["spec"]["group"], v["name"], crd["spec"]["names"]["kind"])] = v["schema"]["openAPIV3Schema"]
    return out


def resolve(schema: dict, path: list[str], where: str) -> dict:
    """The schema node a kube-state-metrics path reaches (numbers and -1 index arrays)."""
    node = schema
    for i, seg in enumerate(path):
        if node.get("type") == "array":
            assert seg.lstrip("-").isdigit(), f"{where}: {path[:i + 1]} indexes an array with {seg!r}"
            node = node["items"]
        elif path[:i] == ["metadata"] and not node.get("properties"):
            assert seg in OBJECT_META, f"{where}: metadata.{seg} is no ObjectMeta field used here"
            return {"type": "string", "format": OBJECT_META[seg]}
        else:
            props = node.get("properties", {})
            assert seg in props, f"{where}: {'.'.join(path[:i + 1])} is not in the CRD schema"
            node = props[seg]
    return node


def each_metric(config):
    for r in config["spec"]["resources"]:
        gvk = r["groupVersionKind"]
        for m in r["metrics"]:
            each = m["each"]
            body = each[{"Gauge": "gauge", "StateSet": "stateSet", "Info": "info"}[each["type"]]]
            yield r, (gvk["group"], gvk["version"], gvk["kind"]), m, each["type"], body


def test_every_path_exists_in_the_sedna_crd_schemas(config, crd_schemas):
    checked = 0
    for r, gvk, m, kind, body in each_metric(config):
        schema = crd_schemas[gvk]
        where = f"{gvk[2]}/{m['name']}"
        for name, path in r.get("labelsFromPath", {}).items():
            resolve(schema, path, f"{gvk[2]} label {name}")
        base = resolve(schema, body.get("path", []), where)
        elem = base["items"] if base.get("type") == "array" else base  # lists are iterated
        for name, rel in body.get("labelsFromPath", {}).items():
            resolve(elem, rel, f"{where} label {name}")
        if "valueFrom" in body:
            leaf = resolve(elem, body["valueFrom"], where)
        else:
            leaf = base
        if kind == "Gauge":
            ok = leaf.get("type") in {"integer", "number"} or leaf.get("format") == "date-time" or \
                leaf.get("type") == "string"
            assert ok, f"{where}: a gauge needs a number or a timestamp, {leaf.get('type')}"
        if kind == "StateSet":
            assert leaf.get("type") == "string", f"{where}: a StateSet reads a string field"
            if "enum" in leaf:  # Sedna's CRDs declare none today; the list must then match exactly
                assert set(body["list"]) == set(leaf["enum"]), where
        checked += 1
    assert checked >= 40


def test_no_metric_reads_a_field_sedna_never_writes(config):
    for r, gvk, m, kind, body in each_metric(config):
        full = ".".join(body.get("path", []) + body.get("valueFrom", []))
        for never_kind, prefix in NEVER_WRITTEN:
            assert not (gvk[2] == never_kind and full.startswith(prefix)), f"{gvk[2]}/{m['name']} reads {full}"


def test_status_gauges_log_missing_fields_below_the_default_verbosity(config):
    """A missing Gauge path is an error logged at errorLogV (0: always) on every update (registry_factory.go)."""
    for r, gvk, m, kind, body in each_metric(config):
        if kind == "Gauge" and body.get("path", [""])[0] == "status":
            assert (m.get("errorLogV") or r.get("errorLogV") or 0) > 0, f"{gvk[2]}/{m['name']}"
