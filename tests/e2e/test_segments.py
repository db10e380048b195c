"""End-to-end tests of the customer service (ecom-customer) behind the gateway:
GET /api/v1/customers/segments/ (SPEC §6, "RFM segments"), op `segments` of MDP service
`customer`.

- A hand-made fixture of ten customers where every one of the seven segments is non-empty; the
  expected answer is written below from a hand computation (see HAND_* and the comments).
- A seeded database checked against an independent computation in Python over the rows of
  fact_order (recency, frequency, monetary and PostgreSQL's ntile(5) done here, not in SQL),
  over many date ranges, including ranges that cut calendar months.
- The answers follow deletes and updates of fact_order (the analytics store reloads).
- The empty database: all zeros and null dates. Caching: a hit on the second request, a miss
  after a data-version bump done the way the ETL does it (services/README.md, "Caching").

Stacks come from tests/e2e/stack.py through conftest's make_stack."""
import datetime as dt
import os
from decimal import Decimal
from fractions import Fraction

import pytest
import requests

from stack import without_cache  # conftest.py puts tests/e2e on sys.path

pytestmark = pytest.mark.skipif(not os.environ.get("DATABASE_URL"),
                                reason="needs DATABASE_URL (a PostgreSQL server to create databases on)")

PATH = "/api/v1/customers/segments/"
SEGMENTS = ["champions", "loyal_customers", "potential_loyalists", "new_customers", "at_risk",
            "hibernating", "needs_attention"]
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
# The hand-made fixture
#
# Ten customers C01..C10 (and C11 without orders, who never counts), one product, every order
# quantity 1. The latest order date in the data is 2025-06-30 = the reference date.
# Per customer: (days between their last order and 2025-06-30, number of orders, each
# order's amount); the earlier orders fall on the days just before the last one.

REFERENCE = dt.date(2025, 6, 30)
HAND = {
    #        recency  amounts                    frequency  monetary
    "C01": (0, ["125.00"] * 8),                  # 8        1000.00
    "C02": (200, ["50.00"] * 6),                 # 6         300.00
    "C03": (30, ["50.00"] * 4),                  # 4         200.00
    "C04": (0, ["10.00"] * 2),                   # 2          20.00
    "C05": (30, ["25.00"] * 2),                  # 2          50.00
    "C06": (10, ["60.00"] * 5),                  # 5         300.00
    "C07": (60, ["33.33", "33.33", "33.34"]),    # 3         100.00
    "C08": (120, ["40.00", "40.00", "30.00"]),   # 3         110.00
    "C09": (100, ["30.00", "30.00"]),            # 2          60.00
    "C10": (200, ["10.00"]),                     # 1          10.00
}
# ntile(5) over 10 customers: positions 1-2 score 1, 3-4 score 2, ..., 9-10 score 5.
#
# R: recency descending, ties by customer_id ascending:
#    C02 200, C10 200 | C08 120, C09 100 | C07 60, C03 30 | C05 30, C06 10 | C01 0, C04 0
#    -> r: C02 1, C10 1, C08 2, C09 2, C07 3, C03 3, C05 4, C06 4, C01 5, C04 5
#    (C03 and C05 tie at 30 days across the 3/4 boundary: C03 < C05, so C03 gets 3)
# F: frequency ascending, ties by customer_id:
#    C10 1, C04 2 | C05 2, C09 2 | C07 3, C08 3 | C03 4, C06 5 | C02 6, C01 8
#    -> f: C10 1, C04 1, C05 2, C09 2, C07 3, C08 3, C03 4, C06 4, C02 5, C01 5
#    (C04, C05, C09 tie at 2 orders across the 1/2 boundary: C04 gets 1)
# M: monetary ascending, ties by customer_id:
#    C10 10, C04 20 | C05 50, C09 60 | C07 100, C08 110 | C03 200, C02 300 | C06 300, C01 1000
#    -> m: C10 1, C04 1, C05 2, C09 2, C07 3, C08 3, C03 4, C02 4, C06 5, C01 5
#    (C02 and C06 tie at 300.00 across the 4/5 boundary: C02 gets 4)
# Segments (the first rule that matches):
#    C01 (5,5,5) champions          C06 (4,4,5) champions
#    C02 (1,5,4) loyal_customers    C03 (3,4,4) loyal_customers  (f >= 4, not all three >= 4)
#    C05 (4,2,2) potential_loyalists                              (r >= 4, f >= 2)
#    C04 (5,1,1) new_customers                                    (r >= 4, f = 1)
#    C08 (2,3,3) at_risk                                          (r <= 2, f >= 3)
#    C09 (2,2,2) hibernating        C10 (1,1,1) hibernating        (r <= 2, f < 3)
#    C07 (3,3,3) needs_attention                                  (r = 3, f < 4)
# Averages per segment: recency days, orders and money over its customers, e.g. champions:
# (0 + 10) / 2 = 5, (8 + 5) / 2 = 6.5, (1000 + 300) / 2 = 650.

