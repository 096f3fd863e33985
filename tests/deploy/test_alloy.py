"""Static checks of deploy/alloy/*.alloy, and their regular expressions on real-looking samples.

No Alloy binary is installable here, so:
  * alloy_syntax.py parses the files (balanced blocks, strings, attributes);
  * components, their arguments and stage blocks are checked against the
    documented Alloy reference (loki.* / discovery.* / local.file_match);
  * every component referenced in forward_to / targets exists and exports that field;
  * the regexes are taken out of the shipped files and run with Python's `re`
    on sample paths and log lines. The regexes must stay inside the syntax that
    RE2 (Go, Alloy) and Python share: no lookarounds, no backreferences, no
    possessive quantifiers; (?P<name>...) groups work in both.
"""
import json
import re
from pathlib import Path

import pytest

from alloy_syntax import AlloySyntaxError, Block, parse, references
from alloy_values import re2_errors
from deploy_helpers import ROOT

ALLOY_DIR = ROOT / "deploy/alloy"
CONFIGS = ["cloud.alloy", "edge.alloy", "edge-metaserver.alloy"]

# Arguments (attributes) and blocks per component, from the Alloy reference
# (grafana.com/docs/alloy/latest/reference/components/...). Only what may appear.
COMPONENTS = {
    "discovery.kubernetes": {
        "attrs": {"api_server", "role", "kubeconfig_file", "bearer_token_file", "bearer_token", "enable_http2",
                  "follow_redirects", "proxy_url", "no_proxy", "proxy_from_environment", "proxy_connect_header"},
        "blocks": {"namespaces": {"own_namespace", "names"}, "selectors": {"role", "label", "field"},
                   "attach_metadata": {"node", "namespace"}, "tls_config": {"ca_file", "ca_pem", "cert_file", "key_file",
                                                                             "insecure_skip_verify", "server_name"}},
        "exports": {"targets"},
    },
    "discovery.relabel": {
        "attrs": {"targets"},
        "blocks": {"rule": {"source_labels", "separator", "regex", "modulus", "target_label", "replacement", "action"}},
        "exports": {"output", "rules"},
    },
    "local.file_match": {"attrs": {"path_targets", "sync_period", "ignore_older_than"}, "blocks": {}, "exports": {"targets"}},
    "loki.source.file": {
        "attrs": {"targets", "forward_to", "encoding", "tail_from_end", "legacy_positions_file",
                  "on_positions_file_error"},
        "blocks": {"decompression": {"enabled", "format", "initial_delay"},
                   "file_watch": {"min_poll_frequency", "max_poll_frequency"},
                   "file_match": {"enabled", "sync_period", "ignore_older_than"}},
        "exports": set(),
    },
    "loki.source.kubernetes": {"attrs": {"targets", "forward_to"}, "blocks": {"client": None, "clustering": None},
                               "exports": set()},
    "loki.process": {"attrs": {"forward_to"}, "blocks": {}, "exports": {"receiver"}},
    "loki.relabel": {"attrs": {"forward_to", "max_cache_size"}, "blocks": {"rule": None}, "exports": {"receiver", "rules"}},
    "loki.write": {
        "attrs": {"external_labels", "max_streams"},
        "blocks": {
            "endpoint": {"url", "batch_size", "batch_wait", "bearer_token_file", "bearer_token", "enable_http2",
                         "follow_redirects", "http_headers", "headers", "max_backoff_period", "max_backoff_retries",
                         "min_backoff_period", "name", "no_proxy", "proxy_connect_header", "proxy_from_environment",
                         "proxy_url", "remote_timeout", "retry_on_http_429", "tenant_id"},
            "wal": {"enabled", "max_segment_age", "min_read_frequency", "max_read_frequency", "drain_timeout"},
        },
        "exports": {"receiver"},
    },
}
# loki.process stages and their arguments, generated from Alloy's source by
# gen_alloy_stages.py (StageConfig and each stage's config struct). "stage" is
# stage.match's enum of nested stages, checked as blocks.
STAGES = {name: set(args) - {"stage"} for name, args in
          json.loads(Path(__file__).with_name("alloy_stages.json").read_text())["stages"].items()}
# stage.metrics' enum blocks and their arguments (Alloy's CounterConfig, GaugeConfig and
# HistogramConfig in internal/component/loki/process/metric: shared name, description, source,
# prefix, max_idle_duration, value). Each metric is exposed as <prefix><name>, prefix
# loki_process_custom_ by default.
_METRIC_SHARED = {"name", "description", "source", "prefix", "max_idle_duration", "value"}
METRIC_BLOCKS = {
    "metric.counter": _METRIC_SHARED | {"action", "match_all", "count_entry_bytes"},
    "metric.gauge": _METRIC_SHARED | {"action"},
    "metric.histogram": _METRIC_SHARED | {"buckets"},
}
STDLIB_FUNCTIONS = {"sys.env", "coalesce", "concat", "join", "string.format", "string.join", "encoding.from_json"}
SEDNA_WORKER_KINDS = ["jointinferenceservice", "incrementallearningjob", "lifelonglearningjob", "federatedlearningjob",
                      "featureextractionservice", "objectsearchservice", "objecttrackingservice", "reidjob",
                      "videoanalyticsjob"]
