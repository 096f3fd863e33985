"""The README's commands and the generated files, as a newcomer and CI would meet them."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "e2e"))
from harness import ROOT, exporter_bin  # noqa: E402


def test_generated_files_are_current():
    r = subprocess.run([exporter_bin(), "generate", "--check", "--root", ROOT], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_fixtures_are_current():
    r = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "make_fixtures.py"), "--check"], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_readme_opens_with_the_two_commands():
    lines = [l for l in open(os.path.join(ROOT, "README.md")).read().splitlines() if l.strip()]
    head = "\n".join(lines[:15])
    assert "scripts/demo.sh" in head and "scripts/test.sh" in head
    ci = open(os.path.join(ROOT, ".ci", "run")).read()
    assert "scripts/test.sh" in ci


def test_architecture_diagram_names_every_target():
    """docs/architecture.md's source-layout diagram shows every target of Package.swift."""
    import re
    package = open(os.path.join(ROOT, "Package.swift")).read()
    targets = set(re.findall(r'\.(?:target|executableTarget|systemLibrary)\(name: "([^"]+)"', package)) - {"TestSupport"}
    doc = open(os.path.join(ROOT, "docs", "architecture.md")).read()
    diagram = doc.split("## Source layout", 1)[1].split("```mermaid", 1)[1].split("```", 1)[0]
    missing = sorted(t for t in targets if t not in diagram)
    assert not missing, f"targets missing from the diagram in docs/architecture.md: {missing}"
