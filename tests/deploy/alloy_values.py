"""Checks of the values inside Alloy arguments: durations, RE2 regexes, Go templates.

Alloy decodes a `time.Duration` argument with Go's `time.ParseDuration`, compiles
regexes with Go's `regexp` (RE2 syntax) and templates with Go's `text/template`
plus sprig and its own functions (`internal/component/loki/process/stages/template.go`).
Python's `re` accepts look-arounds, backreferences and possessive quantifiers
that RE2 rejects, so `re2_errors` walks the pattern with RE2's rules instead.
"""
from __future__ import annotations

import re

# Go's time.ParseDuration: "0", or one or more <decimal><unit> with an optional sign.
_DURATION = re.compile(r"[-+]?(0|((\d+(\.\d*)?|\.\d+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h))+)")


def is_go_duration(value: str) -> bool:
    return bool(_DURATION.fullmatch(value))


# Go's units.Base2Bytes (alecthomas/units), used for loki.write batch_size.
_BYTES = re.compile(r"(\d+(\.\d+)?(B|KiB|MiB|GiB|TiB|KB|MB|GB|TB|K|M|G|T|k|m|g|t))+")


def is_base2_bytes(value: str) -> bool:
    return bool(_BYTES.fullmatch(value))


# --------------------------------------------------------------------------- RE2

_RE2_FLAGS = set("imsU")
_RE2_CLASS_ESCAPES = set("dDsSwW")
_RE2_ESCAPES = set("afnrtv") | _RE2_CLASS_ESCAPES | set("bBAz")
_MAX_REPEAT = 1000


