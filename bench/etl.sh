#!/usr/bin/env bash
# Benchmark of the CSV load job (issue 7), one run:
#   - a 1,000,000-row orders CSV in the format of SPEC §5, exported from seeded demo data;
#   - the ceiling: a bare PostgreSQL COPY of the same file into an unindexed table;
#   - `ecomctl load-csv` of the file into an empty star schema (rows/s, share of the
#     ceiling, peak resident memory), then the same file again (every row skipped).
# Targets: >= 200,000 rows/s and >= 40% of the bare COPY.   Usage: bench/etl.sh BIN_DIR [ROWS]
set -euo pipefail
bin=$(cd "${1:-build/release/bin}" && pwd)
rows=${2:-1000000}
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
bench_stack_start
admin=$DATABASE_URL
base=${admin%/*}
psql -q "$admin" -c "CREATE DATABASE source" -c "CREATE DATABASE target"
DATABASE_URL=$base/source "$bin/ecomctl" migrate > /dev/null
DATABASE_URL=$base/target "$bin/ecomctl" migrate > /dev/null
echo "generating a $rows-row CSV..."
DATABASE_URL=$base/source "$bin/ecomctl" seed --orders "$rows" > /dev/null 2>&1
csv="$bench_tmp/orders.csv"
psql -q "$base/source" -c "\\copy (SELECT f.order_id, f.order_date, c.customer_id, c.name, c.email, c.city, c.country, p.product_id, p.name, p.category, f.quantity, f.unit_price FROM fact_order f JOIN dim_customer c USING (customer_key) JOIN dim_product p USING (product_key) ORDER BY f.order_id) TO '$csv' WITH (FORMAT csv, HEADER)"
sed -i '1s/.*/order_id,order_date,customer_id,customer_name,customer_email,customer_city,customer_country,product_id,product_name,product_category,quantity,unit_price/' "$csv"
size_mb=$(( $(stat -c %s "$csv") / 1048576 ))

now() { date +%s.%N; }
psql -q "$base/target" -c "CREATE UNLOGGED TABLE IF NOT EXISTS bare_copy (order_id text, order_date date, customer_id text, customer_name text, customer_email text, customer_city text, customer_country text, product_id text, product_name text, product_category text, quantity int, unit_price numeric(12,2))"
t0=$(now)
psql -q "$base/target" -c "\\copy bare_copy FROM '$csv' WITH (FORMAT csv, HEADER)"
t1=$(now)
psql -q "$base/target" -c "DROP TABLE bare_copy"

t2=$(now)
DATABASE_URL=$base/target /usr/bin/time -f "%M" -o "$bench_tmp/rss" "$bin/ecomctl" load-csv "$csv" > "$bench_tmp/load1.txt"
t3=$(now)
DATABASE_URL=$base/target "$bin/ecomctl" load-csv "$csv" > "$bench_tmp/load2.txt"
t4=$(now)

awk -v rows="$rows" -v size="$size_mb" -v t0="$t0" -v t1="$t1" -v t2="$t2" -v t3="$t3" -v t4="$t4" \
    -v rss="$(cat "$bench_tmp/rss")" 'BEGIN {
  copy = t1 - t0; load = t3 - t2; again = t4 - t3
  printf "\n| step | time | rows/s |\n|---|---|---|\n"
  printf "| bare COPY into an unindexed table (ceiling), %d MiB | %.2f s | %.0f |\n", size, copy, rows / copy
  printf "| ecomctl load-csv, empty star schema | %.2f s | %.0f |\n", load, rows / load
  printf "| ecomctl load-csv, same file again (all skipped) | %.2f s | %.0f |\n", again, rows / again
  printf "\nload / ceiling = %.0f%%   peak RSS of ecomctl load-csv: %.1f MiB\n", 100 * copy / load, rss / 1024
}'
echo "first load:"; cat "$bench_tmp/load1.txt"
