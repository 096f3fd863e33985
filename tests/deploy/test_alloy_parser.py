"""The Alloy parser and value checks used by test_alloy.py: what they reject and accept.

Each rejected case is one that Alloy itself rejects (grammar of its `syntax/`
package, Go's time.ParseDuration, RE2, text/template), and which the earlier
tokenizer-based check let through; each accepted case is valid Alloy.
"""
import pytest

from alloy_syntax import AlloySyntaxError, Array, Binary, Call, Literal, Object, dotted, parse
from alloy_values import is_base2_bytes, is_go_duration, re2_errors, template_errors
from test_alloy import ALLOY_DIR, CONFIGS, load

INVALID = {
    "list without commas": 'a "x" { v = [a b] }',
    "two expressions": 'a "x" { v = "a" "b" }',
    "attribute set twice": 'a "x" {\n  v = 1\n  v = 2\n}',
    "unknown escape": 'a "x" { r = "\\d" }',
    "short hex escape": 'a "x" { r = "\\x1" }',
    "surrogate escape": 'a "x" { r = "\\ud800" }',
    "single quotes": "a \"x\" { r = 'x' }",
    "unterminated string": 'a "x" { b = "unterminated }',
    "unclosed block": 'a "x" {',
    "extra brace": 'a "x" { }}',
    "unclosed list": 'a "x" { b = [1, 2 }',
    "list continued without trailing comma": 'a "x" {\n  b = [\n    1,\n    2\n  ]\n}',
    "object without commas": 'a "x" { b = { k = 1 j = 2 } }',
    "object field twice": 'a "x" { b = { k = 1, k = 2 } }',
    "dotted attribute": 'a "x" { b.c = 1 }',
    "label on attribute": 'a "x" { b "l" = 1 }',
    "label not an identifier": 'a "my-label" { }',
    "raw string label": 'a `x` { }',
    "two statements on one line": 'a "x" { b = 1 c = 2 }',
    "block as expression": 'a "x" { b = c { } }',
    "dangling operator": 'a "x" { b = 1 + }',
    "single pipe": 'a "x" { b = true | false }',
    "exponent without digits": 'a "x" { b = 1e }',
}

VALID = {
    "escapes": 'a "x" { s = "\\a\\b\\f\\n\\r\\t\\v\\\\\\"\\101\\x1b\\u00e9\\U0001F600" }',
    "raw string over lines": 'a "x" {\n  s = `one\n\\d{2} "two"`\n}',
    "lists with trailing commas": 'a "x" {\n  l = [\n    1,\n    "two",\n  ]\n  m = [1, 2]\n  e = []\n}',
    "objects": 'a "x" {\n  o = {\n    k = 1,\n    "__path__" = "/x",\n  }\n  p = { k = { n = null } }\n}',
    "expressions": 'a "x" { v = -1 + 2 * 3 ^ 2 ^ 1 % 4 >= 2 && !false || x.y.z[0] == coalesce(sys.env("A"), "b") }',
    "numbers": 'a "x" {\n  i = 10\n  f = 1.5\n  g = .5\n  e = 2e10\n}',
    "comments": '// top\na "x" { /* inline */\n  b = 1 // trailing\n}\n/* end */',
    "unlabelled and nested blocks": 'a.b.c "l" {\n  d { }\n  d {\n    e = true\n  }\n}\nlogging { level = "info" }',
    "operator continues a line": 'a "x" {\n  b = "x" +\n    "y"\n}',
    "empty file": "",
}


@pytest.mark.parametrize("case", sorted(INVALID))
def test_parser_rejects(case):
    with pytest.raises(AlloySyntaxError):
        parse(INVALID[case])


@pytest.mark.parametrize("case", sorted(VALID))
def test_parser_accepts(case):
    parse(VALID[case])


def test_parser_builds_the_expression_tree():
    root = parse(VALID["expressions"] + "\n" + VALID["escapes"].replace('"x"', '"y"'))
    (v,) = root.blocks[0].attributes
    assert isinstance(v.expr, Binary) and v.expr.op == "||"
    left = v.expr.left
    assert left.op == "&&" and left.left.op == ">="
    # ^ binds tighter than *, and is right-associative: 2 * (3 ^ (2 ^ 1)) % 4
    mul = left.left.left.right
    assert mul.op == "%" and mul.left.op == "*" and mul.left.right.op == "^" and mul.left.right.right.op == "^"
    call = v.expr.right.right  # && binds tighter than ||: (a && !false) || (x.y.z[0] == call)
    assert isinstance(call, Call) and dotted(call.func) == "coalesce" and dotted(call.args[0].func) == "sys.env"
    (s,) = root.blocks[1].attributes
    assert s.expr.value == "\a\b\f\n\r\t\v\\\"A\x1b\u00e9\U0001F600"


