#!/usr/bin/env bash
# Benchmark of the CSV load job (issues 7 and 15), one run:
#   - an orders CSV in the format of SPEC §5 (ROWS rows, default 1,000,000), exported from
#     seeded demo data at a shop's cardinality (ROWS x 0.3 customers: 300,000, and ROWS / 200
#     products: 5,000), and a second file of ROWS/10 newer orders;
#   - the ceilings: a bare PostgreSQL COPY of the same file into an unindexed table, logged
#     (like fact_order) and unlogged;
#   - `ecomctl load-csv` of the file into an empty star schema (rows/s, share of the
#     ceilings, peak resident memory): a load bigger than the table, so fact_order's indexes
#     are built after the insert;
#   - the same file again (every row skipped);
#   - the newer orders into the loaded table: index entries added row by row;
#   - the file eight times over (1 GiB at the default size) into an empty database: the peak
#     resident memory of the loader, which must stay flat (< 64 MiB);
#   - the first load's statements over 100 ms, from the server log;
#   - with ETL_BENCH_BIG=1 (about 10 more minutes): 100,000 newer orders into a table seeded
#     with 10,000,000 orders (ETL_BENCH_BIG_ORDERS) of 1,000,000 customers and 20,000
#     products over 730 days (the seed's newest 100,000 orders exported, then deleted), twice.
# Each timed step starts after a CHECKPOINT, so none pays for the writes of the one before.
# Targets: >= 200,000 rows/s and >= 40% of the bare COPY; the 100,000 into 10M in <= 2 s;
# peak RSS <= 64 MB.   Usage: bench/etl.sh BIN_DIR [ROWS]
set -euo pipefail
bin=$(cd "${1:-build/release/bin}" && pwd)
rows=${2:-1000000}
more=$((rows / 10))
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
bench_require psql /usr/bin/time
bench_stack_start
admin=$DATABASE_URL
base=${admin%/*}
psql -q "$admin" -c "CREATE DATABASE source" -c "CREATE DATABASE target"
DATABASE_URL=$base/source "$bin/ecomctl" migrate > /dev/null
DATABASE_URL=$base/target "$bin/ecomctl" migrate > /dev/null
echo "generating a $rows-row CSV and $more newer orders..."
customers=$((rows * 3 / 10)) products=$((rows / 200 > 50 ? rows / 200 : 50))
DATABASE_URL=$base/source "$bin/ecomctl" seed --orders $((rows + more)) --customers "$customers" \
  --products "$products" > /dev/null 2>&1
all="$bench_tmp/all.csv" csv="$bench_tmp/orders.csv" newer="$bench_tmp/newer.csv"
header=order_id,order_date,customer_id,customer_name,customer_email,customer_city,customer_country,product_id,product_name,product_category,quantity,unit_price
psql -q "$base/source" -c "\\copy (SELECT f.order_id, f.order_date, c.customer_id, c.name, c.email, c.city, c.country, p.product_id, p.name, p.category, f.quantity, f.unit_price FROM fact_order f JOIN dim_customer c USING (customer_key) JOIN dim_product p USING (product_key) ORDER BY f.order_id) TO '$all' WITH (FORMAT csv)"
{ echo "$header"; head -n "$rows" "$all"; } > "$csv"
{ echo "$header"; tail -n +"$((rows + 1))" "$all"; } > "$newer"
rm -f "$all"
size_mb=$(( $(stat -c %s "$csv") / 1048576 ))
distinct=$(tail -n +2 "$csv" | cut -d, -f3 | sort -u | wc -l)

now() { date +%s.%N; }
bare() {  # $1: LOGGED or UNLOGGED; prints the seconds of a bare COPY of the file
  psql -q "$base/target" -c "CREATE $1 TABLE bare_copy (order_id text, order_date date, customer_id text, customer_name text, customer_email text, customer_city text, customer_country text, product_id text, product_name text, product_category text, quantity int, unit_price numeric(12,2))"
  psql -q "$base/target" -c CHECKPOINT
  local t0 t1; t0=$(now)
  psql -q "$base/target" -c "\\copy bare_copy FROM '$csv' WITH (FORMAT csv, HEADER)"
  t1=$(now)
  psql -q "$base/target" -c "DROP TABLE bare_copy"
  awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}'
}
logged=$(bare "")
unlogged=$(bare UNLOGGED)

load_into() {  # $1: database, $2: file, $3: output; prints the seconds of the load
  psql -q "$base/$1" -c CHECKPOINT
  local t0 t1; t0=$(now)
  DATABASE_URL=$base/$1 /usr/bin/time -f "%M" -o "$3.rss" "$bin/ecomctl" load-csv "$2" > "$3"
  t1=$(now)
  awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}'
}
load() {  # $1: file, $2: output; prints the seconds of the load into target
  load_into target "$1" "$2"
}
# The first load's slow statements (server log), to see where its time goes.
psql -q "$base/target" -c "ALTER DATABASE target SET log_min_duration_statement = 100"
log="$bench_tmp/stack/pg/server.log"
log_at=$(wc -l < "$log")
first=$(load "$csv" "$bench_tmp/load1.txt")
tail -n +"$log_at" "$log" | sed -n 's/.*duration: \([0-9.]*\) ms  [a-z]*[^:]*: \(.\{0,60\}\).*/\1 \2/p' > "$bench_tmp/steps.txt"
psql -q "$base/target" -c "ALTER DATABASE target RESET log_min_duration_statement"
again=$(load "$csv" "$bench_tmp/load2.txt")
incremental=$(load "$newer" "$bench_tmp/load3.txt")
big="$bench_tmp/big.csv"
{ cat "$csv"; for _ in 1 2 3 4 5 6 7; do tail -n +2 "$csv"; done; } > "$big"
big_mb=$(( $(stat -c %s "$big") / 1048576 ))
psql -q "$admin" -c "CREATE DATABASE big"
DATABASE_URL=$base/big "$bin/ecomctl" migrate > /dev/null
DATABASE_URL=$base/big /usr/bin/time -f "%M" -o "$bench_tmp/big.rss" "$bin/ecomctl" load-csv "$big" > /dev/null
rm -f "$big"
psql -q "$admin" -c "DROP DATABASE big"

# 100,000 newer orders into 10M: the seed's newest 100,000 orders, exported and deleted (the
# delete trigger takes them out of the rollups), loaded back twice.
ten=""
if [ "${ETL_BENCH_BIG:-0}" = 1 ]; then
  psql -q "$admin" -c "CREATE DATABASE ten"
  DATABASE_URL=$base/ten "$bin/ecomctl" migrate > /dev/null
  big_orders=${ETL_BENCH_BIG_ORDERS:-10000000}
  echo "seeding $big_orders orders (1,000,000 customers, 20,000 products, 730 days)..."
  DATABASE_URL=$base/ten "$bin/ecomctl" seed --orders $((big_orders + 100000)) \
    --customers 1000000 --products 20000 --days 730 > /dev/null 2>&1
  tenth="$bench_tmp/ten.csv"
  top=$(psql -qAt "$base/ten" -c "SELECT order_id FROM fact_order ORDER BY order_id DESC OFFSET 100000 LIMIT 1")
  { echo "$header"; psql -q "$base/ten" -c "\\copy (SELECT f.order_id, f.order_date, c.customer_id, c.name, c.email, c.city, c.country, p.product_id, p.name, p.category, f.quantity, f.unit_price FROM fact_order f JOIN dim_customer c USING (customer_key) JOIN dim_product p USING (product_key) WHERE f.order_id > '$top' ORDER BY f.order_id) TO STDOUT WITH (FORMAT csv)"; } > "$tenth"
  psql -q "$base/ten" -c "DELETE FROM fact_order WHERE order_id > '$top'" -c "VACUUM ANALYZE"
  for round in 1 2; do
    t=$(load_into ten "$tenth" "$bench_tmp/ten$round.txt")
    ten="$ten $t"
    psql -q "$base/ten" -c "DELETE FROM fact_order WHERE order_id > '$top'" -c "VACUUM fact_order"
  done
fi

awk -v rows="$rows" -v more="$more" -v size="$size_mb" -v logged="$logged" -v unlogged="$unlogged" \
    -v first="$first" -v again="$again" -v incr="$incremental" -v ten="$ten" \
    -v customers="$customers" -v distinct="$distinct" -v products="$products" \
    -v rss="$(cat "$bench_tmp/load1.txt.rss")" -v big_rss="$(cat "$bench_tmp/big.rss")" -v big_mb="$big_mb" \
    -v ten_rss="$(cat "$bench_tmp/ten1.txt.rss" 2> /dev/null || echo 0)" -v big_orders="${big_orders:-0}" 'BEGIN {
  printf "\n%d rows over %d customers (%d of them in the file) and %d products\n", rows, customers, distinct, products
  printf "\n| step | time | rows/s |\n|---|---|---|\n"
  printf "| bare COPY into an unindexed logged table (ceiling), %d MiB | %.2f s | %.0f |\n", size, logged, rows / logged
  printf "| bare COPY into an unindexed unlogged table | %.2f s | %.0f |\n", unlogged, rows / unlogged
  printf "| ecomctl load-csv, empty star schema | %.2f s | %.0f |\n", first, rows / first
  printf "| ecomctl load-csv, same file again (all skipped) | %.2f s | %.0f |\n", again, rows / again
  printf "| ecomctl load-csv, %d newer orders into the loaded table | %.2f s | %.0f |\n", more, incr, more / incr
  printf "\nfirst load / ceiling = %.0f%% (logged), %.0f%% (unlogged)   peak RSS of ecomctl load-csv: %.1f MiB\n",
         100 * logged / first, 100 * unlogged / first, rss / 1024
  printf "peak RSS of ecomctl load-csv for the file 8 times over (%d MiB): %.1f MiB\n", big_mb, big_rss / 1024
  n = split(ten, t, " ")
  for (i = 1; i <= n; i++)
    printf "100,000 newer orders into %d, run %d: %.2f s (peak RSS %.1f MiB)\n", big_orders, i, t[i], ten_rss / 1024
}'
echo; echo "first load, statements over 100 ms (server log):"
awk '{ms = $1; $1 = ""; printf "  %8.0f ms %s\n", ms, $0}' "$bench_tmp/steps.txt"
for f in load1 load2 load3 ten1 ten2; do
  [ -f "$bench_tmp/$f.txt" ] || continue
  echo "$f:"; sed 's/^/  /' "$bench_tmp/$f.txt"
done