# Stream labels the pipelines may create; anything else must go to structured metadata.
ALLOWED_LABELS = {"namespace", "pod", "container", "node", "tier", "level", "sedna_kind", "sedna_task",
                  "sedna_worker_type", "sedna_component"}


def load(name: str) -> Block:
    return parse((ALLOY_DIR / name).read_text())


def components(root: Block) -> dict[tuple[str, str], Block]:
    out = {}
    for b in root.blocks:
        assert b.label is not None, f"line {b.line}: top-level block {b.name} has no label"
        key = (b.name, b.label)
        assert key not in out, f"duplicate component {b.name}.{b.label}"
        out[key] = b
    return out


def process_block(name: str) -> Block:
    (b,) = [c for (n, _), c in components(load(name)).items() if n == "loki.process"]
    return b


def stages(block: Block, kind: str) -> list[Block]:
    return [s for s in block.walk() if s.name == kind]


def relabel_rules(name: str, split: str | None = None) -> list[dict]:
    """Rules of the labelling discovery.relabel, or of the plain/gzip file split."""
    rules = []
    for (n, label), b in components(load(name)).items():
        if n == "discovery.relabel" and (label.endswith(f"_{split}") if split else
                                         not label.endswith(("_plain", "_gzip"))):
            for r in b.blocks:
                rule = {}
                for a in r.attributes:
                    rule[a.name] = a.strings() if a.name == "source_labels" else (
                        a.string() if a.tokens[0].kind == "string" and len(a.tokens) == 1 else a)
                rules.append(rule)
    return rules


# --------------------------------------------------------------------------- syntax and structure

def test_reader_rejects_broken_syntax():
    for bad in ['a "x" {', 'a "x" { b = "unterminated }', 'a "x" { }}', 'a "x" { r = "\\d" }', 'a "x" { b = [1, 2 }']:
        with pytest.raises(AlloySyntaxError):
            parse(bad)


def test_stage_arguments_come_from_alloy_source():
    assert len(STAGES) >= 25 and STAGES["stage.docker"] == set() and "values" in STAGES["stage.labels"]
    assert {"max_partial_lines", "max_partial_line_size"} <= STAGES["stage.cri"]


@pytest.mark.parametrize("name", CONFIGS)
def test_config_parses_with_known_components_and_arguments(name):
    root = load(name)
    assert not root.attributes, "no top-level attributes in a config file"
    for (comp, label), b in components(root).items():
        assert comp in COMPONENTS, f"{comp} is not an Alloy component used here"
        schema = COMPONENTS[comp]
        for a in b.attributes:
            assert a.name in schema["attrs"], f"{comp}.{label}: unknown argument {a.name}"
        for child in b.blocks:
            if comp == "loki.process":
                check_stage(child)
                continue
            assert child.name in schema["blocks"], f"{comp}.{label}: unknown block {child.name}"
            allowed = schema["blocks"][child.name]
            if allowed is not None:
                for a in child.attributes:
                    assert a.name in allowed, f"{comp}.{label} > {child.name}: unknown argument {a.name}"
        required = {"discovery.kubernetes": {"role"}, "discovery.relabel": {"targets"},
                    "local.file_match": {"path_targets"}, "loki.source.file": {"targets", "forward_to"},
                    "loki.process": {"forward_to"}}.get(comp, set())
        assert required <= {a.name for a in b.attributes}, f"{comp}.{label} misses {required}"


def check_stage(stage: Block):
    assert stage.name in STAGES, f"unknown loki.process stage {stage.name}"
    for a in stage.attributes:
        assert a.name in STAGES[stage.name], f"{stage.name}: unknown argument {a.name}"
    if stage.name == "stage.match":
        action = stage.attr("action")
        if action is None or action.string() == "keep":
            assert stage.blocks, "a keep match stage needs nested stages"
        for child in stage.blocks:
            check_stage(child)
    elif stage.name == "stage.metrics":
        assert stage.blocks, "stage.metrics needs a metric block"
        for metric in stage.blocks:
            assert metric.name in METRIC_BLOCKS, f"unknown stage.metrics block {metric.name}"
            names = {a.name for a in metric.attributes}
            assert names <= METRIC_BLOCKS[metric.name], f"{metric.name}: unknown {names - METRIC_BLOCKS[metric.name]}"
            assert {"name"} | ({"action"} if metric.name != "metric.histogram" else {"buckets"}) <= names
            assert not metric.blocks
    else:
        assert not stage.blocks, f"{stage.name} takes no nested blocks"


