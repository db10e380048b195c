#!/usr/bin/env bash
# Benchmark (issue 5): RFM segments and top sellers over 1,000,000 seeded orders, uncached
# (CACHE_TTL_SECONDS=0), through the whole path: HTTP -> gateway -> broker -> service -> SQL.
# wrk, one connection (so a figure is the latency of one request, not a queue), 10 s each;
# prints wrk's latency distribution (p50, p99) per endpoint, then the time of
# `ecomctl seed --reset --orders 1000000` with the monthly rollup triggers (sql/0004).
# Targets: segments full range p50 <= 150 ms, top sellers p50 <= 40 ms, seed < ~8 s.
# Usage: bench/analytics.sh [BIN_DIR]   (default build/release/bin)
set -euo pipefail
bin=$(cd "${1:-build/release/bin}" && pwd)
duration=${BENCH_DURATION:-10s}
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
bench_stack_start

"$bin/ecomctl" migrate > /dev/null
"$bin/ecomctl" seed --orders 1000000 --random-seed 42 2> /dev/null
psql -q "$DATABASE_URL" -c "VACUUM ANALYZE"

bench_api_env
export CACHE_TTL_SECONDS=0
bench_spawn "$bin/ecom-gateway"
bench_spawn "$bin/ecom-customer"
bench_spawn "$bin/ecom-product"

base="$bench_api/api/v1"
for _ in $(seq 100); do
  curl -sf "$base/customers/segments/" > /dev/null 2>&1 \
    && curl -sf "$base/products/top-sellers/" > /dev/null 2>&1 && break
  sleep 0.1
done

run() {  # name url
  echo "== $1: $2"
  curl -sf -D - -o /dev/null "$2" | grep -i '^x-cache' || true
  wrk --latency -t1 -c1 -d"$duration" "$2" | sed -n '/Latency Distribution/,/Requests\/sec/p'
}
run "segments, full range" "$base/customers/segments/"
run "segments, 2024-03-15..2025-06-20 (partial months)" \
  "$base/customers/segments/?start_date=2024-03-15&end_date=2025-06-20"
run "top sellers, revenue, full range" "$base/products/top-sellers/"
run "top sellers, quantity, limit 100, full range" \
  "$base/products/top-sellers/?metric=quantity&limit=100"
run "top sellers, 2024-03-15..2025-06-20 (partial months)" \
  "$base/products/top-sellers/?start_date=2024-03-15&end_date=2025-06-20"

echo "== ecomctl seed --reset --orders 1000000 (with the monthly rollup triggers)"
/usr/bin/time -f "%e s" "$bin/ecomctl" seed --reset --orders 1000000 --random-seed 42 \
  2>&1 > /dev/null | tail -1
