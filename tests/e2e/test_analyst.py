"""End-to-end tests of the analyst questions (SPEC §9) behind the gateway: the country and
category filters on kpis, trends, segments and top sellers, new and returning customers,
comparisons with the previous period or year, GET /api/v1/revenue/breakdown/ and
GET /api/v1/customers/cohorts/.

Every number is checked against an independent computation in Python over the rows of
fact_order joined with the dimensions, on a seeded database plus hand-made rows for the
edge cases: cities of the same name in two countries, a customer whose country changes in a
later load (current values apply), previous_year over February 29, previous_period at the
data's first day, cohorts whose first order lies before start_date, a filter that matches
nothing, and hostile filter values. Stacks come from tests/e2e/stack.py."""
import datetime as dt
import os
from decimal import ROUND_HALF_UP, Decimal

import pytest
import requests

pytestmark = pytest.mark.skipif(not os.environ.get("DATABASE_URL"),
                                reason="needs DATABASE_URL (a PostgreSQL server to create databases on)")

ENV = {"CACHE_TTL_SECONDS": "300", "REQUEST_TIMEOUT_MS": "20000"}
SERVICES = {"kpi": 1, "product": 1, "customer": 1}

# Hand-made customers (id, city, country) and their orders (date, quantity, price), all of
# product 'PX-1' in category 'Edge Cases'.
EDGE = {
    "X-PAR-FR": ("Paris", "France", [("2024-02-29", 1, "10.00"), ("2025-01-10", 2, "5.00")]),
    "X-PAR-US": ("Paris", "United States", [("2024-03-01", 1, "30.00")]),
    "X-MOVER": ("Lyon", "France", [("2023-12-30", 1, "7.50"), ("2025-02-03", 3, "2.50")]),
}


def get(stack, path, params=None):
    return requests.get(stack.url(path), params=params, timeout=60)


def ok(stack, path, params=None):
    r = get(stack, path, params)
    assert r.status_code == 200, r.text
    return r.json()


@pytest.fixture(scope="module")
def stack(make_stack):
    s = make_stack(seed={"orders": 3000, "random_seed": 11}, env=ENV, start=False)
    s.create_database()
    conn = s.db()
    with conn, conn.cursor() as cur:
        cur.execute("INSERT INTO dim_product (product_id, name, category) "
                    "VALUES ('PX-1', 'Edge', 'Edge Cases') RETURNING product_key")
        (product,), = cur.fetchall()
        cur.execute("SELECT dim_time_fill('2023-12-01', '2025-12-31')")
        n = 0
        for cid, (city, country, orders) in EDGE.items():
            cur.execute("INSERT INTO dim_customer (customer_id, name, email, city, country) "
                        "VALUES (%s, 'N', 'n@example.com', %s, %s) RETURNING customer_key",
                        (cid, city, country))
            (key,), = cur.fetchall()
            for day, quantity, price in orders:
                n += 1
                cur.execute("INSERT INTO fact_order (order_id, order_date, customer_key, "
                            "product_key, quantity, unit_price) VALUES (%s, %s, %s, %s, %s, %s)",
                            (f"XO{n}", day, key, product, quantity, price))
    conn.close()
    return s.start(services=SERVICES)


# ----------------------------------------------------------------------------------------
# The independent computation


def rows(stack):
    """Every order: (date, customer_id, country, city, product_id, category, quantity, amount)."""
    return stack.execute(
        "SELECT f.order_date, c.customer_id, c.country, c.city, p.product_id, p.category, "
        "f.quantity, f.quantity * f.unit_price FROM fact_order f "
        "JOIN dim_customer c USING (customer_key) JOIN dim_product p USING (product_key)")


def bounds(all_rows):
    dates = [r[0] for r in all_rows]
    return min(dates), max(dates)


def passing(all_rows, country=None, category=None):
    return [r for r in all_rows if (country is None or r[2] == country)
            and (category is None or r[5] == category)]


def money(value):
    return float(Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def ratio(num, den, places=4):
    if den == 0:
        return 0
    q = Decimal(num) / Decimal(den)
    return float(q.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))


def kpis(all_rows, start, end, country=None, category=None):
    f = passing(all_rows, country, category)
    firsts = {}
    for r in f:
        firsts[r[1]] = min(firsts.get(r[1], r[0]), r[0])
    inr = [r for r in f if start <= r[0] <= end]
    revenue = sum((r[7] for r in inr), Decimal(0))
    customers = {r[1] for r in inr}
    new = sum(1 for c, day in firsts.items() if start <= day <= end)
    return {"total_revenue": money(revenue), "total_orders": len(inr),
            "average_order_value": money(revenue / len(inr)) if inr else 0,
            "unique_customers": len(customers), "units_sold": sum(r[6] for r in inr),
            "new_customers": new, "returning_customers": len(customers) - new}


