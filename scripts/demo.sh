#!/usr/bin/env bash
# README command 1: the whole pipeline on one machine, no cluster needed.
#
# Starts the simulated Sedna cluster (`sedna-exporter simulate`: a Kubernetes API whose tasks,
# pods and edge nodes live through Sedna's lifecycles as released, with the capture route
# installed), the edge relay its workers' rewritten LC_SERVER leads to (one relay process stands
# for the relay of every simulated node: it forwards each report to the simulator's LC and
# delivers a copy to the exporter), the exporter watching the cluster (workers push their
# training figures to it), Prometheus scraping the exporter with the project's scrape config and
# rules, and Grafana with the project's dashboards when grafana-server is installed; prints where
# to look; stops everything on Ctrl-C.
#
#   scripts/demo.sh                          # build in release mode, run until Ctrl-C
#   scripts/demo.sh --duration 60            # stop by itself after 60 s
#   scripts/demo.sh --seed 7 --speed 2       # another cluster history, twice as fast
#   scripts/demo.sh --no-capture             # Sedna exactly as released: no relay, no captured reports
# Environment: SEDNA_EXPORTER_BIN (skip the build), DEMO_API_PORT (18080), DEMO_RELAY_PORT (9480),
# DEMO_EXPORTER_PORT (9479), DEMO_PROMETHEUS_PORT (9090), DEMO_GRAFANA_PORT (3000), DEMO_DIR (a temp folder).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

duration=0
seed=1
speed=1
capture=1
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) duration=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --speed) speed=$2; shift 2 ;;
    --no-capture) capture=0; shift ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done

api_port=${DEMO_API_PORT:-18080}
relay_port=${DEMO_RELAY_PORT:-9480}
exp_port=${DEMO_EXPORTER_PORT:-9479}
prom_port=${DEMO_PROMETHEUS_PORT:-9090}
graf_port=${DEMO_GRAFANA_PORT:-3000}
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

capture_args=(--relay-url "http://127.0.0.1:$relay_port")
[ "$capture" = 1 ] || capture_args=(--no-capture)
echo "== simulated Sedna cluster (Kubernetes API and LC) on 127.0.0.1:$api_port (seed $seed, speed $speed, capture route $([ "$capture" = 1 ] && echo on || echo off))"
"$bin" simulate --listen "127.0.0.1:$api_port" --intake-url "http://127.0.0.1:$exp_port" "${capture_args[@]}" \
  --seed "$seed" --speed "$speed" --write-kubeconfig "$dir/kubeconfig" >"$dir/simulator.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$api_port/healthz" "the simulator"

relay_line="  relay              not started (--no-capture: Sedna as released, reports reach only the LC)"
if [ "$capture" = 1 ]; then
  echo "== sedna-exporter relay on 127.0.0.1:$relay_port (LC: the simulator; central: the exporter)"
  "$bin" relay --listen "127.0.0.1:$relay_port" --lc-url "http://127.0.0.1:$api_port" \
    --central-url "http://127.0.0.1:$exp_port" --spool-dir "$dir/relay-spool" --relay-name demo-relay >"$dir/relay.log" 2>&1 &
  pids+=($!)
  wait_http "http://127.0.0.1:$relay_port/healthz" "the relay"
  relay_line="  relay              http://127.0.0.1:$relay_port/ (its status page), http://127.0.0.1:$relay_port/metrics (every simulated node's LC_SERVER leads here)"
fi

# The status page at / links every task to its Grafana dashboard (when Grafana is installed and
# started below) and to its series in Prometheus.
link_args=(--prometheus-url "http://127.0.0.1:$prom_port")
command -v grafana-server >/dev/null 2>&1 && link_args+=(--grafana-url "http://127.0.0.1:$graf_port")
echo "== sedna-exporter on 127.0.0.1:$exp_port"
"$bin" serve --kubeconfig "$dir/kubeconfig" --listen "127.0.0.1:$exp_port" --watch-timeout 30 "${link_args[@]}" \
  >"$dir/exporter.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$exp_port/readyz" "the exporter"

