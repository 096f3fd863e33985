#!/usr/bin/env bash
# Installs what the demo and the tests need on a fresh Debian 12 machine (run as root):
# Prometheus, promtool and node-exporter from Debian, zlib headers for the Swift build, and the
# Python test clients from PyPI. Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v prometheus >/dev/null 2>&1 || need_apt+=(prometheus)
command -v promtool >/dev/null 2>&1 || need_apt+=(prometheus)
[ -x /usr/bin/prometheus-node-exporter ] || need_apt+=(prometheus-node-exporter)
[ -f /usr/include/zlib.h ] || need_apt+=(zlib1g-dev)
command -v curl >/dev/null 2>&1 || need_apt+=(curl)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: apt-get install ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # The Debian package starts services by default; we only want the binaries.
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  apt-get install -y -qq --no-install-recommends $(printf '%s\n' "${need_apt[@]}" | sort -u) >/dev/null
  rm -f /usr/sbin/policy-rc.d
fi

if ! command -v kubectl >/dev/null 2>&1; then
  echo "setup: kubectl is missing (this machine image normally ships it); trying Debian's kubernetes-client"
  apt-get install -y -qq kubernetes-client >/dev/null || echo "setup: no kubectl: the manifest tests will fail"
fi

python3 -m pip install -q --disable-pip-version-check -r tests/requirements.txt