def change(now, before):
    if before == 0:
        return None
    q = (Decimal(str(now)) - Decimal(str(before))) / Decimal(str(before))
    return float(q.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP))


def year_before(day):
    return day.replace(year=day.year - 1, day=28 if (day.month, day.day) == (2, 29) else day.day)


# ----------------------------------------------------------------------------------------
# kpis: filters, new and returning customers, comparisons


def filters_of(stack):
    country, = stack.execute("SELECT country FROM dim_customer GROUP BY 1 "
                             "ORDER BY count(*) DESC, 1 LIMIT 1")[0]
    category, = stack.execute("SELECT category FROM dim_product GROUP BY 1 "
                              "ORDER BY count(*) DESC, 1 LIMIT 1")[0]
    return [(None, None), (country, None), (None, category), (country, category),
            ("Atlantis", None), (None, "Edge Cases")]


def test_kpis_filtered_with_new_and_returning_customers(stack):
    all_rows = rows(stack)
    first, last = bounds(all_rows)
    for country, category in filters_of(stack):
        for start, end in [(first, last), (dt.date(2025, 3, 17), dt.date(2025, 9, 12)),
                           (dt.date(2025, 6, 1), dt.date(2025, 6, 30))]:
            params = {"start_date": start.isoformat(), "end_date": end.isoformat(),
                      "country": country, "category": category}
            body = ok(stack, "/api/v1/kpis/", params)
            want = kpis(all_rows, start, end, country, category)
            assert {k: body[k] for k in want} == want, (params, body)
            given = country is not None or category is not None
            assert ("filters" in body) == given
            if given:
                assert body["filters"] == {"country": country, "category": category}


def test_a_filter_that_matches_nothing_gives_zeros(stack):
    body = ok(stack, "/api/v1/kpis/", {"country": "Nowhere", "category": "Nothing"})
    assert body["total_orders"] == 0 and body["total_revenue"] == 0
    assert body["unique_customers"] == body["new_customers"] == 0
    assert ok(stack, "/api/v1/customers/segments/", {"country": "Nowhere"})["total_customers"] == 0
    assert ok(stack, "/api/v1/products/top-sellers/", {"category": "Nothing"})["items"] == []


def test_hostile_filter_values_are_400(stack):
    for params in [{"country": "x" * 101}, {"category": "é" * 51}]:
        r = get(stack, "/api/v1/kpis/", params)
        assert r.status_code == 400 and r.json()["error"] == "bad_request", r.text
    assert ok(stack, "/api/v1/kpis/", {"country": "x" * 100})["total_orders"] == 0
    r = requests.get(stack.url("/api/v1/kpis/") + "?country=%FF%FE", timeout=30)
    assert r.status_code == 400, r.text
    r = get(stack, "/api/v1/kpis/", {"compare": "PREVIOUS_YEAR"})
    assert r.status_code == 400, r.text


def test_previous_year_over_february_29(stack):
    all_rows = rows(stack)
    start, end = dt.date(2024, 2, 29), dt.date(2024, 3, 10)
    body = ok(stack, "/api/v1/kpis/", {"start_date": start.isoformat(), "end_date": end.isoformat(),
                                       "compare": "previous_year"})
    comp = body["comparison"]
    assert (comp["start_date"], comp["end_date"]) == ("2023-02-28", "2023-03-10")
    before = kpis(all_rows, year_before(start), year_before(end))
    now = kpis(all_rows, start, end)
    assert {k: comp[k] for k in before} == before
    assert comp["change"] == {k: change(now[k], before[k]) for k in now}


def test_previous_period_at_the_data_first_day(stack):
    all_rows = rows(stack)
    first, _ = bounds(all_rows)
    end = first + dt.timedelta(days=20)
    body = ok(stack, "/api/v1/kpis/", {"end_date": end.isoformat(), "compare": "previous_period"})
    assert body["start_date"] == first.isoformat()
    comp = body["comparison"]
    prev_end = first - dt.timedelta(days=1)
    assert comp["end_date"] == prev_end.isoformat()
    assert comp["start_date"] == (prev_end - dt.timedelta(days=20)).isoformat()
    assert comp["total_orders"] == 0 and all(v is None for v in comp["change"].values())
    # and a period in the middle, compared, with a filter
    country = filters_of(stack)[1][0]
    start, end = dt.date(2025, 4, 1), dt.date(2025, 4, 30)
    body = ok(stack, "/api/v1/kpis/", {"start_date": "2025-04-01", "end_date": "2025-04-30",
                                       "compare": "previous_period", "country": country})
    before = kpis(all_rows, dt.date(2025, 3, 2), dt.date(2025, 3, 31), country)
    assert (body["comparison"]["start_date"], body["comparison"]["end_date"]) == \
        ("2025-03-02", "2025-03-31")
    assert {k: body["comparison"][k] for k in before} == before
    now = kpis(all_rows, start, end, country)
    assert body["comparison"]["change"] == {k: change(now[k], before[k]) for k in now}


