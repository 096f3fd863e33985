"""Tests driving Sedna's own Python worker library, unchanged, from ../shared/sedna/python
(beside the repository; never copied into it), with the virtualenv scripts/setup.sh makes for
its requirements (.venv-sedna/). Without either, every test here is skipped with the reason.
"""
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from sedna_paths import ROOT, SEDNA_PYTHON, VENV_PYTHON  # noqa: E402

sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))


def pytest_collection_modifyitems(config, items):
    missing = None
    if not os.path.isdir(os.path.join(SEDNA_PYTHON, "sedna")):
        missing = f"Sedna's Python worker library is absent ({SEDNA_PYTHON}/sedna): put a copy of shared/ beside the repository"
    elif not os.access(VENV_PYTHON, os.X_OK):
        missing = f"{VENV_PYTHON} is missing: run scripts/setup.sh (it installs Sedna's requirements there)"
    for item in items:
        if not str(item.fspath).startswith(HERE):
            continue
        if missing and "stack" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.skip(reason=missing))
