#!/usr/bin/env bash
# Gateway memory under a long cached load (issue 20, item 5): does the gateway's RSS settle?
#   bench/gateway_rss.sh BIN_DIR [ROUNDS] [REQUESTS_PER_ROUND] [CLIENTS]
# Starts a private PostgreSQL and Redis (deploy/local/stack.sh, free loopback ports), a
# seeded database, the gateway and two ecom-kpi, then runs ApacheBench (keep-alive) against
# GET /api/v1/kpis/ (cache hits) ROUNDS times (default 5 x 200000, 16 clients) and prints the
# gateway's VmRSS / VmHWM after each round. LOG_LEVEL (default warn: no line per request;
# info writes a line per request, here to /dev/null).
set -euo pipefail
bin=$(cd "${1:?usage: $0 BIN_DIR [ROUNDS] [REQUESTS] [CLIENTS]}" && pwd)
rounds=${2:-5}; per=${3:-200000}; clients=${4:-16}
root=$(cd "$(dirname "$0")/.." && pwd)
command -v ab > /dev/null || { echo "gateway_rss.sh: needs ab (apache2-utils)" >&2; exit 1; }
tmp=$(mktemp -d /tmp/ecom-rss.XXXXXX); chmod 755 "$tmp"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2> /dev/null || true; done
  wait 2> /dev/null || true
  "$root/deploy/local/stack.sh" stop "$tmp/stack" > /dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT
free() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PG_FSYNC=off "$root/deploy/local/stack.sh" start "$tmp/stack" "$(free)" "$(free)" > /dev/null
# shellcheck disable=SC1091
. "$tmp/stack/env"
export API_HOST=127.0.0.1 API_PORT=$(free) BROKER_ENDPOINT="tcp://127.0.0.1:$(free)"
export JWT_SECRET=rss-bench-secret-0123456789 LOG_LEVEL=${LOG_LEVEL:-warn} CACHE_TTL_SECONDS=3600
"$bin/ecomctl" migrate > /dev/null
"$bin/ecomctl" seed --orders 5000 --random-seed 5 > /dev/null
"$bin/ecom-gateway" 2> /dev/null & gw=$!; pids+=("$gw")
for _ in 1 2; do "$bin/ecom-kpi" 2> /dev/null & pids+=("$!"); done
url="http://127.0.0.1:$API_PORT/api/v1/kpis/"
for _ in $(seq 100); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "$url")" = 200 ] && break; sleep 0.1
done
rss() { awk '/^VmRSS|^VmHWM/ {printf "%s %s kB  ", $1, $2}' "/proc/$gw/status"; }
echo "round requests  req/s   gateway memory"
echo "0     0         -       $(rss)"
for r in $(seq "$rounds"); do
  out=$(ab -k -q -c "$clients" -n "$per" "$url" 2>&1)
  rate=$(awk '/^Requests per second/ {print $4}' <<< "$out")
  failed=$(awk '/^Failed requests/ {print $3}' <<< "$out")
  non2xx=$(awk '/^Non-2xx responses/ {print $3}' <<< "$out")
  echo "$r     $((r * per))  ${rate%.*}   $(rss) failed=${failed:-0} non2xx=${non2xx:-0}"
done