def re2_errors(pattern: str) -> list[str]:
    """Reasons why Go's regexp (RE2) would reject `pattern`; empty if it is accepted.

    Covers what separates RE2 from Python's `re`: look-arounds, atomic groups,
    conditionals, backreferences, possessive and nested quantifiers, \\Z, \\G,
    unknown escapes, unknown flags and repeat counts above 1000.
    """
    errors: list[str] = []
    i, n = 0, len(pattern)
    prev_repeat = False  # the previous item was a quantifier
    can_repeat = False  # there is something a quantifier can apply to
    depth = 0
    while i < n:
        c = pattern[i]
        if c == "\\":
            esc = pattern[i + 1] if i + 1 < n else ""
            if esc == "":
                errors.append("trailing backslash")
                break
            if esc.isdigit() and esc != "0":
                errors.append(f"backreference \\{esc} (RE2 has none)")
            elif esc in "pP":
                m = re.compile(r"\\[pP](\{\^?[A-Za-z_]+\}|[A-Za-z])").match(pattern, i)
                if not m:
                    errors.append("invalid \\p class")
                i = m.end() if m else i + 2
                prev_repeat, can_repeat = False, True
                continue
            elif esc == "x":
                m = re.compile(r"\\x([0-9A-Fa-f]{2}|\{[0-9A-Fa-f]{1,8}\})").match(pattern, i)
                if not m:
                    errors.append("invalid \\x escape")
                i = m.end() if m else i + 2
                prev_repeat, can_repeat = False, True
                continue
            elif esc == "0":
                m = re.compile(r"\\0[0-7]{0,2}").match(pattern, i)
                i = m.end()
                prev_repeat, can_repeat = False, True
                continue
            elif esc == "Q":
                end = pattern.find("\\E", i + 2)
                i = n if end < 0 else end + 2
                prev_repeat, can_repeat = False, True
                continue
            elif esc.isalnum() and esc not in _RE2_ESCAPES:
                errors.append(f"invalid escape \\{esc}")
            i += 2
            prev_repeat, can_repeat = False, esc not in "bBAz"
            continue
        if c == "[":
            j = i + 1
            if j < n and pattern[j] == "^":
                j += 1
            if j < n and pattern[j] == "]":
                j += 1
            while j < n and pattern[j] != "]":
                if pattern[j] == "\\":
                    esc = pattern[j + 1] if j + 1 < n else ""
                    if esc.isalnum() and esc not in _RE2_ESCAPES | set("pPx0") - set("bBAz"):
                        errors.append(f"invalid escape \\{esc} in character class")
                    j += 2
                    continue
                if pattern.startswith("[:", j):
                    end = pattern.find(":]", j)
                    j = end + 2 if end > 0 else j + 1
                    continue
                j += 1
            if j >= n:
                errors.append("missing closing ]")
                break
            i = j + 1
            prev_repeat, can_repeat = False, True
            continue
        if c == "(":
            if pattern.startswith("(?", i):
                m = re.compile(r"\(\?(P?<[A-Za-z_][A-Za-z0-9_]*>|:|[A-Za-z-]*[:)])").match(pattern, i)
                if not m:
                    what = pattern[i:i + 4]
                    kind = {"(?=": "look-ahead", "(?!": "negative look-ahead", "(?<=": "look-behind",
                            "(?<!": "negative look-behind", "(?>": "atomic group", "(?(": "conditional",
                            "(?#": "comment group", "(?P=": "named backreference"}
                    name = next((v for k, v in kind.items() if what.startswith(k)), f"group syntax {what!r}")
                    errors.append(f"{name} is not RE2")
                    i += 2
                else:
                    flags = m.group(1)
                    if flags[0] not in "P<:":
                        bad = set(flags.rstrip(":)").replace("-", "")) - _RE2_FLAGS
                        if bad:
                            errors.append(f"invalid flag(s) {''.join(sorted(bad))}")
                        if flags.endswith(")"):
                            i = m.end()
                            prev_repeat, can_repeat = False, False
                            continue
                    i = m.end()
            else:
                i += 1
            depth += 1
            prev_repeat, can_repeat = False, False
            continue
        if c == ")":
            depth -= 1
            if depth < 0:
                errors.append("unexpected )")
                depth = 0
            i += 1
            prev_repeat, can_repeat = False, True
            continue
        if c in "*+?{":
            if c == "{":
                m = re.compile(r"\{(\d+)(,(\d*))?\}").match(pattern, i)
                if not m:  # RE2 takes a '{' that starts no repeat literally
                    i += 1
                    prev_repeat, can_repeat = False, True
                    continue
                lo, hi = int(m.group(1)), m.group(3)
                if lo > _MAX_REPEAT or (hi and int(hi) > _MAX_REPEAT) or (hi and int(hi) < lo):
                    errors.append(f"invalid repeat count {m.group(0)}")
                end = m.end()
            else:
                end = i + 1
            if prev_repeat:
                errors.append(f"invalid nested repetition operator {pattern[i:end]!r} "
                              "(possessive and doubled quantifiers are not RE2)")
            elif not can_repeat:
                errors.append(f"missing argument to repetition operator {pattern[i:end]!r}")
            if end < n and pattern[end] == "?":
                end += 1  # lazy quantifier
            i = end
            prev_repeat, can_repeat = True, False
            continue
        i += 1
        prev_repeat, can_repeat = False, c not in "|^$"
    if depth:
        errors.append("missing closing )")
    return errors


# --------------------------------------------------------------------------- Go templates

_GO_BUILTINS = {"and", "or", "not", "len", "index", "slice", "print", "printf", "println", "eq", "ne", "lt", "le",
                "gt", "ge", "html", "js", "urlquery", "call"}
# stage.template's own functions (internal/component/loki/process/stages/template.go).
_ALLOY_TEMPLATE_FUNCS = {"ToLower", "ToUpper", "Replace", "Trim", "TrimLeft", "TrimRight", "TrimPrefix",
                         "TrimSuffix", "TrimSpace", "Hash", "Sha2Hash", "regexReplaceAll", "regexReplaceAllLiteral"}