@pytest.mark.parametrize("name", CONFIGS)
def test_references_resolve(name):
    root = load(name)
    comps = components(root)
    used = set()
    for b in root.walk():
        for a in b.attributes:
            for chain, is_call in references(a.tokens):
                if is_call:
                    assert chain in STDLIB_FUNCTIONS, f"{name}: unknown function {chain}"
                    continue
                parts = chain.split(".")
                hit = None
                for i in range(1, len(parts) - 1):
                    key = (".".join(parts[:i]), parts[i])
                    if key in comps:
                        hit = key, ".".join(parts[i + 1:])
                assert hit, f"{name} line {a.line}: {chain} names no component in this file"
                (comp, label), export = hit
                assert export in COMPONENTS[comp]["exports"], f"{chain}: {comp} exports no {export}"
                used.add((comp, label))
    # every component is wired: sources feed something, sinks are fed
    for key in comps:
        if key[0] in {"loki.source.file", "loki.source.kubernetes"}:
            continue  # sources are only referenced through forward_to of themselves
        assert key in used, f"{name}: {key[0]}.{key[1]} is never referenced"
    fw = [c.attr("forward_to") for c in comps.values() if c.attr("forward_to")]
    assert fw, "nothing forwards logs"


def test_pipeline_is_identical_in_every_config():
    texts = []
    for name in CONFIGS:
        text = (ALLOY_DIR / name).read_text()
        start = text.index('loki.process "sedna" {')
        end = text.index("\n}\n", start)
        texts.append(text[start:end])
    assert texts[0] == texts[1] == texts[2], "the loki.process blocks drifted apart"


@pytest.mark.parametrize("name", CONFIGS)
def test_loki_write_never_drops_batches(name):
    (w,) = [b for (n, _), b in components(load(name)).items() if n == "loki.write"]
    (ep,) = [b for b in w.blocks if b.name == "endpoint"]
    retries = ep.attr("max_backoff_retries")
    assert [t.value for t in retries.tokens] == ["0"], "0 = retry forever (back-pressure instead of loss)"
    url = ep.attr("url")
    assert ("sys.env", True) in references(url.tokens)
    if name.startswith("edge"):
        # No default: the cluster DNS name does not resolve on an edge host without EdgeMesh.
        assert url.strings() == ["LOKI_PUSH_URL"]
    else:
        assert any(s.endswith("/loki/api/v1/push") for s in url.strings())
    # WAL is experimental in Alloy: not enabled by default.
    assert not [b for b in w.blocks if b.name == "wal"]


@pytest.mark.parametrize("name", CONFIGS)
def test_labels_are_low_cardinality(name):
    created = set()
    for rule in relabel_rules(name):
        tl = rule.get("target_label")
        if tl and not tl.startswith("__") and rule.get("action", "replace") == "replace":
            created.add(tl)
    for s in stages(process_block(name), "stage.labels"):
        created |= {t.value for t in s.attr("values").tokens if t.kind == "ident"}
    # Labels a stage.match sets only for its stage.metrics and drops again before the line
    # leaves the block never reach Loki.
    temporary = set()
    for m in process_block(name).blocks:
        if m.name == "stage.match":
            dropped_here = {v for s in m.blocks if s.name == "stage.label_drop" for v in s.attr("values").strings()}
            set_here = {t.value for s in m.blocks if s.name == "stage.labels"
                        for t in s.attr("values").tokens if t.kind == "ident"}
            temporary |= set_here & dropped_here
    assert temporary <= {"lc_job_namespace", "lc_job_kind", "lc_job_name"}, temporary
    created -= temporary
    assert created <= ALLOWED_LABELS, created - ALLOWED_LABELS
    sm = stages(process_block(name), "stage.structured_metadata")
    sm_keys = {t.value for s in sm for t in s.attr("values").tokens if t.kind == "ident"}
    assert {"pod_uid", "filename", "stream", "caller"} <= sm_keys
    dropped = {v for s in stages(process_block(name), "stage.label_drop") for v in s.attr("values").strings()}
    assert "filename" in dropped, "loki.source.file's filename label must not become a stream label"


@pytest.mark.parametrize("name", ["cloud.alloy", "edge-metaserver.alloy"])
def test_discovery_maps_every_sedna_worker_kind(name):
    rules = relabel_rules(name)
    for kind in SEDNA_WORKER_KINDS:
        src = f"__meta_kubernetes_pod_label_{kind}_sedna_io_name"
        assert any(r.get("source_labels") == [src] and r.get("target_label") == "sedna_kind"
                   and r.get("replacement") == kind for r in rules), kind
        assert any(r.get("source_labels") == [f"__meta_kubernetes_pod_label_{kind}_sedna_io_worker_type"]
                   and r.get("target_label") == "sedna_worker_type" for r in rules), kind


