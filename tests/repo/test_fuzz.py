"""A short libFuzzer run over the timestamp, number and URL parsers and every translator."""
import os
import subprocess

import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "e2e"))
from harness import ROOT  # noqa: E402


def test_translator_fuzzer_finds_nothing_in_20_seconds(tmp_path):
    env = dict(os.environ, FUZZ_DIR=str(tmp_path))
    r = subprocess.run([os.path.join(ROOT, "scripts", "fuzz.sh"), "translator", "20"], capture_output=True, text=True, env=env, timeout=900)
    out = r.stdout + r.stderr
    assert r.returncode == 0, out[-4000:]
    # libFuzzer's final stats (-print_final_stats=1): it ran, and ran inputs.
    runs = [int(line.rsplit(":", 1)[1]) for line in out.splitlines() if line.startswith("stat::number_of_executed_units:")]
    assert runs and runs[0] > 0, out[-2000:]
