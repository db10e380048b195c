#!/usr/bin/env bash
# Benchmark of the request path (issue 3), one script, one run, with wrk:
#   (a) Debian's h2o server serving a static file holding the same bytes as the KPI answer:
#       the ceiling for "an HTTP answer of this size from an h2o event loop";
#   (b) GET /api/v1/kpis/ answered from the Redis cache (gateway -> broker -> ecom-kpi -> Redis);
#   (c) GET /api/v1/kpis/ uncached (CACHE_TTL_SECONDS=0) over 1M seeded orders.
# Also the CPU time per request of (b) of the gateway, ecom-kpi and Redis, the resident memory
# of the gateway under load (b) and of an idle ecom-kpi.
# Usage: bench/api.sh BIN_DIR [DURATION_SECONDS]
set -euo pipefail
bin=$(cd "${1:-build/release/bin}" && pwd)
duration=${2:-10}
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
bench_stack_start

"$bin/ecomctl" migrate > /dev/null
echo "seeding 1,000,000 orders..."
"$bin/ecomctl" seed --orders 1000000 > /dev/null 2>&1

bench_api_env
api=$bench_api
bench_spawn "$bin/ecom-gateway"
gateway_pid=$bench_last_pid
start_kpi() { CACHE_TTL_SECONDS=$1 bench_spawn "$bin/ecom-kpi"; kpi_pid=$bench_last_pid; }
start_kpi 300
for _ in $(seq 100); do curl -fs "$api/api/v1/kpis/" -o "$bench_tmp/kpis.json" && break; sleep 0.1; done
sleep 1
kpi_idle_kb=$(ps -o rss= -p "$kpi_pid" | tr -d ' ')

# (a) the ceiling: the same bytes from Debian's h2o, one event-loop thread like the gateway
mkdir -p "$bench_tmp/static"
cp "$bench_tmp/kpis.json" "$bench_tmp/static/kpis.json"
static_port=$(bench_free_port)
cat > "$bench_tmp/h2o.conf" <<CONF
listen:
  host: 127.0.0.1
  port: $static_port
num-threads: 1
hosts:
  default:
    paths:
      /:
        file.dir: $bench_tmp/static
CONF
bench_spawn /usr/bin/h2o -c "$bench_tmp/h2o.conf"
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$static_port/kpis.json" > /dev/null && break; sleep 0.1; done

# wrk --latency output -> "req/s p50 p99"
measure() {
  local threads=$(( $2 < 2 ? 1 : 2 ))
  local out; out=$(wrk --latency -t"$threads" -c"$2" -d"${duration}s" "$1")
  echo "$out" >> "$bench_tmp/wrk.log"
  local rps p50 p99 errors
  rps=$(awk '/Requests\/sec/ {print $2}' <<< "$out")
  p50=$(awk '$1 == "50%" {print $2}' <<< "$out")
  p99=$(awk '$1 == "99%" {print $2}' <<< "$out")
  errors=$(awk '/Non-2xx|Socket errors/ {print}' <<< "$out" | tr '\n' ' ')
  echo "$rps $p50 $p99 ${errors:-none}"
}

echo "(a) static file, 64 connections..."
read -r a_rps a_p50 a_p99 a_err <<< "$(measure "http://127.0.0.1:$static_port/kpis.json" 64)"
echo "(b) kpis cache hits, 64 connections..."
rss_log="$bench_tmp/rss"
( while kill -0 "$gateway_pid" 2>/dev/null; do ps -o rss= -p "$gateway_pid"; sleep 0.2; done ) > "$rss_log" &
sampler=$!
# CPU time (user + system, all threads) of each process per request of (b)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
redis_pid=$(cat "$bench_tmp/stack/redis/redis.pid")
g0=$(cpu_ticks "$gateway_pid"); k0=$(cpu_ticks "$kpi_pid"); r0=$(cpu_ticks "$redis_pid")
measure "$api/api/v1/kpis/" 64 > "$bench_tmp/b"
g1=$(cpu_ticks "$gateway_pid"); k1=$(cpu_ticks "$kpi_pid"); r1=$(cpu_ticks "$redis_pid")
read -r b_rps b_p50 b_p99 b_err < "$bench_tmp/b"
b_requests=$(awk '/requests in/ {n = $1} END {print n}' "$bench_tmp/wrk.log")
per_request() { awk -v t="$(( $2 - $1 ))" -v hz="$(getconf CLK_TCK)" -v n="$b_requests" \
  'BEGIN {printf "%.1f", t / hz * 1e6 / n}'; }
kill "$sampler" 2>/dev/null || true
wait "$sampler" 2>/dev/null || true
gateway_peak_kb=$(sort -n "$rss_log" | tail -1)

echo "(c) kpis uncached over 1M orders, 1 connection..."
kill "$kpi_pid"; wait "$kpi_pid" 2>/dev/null || true
start_kpi 0
for _ in $(seq 100); do curl -fs "$api/api/v1/kpis/" > /dev/null && break; sleep 0.1; done
read -r c_rps c_p50 c_p99 c_err <<< "$(measure "$api/api/v1/kpis/" 1)"

ratio=$(awk -v a="$a_rps" -v b="$b_rps" 'BEGIN {printf "%.0f%%", 100 * b / a}')
cat <<TABLE

| case | connections | req/s | p50 | p99 | errors |
|---|---|---|---|---|---|
| (a) h2o static file, same bytes ($(wc -c < "$bench_tmp/kpis.json") B) | 64 | $a_rps | $a_p50 | $a_p99 | $a_err |
| (b) /api/v1/kpis/ cache hits | 64 | $b_rps | $b_p50 | $b_p99 | $b_err |
| (c) /api/v1/kpis/ uncached, 1M orders | 1 | $c_rps | $c_p50 | $c_p99 | $c_err |

(b)/(a) = $ratio
CPU per request of (b), us: gateway $(per_request "$g0" "$g1"), ecom-kpi $(per_request "$k0" "$k1"), redis $(per_request "$r0" "$r1")
gateway peak RSS under (b): $((gateway_peak_kb / 1024)) MiB ($gateway_peak_kb KiB)
ecom-kpi idle RSS: $((kpi_idle_kb / 1024)) MiB ($kpi_idle_kb KiB)
TABLE
