"""The kube-state-metrics CustomResourceStateMetrics config decodes strictly against a schema
written from kube-state-metrics' Go structs (pkg/customresourcestate/config.go,
config_metrics_types.go): unknown fields are errors. Plus what the 2022 config got wrong."""
from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from dash_common import KSM_DIR

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