def test_edge_config_needs_no_api_server():
    comps = components(load("edge.alloy"))
    assert not [k for k in comps if k[0].startswith("discovery.kubernetes") or k[0] == "loki.source.kubernetes"]
    (fm,) = [b for (n, _), b in comps.items() if n == "local.file_match"]
    assert "/var/log/pods/*/*/*.log*" in fm.attr("path_targets").strings()
    meta = components(load("edge-metaserver.alloy"))
    (dk,) = [b for (n, _), b in meta.items() if n == "discovery.kubernetes"]
    assert "http://127.0.0.1:10550" in dk.attr("api_server").strings()


# --------------------------------------------------------------------------- regexes

def all_regexes() -> list[tuple[str, str]]:
    """(where, regex) for every regex in the shipped configs."""
    out = []
    for name in CONFIGS:
        root = load(name)
        for b in root.walk():
            for a in b.attributes:
                if (b.name == "rule" and a.name == "regex") or a.name in {"expression", "firstline"}:
                    out.append((f"{name}:{a.line}", a.string()))
                if a.name == "selector":
                    out.extend((f"{name}:{a.line}", r) for r in logql_regexes(a.string()))
    return out


def logql_regexes(selector: str) -> list[str]:
    return [unquote_go(m) for m in re.findall(r'(?:=~|!~|\|~|!~)\s*"((?:[^"\\]|\\.)*)"', selector)]


def unquote_go(s: str) -> str:
    return re.sub(r'\\(.)', lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), s)


def test_regexes_use_the_re2_python_common_subset():
    found = all_regexes()
    assert len(found) > 20
    for where, rx in found:
        assert not re2_errors(rx), f"{where}: not RE2: {re2_errors(rx)}: {rx}"
        assert not re.search(r"\(\?<[A-Za-z]", rx), f"{where}: use (?P<name>...) for named groups: {rx}"
        re.compile(rx)


def process_regex(stage_name: str, **match) -> re.Pattern:
    """The regex of a stage in the shared pipeline whose attributes match."""
    hits = []
    for s in stages(process_block("edge.alloy"), stage_name):
        if all(s.attr(k) and s.attr(k).string() == v for k, v in match.items()):
            a = s.attr("firstline") or s.attr("expression")
            hits.append(a.string())
    assert len(set(hits)) == 1, f"{stage_name} {match}: {hits}"
    return re.compile(hits[0])


def py_level_stage() -> tuple[re.Pattern, re.Pattern]:
    for m in stages(process_block("edge.alloy"), "stage.match"):
        if m.attr("pipeline_name").string() == "sedna_python_level":
            (line_filter,) = [r for r in logql_regexes(m.attr("selector").string()) if r.startswith("^")]
            (rx,) = [s.attr("expression").string() for s in m.blocks if s.name == "stage.regex"]
            return re.compile(line_filter), re.compile(rx)
    raise AssertionError("no Python level stage")


def klog_stage() -> tuple[re.Pattern, re.Pattern, str]:
    for m in stages(process_block("edge.alloy"), "stage.match"):
        if m.attr("pipeline_name").string() == "klog_level":
            (line_filter,) = [r for r in logql_regexes(m.attr("selector").string()) if r.startswith("^")]
            (rx,) = [s.attr("expression").string() for s in m.blocks if s.name == "stage.regex"]
            (tpl,) = [s.attr("template").string() for s in m.blocks if s.name == "stage.template"]
            return re.compile(line_filter), re.compile(rx), tpl


ESC = "\x1b"
PY_LINES = [
    # colorlog: the whole record in a colour, reset at the end
    (f"{ESC}[32m[2025-01-01 10:00:00,123] joint_inference.py(112) [INFO] - Inference with edge model done{ESC}[0m",
     "info", "joint_inference.py(112)"),
    (f"{ESC}[1;31m[2025-03-04 22:17:57,811] federated_learning.py(87) [ERROR] - exit training from [trainworker-x7k2p]{ESC}[0m",
     "error", "federated_learning.py(87)"),
    (f"[2025-03-04 22:17:57,811] {ESC}[33mincremental_learning.py(240) [WARNING] - Evaluation with s3://m/1 : {{}}{ESC}[0m",
     "warning", "incremental_learning.py(240)"),
    ("[2024-12-31 23:59:59,999] aggregation.py(61) [DEBUG] - Adding client trainworker-ab1cd", "debug", "aggregation.py(61)"),
]
KLOG_LINES = [
    ("I0102 15:04:05.000000       1 server.go:123] websocket connects global manager(address: gm.sedna:9000) successful",
     "info", "server.go:123"),
    ("W1224 08:00:01.123456   42 upstream.go:77] No handler for resource kind default", "warning", "upstream.go:77"),
    ("E0305 12:00:00.000001 7 jointinferenceservice.go:301] failed to create pod(type=edge) for ji-demo", "error",
     "jointinferenceservice.go:301"),
    ("F0101 00:00:00.000000       1 main.go:9] unable to start", "fatal", "main.go:9"),
]
NOT_LEVELLED = [
    "plain print from a worker: epoch 3 loss=0.12",
    "Traceback (most recent call last):",
    '{"level":"info","msg":"json from someone else"}',
    "2025-01-01T10:00:00Z INFO something in another format",
]


