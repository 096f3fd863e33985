"""Regenerates alloy_stages.json: the loki.process stages and their arguments, from Alloy's source.

    python3 tests/deploy/gen_alloy_stages.py <grafana/alloy git dir> [<commit>]

Reads internal/component/loki/process/stages/pipeline.go (StageConfig: one
`alloy:"<stage>,block,optional"` field per stage) and each stage's config
struct in the same package (`alloy:"<argument>,attr|block|enum,..."` tags), so
test_alloy.py checks the shipped configs against what Alloy decodes, not
against a hand-made list. Needs only `git`.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

STAGES_DIR = "internal/component/loki/process/stages"
OUT = Path(__file__).with_name("alloy_stages.json")
_TAG = re.compile(r'^\s*(?:(\w+)\s+)?(\S+)\s+`[^`]*alloy:"([^"]*)"')


def git(gitdir: str, *args: str) -> str:
    return subprocess.run(["git", f"--git-dir={gitdir}", *args], check=True, capture_output=True, text=True).stdout


def structs(source: str) -> dict[str, list[tuple[str, str, str]]]:
    """struct name -> [(field type, tag name, tag kind)]."""
    out: dict[str, list[tuple[str, str, str]]] = {}
    for m in re.finditer(r"^type (\w+) struct \{\n(.*?)^\}", source, re.S | re.M):
        fields = []
        for line in m.group(2).splitlines():
            t = _TAG.match(line)
            if t:
                name, kind = (t.group(3).split(",") + [""])[:2]
                fields.append((t.group(2), name, kind))
        out[m.group(1)] = fields
    return out


def main(gitdir: str, commit: str = "HEAD") -> dict:
    files = [f for f in git(gitdir, "ls-tree", "--name-only", f"{commit}:{STAGES_DIR}").split()
             if f.endswith(".go") and not f.endswith("_test.go")]
    all_structs: dict[str, list] = {}
    for f in files:
        all_structs.update(structs(git(gitdir, "show", f"{commit}:{STAGES_DIR}/{f}")))

    def args_of(type_name: str) -> list[str]:
        names = []
        for ftype, name, kind in all_structs.get(type_name.lstrip("*[]").split(".")[-1], []):
            if name == "" and kind == "squash":
                names += args_of(ftype)
            elif name:
                names.append(name)
        return sorted(set(names))

    stages = {}
    for ftype, name, kind in all_structs["StageConfig"]:
        if kind == "block":
            stages[f"stage.{name}"] = args_of(ftype)
    return {"source": f"grafana/alloy {STAGES_DIR} at {git(gitdir, 'rev-parse', commit).strip()}", "stages": stages}


if __name__ == "__main__":
    data = main(*sys.argv[1:3])
    OUT.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    print(f"{len(data['stages'])} stages -> {OUT}")
