#!/usr/bin/env bash
# The cost of CurveZMQ on the cached kpis path (issue 16; docs/deployment.md): GET
# /api/v1/kpis/ answered from the Redis cache (gateway -> broker -> ecom-kpi -> Redis), with
# plain ZeroMQ and with CURVE (CURVE_DIR), alternated ROUNDS times in one run on one stack,
# so that both see the same machine. Prints req/s and p99 of each run and the mean ratio.
# Usage: bench/curve.sh BIN_DIR [DURATION_SECONDS] [ROUNDS] [CONNECTIONS]
set -euo pipefail
bin=$(cd "${1:-build/release/bin}" && pwd)
duration=${2:-10}
rounds=${3:-2}
conns=${4:-64}
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
bench_require wrk
bench_stack_start
"$bin/ecomctl" migrate > /dev/null
"$bin/ecomctl" seed --orders 20000 > /dev/null 2>&1
"$bin/ecomctl" keygen "$bench_tmp/curve" > /dev/null

# One configuration: gateway + one ecom-kpi, warmed, measured, stopped. $1: plain or curve.
run() {
  bench_api_env
  if [ "$1" = curve ]; then export CURVE_DIR="$bench_tmp/curve"; else unset CURVE_DIR; fi
  bench_spawn "$bin/ecom-gateway"; local gw=$bench_last_pid
  bench_spawn "$bin/ecom-kpi"; local kpi=$bench_last_pid
  for _ in $(seq 100); do curl -fs "$bench_api/api/v1/kpis/" > /dev/null && break; sleep 0.1; done
  wrk -t2 -c"$conns" -d2s "$bench_api/api/v1/kpis/" > /dev/null    # warm-up
  local out; out=$(wrk --latency -t2 -c"$conns" -d"${duration}s" "$bench_api/api/v1/kpis/")
  local rps p99 errors
  rps=$(awk '/Requests\/sec/ {print $2}' <<< "$out")
  p99=$(awk '$1 == "99%" {print $2}' <<< "$out")
  errors=$(awk '/Non-2xx|Socket errors/ {print}' <<< "$out" | tr '\n' ' ')
  kill "$kpi" "$gw"; wait "$kpi" "$gw" 2> /dev/null || true
  echo "$1 $rps $p99 ${errors:-none}"
}

results=()
for r in $(seq "$rounds"); do
  results+=("$(run plain)")
  results+=("$(run curve)")
done
printf '%s\n' "${results[@]}"
printf '%s\n' "${results[@]}" | awk '
  $1 == "plain" { p += $2; np++ } $1 == "curve" { c += $2; nc++ }
  END { printf "mean req/s: plain %.0f, curve %.0f; curve/plain = %.3f (%.1f %% fewer)\n",
               p / np, c / nc, (c / nc) / (p / np), 100 * (1 - (c / nc) / (p / np)) }'