def strip_ansi(line: str) -> str:
    (rx,) = {s.attr("expression").string() for s in stages(process_block("edge.alloy"), "stage.replace")}
    return re.sub(rx, "", line)


def test_ansi_stripping():
    assert strip_ansi(f"{ESC}[32mgreen{ESC}[0m plain {ESC}[1;31;40mred{ESC}[39;49m{ESC}[K") == "green plain red"
    assert strip_ansi("no colour [INFO] - x") == "no colour [INFO] - x"
    for raw, _, _ in PY_LINES:
        assert ESC not in strip_ansi(raw)


@pytest.mark.parametrize("raw,level,caller", PY_LINES)
def test_python_level(raw, level, caller):
    line_filter, rx = py_level_stage()
    line = strip_ansi(raw)
    assert line_filter.search(line)
    m = rx.search(line)
    assert m, line
    assert m.group("level").lower() == level
    assert m.group("caller") == caller
    assert not klog_stage()[0].search(line)


@pytest.mark.parametrize("line,level,caller", KLOG_LINES)
def test_klog_level(line, level, caller):
    line_filter, rx, tpl = klog_stage()
    assert line_filter.search(line)
    m = rx.search(line)
    assert m, line
    assert m.group("caller") == caller
    # the stage.template maps the severity letter: evaluate its if/else chain
    mapping = dict(re.findall(r'eq \.klog_severity \\?"([IWEF])\\?" }}(\w+)', tpl))
    default = re.search(r"{{ else }}(\w+){{ end }}", tpl).group(1)
    assert mapping.get(m.group("klog_severity"), default) == level
    assert not py_level_stage()[0].search(line)


@pytest.mark.parametrize("line", NOT_LEVELLED)
def test_other_lines_get_no_level(line):
    assert not py_level_stage()[0].search(line)
    assert not klog_stage()[0].search(line)


def multiline(lines: list[str]) -> list[str]:
    first = process_regex("stage.multiline")
    blocks: list[list[str]] = []
    for ln in lines:
        if first.search(ln) or not blocks:
            blocks.append([ln])
        else:
            blocks[-1].append(ln)
    return ["\n".join(b) for b in blocks]


def test_multiline_keeps_tracebacks_with_their_record():
    raw = [
        f"{ESC}[32m[2025-01-01 10:00:00,123] lifelong_learning.py(301) [INFO] - Lifelong learning Train task Finished{ESC}[0m",
        f"{ESC}[31m[2025-01-01 10:00:01,456] base.py(88) [ERROR] - Update model start with version 3 failed{ESC}[0m",
        "Traceback (most recent call last):",
        '  File "/home/work/sedna/core/base.py", line 80, in run',
        "    self.model.load(url)",
        "ValueError: model file not found",
        "[2025-01-01 10:00:02,000] base.py(90) [INFO] - retrying",
        "I0102 15:04:05.000000       1 server.go:123] a klog line starts a record too",
    ]
    out = multiline([strip_ansi(r) for r in raw])
    assert len(out) == 4
    assert out[1].startswith("[2025-01-01 10:00:01,456]") and out[1].endswith("ValueError: model file not found")
    _, rx = py_level_stage()
    assert rx.search(out[1]).group("level") == "ERROR"


def test_multiline_only_for_sedna_python_pods():
    selectors = {m.attr("selector").string() for m in stages(process_block("edge.alloy"), "stage.match")
                 if any(s.name == "stage.multiline" for s in m.blocks)}
    assert selectors == {'{sedna_worker_type=~".+"}', '{sedna_component="kb"}'}


# --------------------------------------------------------------------------- path parsing and relabeling

