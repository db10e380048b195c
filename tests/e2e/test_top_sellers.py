"""End-to-end tests of the product service (ecom-product) behind the gateway:
GET /api/v1/products/top-sellers/ (SPEC §6), op `top_sellers` of MDP service `product`.

- Both metrics, over many date ranges of a seeded database, against an independent computation
  in Python over the rows of fact_order.
- Ties (equal revenue or units: product_id ascending in byte order) on a hand-made fixture.
- limit: default 10, clamped to 1..100 (0, -5, 500), non-integers 400; metric: revenue or
  quantity, case-sensitive; bad dates 400.
- The answers follow deletes and updates of fact_order; the empty database; caching:
  a hit on the second request, a miss after a data-version bump done as the ETL does it.

Stacks come from tests/e2e/stack.py through conftest's make_stack."""
import datetime as dt
import os
from decimal import ROUND_HALF_UP, Decimal

import pytest
import requests

from stack import without_cache  # conftest.py puts tests/e2e on sys.path

pytestmark = pytest.mark.skipif(not os.environ.get("DATABASE_URL"),
                                reason="needs DATABASE_URL (a PostgreSQL server to create databases on)")

PATH = "/api/v1/products/top-sellers/"
ENV = {"CACHE_TTL_SECONDS": "300", "REQUEST_TIMEOUT_MS": "20000"}


def get(stack, params=None):
    return requests.get(stack.url(PATH), params=params, timeout=30)


def ok(stack, params=None):
    r = get(stack, params)
    assert r.status_code == 200, r.text
    body = r.json()
    assert r.headers["X-Cache"] == ("HIT" if body["cache"]["hit"] else "MISS")
    return body





# ----------------------------------------------------------------------------------------
# The independent computation


def order_rows(stack):
    """Every order as plain rows: (product_id, name, category, order_date, quantity, amount)."""
    return stack.execute("SELECT p.product_id, p.name, p.category, f.order_date, f.quantity, "
                          "f.quantity * f.unit_price "
                          "FROM fact_order f JOIN dim_product p USING (product_key)")