def test_parser_reads_lists_and_objects():
    root = parse(VALID["objects"] + "\n" + VALID["lists with trailing commas"].replace('"x"', '"y"'))
    o = root.blocks[0].attr("o").expr
    assert isinstance(o, Object) and o.keys() == ["k", "__path__"]
    lst = root.blocks[1].attr("l").expr
    assert isinstance(lst, Array) and [e.value for e in lst.elements] == [1, "two"]
    assert isinstance(root.blocks[1].attr("e").expr, Array) and not root.blocks[1].attr("e").expr.elements
    raw = parse(VALID["raw string over lines"]).blocks[0].attr("s").expr
    assert isinstance(raw, Literal) and raw.value == 'one\n\\d{2} "two"'


# --------------------------------------------------------------------------- values

@pytest.mark.parametrize("value", ["3s", "500ms", "1h30m", "0", "1.5h", "10us", "-1m"])
def test_go_durations_accepted(value):
    assert is_go_duration(value)


@pytest.mark.parametrize("value", ["3 sec", "3", "1d", "3S", "", "s", "1h 30m", "5 s"])
def test_invalid_durations_rejected(value):
    assert not is_go_duration(value)


def test_byte_sizes():
    assert is_base2_bytes("1MiB") and is_base2_bytes("256KiB") and is_base2_bytes("1.5MB")
    assert not is_base2_bytes("1 MiB") and not is_base2_bytes("lots")


@pytest.mark.parametrize("rx", [
    r"foo(?=bar)", r"foo(?!bar)", r"(?<=a)b", r"(?<!a)b", r"(a)\1", r"(?P<x>a)(?P=x)", r"a*+", r"a++", r"a{2}+",
    r"(?>a)", r"a**", r"foo\Z", r"(?(1)a|b)", r"\G", r"a{1001}", r"*a", r"(?x)a", r"(a", r"[a", r"\e",
])
def test_re2_rejects_what_python_may_accept(rx):
    assert re2_errors(rx), rx


@pytest.mark.parametrize("rx", [
    r"^(?P<a>\d{4})-(?:x|y)$", r"(?<name>a)", r"a*?b+?c??", r"[^\s()]+\.py\(\d+\)", r"\x1b\[[0-9;?]*[ -/]*[@-~]",
    r"(?i)abc", r"(?s:.*)", r"\pL\p{Greek}\PN", r"[[:alpha:]]+", r"\Qa.b\E", r"a{2,}", r"a{,2}", r"\z\A\b",
    r"[{]\"log\":", r"\x{1F600}", r"[\d\-_]", r"",
])
def test_re2_accepts_valid_patterns(rx):
    assert not re2_errors(rx), (rx, re2_errors(rx))


@pytest.mark.parametrize("tpl", [
    "{{ ToLower .Value }}", '{{ if eq .a "I" }}info{{ else if eq .a "W" }}warn{{ else }}x{{ end }}',
    "{{- .Value -}}", "{{ .Value | ToUpper }}", '{{ Replace .Value "a" "b" -1 }}', "{{/* comment */}}",
    "{{ range $k, $v := .m }}{{ $k }}{{ end }}", "plain text", "{{ printf \"%s-%d\" .a 3 }}",
])
def test_templates_accepted(tpl):
    assert not template_errors(tpl), (tpl, template_errors(tpl))


@pytest.mark.parametrize("tpl", [
    "{{ ToLower .Value }", "{{ if .a }}x", "{{ end }}", "{{ else }}", "{{ NoSuchFunc .Value }}", "{{ }}",
    "{{ .Value | }}", "{{ (ToLower .Value }}", "{{ if }}x{{ end }}", "{{ end 1 }}",
])
def test_templates_rejected(tpl):
    assert template_errors(tpl), tpl


# --------------------------------------------------------------------------- the shipped files

# Arguments that Alloy decodes as time.Duration (component Arguments structs).
DURATION_ARGS = {"sync_period", "ignore_older_than", "initial_delay", "min_poll_frequency", "max_poll_frequency",
                 "max_wait_time", "min_backoff_period", "max_backoff_period", "batch_wait", "remote_timeout",
                 "max_segment_age", "min_read_frequency", "max_read_frequency", "drain_timeout", "older_than"}


@pytest.mark.parametrize("name", CONFIGS)
def test_shipped_values_are_what_alloy_decodes(name):
    root = load(name)
    checked = {"duration": 0, "template": 0}
    for b in root.walk():
        for a in b.attributes:
            if a.name in DURATION_ARGS:
                assert is_go_duration(a.string()), f"{name}:{a.line}: {a.name} = {a.string()!r} is no Go duration"
                checked["duration"] += 1
            if a.name == "batch_size":
                assert is_base2_bytes(a.string()), f"{name}:{a.line}: batch_size {a.string()!r}"
            if b.name == "stage.template" and a.name == "template":
                assert not template_errors(a.string()), (name, a.line, template_errors(a.string()))
                checked["template"] += 1
    assert checked["duration"] >= 5 and checked["template"] >= 2


def test_shipped_files_parse():
    for path in sorted(ALLOY_DIR.glob("*.alloy")):
        assert parse(path.read_text()).blocks, path