def relabel(rules: list[dict], labels: dict[str, str], env: dict[str, str] | None = None) -> dict[str, str] | None:
    """Prometheus relabel semantics (replace, keep, drop, labeldrop, labelkeep), RE2 anchored.

    A replacement that is an expression reads the environment: NODE_NAME is the
    tests' node, other variables come from `env` or the expression's fallback.
    """
    env = {"NODE_NAME": "edge-node-1", **(env or {})}
    labels = dict(labels)
    for r in rules:
        action = r.get("action", "replace")
        regex = re.compile(f"^(?:{r.get('regex', '(.*)')})$")
        value = r.get("separator", ";").join(labels.get(s, "") for s in r.get("source_labels", []))
        if action == "replace":
            m = regex.match(value)
            if not m:
                continue
            repl = r.get("replacement", "$1")
            if not isinstance(repl, str):  # an expression: coalesce(sys.env("X"), "fallback")
                var, *fallback = repl.strings()
                repl = env.get(var) or (fallback[0] if fallback else "")
            out = re.sub(r"\$(\d+)|\$\{(\d+)\}", lambda g: m.group(int(g.group(1) or g.group(2))) or "", repl)
            if out:
                labels[r["target_label"]] = out
            else:
                labels.pop(r["target_label"], None)
        elif action == "keep":
            if not regex.match(value):
                return None
        elif action == "drop":
            if regex.match(value):
                return None
        elif action == "labeldrop":
            labels = {k: v for k, v in labels.items() if not regex.match(k)}
        elif action == "labelkeep":
            labels = {k: v for k, v in labels.items() if regex.match(k)}
        else:
            raise AssertionError(f"relabel action {action} not simulated")
    return labels


UID = "3f2a9c1e-8b7d-4e2f-9a1b-0c3d5e7f9a2b"
EDGE_PATHS = [
    # path, expected labels (None = not set)
    (f"/var/log/pods/default_helmet-detection-inference-example-deployment-edge-7d9f8c6b5-x2k4m_{UID}/edgeworker/0.log",
     dict(namespace="default", pod="helmet-detection-inference-example-deployment-edge-7d9f8c6b5-x2k4m",
          container="edgeworker", sedna_task="helmet-detection-inference-example", sedna_worker_type="edge",
          sedna_kind="jointinferenceservice", sedna_component=None)),
    (f"/var/log/pods/default_surface-defect-detection-train-x7k2p_{UID}/train-worker/2.log",
     dict(namespace="default", pod="surface-defect-detection-train-x7k2p", container="train-worker",
          sedna_task="surface-defect-detection", sedna_worker_type="train", sedna_kind=None)),
    (f"/var/log/pods/ai_fl-job-aggregation-b4ck9_{UID}/agg/0.log",
     dict(namespace="ai", sedna_task="fl-job", sedna_worker_type="aggregation", sedna_kind="federatedlearningjob")),
    (f"/var/log/pods/sedna_lc-5xk9z_{UID}/lc/0.log",
     dict(namespace="sedna", pod="lc-5xk9z", container="lc", sedna_component="lc", sedna_task=None)),
    (f"/var/log/pods/default_reid-job-reid-q2w3e_{UID}/reid/0.log.20250101-100000",
     dict(sedna_task="reid-job", sedna_worker_type="reid", container="reid")),
    (f"/var/log/pods/default_reid-job-reid-q2w3e_{UID}/reid/0.log.20250101-100000.gz",
     dict(sedna_task="reid-job", sedna_worker_type="reid", container="reid")),
    (f"/var/log/pods/default_reid-job-reid-q2w3e_{UID}/reid/0.log",
     dict(sedna_task="reid-job", sedna_worker_type="reid", sedna_kind="reidjob")),
]


@pytest.mark.parametrize("path,expected", EDGE_PATHS)
def test_edge_labels_from_path(path, expected):
    out = relabel(relabel_rules("edge.alloy"), {"__path__": path})
    assert out["node"] == "edge-node-1" and out["tier"] == "edge"
    for k, v in expected.items():
        assert out.get(k) == v, (k, out)


NON_SEDNA = f"/var/log/pods/kubeedge_edgemesh-agent-fk2lq_{UID}/edgemesh-agent/1.log"


def test_edge_keeps_only_sedna_pods_unless_all_pods_is_set():
    rules = relabel_rules("edge.alloy")
    assert relabel(rules, {"__path__": NON_SEDNA}) is None
    out = relabel(rules, {"__path__": NON_SEDNA}, env={"ALLOY_ALL_PODS": "true"})
    assert (out["namespace"], out["pod"], out["container"]) == ("kubeedge", "edgemesh-agent-fk2lq", "edgemesh-agent")
    assert out.get("sedna_task") is None and out.get("sedna_component") is None
    # A Sedna component and a worker stay either way.
    assert relabel(rules, {"__path__": EDGE_PATHS[3][0]})["sedna_component"] == "lc"
    assert relabel(rules, {"__path__": EDGE_PATHS[1][0]})["sedna_worker_type"] == "train"


