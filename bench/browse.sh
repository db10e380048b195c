#!/usr/bin/env bash
# Benchmark (issue 19): the customer and product lists of SPEC §10 (search, filters,
# orderings, deep pages) through the whole path (HTTP -> gateway: JWT check -> broker ->
# ecom-customer / ecom-product -> the analytics store and the customer search index).
# Data: `ecomctl seed` with BROWSE_ORDERS orders (default 10,000,000), BROWSE_CUSTOMERS
# customers (1,000,000) and BROWSE_PRODUCTS products (20,000), random seed 42, in a
# throwaway PostgreSQL + Redis (bench_stack_start).
# Each case: one first request (printed: on a fresh instance it pays for the ordering or
# the search index it needs, once per data version), then BROWSE_REQUESTS (default 21)
# timed one after another on one keep-alive connection; prints p50 and p99 (with 21
# requests, the slowest) in ms, the count and the rows of the page. Every answer must be
# a 200. Then the services' resident memory.
# Target (issue 19): a substring search p50 <= 100 ms, page 1 and page 1,000, and ordering
# by -revenue too, at 10M orders / 1M customers / 20k products.
# Usage: bench/browse.sh [BIN_DIR]   (default build/release/bin)
set -euo pipefail
bin=$(cd "${1:-build/release/bin}" && pwd)
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
bench_require psql
orders=${BROWSE_ORDERS:-10000000}
customers=${BROWSE_CUSTOMERS:-1000000}
products=${BROWSE_PRODUCTS:-20000}
bench_stack_start

echo "== load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
"$bin/ecomctl" migrate > /dev/null
start=$(date +%s)
"$bin/ecomctl" seed --orders "$orders" --customers "$customers" --products "$products" \
  --random-seed 42 2> /dev/null
echo "== seeded $orders orders, $customers customers, $products products in $(($(date +%s) - start)) s"
psql -q "$DATABASE_URL" -c "VACUUM ANALYZE"

bench_api_env
export REQUEST_TIMEOUT_MS=120000 # a first request that loads the store is timed, not cut
bench_spawn "$bin/ecom-gateway"
bench_spawn "$bin/ecom-customer"
customer_pid=$bench_last_pid
bench_spawn "$bin/ecom-product"
product_pid=$bench_last_pid

BENCH_API=$bench_api BENCH_REQUESTS=${BROWSE_REQUESTS:-21} /usr/bin/python3 - <<'PY'
import base64, hashlib, hmac, http.client, json, os, statistics, time, urllib.parse

def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=")

def token():
    now = int(time.time())
    head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64(json.dumps({"sub": "bench", "iat": now, "exp": now + 7200, "jti": "bench",
                           "token_type": "access"}).encode())
    sig = b64(hmac.new(os.environ["JWT_SECRET"].encode(), head + b"." + body,
                       hashlib.sha256).digest())
    return (head + b"." + body + b"." + sig).decode()

api = urllib.parse.urlsplit(os.environ["BENCH_API"])
headers = {"Authorization": "Bearer " + token()}
conn = http.client.HTTPConnection(api.hostname, api.port, timeout=300)

def get(path):
    t = time.perf_counter()
    conn.request("GET", path, headers=headers)
    r = conn.getresponse()
    body = r.read()
    ms = (time.perf_counter() - t) * 1000
    assert r.status == 200, (path, r.status, body[:300])
    return ms, json.loads(body)

# The services load their store before they register: wait for both lists.
deadline = time.time() + 900
for path in ("/api/v1/customers/?page_size=1", "/api/v1/products/?page_size=1"):
    while True:
        try:
            ms, _ = get(path)
            break
        except (AssertionError, OSError, http.client.HTTPException):
            conn.close()
            assert time.time() < deadline, "the services never answered"
            time.sleep(1)
    print(f"== first answer of {path.split('?')[0]}: {ms:.0f} ms")

n = int(os.environ["BENCH_REQUESTS"])
cases = [
    ("customers, search 'son', page 1", "/api/v1/customers/?search=son"),
    ("customers, search 'son', page 1000", "/api/v1/customers/?search=son&page=1000"),
    ("customers, search 'son', -revenue, page 1", "/api/v1/customers/?search=son&ordering=-revenue"),
    ("customers, search 'son', -revenue, page 1000",
     "/api/v1/customers/?search=son&ordering=-revenue&page=1000"),
    ("customers, search 'a' (most match), -revenue, page 1000",
     "/api/v1/customers/?search=a&ordering=-revenue&page=1000"),
    ("customers, search 'c00042' (an id prefix), page 1", "/api/v1/customers/?search=c00042"),
    ("customers, search '@mail' (email), -orders, page 1000",
     "/api/v1/customers/?search=%40mail&ordering=-orders&page=1000"),
    ("customers, no search, page 1", "/api/v1/customers/"),
    ("customers, no search, -revenue, page 1", "/api/v1/customers/?ordering=-revenue"),
    ("customers, no search, -revenue, page 1000", "/api/v1/customers/?ordering=-revenue&page=1000"),
    ("customers, no search, -last_order_date, page 1000",
     "/api/v1/customers/?ordering=-last_order_date&page=1000"),
    ("customers, country=Germany, search 'son', -revenue, page 100",
     "/api/v1/customers/?country=Germany&search=son&ordering=-revenue&page=100"),
    ("customers, search 'son', page 1, page_size 100", "/api/v1/customers/?search=son&page_size=100"),
    ("products, search 'e', page 1", "/api/v1/products/?search=e"),
    ("products, search 'e', -revenue, page 100", "/api/v1/products/?search=e&ordering=-revenue&page=100"),
    ("products, no search, -revenue, page 1000", "/api/v1/products/?ordering=-revenue&page=1000"),
    ("products, no search, -units_sold, page 1", "/api/v1/products/?ordering=-units_sold"),
]
print(f"{'case':<62} {'first':>8} {'p50':>8} {'p99':>8} {'count':>9} rows")
for name, path in cases:
    first, body = get(path)
    times = sorted(get(path)[0] for _ in range(n))
    p99 = times[min(n - 1, int(round(0.99 * (n - 1))))]
    print(f"{name:<62} {first:8.1f} {statistics.median(times):8.1f} {p99:8.1f} "
          f"{body['count']:>9} {len(body['results'])}")
PY
for pid in "$customer_pid" "$product_pid"; do
  echo "== $(ps -o comm= -p "$pid"): resident $(($(ps -o rss= -p "$pid") / 1024)) MB"
done
echo "== load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
