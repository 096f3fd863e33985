"""Where Sedna's Python worker library and its virtualenv are: beside the repository
(../shared/sedna/python; CI puts a copy of shared/ there) and .venv-sedna/ (scripts/setup.sh)."""
import os

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SEDNA_PYTHON = os.path.normpath(os.path.join(ROOT, "..", "shared", "sedna", "python"))
VENV_PYTHON = os.path.join(ROOT, ".venv-sedna", "bin", "python")