echo "== Prometheus on 127.0.0.1:$prom_port"
mkdir -p "$dir/prometheus"
sed -e "s/127.0.0.1:9479/127.0.0.1:$exp_port/; s/127.0.0.1:9090/127.0.0.1:$prom_port/; s/127.0.0.1:9480/127.0.0.1:$relay_port/" \
    -e "s#\.\./rules/#$root/deploy/prometheus/rules/#" \
    deploy/prometheus/local/prometheus.yml >"$dir/prometheus/prometheus.yml"
prometheus --config.file="$dir/prometheus/prometheus.yml" --storage.tsdb.path="$dir/prometheus/data" \
  --web.listen-address="127.0.0.1:$prom_port" >"$dir/prometheus.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$prom_port/-/ready" "Prometheus"

grafana_line="  Grafana            not started (install grafana to get the dashboards: docs/deploy.md)"
if command -v grafana-server >/dev/null 2>&1; then
  echo "== Grafana on 127.0.0.1:$graf_port"
  g="$dir/grafana"
  mkdir -p "$g/provisioning/datasources" "$g/provisioning/dashboards" "$g/data" "$g/plugins" \
           "$g/provisioning/plugins" "$g/provisioning/alerting" "$g/provisioning/notifiers"
  # The project's datasources (same uids the dashboards select by default), pointed at the demo.
  sed -e "s#url: http://kube-prometheus-stack-prometheus.monitoring.svc:9090#url: http://127.0.0.1:$prom_port#" \
      -e "s#timeInterval: 30s#timeInterval: 5s#" \
      deploy/grafana/provisioning/datasources/sedna.yaml >"$g/provisioning/datasources/sedna.yaml"
  cat >"$g/provisioning/dashboards/sedna.yaml" <<YAML
apiVersion: 1
providers:
  - name: sedna
    folder: Sedna
    type: file
    allowUiUpdates: false
    options: {path: $root/deploy/grafana/dashboards}
YAML
  homepath=/usr/share/grafana
  [ -d "$homepath" ] || homepath=$(dirname "$(dirname "$(command -v grafana-server)")")
  GF_PATHS_PROVISIONING="$g/provisioning" GF_PATHS_DATA="$g/data" GF_PATHS_PLUGINS="$g/plugins" GF_PATHS_LOGS="$g" \
  GF_SERVER_HTTP_ADDR=127.0.0.1 GF_SERVER_HTTP_PORT="$graf_port" GF_AUTH_ANONYMOUS_ENABLED=true \
  GF_AUTH_ANONYMOUS_ORG_ROLE=Viewer GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH="$root/deploy/grafana/dashboards/overview.json" \
    grafana-server --homepath "$homepath" >"$dir/grafana.log" 2>&1 &
  pids+=($!)
  wait_http "http://127.0.0.1:$graf_port/api/health" "Grafana"
  grafana_line="  Grafana            http://127.0.0.1:$graf_port/dashboards/f/ (anonymous viewer; the Loki panels stay empty: no Loki here)"
fi

g="http://127.0.0.1:$prom_port/graph?g0.tab=0&g0.range_input=15m&g0.expr="
cat <<MSG

Sedna observability demo is running (logs: $dir)
  STATUS PAGE        http://127.0.0.1:$exp_port/   (tasks, workers, reports, pushed groups, what is failing)
  simulated cluster  http://127.0.0.1:$api_port/apis/sedna.io/v1alpha1 (kubeconfig: $dir/kubeconfig)
$relay_line
  exporter metrics   http://127.0.0.1:$exp_port/metrics
  exporter readiness http://127.0.0.1:$exp_port/readyz
  Prometheus         http://127.0.0.1:$prom_port
$grafana_line
  tasks by kind      ${g}count%20by%20(kind)%20(sedna_task_info)
  current conditions ${g}sedna_task%3Acurrent_condition
  IL/LL iterations   ${g}sedna_learning_iteration
  JI inference rate  ${g}sum%20by%20(task)%20(rate(sedna_joint_inference_worker_inferences_total%5B1m%5D))
  FL rounds          ${g}sedna_federated_learning_worker_round
  training loss      ${g}sedna_training_loss
  edge nodes ready   ${g}sedna_node_ready
  alerts             http://127.0.0.1:$prom_port/alerts
Press Ctrl-C to stop.
MSG

if [ "$duration" -gt 0 ]; then
  sleep "$duration"
else
  while true; do sleep 3600; done
fi
