#!/usr/bin/env bash
# The cost of CurveZMQ on the cached kpis path (issue 16; docs/deployment.md): GET
# /api/v1/kpis/ answered from the Redis cache (gateway -> broker -> ecom-kpi -> Redis), with
# plain ZeroMQ and with CURVE (CURVE_DIR), alternated ROUNDS times in one run on one stack,
# so that both see the same machine. Prints req/s and p99 of each run, and the mean and median
# of each configuration (the median resists a busy neighbour on a shared machine).
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

# utime + stime, in clock ticks, of the given processes together.
cpu_ticks() {
  local pid total=0
  for pid in "$@"; do
    total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat")))
  done
  echo "$total"
}

# One configuration: gateway + one ecom-kpi, warmed, measured, stopped. $1: plain or curve.
run() {
  bench_api_env
  if [ "$1" = curve ]; then export CURVE_DIR="$bench_tmp/curve"; else unset CURVE_DIR; fi
  bench_spawn "$bin/ecom-gateway"; local gw=$bench_last_pid
  bench_spawn "$bin/ecom-kpi"; local kpi=$bench_last_pid
  for _ in $(seq 100); do curl -fs "$bench_api/api/v1/kpis/" > /dev/null && break; sleep 0.1; done
  wrk -t2 -c"$conns" -d2s "$bench_api/api/v1/kpis/" > /dev/null    # warm-up
  local cpu0; cpu0=$(cpu_ticks "$gw" "$kpi")
  local out; out=$(wrk --latency -t2 -c"$conns" -d"${duration}s" "$bench_api/api/v1/kpis/")
  local cpu1; cpu1=$(cpu_ticks "$gw" "$kpi")
  local requests; requests=$(awk '/requests in/ {print $1}' <<< "$out")
  local rps p99 errors
  rps=$(awk '/Requests\/sec/ {print $2}' <<< "$out")
  p99=$(awk '$1 == "99%" {print $2}' <<< "$out")
  errors=$(awk '/Non-2xx|Socket errors/ {print}' <<< "$out" | tr '\n' ' ')
  kill "$kpi" "$gw"; wait "$kpi" "$gw" 2> /dev/null || true
  # CPU time of the gateway and ecom-kpi per request, in microseconds (1 tick = 10 ms):
  # what CURVE costs, measured apart from how busy the rest of the machine is.
  local us; us=$(awk -v a="$cpu0" -v b="$cpu1" -v n="$requests" -v hz="$(getconf CLK_TCK)" \
                 'BEGIN { printf "%.1f", (b - a) * 1e6 / hz / n }')
  echo "$1 $rps $p99 cpu_us_per_request=$us ${errors:-none}"
}

results=()
for r in $(seq "$rounds"); do
  results+=("$(run plain)")
  results+=("$(run curve)")
done
printf '%s\n' "${results[@]}"
printf '%s\n' "${results[@]}" | awk '
  $1 == "plain" { p[np++] = $2; split($4, x, "="); up += x[2] }
  $1 == "curve" { c[nc++] = $2; split($4, x, "="); uc += x[2] }
  function median(a, n,   i, j, t) {
    for (i = 0; i < n; i++) for (j = i + 1; j < n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
    return n % 2 ? a[int(n / 2)] : (a[n / 2 - 1] + a[n / 2]) / 2
  }
  END {
    sp = 0; sc = 0; for (i = 0; i < np; i++) sp += p[i]; for (i = 0; i < nc; i++) sc += c[i]
    mp = median(p, np); mc = median(c, nc)
    printf "mean req/s: plain %.0f, curve %.0f (curve/plain %.3f); median: plain %.0f, curve %.0f (curve/plain %.3f, %.1f %% fewer)\n",
           sp / np, sc / nc, (sc / nc) / (sp / np), mp, mc, mc / mp, 100 * (1 - mc / mp)
    printf "CPU per request (gateway + ecom-kpi): plain %.1f us, curve %.1f us (+%.1f %%)\n",
           up / np, uc / nc, 100 * ((uc / nc) / (up / np) - 1)
  }'