HAND_FULL = {
    "start_date": "2024-12-07",  # C02's first order: 200 + 5 days before 2025-06-30
    "end_date": "2025-06-30",
    "reference_date": "2025-06-30",
    "total_customers": 10,
    "segments": [
        {"segment": "champions", "customers": 2, "share": 0.2,
         "avg_recency_days": 5.0, "avg_frequency": 6.5, "avg_monetary": 650.0},
        {"segment": "loyal_customers", "customers": 2, "share": 0.2,
         "avg_recency_days": 115.0, "avg_frequency": 5.0, "avg_monetary": 250.0},
        {"segment": "potential_loyalists", "customers": 1, "share": 0.1,
         "avg_recency_days": 30.0, "avg_frequency": 2.0, "avg_monetary": 50.0},
        {"segment": "new_customers", "customers": 1, "share": 0.1,
         "avg_recency_days": 0.0, "avg_frequency": 2.0, "avg_monetary": 20.0},
        {"segment": "at_risk", "customers": 1, "share": 0.1,
         "avg_recency_days": 120.0, "avg_frequency": 3.0, "avg_monetary": 110.0},
        {"segment": "hibernating", "customers": 2, "share": 0.2,
         "avg_recency_days": 150.0, "avg_frequency": 1.5, "avg_monetary": 35.0},
        {"segment": "needs_attention", "customers": 1, "share": 0.1,
         "avg_recency_days": 60.0, "avg_frequency": 3.0, "avg_monetary": 100.0},
    ],
}

# start_date=2025-06-25: only C01 (orders 06-23..06-30: 6 of them inside, 750.00) and C04
# (06-29, 06-30: 20.00) have orders in range. ntile(5) over 2 rows gives scores 1 and 2.
# R: both 0 days, tie by id: C01 1, C04 2.  F: C04 (2) 1, C01 (6) 2.  M: C04 1, C01 2.
# C01 (1,2,2) and C04 (2,1,1): r <= 2 and f < 3, both hibernating: recency 0,
# frequency (6 + 2) / 2 = 4, monetary (750 + 20) / 2 = 385.
HAND_LAST_DAYS = {
    "start_date": "2025-06-25",
    "end_date": "2025-06-30",
    "reference_date": "2025-06-30",
    "total_customers": 2,
    "segments": [
        {"segment": s, "customers": 0, "share": 0.0, "avg_recency_days": 0.0,
         "avg_frequency": 0.0, "avg_monetary": 0.0} if s != "hibernating" else
        {"segment": s, "customers": 2, "share": 1.0, "avg_recency_days": 0.0,
         "avg_frequency": 4.0, "avg_monetary": 385.0}
        for s in SEGMENTS],
}


def load_hand_fixture(stack):
    conn = stack.db()
    with conn, conn.cursor() as cur:
        for i in range(1, 12):
            cid = f"C{i:02d}"
            cur.execute("INSERT INTO dim_customer (customer_key, customer_id, name, email, city, "
                        "country) VALUES (%s, %s, %s, %s, 'Town', 'Land')",
                        (i, cid, "Customer " + cid, cid.lower() + "@example.com"))
        cur.execute("INSERT INTO dim_product (product_key, product_id, name, category) "
                    "VALUES (1, 'P1', 'Thing', 'Things')")
        cur.execute("SELECT dim_time_fill('2024-01-01', '2025-12-31')")
        rows = []
        for cid, (recency, amounts) in HAND.items():
            last = REFERENCE - dt.timedelta(days=recency)
            for j, amount in enumerate(amounts):
                rows.append((f"O-{cid}-{j}", last - dt.timedelta(days=j), int(cid[1:]), amount))
        cur.executemany("INSERT INTO fact_order (order_id, order_date, customer_key, "
                        "product_key, quantity, unit_price) VALUES (%s, %s, %s, 1, 1, %s)", rows)
    conn.close()


