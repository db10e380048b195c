#!/usr/bin/env bash
# Benchmark (issue 15): how the analytics routes and the CSV load grow with the data.
# Sizes, all over the 730 days ending 2025-12-31 (`ecomctl seed`, random seed 42):
#   1m    1,000,000 orders,   300,000 customers,  5,000 products
#   10m  10,000,000 orders, 1,000,000 customers, 20,000 products
#   30m  30,000,000 orders, 3,000,000 customers, 60,000 products (only with SCALE_30M=1)
# SCALE_SIZES (e.g. "1m" or "1m 10m") restricts the run to some of them; SCALE_BASELINE=1
# times only the routes of SPEC §6 (for code from before issue 18's).
# For each size, in one throwaway PostgreSQL (default settings) + Redis:
#   - seeds a database of its own (the wall time is printed), then VACUUM ANALYZE;
#   - starts the gateway and the kpi, product and customer services on it
#     (REQUEST_TIMEOUT_MS raised so that a slow answer is timed, not cut at 10 s);
#   - times every analytics route through the whole path (HTTP -> gateway -> broker ->
#     service) with curl's time_total: 7 requests, each after a Redis FLUSHALL and the data
#     version re-published (what a load leaves behind: every answer a miss), p50 and p99
#     (of 7: the slowest); each answer must be a 200 and a MISS. Then the p50 of 7 cached
#     kpis answers (each a HIT);
#   - stops the services and loads 100,000 newer orders (ids above the table's, the same
#     customers and products, the 90 days after the data) with `ecomctl load-csv`.
# Then the load of a 1,000,000-row CSV over 300,000 customers and 5,000 products (exported
# from the 1m seed, the export SQL of bench/etl.sh) into an empty schema, and a bare COPY of
# the same file into a table of 12 text columns (the ceiling). Each load starts after a
# CHECKPOINT; its peak resident memory is GNU time's %M.
# Prints the machine's load average with each size: the figures are one run on a 2-core
# machine, meaningful only next to it.
# Usage: bench/scale.sh [BIN_DIR]   (default build/release/bin)
set -euo pipefail
bin=$(cd "${1:-build/release/bin}" && pwd)
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
bench_require psql redis-cli curl /usr/bin/time

declare -A orders=([1m]=1000000 [10m]=10000000 [30m]=30000000)
declare -A customers=([1m]=300000 [10m]=1000000 [30m]=3000000)
declare -A products=([1m]=5000 [10m]=20000 [30m]=60000)
sizes=()
for size in 1m 10m 30m; do
  [ "$size" = 30m ] && [ "${SCALE_30M:-0}" != 1 ] && continue
  case " ${SCALE_SIZES:-1m 10m 30m} " in *" $size "*) sizes+=("$size") ;; esac