def test_trends_filtered_and_compared(stack):
    all_rows = rows(stack)
    category = filters_of(stack)[2][1]
    body = ok(stack, "/api/v1/revenue/trends/", {"granularity": "monthly", "category": category,
                                                 "start_date": "2025-02-15",
                                                 "end_date": "2025-05-20",
                                                 "compare": "previous_year"})

    def points(start, end):
        out = {}
        for r in passing(all_rows, None, category):
            if start <= r[0] <= end:
                key = r[0].replace(day=1).isoformat()
                rev, n = out.get(key, (Decimal(0), 0))
                out[key] = (rev + r[7], n + 1)
        months, day = [], start.replace(day=1)
        while day <= end:
            months.append(day.isoformat())
            day = (day + dt.timedelta(days=32)).replace(day=1)
        return [{"period": m, "revenue": money(out.get(m, (0, 0))[0]),
                 "orders": out.get(m, (0, 0))[1]} for m in months]

    assert body["points"] == points(dt.date(2025, 2, 15), dt.date(2025, 5, 20))
    assert body["comparison"]["points"] == points(dt.date(2024, 2, 15), dt.date(2024, 5, 20))
    assert body["filters"] == {"country": None, "category": category}


# ----------------------------------------------------------------------------------------
# breakdown


def test_breakdown_by_country_category_and_city(stack):
    all_rows = rows(stack)
    first, last = bounds(all_rows)
    for by in ["country", "category", "city"]:
        for country, category in filters_of(stack)[:3]:
            params = {"by": by, "limit": 100, "country": country, "category": category,
                      "start_date": "2024-03-01", "end_date": last.isoformat()}
            body = ok(stack, "/api/v1/revenue/breakdown/", params)
            f = [r for r in passing(all_rows, country, category)
                 if dt.date(2024, 3, 1) <= r[0] <= last]
            groups = {}
            for r in f:
                key = {"country": (r[2],), "category": (r[5],), "city": (r[3], r[2])}[by]
                g = groups.setdefault(key, [Decimal(0), 0, 0, set()])
                g[0] += r[7]
                g[1] += 1
                g[2] += r[6]
                g[3].add(r[1])
            total = sum((g[0] for g in groups.values()), Decimal(0))
            order = sorted(groups.items(),
                           key=lambda kv: (-kv[1][0], tuple(k.encode() for k in kv[0])))
            want = []
            for key, g in order[:100]:
                item = {"key": key[0]}
                if by == "city":
                    item["country"] = key[1]
                item.update({"revenue": money(g[0]), "orders": g[1], "units_sold": g[2],
                             "customers": len(g[3]), "share": ratio(g[0], total)})
                want.append(item)
            assert body["items"] == want, (by, country, category)
            assert body["total"] == {"revenue": money(total), "orders": len(f),
                                     "units_sold": sum(r[6] for r in f),
                                     "customers": len({r[1] for r in f})}
            assert body["filters"] == {"country": country, "category": category}
    paris = [i for i in ok(stack, "/api/v1/revenue/breakdown/",
                           {"by": "city", "limit": 100, "category": "Edge Cases"})["items"]
             if i["key"] == "Paris"]
    assert sorted(i["country"] for i in paris) == ["France", "United States"]


def test_breakdown_parameters(stack):
    assert ok(stack, "/api/v1/revenue/breakdown/")["by"] == "country"
    assert len(ok(stack, "/api/v1/revenue/breakdown/", {"by": "city"})["items"]) <= 20
    assert len(ok(stack, "/api/v1/revenue/breakdown/", {"by": "city", "limit": "0"})["items"]) == 1
    for params in [{"by": "City"}, {"by": "region"}, {"limit": "ten"}]:
        assert get(stack, "/api/v1/revenue/breakdown/", params).status_code == 400


# ----------------------------------------------------------------------------------------
# cohorts