@pytest.fixture(scope="module")
def hand(make_stack):
    s = make_stack(database=True, env=ENV, start=False)
    s.create_database()
    load_hand_fixture(s)
    return s.start(services={"customer": 1})


def test_hand_fixture_full_range(hand):
    assert without_cache(ok(hand)) == HAND_FULL


def test_hand_fixture_explicit_range_is_the_same(hand):
    body = ok(hand, {"start_date": "2024-01-01", "end_date": "2025-06-30"})
    assert without_cache(body) == dict(HAND_FULL, start_date="2024-01-01")


def test_hand_fixture_last_days(hand):
    assert without_cache(ok(hand, {"start_date": "2025-06-25"})) == HAND_LAST_DAYS


def test_hand_fixture_reference_is_end_date(hand):
    # end_date 2025-07-10 holds every order; recency grows by 10 days for everybody, which
    # moves no score: only the recency averages change.
    body = ok(hand, {"end_date": "2025-07-10"})
    assert body["reference_date"] == "2025-07-10"
    assert body["end_date"] == "2025-07-10"
    for got, want in zip(body["segments"], HAND_FULL["segments"]):
        assert got["avg_recency_days"] == want["avg_recency_days"] + 10
        assert {k: v for k, v in got.items() if k != "avg_recency_days"} == \
               {k: v for k, v in want.items() if k != "avg_recency_days"}


# ----------------------------------------------------------------------------------------
# The independent computation