def test_pod_uid_from_filename():
    rx = process_regex("stage.regex", source="filename")
    for path, _ in EDGE_PATHS:
        assert rx.search(path).group("pod_uid") == UID
    static = "/var/log/pods/kube-system_kube-apiserver-master_9e1f0d2b57a4c8e3f6a1b2c3d4e5f6a7/kube-apiserver/0.log"
    assert rx.search(static).group("pod_uid") == "9e1f0d2b57a4c8e3f6a1b2c3d4e5f6a7"
    # rotated and gzipped files are read too (kubelet rotation), temporary archives are not
    assert rx.search("/var/log/pods/default_x_y/c/0.log.20250101-101010").group("pod_uid") == "y"
    assert rx.search("/var/log/pods/default_x_y/c/0.log.20250101-101010.gz").group("pod_uid") == "y"
    assert not rx.search("/var/log/pods/default_x_y/c/0.log.20250101-101010.gz.tmp")


def k8s_target(ns, pod, container, uid=UID, **pod_labels):
    t = {"__meta_kubernetes_namespace": ns, "__meta_kubernetes_pod_name": pod, "__meta_kubernetes_pod_uid": uid,
         "__meta_kubernetes_pod_container_name": container, "__meta_kubernetes_pod_node_name": "cloud-1",
         "__meta_kubernetes_pod_container_port_number": "9000"}
    for k, v in pod_labels.items():
        t["__meta_kubernetes_pod_label_" + re.sub(r"[^a-zA-Z0-9_]", "_", k)] = v
    return t


@pytest.mark.parametrize("name", ["cloud.alloy", "edge-metaserver.alloy"])
def test_discovery_relabeling(name):
    rules = relabel_rules(name)
    tier = "cloud" if name == "cloud.alloy" else "edge"
    gm = relabel(rules, k8s_target("sedna", "gm-6c9d7b8f5-abcde", "gm", sedna="gm"))
    assert gm["sedna_component"] == "gm" and gm["tier"] == tier and gm["node"] == "cloud-1"
    assert gm["__path__"] == f"/var/log/pods/*{UID}/gm/*.log*"  # N.log and its rotated files
    assert not [k for k in gm if k.startswith("__meta_kubernetes_pod_container_port")]
    il = relabel(rules, k8s_target("default", "il-job-eval-h2j4k", "eval", **{
        "incrementallearningjob.sedna.io/name": "il-job", "incrementallearningjob.sedna.io/uid": "u",
        "incrementallearningjob.sedna.io/worker-type": "eval"}))
    assert (il["sedna_kind"], il["sedna_task"], il["sedna_worker_type"]) == ("incrementallearningjob", "il-job", "eval")
    assert (il["namespace"], il["pod"], il["container"]) == ("default", "il-job-eval-h2j4k", "eval")
    assert "sedna_component" not in il
    ji = relabel(rules, k8s_target("default", "ji-deployment-cloud-5f6d8c7b9-q1w2e", "cloudworker", **{
        "jointinferenceservice.sedna.io/name": "ji", "jointinferenceservice.sedna.io/worker-type": "cloud",
        "app.sedna.io": "ji-Cloud-svc"}))
    assert (ji["sedna_kind"], ji["sedna_worker_type"]) == ("jointinferenceservice", "cloud")
    assert relabel(rules, k8s_target("default", "nginx-7c5ddbdf54-x8f9g", "nginx", app="nginx")) is None
    assert relabel(rules, k8s_target("sedna", "other-abcde", "x", sedna="dashboard")) is None


def test_cri_sample_through_the_whole_pipeline():
    """CRI line -> (stage.cri) -> ANSI strip -> level, as Alloy would see it."""
    cri = re.compile(r"^(?P<time>\S+) (?P<stream>stdout|stderr) (?P<flags>[PF]) (?P<content>.*)$")  # CRI log format
    raw = (f"2025-01-01T10:00:00.123456789Z stderr F {ESC}[31m[2025-01-01 10:00:00,123] "
           f"federated_learning.py(140) [ERROR] - Federated learning recv weight, round: 3, total_sample: 500{ESC}[0m")
    m = cri.match(raw)
    assert m.group("stream") == "stderr" and m.group("flags") == "F"
    line = strip_ansi(m.group("content"))
    _, rx = py_level_stage()
    assert rx.search(line).group("level") == "ERROR"
    assert process_regex("stage.multiline").search(line)


# --------------------------------------------------------------------------- LC sample counts

