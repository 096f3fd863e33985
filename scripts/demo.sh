#!/usr/bin/env bash
# README command 1: the whole pipeline on one machine, no cluster needed.
#
# Starts a Kubernetes API holding a realistic Sedna cluster (the third-party emulator kmock,
# loaded from fixtures/cluster), the exporter watching it, and Prometheus scraping the exporter
# with the project's scrape config and rules; prints where to look; stops everything on Ctrl-C.
#
#   scripts/demo.sh                 # build in release mode, run until Ctrl-C
#   scripts/demo.sh --duration 60   # stop by itself after 60 s
# Environment: SEDNA_EXPORTER_BIN (skip the build), DEMO_API_PORT (18080),
# DEMO_EXPORTER_PORT (9479), DEMO_PROMETHEUS_PORT (9090), DEMO_DIR (a temp folder).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

duration=0
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) duration=$2; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done

api_port=${DEMO_API_PORT:-18080}
exp_port=${DEMO_EXPORTER_PORT:-9479}
prom_port=${DEMO_PROMETHEUS_PORT:-9090}
dir=${DEMO_DIR:-$(mktemp -d /tmp/sedna-demo.XXXXXX)}
mkdir -p "$dir"

scripts/setup.sh

bin=${SEDNA_EXPORTER_BIN:-}
if [ -z "$bin" ]; then
  echo "== building sedna-exporter (release; the first build takes a few minutes)"
  swift build -c release --product sedna-exporter
  bin="$root/.build/release/sedna-exporter"
fi

pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  echo "demo stopped; logs in $dir"
}
trap cleanup EXIT
trap 'exit 0' INT TERM

wait_http() {  # url, what
  for _ in $(seq 1 120); do
    if curl -fsS -o /dev/null "$1" 2>/dev/null; then return 0; fi
    sleep 0.5
  done
  echo "$2 did not come up; see $dir" >&2
  exit 1
}

echo "== Kubernetes API (kmock) with the fixture cluster on 127.0.0.1:$api_port"
python3 scripts/kmock_cluster.py --port "$api_port" --load fixtures/cluster >"$dir/kmock.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$api_port/api/v1/nodes" "kmock"

cat >"$dir/kubeconfig" <<KC
apiVersion: v1
kind: Config
clusters: [{name: demo, cluster: {server: "http://127.0.0.1:$api_port"}}]
users: [{name: demo, user: {}}]
contexts: [{name: demo, context: {cluster: demo, user: demo}}]
current-context: demo
KC

echo "== sedna-exporter on 127.0.0.1:$exp_port"
"$bin" serve --kubeconfig "$dir/kubeconfig" --listen "127.0.0.1:$exp_port" >"$dir/exporter.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$exp_port/readyz" "the exporter"

echo "== Prometheus on 127.0.0.1:$prom_port"
mkdir -p "$dir/prometheus"
sed -e "s/127.0.0.1:9479/127.0.0.1:$exp_port/; s/127.0.0.1:9090/127.0.0.1:$prom_port/" \
    -e "s#\.\./rules/#$root/deploy/prometheus/rules/#" \
    deploy/prometheus/local/prometheus.yml >"$dir/prometheus/prometheus.yml"
prometheus --config.file="$dir/prometheus/prometheus.yml" --storage.tsdb.path="$dir/prometheus/data" \
  --web.listen-address="127.0.0.1:$prom_port" >"$dir/prometheus.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$prom_port/-/ready" "Prometheus"

g="http://127.0.0.1:$prom_port/graph?g0.tab=1&g0.expr="
cat <<MSG

Sedna observability demo is running (logs: $dir)
  exporter metrics   http://127.0.0.1:$exp_port/metrics
  exporter readiness http://127.0.0.1:$exp_port/readyz
  Prometheus         http://127.0.0.1:$prom_port
  tasks by kind      ${g}count%20by%20(kind)%20(sedna_task_info)
  current conditions ${g}sedna_task_condition%20%3D%3D%201
  IL/LL stages       ${g}sedna_task_stage%20%3D%3D%201
  JI inferences      ${g}sedna_joint_inference_inferences_total
  FL rounds          ${g}sedna_federated_learning_round
  alerts             http://127.0.0.1:$prom_port/alerts
Change the cluster with plain HTTP, e.g.
  curl -X PATCH -H 'Content-Type: application/merge-patch+json' \\
    http://127.0.0.1:$api_port/apis/sedna.io/v1alpha1/namespaces/default/datasets/dataset-demo0 \\
    -d '{"status":{"numberOfSamples":1500}}'
Press Ctrl-C to stop.
MSG

if command -v grafana-server >/dev/null 2>&1; then
  echo "(grafana-server found; Grafana provisioning arrives with the dashboards issue)"
fi

if [ "$duration" -gt 0 ]; then
  sleep "$duration"
else
  while true; do sleep 3600; done
fi