def rounded(value, places):
    """value (a Fraction) rounded half away from zero (values here are >= 0), exactly, as the
    float a JSON client reads."""
    step = Fraction(1, 10 ** places)
    down = (value // step) * step
    result = down + step if value - down >= step / 2 else down
    return float(Decimal(result.numerator) / Decimal(result.denominator))


def ntile(n_rows, buckets=5):
    """PostgreSQL's ntile(buckets) for positions 0..n_rows-1: the first n_rows % buckets
    groups hold one row more."""
    size, extra = divmod(n_rows, buckets)
    scores = []
    for b in range(buckets):
        scores += [b + 1] * (size + (1 if b < extra else 0))
    return scores


def segment_of(r, f, m):
    if r >= 4 and f >= 4 and m >= 4:
        return "champions"
    if f >= 4:
        return "loyal_customers"
    if r >= 4 and f >= 2:
        return "potential_loyalists"
    if r >= 4:
        return "new_customers"
    if r <= 2 and f >= 3:
        return "at_risk"
    if r <= 2:
        return "hibernating"
    return "needs_attention"


def order_rows(stack):
    """Every order as (customer_id, order_date, quantity * unit_price): plain rows."""
    return stack.execute("SELECT c.customer_id, f.order_date, f.quantity * f.unit_price "
                          "FROM fact_order f JOIN dim_customer c USING (customer_key)")


def expected_segments(rows, start=None, end=None):
    dates = [d for _, d, _ in rows]
    first, last = (min(dates), max(dates)) if dates else (None, None)
    start = dt.date.fromisoformat(start) if start else first
    end = dt.date.fromisoformat(end) if end else last
    per = {}
    if start and end:
        for cid, day, amount in rows:
            if start <= day <= end:
                last_day, count, money = per.get(cid, (day, 0, Decimal(0)))
                per[cid] = (max(last_day, day), count + 1, money + amount)
    ids = list(per)
    recency = {c: (end - per[c][0]).days for c in ids}
    key = lambda c: c.encode()  # noqa: E731  (byte order, COLLATE "C")
    scores = {c: {} for c in ids}
    for name, order in (("r", sorted(ids, key=lambda c: (-recency[c], key(c)))),
                        ("f", sorted(ids, key=lambda c: (per[c][1], key(c)))),
                        ("m", sorted(ids, key=lambda c: (per[c][2], key(c))))):
        for c, score in zip(order, ntile(len(order))):
            scores[c][name] = score
    members = {s: [] for s in SEGMENTS}
    for c in ids:
        members[segment_of(scores[c]["r"], scores[c]["f"], scores[c]["m"])].append(c)
    total = len(ids)
    segments = []
    for s in SEGMENTS:
        cs = members[s]
        n = len(cs)
        avg = (lambda xs: rounded(Fraction(sum(xs)) / n, 2) if n else 0.0)  # noqa: E731
        segments.append({
            "segment": s, "customers": n,
            "share": rounded(Fraction(n, total), 4) if total else 0.0,
            "avg_recency_days": avg([recency[c] for c in cs]),
            "avg_frequency": avg([per[c][1] for c in cs]),
            "avg_monetary": avg([Fraction(per[c][2]) for c in cs]),
        })
    return {
        "start_date": start.isoformat() if start else None,
        "end_date": end.isoformat() if end else None,
        "reference_date": end.isoformat() if end else None,
        "total_customers": total,
        "segments": segments,
    }


def test_independent_computation_agrees_on_the_hand_fixture(hand):
    assert expected_segments(order_rows(hand)) == HAND_FULL
    assert expected_segments(order_rows(hand), "2025-06-25") == HAND_LAST_DAYS


# ----------------------------------------------------------------------------------------
# A seeded database


@pytest.fixture(scope="module")
def seeded(make_stack):
    # 400 customers and 20,000 orders over 2024-05-18 .. 2025-12-31 (seed's default end)
    return make_stack(seed={"orders": 20000, "customers": 400, "products": 40, "days": 593,
                            "random_seed": 5},
                      env=ENV, services={"customer": 1})


@pytest.fixture(scope="module")
def seeded_rows(seeded):
    return order_rows(seeded)


RANGES = [
    (None, None),                       # the whole data
    ("2024-01-01", "2026-06-30"),       # beyond the data on both sides
    ("2024-07-01", "2025-06-30"),       # whole months only
    ("2024-07-15", "2025-03-20"),       # partial months at both ends
    ("2025-02-03", "2025-02-26"),       # inside one month
    ("2024-12-31", "2025-01-01"),       # two days across a month and a year
    ("2025-09-09", "2025-09-09"),       # one day
    ("2025-06-01", None),               # start only: up to the data's last date
    (None, "2025-01-17"),               # end only: the reference date is that end
    ("2025-12-01", "2025-12-31"),       # the last month
]


@pytest.mark.parametrize("start,end", RANGES)
def test_seeded_against_python(seeded, seeded_rows, start, end):
    params = {k: v for k, v in (("start_date", start), ("end_date", end)) if v}
    want = expected_segments(seeded_rows, start, end)
    assert want["total_customers"] > 0
    assert without_cache(ok(seeded, params)) == want


def test_seeded_full_range_shape(seeded, seeded_rows):
    body = ok(seeded)
    dates = [d for _, d, _ in seeded_rows]
    assert body["start_date"] == min(dates).isoformat()
    assert body["end_date"] == body["reference_date"] == max(dates).isoformat()
    assert [s["segment"] for s in body["segments"]] == SEGMENTS
    assert sum(s["customers"] for s in body["segments"]) == body["total_customers"]
    assert body["total_customers"] == len({c for c, _, _ in seeded_rows})
    assert all(s["customers"] > 0 for s in body["segments"])


def test_range_without_orders(seeded):
    body = ok(seeded, {"start_date": "2023-01-01", "end_date": "2023-12-31"})
    assert body["total_customers"] == 0
    assert body["reference_date"] == "2023-12-31"
    assert all(s == {"segment": s["segment"], "customers": 0, "share": 0, "avg_recency_days": 0,
                     "avg_frequency": 0, "avg_monetary": 0} for s in body["segments"])


def test_start_beyond_the_data(seeded, seeded_rows):
    # The effective range comes out inverted (the end is the data's last date): no customers.
    body = ok(seeded, {"start_date": "2030-01-01"})
    last = max(d for _, d, _ in seeded_rows).isoformat()
    assert (body["start_date"], body["end_date"], body["reference_date"]) == \
           ("2030-01-01", last, last)
    assert body["total_customers"] == 0


def test_far_dates(seeded, seeded_rows):
    body = ok(seeded, {"start_date": "0001-01-01", "end_date": "9999-12-31"})
    want = expected_segments(seeded_rows, "0001-01-01", "9999-12-31")
    assert without_cache(body) == want


def test_empty_values_count_as_absent(seeded):
    assert without_cache(ok(seeded, {"start_date": "", "end_date": ""})) == \
           without_cache(ok(seeded))


@pytest.mark.parametrize("params", [
    {"start_date": "2025-1-01"}, {"end_date": "2025-02-30"}, {"start_date": "20250101"},
    {"end_date": "yesterday"}, {"start_date": "2025-03-02", "end_date": "2025-03-01"},
    {"start_date": "2025-01-01 "}, {"end_date": "0000-01-01"},
])
def test_bad_dates(seeded, params):
    r = get(seeded, params)
    assert r.status_code == 400, r.text
    assert r.json()["error"] == "bad_request" and r.json()["detail"]


def test_cache_hit_then_miss_after_a_data_version_bump(seeded):
    params = {"start_date": "2024-08-08", "end_date": "2025-08-08"}
    first = ok(seeded, params)
    second = ok(seeded, params)
    assert second["cache"]["hit"] is True
    assert without_cache(second) == without_cache(first)
    # A new customer's order on the range's last day, then the bump the ETL does: the next
    # request is a miss and counts the new customer.
    seeded.execute("INSERT INTO dim_customer (customer_id, name, email, city, country) "
                    "VALUES ('ZZ-new', 'New', 'new@example.com', 'Town', 'Land')")
    seeded.execute("INSERT INTO fact_order (order_id, order_date, customer_key, product_key, "
                    "quantity, unit_price) SELECT 'ZZ-order', '2025-08-08', customer_key, "
                    "(SELECT min(product_key) FROM dim_product), 1, 5 "
                    "FROM dim_customer WHERE customer_id = 'ZZ-new'")
    assert ok(seeded, params)["cache"]["hit"] is True  # not bumped yet: the cached answer
    seeded.bump_data_version()
    third = ok(seeded, params)
    assert third["cache"]["hit"] is False
    assert third["total_customers"] == first["total_customers"] + 1
    assert without_cache(third) == expected_segments(order_rows(seeded), *params.values())


def test_answers_follow_deletes_and_updates(seeded):
    """After deletes (emptying some customer months, moving others' last date) and updates
    of dates, customers and prices in fact_order, the service agrees with Python."""
    seeded.execute("DELETE FROM fact_order WHERE order_date BETWEEN '2025-03-20' AND "
                    "'2025-03-31'")
    seeded.execute("DELETE FROM fact_order WHERE customer_key % 7 = 0 AND "
                    "order_date >= '2025-04-01' AND order_date < '2025-05-01'")
    seeded.execute("UPDATE fact_order SET order_date = order_date - 40 WHERE "
                    "order_date BETWEEN '2025-10-10' AND '2025-10-12'")
    seeded.execute("UPDATE fact_order SET customer_key = customer_key % 50 + 1, "
                    "unit_price = unit_price + 1 WHERE order_date = '2025-07-04'")
    seeded.bump_data_version()
    rows = order_rows(seeded)
    for start, end in [(None, None), ("2025-03-15", "2025-10-20")]:
        params = {k: v for k, v in (("start_date", start), ("end_date", end)) if v}
        assert without_cache(ok(seeded, params)) == expected_segments(rows, start, end)


# ----------------------------------------------------------------------------------------
# The empty database


@pytest.fixture(scope="module")
def empty(make_stack):
    return make_stack(database=True, env=ENV, services={"customer": 1})


def test_empty_database(empty):
    body = ok(empty)
    assert without_cache(body) == {
        "start_date": None, "end_date": None, "reference_date": None, "total_customers": 0,
        "segments": [{"segment": s, "customers": 0, "share": 0, "avg_recency_days": 0,
                      "avg_frequency": 0, "avg_monetary": 0} for s in SEGMENTS]}
    assert ok(empty)["cache"]["hit"] is True


def test_empty_database_with_an_end_date(empty):
    body = ok(empty, {"end_date": "2025-01-31"})
    assert (body["start_date"], body["end_date"], body["reference_date"]) == \
           (None, "2025-01-31", "2025-01-31")
    assert body["total_customers"] == 0