def cohorts(all_rows, start, end, country=None, category=None):
    f = passing(all_rows, country, category)
    firsts = {}
    for r in f:
        firsts[r[1]] = min(firsts.get(r[1], r[0]), r[0])

    def month(day):
        return day.year * 12 + day.month - 1

    lo, hi = month(start), month(end)
    out = []
    for m in range(lo, hi + 1):
        members = {c for c, day in firsts.items() if day <= end and month(day) == m}
        periods = []
        for k in range(0, hi - m + 1):
            inm = [r for r in f if r[1] in members and month(r[0]) == m + k and r[0] <= end]
            active = len({r[1] for r in inm})
            periods.append({"offset": k, "active": active,
                            "retention": ratio(active, len(members)),
                            "revenue": money(sum((r[7] for r in inm), Decimal(0)))})
        out.append({"cohort": dt.date(m // 12, m % 12 + 1, 1).isoformat(),
                    "customers": len(members), "periods": periods})
    return out


def test_cohorts_against_the_model(stack):
    all_rows = rows(stack)
    for country, category in filters_of(stack)[:4]:
        body = ok(stack, "/api/v1/customers/cohorts/",
                  {"start_date": "2025-01-15", "end_date": "2025-06-10", "country": country,
                   "category": category})
        assert body["cohorts"] == cohorts(all_rows, dt.date(2025, 1, 15), dt.date(2025, 6, 10),
                                          country, category)
        for c in body["cohorts"]:
            assert c["periods"][0]["active"] == c["customers"]


def test_a_cohort_begins_before_start_date(stack):
    # X-MOVER's first order (2023-12-30) lies before the range: it belongs to December 2023,
    # which is not listed, and is in no later cohort although it ordered in February 2025.
    body = ok(stack, "/api/v1/customers/cohorts/",
              {"start_date": "2025-01-01", "end_date": "2025-02-28", "category": "Edge Cases"})
    assert [c["cohort"] for c in body["cohorts"]] == ["2025-01-01", "2025-02-01"]
    assert [c["customers"] for c in body["cohorts"]] == [0, 0]
    body = ok(stack, "/api/v1/customers/cohorts/",
              {"start_date": "2023-12-01", "end_date": "2025-02-28", "category": "Edge Cases"})
    dec = body["cohorts"][0]
    assert dec["cohort"] == "2023-12-01" and dec["customers"] == 1
    assert dec["periods"][14] == {"offset": 14, "active": 1, "retention": 1.0, "revenue": 7.5}


# ----------------------------------------------------------------------------------------
# current attribute values after a later load


def test_a_changed_country_applies_to_all_orders(stack):
    before = ok(stack, "/api/v1/kpis/", {"country": "Mars", "category": "Edge Cases"})
    assert before["total_orders"] == 0
    stack.execute("UPDATE dim_customer SET country = 'Mars' WHERE customer_id = 'X-MOVER'")
    stack.bump_data_version()
    after = ok(stack, "/api/v1/kpis/", {"country": "Mars", "category": "Edge Cases"})
    assert (after["total_orders"], after["unique_customers"], after["total_revenue"]) == \
        (2, 1, 15.0)
    cities = ok(stack, "/api/v1/revenue/breakdown/", {"by": "city", "category": "Edge Cases"})
    assert {"key": "Lyon", "country": "Mars"}.items() <= next(
        i for i in cities["items"] if i["key"] == "Lyon").items()
    france = ok(stack, "/api/v1/kpis/", {"country": "France", "category": "Edge Cases"})
    assert france["total_orders"] == 2  # X-PAR-FR's two orders; X-MOVER's moved to Mars


# ----------------------------------------------------------------------------------------
# a store is not reloaded for every request when Redis is ahead of PostgreSQL


def test_redis_ahead_of_postgresql_does_not_reload_the_store_per_request(stack):
    """Redis's version above PostgreSQL's (a database restored from a backup, say): a load
    for that version finds nothing newer, so the instance serves what it has and tries again
    at most once a second (services/framework/svc_snapshot.h) instead of on every request.
    An attempt that finds PostgreSQL's version still the store's keeps the store without
    reading it ("analytics store kept", at info once per store version)."""
    import subprocess
    import time

    (pg_version,), = stack.execute("SELECT version FROM data_version WHERE id = 1")
    subprocess.run(["redis-cli", "-p", str(stack.redis_port), *stack_auth(stack), "SET",
                    "ecom:data_version", str(pg_version + 5)], check=True, capture_output=True)
    attempts = ("analytics store loaded", "analytics store kept")
    before = sum(stack.log("kpi-0").count(a) for a in attempts)
    started = time.monotonic()
    for i in range(12):
        ok(stack, "/api/v1/kpis/", {"start_date": f"2025-01-{i + 1:02d}"})
    elapsed = time.monotonic() - started
    loads = sum(stack.log("kpi-0").count(a) for a in attempts) - before
    assert 1 <= loads <= 2 + int(elapsed), (loads, elapsed)
    subprocess.run(["redis-cli", "-p", str(stack.redis_port), *stack_auth(stack), "SET",
                    "ecom:data_version", str(pg_version)], check=True, capture_output=True)


def stack_auth(stack):
    """redis-cli's password arguments when the stack's Redis has one."""
    password = getattr(stack, "redis_password", None)
    return ["-a", password, "--no-auth-warning"] if password else []
