#!/usr/bin/env bash
# Installs what the demo and the tests need on a fresh Debian 12 machine (run as root):
# Prometheus, promtool and node-exporter from Debian, zlib headers for the Swift build, Chromium
# for the status page's browser test, and the Python test clients from PyPI. Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v prometheus >/dev/null 2>&1 || need_apt+=(prometheus)
command -v promtool >/dev/null 2>&1 || need_apt+=(prometheus)
[ -x /usr/bin/prometheus-node-exporter ] || need_apt+=(prometheus-node-exporter)
# Alertmanager and amtool: tests/deploy/test_alertmanager.py checks and runs deploy/alertmanager.
command -v amtool >/dev/null 2>&1 || need_apt+=(prometheus-alertmanager)
[ -f /usr/include/zlib.h ] || need_apt+=(zlib1g-dev)
command -v curl >/dev/null 2>&1 || need_apt+=(curl)
# openssl makes the test certificates; libcrypt-dev (libxcrypt) verifies bcrypt for --web.config.file.
command -v openssl >/dev/null 2>&1 || need_apt+=(openssl)
[ -f /usr/include/crypt.h ] || need_apt+=(libcrypt-dev)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: apt-get install ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # The Debian package starts services by default; we only want the binaries.
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  apt-get install -y -qq --no-install-recommends $(printf '%s\n' "${need_apt[@]}" | sort -u) >/dev/null
  rm -f /usr/sbin/policy-rc.d
fi

# Headless Chromium for the status page's browser test (tests/status); large, so a failure here
# does not stop the setup: that test then skips and says why.
if ! command -v chromium >/dev/null 2>&1; then
  echo "setup: apt-get install chromium"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null \
    || echo "setup: chromium could not be installed: the status page browser test will be skipped"
fi

if ! command -v kubectl >/dev/null 2>&1; then
  echo "setup: kubectl is missing (this machine image normally ships it); trying Debian's kubernetes-client"
  apt-get install -y -qq kubernetes-client >/dev/null || echo "setup: no kubectl: the manifest tests will fail"
fi

python3 -m pip install -q --disable-pip-version-check -r tests/requirements.txt

# Sedna's own Python worker library (tests/sednalib) lives beside the repository, never in it:
# ../shared/sedna/python. When it is there, its requirements go into .venv-sedna/ (the library is
# put on PYTHONPATH by the tests, not installed or copied). Skipped when the venv already holds
# them (a stamp of requirements.txt). Measured: 38 s on an idle machine (all pins install as
# wheels on Python 3.11).
sedna_python="../shared/sedna/python"
if [ -f "$sedna_python/requirements.txt" ]; then
  stamp=".venv-sedna/.requirements.sha256"
  want="$(sha256sum "$sedna_python/requirements.txt" | cut -d' ' -f1)"
  if [ ! -x .venv-sedna/bin/python ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "setup: installing Sedna's worker library requirements into .venv-sedna/"
    python3 -m venv .venv-sedna
    .venv-sedna/bin/pip install -q --disable-pip-version-check -r "$sedna_python/requirements.txt"
    # lifelong_learning's edge_knowledge_management.py imports watchdog, which requirements.txt
    # omits (Sedna's examples/lifelong-learning-cityscapes-segmentation.Dockerfile installs it).
    .venv-sedna/bin/pip install -q --disable-pip-version-check watchdog
    # Bytecode goes into the venv, not into the shared library folder (the tests set the same
    # PYTHONPYCACHEPREFIX), so workers start without compiling it again.
    PYTHONPYCACHEPREFIX=.venv-sedna/pycache .venv-sedna/bin/python -m compileall -q "$sedna_python/sedna" >/dev/null || true
    echo "$want" > "$stamp"
  fi
else
  echo "setup: $sedna_python is absent: the tests with Sedna's own worker library (tests/sednalib) will be skipped"
fi
