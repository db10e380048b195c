#!/usr/bin/env bash
# Benchmark (issue 6): the protected order list over 1,000,000 seeded orders, through the
# whole path (HTTP -> gateway: JWT check -> broker -> ecom-orders -> SQL), and the token
# endpoint (one argon2id verification per request, in ecom-auth).
# wrk, one connection (a figure is the latency of one request, not a queue), 10 s each;
# prints wrk's latency distribution (p50, p99) per case.
# Targets: page 1 p50 <= 10 ms, page 5,000 p50 <= 60 ms.
# Usage: bench/orders.sh [BIN_DIR]   (default build/release/bin)
set -euo pipefail
bin=$(cd "${1:-build/release/bin}" && pwd)
duration=${BENCH_DURATION:-10s}
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
bench_stack_start

"$bin/ecomctl" migrate > /dev/null
"$bin/ecomctl" seed --orders 1000000 --random-seed 42 2> /dev/null
psql -q "$DATABASE_URL" -c "VACUUM ANALYZE fact_order, agg_daily_sales"
echo "bench-password-1234" | "$bin/ecomctl" createuser bench --password-stdin > /dev/null

bench_api_env
bench_spawn "$bin/ecom-gateway"
bench_spawn "$bin/ecom-orders"
bench_spawn "$bin/ecom-auth"

base="$bench_api/api/v1"
login='{"username": "bench", "password": "bench-password-1234"}'
token=
for _ in $(seq 100); do
  token=$(curl -sf -H 'Content-Type: application/json' -d "$login" "$base/auth/token/" \
            | /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["access"])' \
            2> /dev/null) && [ -n "$token" ] \
    && curl -sf -H "Authorization: Bearer $token" "$base/orders/" > /dev/null 2>&1 && break
  sleep 0.1
done
# Tokens live ACCESS_TOKEN_TTL (300 s): enough for the runs below.

run() {  # name url [wrk options]
  local name=$1 url=$2
  shift 2
  echo "== $name: $url"
  wrk --latency -t1 -c1 -d"$duration" "$@" "$url" | sed -n '/Latency Distribution/,/Requests\/sec/p'
}
auth=(-H "Authorization: Bearer $token")
run "orders, page 1" "$base/orders/" "${auth[@]}"
run "orders, page 5000" "$base/orders/?page=5000" "${auth[@]}"
run "orders, page 50000 (the last)" "$base/orders/?page=50000" "${auth[@]}"
run "orders, page 1, page_size 100" "$base/orders/?page_size=100" "${auth[@]}"
run "orders, 2025-01-01..2025-03-31, page 500" \
  "$base/orders/?start_date=2025-01-01&end_date=2025-03-31&page=500" "${auth[@]}"
run "orders, one customer, page 10" "$base/orders/?customer_id=C000123&page=10" "${auth[@]}"

cat > "$bench_tmp/login.lua" <<LUA
wrk.method = "POST"
wrk.body = '$login'
wrk.headers["Content-Type"] = "application/json"
LUA
run "token (one argon2id verification)" "$base/auth/token/" -s "$bench_tmp/login.lua"