# The sprig functions these configs may reasonably use (sprig.TxtFuncMap has more).
_SPRIG = {"lower", "upper", "title", "trim", "trimAll", "trimPrefix", "trimSuffix", "replace", "contains",
          "hasPrefix", "hasSuffix", "default", "empty", "coalesce", "quote", "squote", "cat", "join", "split",
          "splitList", "toString", "atoi", "int", "int64", "float64", "add", "sub", "mul", "div", "mod", "max",
          "min", "now", "date", "unixEpoch", "regexMatch", "regexFind", "regexReplaceAll", "b64enc", "b64dec",
          "sha256sum", "trunc", "substr", "repeat", "list", "dict", "get", "set", "hasKey", "toJson", "fromJson",
          "ternary", "nospace", "abbrev", "indent", "nindent", "kebabcase", "snakecase", "camelcase"}
TEMPLATE_FUNCS = _GO_BUILTINS | _ALLOY_TEMPLATE_FUNCS | _SPRIG
_KEYWORDS_OPEN = {"if", "range", "with", "block", "define"}
_ACTION_TOKEN = re.compile(
    r'\s+|"(?:[^"\\\n]|\\.)*"|`[^`]*`|\'(?:[^\'\\]|\\.)+\'|\$[A-Za-z0-9_]*|(?:\.[A-Za-z_][A-Za-z0-9_]*)+|\.'
    r'|[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*|[-+]?\d[\d.eE_xXa-fA-F+-]*|:?=|[|(),]')


def template_errors(text: str) -> list[str]:
    """Reasons why Go's text/template (with Alloy's function map) would reject `text`."""
    errors: list[str] = []
    stack: list[str] = []
    pos = 0
    while True:
        start = text.find("{{", pos)
        if start < 0:
            break
        end = text.find("}}", start + 2)
        if end < 0:
            errors.append("unclosed action")
            break
        body = text[start + 2:end]
        pos = end + 2
        if body.startswith("- "):
            body = body[2:]
        elif body.startswith("-") and not body[1:2].isdigit():
            errors.append(f"trim marker without space in {{{{{body}}}}}")
        if body.endswith(" -"):
            body = body[:-2]
        stripped = body.strip()
        if stripped.startswith("/*"):
            if not stripped.endswith("*/"):
                errors.append("unclosed comment")
            continue
        if not stripped:
            errors.append("missing value for command")
            continue
        tokens, k = [], 0
        while k < len(stripped):
            m = _ACTION_TOKEN.match(stripped, k)
            if not m or m.end() == k:
                errors.append(f"unexpected {stripped[k]!r} in action {{{{{stripped}}}}}")
                break
            if not m.group(0).isspace():
                tokens.append(m.group(0))
            k = m.end()
        if tokens.count("(") != tokens.count(")"):
            errors.append(f"unbalanced parentheses in {{{{{stripped}}}}}")
        first = tokens[0] if tokens else ""
        if first in _KEYWORDS_OPEN:
            stack.append(first)
            if len(tokens) == 1:
                errors.append(f"missing value for {first}")
            tokens = tokens[1:]
        elif first == "else":
            if not stack or stack[-1] not in {"if", "range", "with"}:
                errors.append("unexpected {{else}}")
            tokens = tokens[2:] if len(tokens) > 1 and tokens[1] in {"if", "with"} else tokens[1:]
            if tokens == [] and len(stripped.split()) > 1:
                errors.append("missing value for else if")
        elif first == "end":
            if not stack:
                errors.append("unexpected {{end}}")
            else:
                stack.pop()
            tokens = tokens[1:]
            if tokens:
                errors.append("unexpected arguments to end")
        elif first == "template":
            tokens = []
        for t in tokens:
            if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", t) and t not in {"true", "false", "nil"}:
                if t not in TEMPLATE_FUNCS:
                    errors.append(f'function "{t}" not defined')
        if tokens and tokens[0] == "|" or tokens[-1:] == ["|"]:
            errors.append(f"missing command in pipeline {{{{{stripped}}}}}")
    if "}}" in text[pos:] and "{{" not in text[pos:]:
        pass
    for open_kw in stack:
        errors.append(f"unexpected EOF: {{{{{open_kw}}}}} without {{{{end}}}}")
    return errors