done
[ ${#sizes[@]} -gt 0 ] || { echo "$0: no size to run (SCALE_SIZES='${SCALE_SIZES:-}')" >&2; exit 2; }

bench_stack_start
admin=$DATABASE_URL
base=${admin%/*}
header=order_id,order_date,customer_id,customer_name,customer_email,customer_city,customer_country,product_id,product_name,product_category,quantity,unit_price
export_sql="SELECT f.order_id, f.order_date, c.customer_id, c.name, c.email, c.city, c.country, p.product_id, p.name, p.category, f.quantity, f.unit_price FROM fact_order f JOIN dim_customer c USING (customer_key) JOIN dim_product p USING (product_key)"

now() { date +%s.%N; }
seconds() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", b - a}'; }
load_avg() { cut -d' ' -f1-3 /proc/loadavg; }
say() { echo "$*" >&2; }
short() { awk -v n="$1" 'BEGIN {if (n >= 1e6) printf "%gM", n / 1e6; else if (n >= 1e3) printf "%gk", n / 1e3; else printf "%d", n}'; }

# Migrates a new database $1 and seeds it with the remaining arguments; prints the wall time.
seed_db() {
  local db=$1 t0 t1
  shift
  psql -q "$admin" -c "CREATE DATABASE $db"
  DATABASE_URL=$base/$db "$bin/ecomctl" migrate > /dev/null
  t0=$(now)
  DATABASE_URL=$base/$db "$bin/ecomctl" seed "$@" > /dev/null 2>&1
  t1=$(now)
  seconds "$t0" "$t1"
}

# Times `ecomctl load-csv $2` into database $1 after a CHECKPOINT, which must load $3 rows;
# prints "seconds rss_kib".
load_csv() {
  local t0 t1
  psql -q "$base/$1" -c CHECKPOINT
  t0=$(now)
  DATABASE_URL=$base/$1 /usr/bin/time -f %M -o "$bench_tmp/rss" "$bin/ecomctl" load-csv "$2" \
    > "$bench_tmp/load.out"
  t1=$(now)
  if ! grep -q '^status success' "$bench_tmp/load.out" \
     || ! grep -qx "rows_loaded $3" "$bench_tmp/load.out"; then
    cat "$bench_tmp/load.out" >&2
    echo "$0: the load of $2 failed or did not load $3 rows" >&2
    exit 1
  fi
  echo "$(seconds "$t0" "$t1") $(tail -1 "$bench_tmp/rss")"
}

# The analytics routes: name|path.
routes=(
  "kpis, no dates|kpis/"
  "kpis, one month (2025-06)|kpis/?start_date=2025-06-01&end_date=2025-06-30"
  "kpis, a quarter (2025-Q2)|kpis/?start_date=2025-04-01&end_date=2025-06-30"
  "kpis, 2024-03-17..2025-09-12|kpis/?start_date=2024-03-17&end_date=2025-09-12"
  "trends, daily|revenue/trends/?granularity=daily"
  "trends, weekly|revenue/trends/?granularity=weekly"
  "trends, monthly|revenue/trends/?granularity=monthly"
  "segments, no dates|customers/segments/"
  "segments, a quarter (2025-Q2)|customers/segments/?start_date=2025-04-01&end_date=2025-06-30"
  "segments, 2024-03-17..2025-09-12|customers/segments/?start_date=2024-03-17&end_date=2025-09-12"
  "top sellers, limit 100, no dates|products/top-sellers/?limit=100"
  "top sellers, limit 100, 2024-03-17..2025-09-12|products/top-sellers/?limit=100&start_date=2024-03-17&end_date=2025-09-12"
)
# Issue 18's questions (SPEC §9); SCALE_BASELINE=1 leaves them out, for code before them.
if [ "${SCALE_BASELINE:-0}" != 1 ]; then
  routes+=(
    "kpis, compare=previous_period|kpis/?compare=previous_period"
    "kpis, country=Germany|kpis/?country=Germany"
    "kpis, a category, 18 months, previous_year|kpis/?category=Electronics&start_date=2024-03-17&end_date=2025-09-12&compare=previous_year"
    "trends, monthly, compare=previous_period|revenue/trends/?granularity=monthly&compare=previous_period"
    "trends, daily, a category|revenue/trends/?granularity=daily&category=Electronics"
    "segments, country=Germany|customers/segments/?country=Germany"
    "top sellers, a category, a quarter|products/top-sellers/?category=Electronics&start_date=2025-04-01&end_date=2025-06-30"
    "breakdown by country, no dates|revenue/breakdown/?by=country"
    "breakdown by city, limit 100, no dates|revenue/breakdown/?by=city&limit=100"
    "breakdown by category, 18 months, country=Germany|revenue/breakdown/?by=category&start_date=2024-03-17&end_date=2025-09-12&country=Germany"
    "cohorts, no dates|customers/cohorts/"
    "cohorts, 18 months, a category|customers/cohorts/?start_date=2024-03-17&end_date=2025-09-12&category=Electronics"
  )
fi

# One request: prints its milliseconds; exits when it is not a 200 with the expected X-Cache.
request() {  # url expected_cache
  local out code total cache
  out=$(curl -s -o /dev/null -D "$bench_tmp/headers" -w '%{http_code} %{time_total}' "$1")
  code=${out% *} total=${out#* }
  cache=$(sed -n 's/^[Xx]-[Cc]ache: *\([A-Z]*\).*/\1/p' "$bench_tmp/headers")
  if [ "$code" != 200 ] || [ "$cache" != "$2" ]; then
    echo "$0: $1 answered $code, X-Cache '$cache' (expected 200, $2)" >&2
    exit 1
  fi
  awk -v t="$total" 'BEGIN {printf "%.1f\n", t * 1000}'
}

# "p50 p99" of the milliseconds on stdin (7 values: the 4th and the 7th).
percentiles() {
  sort -n | awk '{v[NR] = $1} END {p50 = v[int((NR + 1) / 2)]; i = int(NR * 0.99); if (i < NR * 0.99) i++; printf "%s %s\n", p50, v[i]}'
}

uncached() {  # url version
  local _
  for _ in 1 2 3 4 5 6 7; do
    redis-cli -u "$REDIS_URL" FLUSHALL > /dev/null
    redis-cli -u "$REDIS_URL" SET ecom:data_version "$2" > /dev/null
    request "$1" MISS
  done | percentiles
}

cached() {  # url
  local _
  curl -s -o /dev/null "$1"
  for _ in 1 2 3 4 5 6 7; do request "$1" HIT; done | percentiles
}

declare -A result      # "$size|$route" -> "p50 p99"
declare -A seed_time load_time load_rss load_avg_at
for size in "${sizes[@]}"; do
  say "== $size: seeding ${orders[$size]} orders, ${customers[$size]} customers, ${products[$size]} products (load average $(load_avg))"
  db=s$size
  seed_time[$size]=$(seed_db "$db" --orders "${orders[$size]}" --customers "${customers[$size]}" \
                       --products "${products[$size]}" --days 730)
  psql -q "$base/$db" -c "VACUUM ANALYZE"

  bench_api_env
  export DATABASE_URL=$base/$db REQUEST_TIMEOUT_MS=300000 CACHE_TTL_SECONDS=300
  started=()
  for server in ecom-gateway ecom-kpi ecom-product ecom-customer; do
    bench_spawn "$bin/$server"
    started+=("$bench_last_pid")
  done
  api="$bench_api/api/v1"
  ready=0
  for _ in $(seq 1200); do  # services that load a store first register late
    curl -s "$bench_api/healthz" 2> /dev/null | /usr/bin/python3 -c '
import json, sys
services = json.load(sys.stdin)["services"]
sys.exit(0 if all(services[s]["workers"] > 0 for s in ("kpi", "product", "customer")) else 1)' \
      2> /dev/null && { ready=1; break; }
    sleep 0.5
  done
  [ "$ready" = 1 ] || { echo "$0: the services did not come up (logs in $bench_tmp)" >&2; exit 1; }
  version=$(psql -qAt "$DATABASE_URL" -c "SELECT version FROM data_version WHERE id = 1")
  load_avg_at[$size]=$(load_avg)
  for entry in "${routes[@]}"; do
    name=${entry%%|*}
    result["$size|$name"]=$(uncached "$api/${entry#*|}" "$version")
    say "   $name: ${result["$size|$name"]}"
  done
  result["$size|kpis, no dates, cached"]=$(cached "$api/kpis/")
  say "   kpis cached: ${result["$size|kpis, no dates, cached"]}"
  kill "${started[@]}" 2> /dev/null || true
  for pid in "${started[@]}"; do wait "$pid" 2> /dev/null || true; done
  remaining=()  # the servers stopped here are no longer bench_stop_all's to stop
  for pid in "${bench_pids[@]}"; do
    case " ${started[*]} " in *" $pid "*) ;; *) remaining+=("$pid") ;; esac
  done
  bench_pids=("${remaining[@]}")
  unset DATABASE_URL REQUEST_TIMEOUT_MS CACHE_TTL_SECONDS

  if [ "$size" = 1m ]; then  # the 1M-row file of the load figures, before newer orders
    csv="$bench_tmp/orders-1m.csv"
    { echo "$header"; psql -qAt "$base/$db" -c "\\copy ($export_sql ORDER BY f.order_id) TO STDOUT WITH (FORMAT csv)"; } > "$csv"
  fi

  say "   100,000 newer orders into the ${orders[$size]}-order table"
  seed_db "new$size" --orders 100000 --customers "${customers[$size]}" \
    --products "${products[$size]}" --days 90 --end-date 2026-03-31 > /dev/null
  newer="$bench_tmp/newer-$size.csv"
  { echo "$header"; psql -qAt "$base/new$size" -c "\\copy (SELECT 'ORD-' || lpad((substr(order_id, 5)::bigint + ${orders[$size]})::text, 8, '0') AS id, order_date, customer_id, name, email, city, country, product_id, pname, category, quantity, unit_price FROM ($export_sql) e (order_id, order_date, customer_id, name, email, city, country, product_id, pname, category, quantity, unit_price) ORDER BY id) TO STDOUT WITH (FORMAT csv)"; } > "$newer"
  psql -q "$admin" -c "DROP DATABASE new$size"
  out=$(load_csv "$db" "$newer" 100000)
  load_time[$size]=${out% *} load_rss[$size]=${out#* }
  rm -f "$newer"
  psql -q "$admin" -c "DROP DATABASE $db"
done

# The 1M-row file (from the 1m seed, or from a seed of its own when 1m was not run).
if [ -z "${csv:-}" ]; then
  say "== seeding 1,000,000 orders for the CSV"
  seed_db csv1m --orders 1000000 --customers 300000 --products 5000 --days 730 > /dev/null
  csv="$bench_tmp/orders-1m.csv"
  { echo "$header"; psql -qAt "$base/csv1m" -c "\\copy ($export_sql ORDER BY f.order_id) TO STDOUT WITH (FORMAT csv)"; } > "$csv"
  psql -q "$admin" -c "DROP DATABASE csv1m"
fi
csv_rows=$(($(wc -l < "$csv") - 1))
csv_customers=$(tail -n +2 "$csv" | cut -d, -f3 | sort -u | wc -l)
say "== loading the ${csv_rows}-row CSV (${csv_customers} customers) into an empty schema (load average $(load_avg))"
psql -q "$admin" -c "CREATE DATABASE target"
DATABASE_URL=$base/target "$bin/ecomctl" migrate > /dev/null
psql -q "$base/target" -c "CREATE TABLE bare_copy (order_id text, order_date text, customer_id text, customer_name text, customer_email text, customer_city text, customer_country text, product_id text, product_name text, product_category text, quantity text, unit_price text)" -c CHECKPOINT
t0=$(now)
psql -q "$base/target" -c "\\copy bare_copy FROM '$csv' WITH (FORMAT csv, HEADER)"
t1=$(now)
bare=$(seconds "$t0" "$t1")
psql -q "$base/target" -c "DROP TABLE bare_copy"
out=$(load_csv target "$csv" "$csv_rows")
read -r first first_rss <<< "$out"

# The tables.
printf '\n| route: uncached p50 / p99 of 7, ms |'
for size in "${sizes[@]}"; do printf ' %s orders / %s customers / %s products |' "$(short "${orders[$size]}")" "$(short "${customers[$size]}")" "$(short "${products[$size]}")"; done
printf '\n|---|'; for _ in "${sizes[@]}"; do printf -- '---|'; done; printf '\n'
for entry in "${routes[@]}" "kpis, no dates, cached|"; do
  name=${entry%%|*}
  printf '| %s |' "$name"
  for size in "${sizes[@]}"; do
    read -r p50 p99 <<< "${result["$size|$name"]}"
    printf ' %s / %s |' "$p50" "$p99"
  done
  printf '\n'
done
printf '| ecomctl seed, wall time |'; for size in "${sizes[@]}"; do printf ' %s s |' "${seed_time[$size]}"; done; printf '\n'
printf '| load average during the requests |'; for size in "${sizes[@]}"; do printf ' %s |' "${load_avg_at[$size]}"; done; printf '\n'

printf '\n| load | time | rows/s | peak RSS |\n|---|---|---|---|\n'
awk -v rows="$csv_rows" -v c="$csv_customers" -v bare="$bare" -v first="$first" -v rss="$first_rss" 'BEGIN {
  printf "| bare COPY of the %d-row CSV into 12 text columns (ceiling) | %.2f s | %.0f | |\n", rows, bare, rows / bare
  printf "| ecomctl load-csv, the same file (%d customers) into an empty schema | %.2f s | %.0f (%.0f%% of the ceiling) | %.1f MiB |\n", c, first, rows / first, 100 * bare / first, rss / 1024
}'
for size in "${sizes[@]}"; do
  awk -v n="$(short "${orders[$size]}")" -v t="${load_time[$size]}" -v rss="${load_rss[$size]}" 'BEGIN {
    printf "| ecomctl load-csv, 100,000 newer orders into the %s-order table | %.2f s | %.0f | %.1f MiB |\n", n, t, 100000 / t, rss / 1024
  }'
done