def money(value):
    return float(Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def expected_top(rows, metric="revenue", limit=10, start=None, end=None):
    dates = [r[3] for r in rows]
    first, last = (min(dates), max(dates)) if dates else (None, None)
    start = dt.date.fromisoformat(start) if start else first
    end = dt.date.fromisoformat(end) if end else last
    per = {}
    if start and end:
        for pid, name, category, day, quantity, amount in rows:
            if start <= day <= end:
                p = per.setdefault(pid, {"product_id": pid, "name": name, "category": category,
                                         "revenue": Decimal(0), "units_sold": 0, "orders": 0})
                p["revenue"] += amount
                p["units_sold"] += quantity
                p["orders"] += 1
    field = "revenue" if metric == "revenue" else "units_sold"
    ranked = sorted(per.values(), key=lambda p: (-p[field], p["product_id"].encode()))[:limit]
    items = [dict(p, rank=i + 1, revenue=money(p["revenue"])) for i, p in enumerate(ranked)]
    return {"metric": metric, "limit": limit,
            "start_date": start.isoformat() if start else None,
            "end_date": end.isoformat() if end else None,
            "items": items}


# ----------------------------------------------------------------------------------------
# Ties: a hand-made fixture

# product_id: [(quantity, unit_price), ...] of its orders, all on 2025-03-0x.
TIES = {
    "P02": [(2, "25.00"), (2, "25.00")],  # revenue 100, units 4, orders 2
    "P01": [(4, "25.00")],                # revenue 100, units 4, orders 1
    "P10": [(1, "100.00")],               # revenue 100, units 1
    "P3": [(10, "5.00")],                 # revenue  50, units 10
    "P9": [(1, "200.00")],                # revenue 200, units 1
    "p0": [(4, "12.50")],                 # revenue  50, units 4 ('p' sorts after 'P' in bytes)
}
# metric=revenue:  P9 200 | P01, P02, P10 at 100 (byte order) | P3, p0 at 50
# metric=quantity: P3 10 | P01, P02, p0 at 4 | P10, P9 at 1


def item(rank, pid, revenue, units, orders):
    return {"rank": rank, "product_id": pid, "name": "Name " + pid, "category": "Cat",
            "revenue": revenue, "units_sold": units, "orders": orders}


TIES_BY_REVENUE = [item(1, "P9", 200.0, 1, 1), item(2, "P01", 100.0, 4, 1),
                   item(3, "P02", 100.0, 4, 2), item(4, "P10", 100.0, 1, 1),
                   item(5, "P3", 50.0, 10, 1), item(6, "p0", 50.0, 4, 1)]
TIES_BY_QUANTITY = [item(1, "P3", 50.0, 10, 1), item(2, "P01", 100.0, 4, 1),
                    item(3, "P02", 100.0, 4, 2), item(4, "p0", 50.0, 4, 1),
                    item(5, "P10", 100.0, 1, 1), item(6, "P9", 200.0, 1, 1)]


@pytest.fixture(scope="module")
def ties(make_stack):
    s = make_stack(database=True, env=ENV, start=False)
    s.create_database()
    conn = s.db()
    with conn, conn.cursor() as cur:
        cur.execute("INSERT INTO dim_customer (customer_id, name, email, city, country) "
                    "VALUES ('C1', 'One', 'one@example.com', 'Town', 'Land')")
        cur.execute("SELECT dim_time_fill('2025-03-01', '2025-03-31')")
        n = 0
        for pid, orders in TIES.items():
            cur.execute("INSERT INTO dim_product (product_id, name, category) "
                        "VALUES (%s, %s, 'Cat') RETURNING product_key", (pid, "Name " + pid))
            (key,), = cur.fetchall()
            for quantity, price in orders:
                n += 1
                cur.execute("INSERT INTO fact_order (order_id, order_date, customer_key, "
                            "product_key, quantity, unit_price) VALUES (%s, %s, 1, %s, %s, %s)",
                            (f"O{n}", dt.date(2025, 3, 1 + n % 5), key, quantity, price))
    conn.close()
    return s.start(services={"product": 1})


def test_ties_by_revenue(ties):
    body = ok(ties)
    assert (body["metric"], body["limit"]) == ("revenue", 10)
    assert (body["start_date"], body["end_date"]) == ("2025-03-01", "2025-03-05")
    assert body["items"] == TIES_BY_REVENUE


def test_ties_by_quantity(ties):
    assert ok(ties, {"metric": "quantity"})["items"] == TIES_BY_QUANTITY
    assert ok(ties, {"metric": "quantity", "limit": "3"})["items"] == TIES_BY_QUANTITY[:3]


def test_independent_computation_agrees_on_ties(ties):
    rows = order_rows(ties)
    assert expected_top(rows)["items"] == TIES_BY_REVENUE
    assert expected_top(rows, "quantity")["items"] == TIES_BY_QUANTITY


# ----------------------------------------------------------------------------------------
# A seeded database


@pytest.fixture(scope="module")
def seeded(make_stack):
    # 150 products (more than the largest limit), 20,000 orders, 2024-05-18 .. 2025-12-31
    return make_stack(seed={"orders": 20000, "customers": 300, "products": 150, "days": 593,
                            "random_seed": 9},
                      env=ENV, services={"product": 1})


@pytest.fixture(scope="module")
def rows(seeded):
    return order_rows(seeded)


RANGES = [
    (None, None), ("2024-01-01", "2026-06-30"), ("2024-07-01", "2025-06-30"),
    ("2024-07-15", "2025-03-20"), ("2025-02-03", "2025-02-26"), ("2024-12-31", "2025-01-01"),
    ("2025-09-09", "2025-09-09"), ("2025-06-01", None), (None, "2025-01-17"),
    ("0001-01-01", "9999-12-31"),
]


@pytest.mark.parametrize("metric", ["revenue", "quantity"])
@pytest.mark.parametrize("start,end", RANGES)
def test_seeded_against_python(seeded, rows, metric, start, end):
    params = {k: v for k, v in (("start_date", start), ("end_date", end)) if v}
    params.update(metric=metric, limit="25")
    want = expected_top(rows, metric, 25, start, end)
    assert len(want["items"]) > 0
    assert without_cache(ok(seeded, params)) == want


def test_defaults(seeded, rows):
    assert without_cache(ok(seeded)) == expected_top(rows)
    assert without_cache(ok(seeded, {"metric": "", "limit": ""})) == expected_top(rows)


@pytest.mark.parametrize("given,limit", [("0", 1), ("-5", 1), ("500", 100), ("1", 1),
                                         ("100", 100), ("101", 100), ("+7", 7), ("007", 7),
                                         ("99999999999999999999999", 100),
                                         ("-99999999999999999999999", 1)])
def test_limit_clamping(seeded, rows, given, limit):
    body = ok(seeded, {"limit": given})
    assert body["limit"] == limit
    assert without_cache(body) == expected_top(rows, "revenue", limit)
    assert len(body["items"]) == limit  # more than 100 products were sold


@pytest.mark.parametrize("params", [
    {"limit": "abc"}, {"limit": "1.5"}, {"limit": "1e2"}, {"limit": " 5"}, {"limit": "5 "},
    {"limit": "0x10"}, {"limit": "-"}, {"limit": "+"}, {"metric": "REVENUE"},
    {"metric": "Quantity"}, {"metric": "units"}, {"metric": "revenue "},
    {"start_date": "2025-1-01"}, {"end_date": "2025-02-30"},
    {"start_date": "2025-03-02", "end_date": "2025-03-01"},
])
def test_bad_values(seeded, params):
    r = get(seeded, params)
    assert r.status_code == 400, r.text
    assert r.json()["error"] == "bad_request" and r.json()["detail"]


def test_range_without_orders(seeded):
    body = ok(seeded, {"start_date": "2023-01-01", "end_date": "2023-12-31", "limit": "5"})
    assert without_cache(body) == {"metric": "revenue", "limit": 5, "start_date": "2023-01-01",
                                   "end_date": "2023-12-31", "items": []}


def test_cache_hit_then_miss_after_a_data_version_bump(seeded):
    params = {"start_date": "2025-04-04", "end_date": "2025-08-08", "metric": "quantity",
              "limit": "3"}
    first = ok(seeded, params)
    second = ok(seeded, params)
    assert second["cache"]["hit"] is True
    assert without_cache(second) == without_cache(first)
    # the second best sells a huge order on the last day: it becomes the best after the bump
    runner_up = first["items"][1]["product_id"]
    seeded.execute("INSERT INTO fact_order (order_id, order_date, customer_key, product_key, "
                    "quantity, unit_price) SELECT 'ZZ-order', '2025-08-08', "
                    "(SELECT min(customer_key) FROM dim_customer), product_key, 100000, 1 "
                    "FROM dim_product WHERE product_id = %s", (runner_up,))
    assert ok(seeded, params)["cache"]["hit"] is True
    seeded.bump_data_version()
    third = ok(seeded, params)
    assert third["cache"]["hit"] is False
    assert third["items"][0]["product_id"] == runner_up
    assert without_cache(third) == expected_top(order_rows(seeded), "quantity", 3,
                                                "2025-04-04", "2025-08-08")


def test_answers_follow_deletes_and_updates(seeded):
    """After deletes and updates of dates, quantities and products in fact_order, the
    service agrees with Python."""
    seeded.execute("DELETE FROM fact_order WHERE order_date BETWEEN '2025-03-20' AND "
                    "'2025-03-31'")
    seeded.execute("DELETE FROM fact_order WHERE product_key % 5 = 0 AND "
                    "order_date >= '2025-04-01' AND order_date < '2025-05-01'")
    seeded.execute("UPDATE fact_order SET order_date = order_date - 40, quantity = quantity + 1 "
                    "WHERE order_date BETWEEN '2025-10-10' AND '2025-10-12'")
    seeded.execute("UPDATE fact_order SET product_key = product_key % 20 + 1 "
                    "WHERE order_date = '2025-07-04'")
    seeded.bump_data_version()
    now = order_rows(seeded)
    for metric in ("revenue", "quantity"):
        for start, end in [(None, None), ("2025-03-15", "2025-10-20")]:
            params = {k: v for k, v in (("start_date", start), ("end_date", end)) if v}
            params.update(metric=metric, limit="100")
            assert without_cache(ok(seeded, params)) == \
                   expected_top(now, metric, 100, start, end)


# ----------------------------------------------------------------------------------------
# The empty database


@pytest.fixture(scope="module")
def empty(make_stack):
    return make_stack(database=True, env=ENV, services={"product": 1})


def test_empty_database(empty):
    body = ok(empty, {"metric": "quantity", "limit": "500"})
    assert without_cache(body) == {"metric": "quantity", "limit": 100, "start_date": None,
                                   "end_date": None, "items": []}
    assert ok(empty, {"metric": "quantity", "limit": "500"})["cache"]["hit"] is True
    body = ok(empty, {"start_date": "2025-01-01"})
    assert (body["start_date"], body["end_date"], body["items"]) == ("2025-01-01", None, [])
