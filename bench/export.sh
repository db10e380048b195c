#!/usr/bin/env bash
# The lists' CSV export (issue 19, SPEC §10), one run: seeds ORDERS orders (default
# 1,100,000) over CUSTOMERS customers (default 1,000,000), starts the gateway, ecom-orders,
# ecom-customer and ecom-kpi, then for the order list (truncated at 1,048,576 rows when the
# seed has more) and the customers ordered by -revenue prints the time to the first byte,
# the whole file's time, rows and bytes, and the peak resident memory of the gateway and of
# the service while the export ran (sampled every 100 ms from /proc), next to their memory
# before it. Then the cached kpis path through the same gateway (wrk, 10 s) idle and during
# each export: req/s, p50 and p99. Figures: docs/performance.md, "Export".
#   Usage: bench/export.sh [BIN_DIR] [ORDERS] [CUSTOMERS]
set -euo pipefail
bin=$(cd "${1:-build/release/bin}" && pwd)
orders=${2:-1100000}
customers=${3:-1000000}
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
bench_require wrk curl /usr/bin/python3
bench_stack_start
"$bin/ecomctl" migrate > /dev/null
echo "seeding $orders orders over $customers customers..."
"$bin/ecomctl" seed --orders "$orders" --customers "$customers" > /dev/null 2>&1
bench_api_env
export GATEWAY_START_GRACE_MS=0
for s in gateway orders customer kpi; do bench_spawn "$bin/ecom-$s"; done
echo "waiting for the services (the customer service loads its store first)..."
for _ in $(seq 600); do
  h=$(curl -s "$bench_api/healthz" || true)
  case $h in *'"orders":{"workers":1}'*'"customer":{"workers":1}'*) ;; *) sleep 0.5; continue ;; esac
  case $h in *'"kpi":{"workers":1}'*) break ;; esac
  sleep 0.5
done
token=$(/usr/bin/python3 -c "
import base64, hashlib, hmac, json, sys, time
b = lambda o: base64.urlsafe_b64encode(json.dumps(o).encode()).rstrip(b'=')
n = int(time.time())
head = b({'alg': 'HS256', 'typ': 'JWT'}) + b'.' + b({'sub': 'bench', 'iat': n, 'exp': n + 7200, 'jti': 'x', 'token_type': 'access'})
sig = base64.urlsafe_b64encode(hmac.new(sys.argv[1].encode(), head, hashlib.sha256).digest()).rstrip(b'=')
print((head + b'.' + sig).decode())" "$JWT_SECRET")

pid_of() { pgrep -f "$bin/ecom-$1" | head -1; }
rss() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
kpis() {  # $1: label; wrk on cached kpis for 10 s
  local out; out=$(wrk -t1 -c8 -d10s --latency "$bench_api/api/v1/kpis/")
  printf "  kpis %-22s %s req/s, p50 %s, p99 %s\n" "$1" "$(awk '/Requests\/sec/ {print $2}' <<< "$out")" \
    "$(awk '$1 == "50%" {print $2}' <<< "$out")" "$(awk '$1 == "99%" {print $2}' <<< "$out")"
}
export_list() {  # $1: path and query, $2: service; prints the export's figures
  local gw svc; gw=$(pid_of gateway); svc=$(pid_of "$2")
  local before_gw before_svc; before_gw=$(rss "$gw"); before_svc=$(rss "$svc")
  ( while sleep 0.1; do echo "$(rss "$gw") $(rss "$svc")"; done ) > "$bench_tmp/samples" &
  local sampler=$!
  local timing; timing=$(curl -s -o "$bench_tmp/export.csv" -D "$bench_tmp/head" \
    -w "%{time_starttransfer} %{time_total} %{size_download}" -H "Authorization: Bearer $token" "$bench_api$1")
  kill "$sampler"
  echo "$(rss "$gw") $(rss "$svc")" >> "$bench_tmp/samples" # an export shorter than a sample
  read -r ttfb total bytes <<< "$timing"
  local peaks; peaks=$(awk '$1 > g {g = $1} $2 > s {s = $2} END {print g, s}' "$bench_tmp/samples")
  printf "%s: %d rows%s, first byte %.0f ms, whole file %.1f s, %.1f MB\n" "$1" \
    "$(($(wc -l < "$bench_tmp/export.csv") - 1))" \
    "$(grep -qi '^x-export-truncated: true' "$bench_tmp/head" && echo ' (X-Export-Truncated)' || true)" \
    "$(awk -v t="$ttfb" 'BEGIN {print t * 1000}')" "$total" "$(awk -v b="$bytes" 'BEGIN {print b / 1e6}')"
  read -r peak_gw peak_svc <<< "$peaks"
  printf "  peak RSS during: gateway %.1f MiB (before %.1f), ecom-%s %.1f MiB (before %.1f)\n" \
    "$(awk -v k="$peak_gw" 'BEGIN {print k / 1024}')" "$(awk -v k="$before_gw" 'BEGIN {print k / 1024}')" \
    "$2" "$(awk -v k="$peak_svc" 'BEGIN {print k / 1024}')" "$(awk -v k="$before_svc" 'BEGIN {print k / 1024}')"
}
curl -s "$bench_api/api/v1/kpis/" > /dev/null
kpis "idle"
for list in "/api/v1/orders/?format=csv orders" "/api/v1/customers/?format=csv&ordering=-revenue customer"; do
  read -r path service <<< "$list"
  export_list "$path" "$service"
  # the same export again, with the kpis measured while it runs
  ( curl -s -o /dev/null -H "Authorization: Bearer $token" "$bench_api$path" ) &
  exporter=$!
  sleep 2
  kpis "during the $service export"
  kill "$exporter" 2> /dev/null || true
  wait "$exporter" 2> /dev/null || true
done