# klog lines of Sedna's LocalController as released (format strings in
# pkg/localcontroller/managers/incrementallearning/incrementallearningjob.go and
# pkg/localcontroller/managers/lifelonglearning/lifelonglearningjob.go; the job is
# GetUniqueIdentifier(namespace, name, kind) = "<namespace>/<lower-case kind>/<name>").
LC_SAMPLE_LINES = [
    ("I0102 15:04:05.000000       1 incrementallearningjob.go:1112] job(default/incrementallearningjob/helmet-detection-demo)'s current train samples nums is 42",
     "train", {"lc_job_namespace": "default", "lc_job_kind": "IncrementalLearningJob", "lc_job_name": "helmet-detection-demo"}, 42),
    ("I0102 15:04:05.000120       1 incrementallearningjob.go:1121] job(default/incrementallearningjob/helmet-detection-demo)'s current eval samples nums is 118",
     "eval", {"lc_job_namespace": "default", "lc_job_kind": "IncrementalLearningJob", "lc_job_name": "helmet-detection-demo"}, 118),
    ("I1130 02:00:00.5       7 lifelonglearningjob.go:650] job(robotics/lifelonglearningjob/semantic-seg)'s current train samples nums is 0",
     "train", {"lc_job_namespace": "robotics", "lc_job_kind": "LifelongLearningJob", "lc_job_name": "semantic-seg"}, 0),
]
LC_OTHER_LINES = [
    "I0102 15:04:05.000000       1 incrementallearningjob.go:1090] job(default/incrementallearningjob/helmet) is handling dataset",
    "I0102 15:04:05.000000       1 dataset.go:170] dataset(name=default/ds) get samples from index file, number of samples: 12",
    "[2025-01-01 10:00:00,123] incremental_learning.py(88) [INFO] - current train samples nums is 5",
]


def lc_samples_stage() -> Block:
    (m,) = [m for m in stages(process_block("edge.alloy"), "stage.match")
            if m.attr("pipeline_name").string() == "sedna_lc_samples"]
    return m


def lc_samples(line: str, component: str = "lc") -> tuple[str, dict, float] | None:
    """What the stage makes of one line: (metric name, labels, value), or None."""
    m = lc_samples_stage()
    selector = m.attr("selector").string()
    if f'sedna_component="{component}"' not in selector.replace('\\"', '"'):
        return None
    (line_filter,) = logql_regexes(selector)
    if not re.search(line_filter, line):
        return None
    (rx,) = [s.attr("expression").string() for s in m.blocks if s.name == "stage.regex"]
    found = re.search(rx, line)
    assert found, line
    extracted = found.groupdict()
    (tpl,) = [s.attr("template").string() for s in m.blocks if s.name == "stage.template"]
    mapping = dict(re.findall(r'eq \.Value \\?"(\w+)\\?" }}(\w+)', tpl))
    extracted["lc_job_kind"] = mapping.get(extracted["lc_job_kind"], extracted["lc_job_kind"])
    (labels_stage,) = [s for s in m.blocks if s.name == "stage.labels"]
    labels = {t.value: extracted[t.value] for t in labels_stage.attr("values").tokens if t.kind == "ident"}
    for sub in (s for s in m.blocks if s.name == "stage.match"):
        (contains,) = re.findall(r'\|= "((?:[^"\\]|\\.)*)"', sub.attr("selector").string().replace('\\"', '"'))
        if contains in line:
            ((gauge,),) = [[g for g in s.blocks] for s in sub.blocks if s.name == "stage.metrics"]
            prefix = gauge.attr("prefix").string() if gauge.attr("prefix") else "loki_process_custom_"
            return prefix + gauge.attr("name").string(), labels, float(extracted[gauge.attr("source").string()])
    raise AssertionError(f"no gauge for {line}")


@pytest.mark.parametrize("line,which,labels,value", LC_SAMPLE_LINES)
def test_lc_sample_counts_become_gauges(line, which, labels, value):
    assert lc_samples(line) == (f"loki_process_custom_sedna_lc_{which}_samples", labels, value)


@pytest.mark.parametrize("line", LC_OTHER_LINES)
def test_other_lines_make_no_sample_gauge(line):
    assert lc_samples(line) is None


def test_sample_gauges_only_from_the_lc_and_kept_between_log_lines():
    assert lc_samples(LC_SAMPLE_LINES[0][0], component="gm") is None
    m = lc_samples_stage()
    gauges = [g for s in m.walk() if s.name == "stage.metrics" for g in s.blocks]
    assert len(gauges) == 2
    for g in gauges:
        assert g.attr("action").string() == "set"
        # The LC logs a count only when the dataset grows: the default 5m idle time would drop it.
        assert g.attr("max_idle_duration").string().endswith("h") and int(g.attr("max_idle_duration").string()[:-1]) >= 24 * 30
    (drop,) = [s for s in m.blocks if s.name == "stage.label_drop"]
    assert set(drop.attr("values").strings()) == {"lc_job_namespace", "lc_job_kind", "lc_job_name"}
