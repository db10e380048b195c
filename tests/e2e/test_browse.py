"""The browse routes of SPEC §10 behind the gateway (issue 19): GET /api/v1/customers/,
GET /api/v1/products/ and GET /api/v1/etl/runs/{task_id}/rejects/, on a seeded database
plus a few hand-made rows (a customer and a product without orders, names with non-ASCII
letters), every answer checked against an independent computation: the figures of each
customer and product computed here by SQL over fact_order, dim_customer and dim_product,
the search by PostgreSQL's lower() and strpos(), the orderings sorted in Python (ids as
bytes, ties by id, customers without orders last by last_order_date).

Covered: every field of every row, search (id, name, email; case; non-ASCII; no match),
the country and category filters, each ordering, pagination (next/previous walked both
ways, page_size, past the end 404, page 1 of an empty list), the 400s (ordering, page,
page_size, search over 100 bytes, bad UTF-8, a filter over 100 bytes), the 401s, and the
rejected rows of a CSV loaded through the ETL (line order, reason, raw text, unknown and
malformed task ids 404)."""
import os
import time
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
import requests

from mdp_peer import mdp_call

SEED = {"orders": 3000, "customers": 300, "products": 40, "days": 200, "random_seed": 19}
HEADER = ("order_id,order_date,customer_id,customer_name,customer_email,customer_city,"
          "customer_country,product_id,product_name,product_category,quantity,unit_price")
# The CSV the ETL loads: good rows and, at known lines, bad ones (line 1 is the header).
CSV_ROWS = [
    "B-1,2025-03-01,BX-1,Zoë Ångström,zoe@example.com,Malmö,Sweden,BP-1,Ölkanne,Küche,2,10.50",
    "B-2,2025-13-01,BX-1,Zoë Ångström,zoe@example.com,Malmö,Sweden,BP-1,Ölkanne,Küche,1,10.50",
    "B-3,2025-03-02,BX-2,Ünal Çelik,unal@example.com,İzmir,Turkey,BP-1,Ölkanne,Küche,0,10.50",
    "B-4,2025-03-03,BX-2,Ünal Çelik,unal@example.com,İzmir,Turkey,BP-2,Çay Bardağı,Küche,3,2.25",
    "B-5,2025-03-04,,Nobody,n@example.com,Oslo,Norway,BP-2,Çay Bardağı,Küche,1,2.25",
    "just,three,fields",
    "B-7,2025-03-05,BX-3,Ivan,ivan@example.com,Oslo,Norway,BP-2,Çay Bardağı,Küche,1,-4",
]
BAD_LINES = {3, 4, 6, 7, 8}  # 1-based file lines of the rejected rows above


@pytest.fixture(scope="module")
def csv_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("browse_csv") / "orders.csv"
    path.write_text(HEADER + "\n" + "\n".join(CSV_ROWS) + "\n", encoding="utf-8")
    return str(path)


@pytest.fixture(scope="module")
def stack(make_stack, csv_path):
    s = make_stack(seed=SEED, services={"customer": 1, "product": 1, "etl": 1},
                   env={"ETL_SOURCE": csv_path, "ETL_SCHEDULE_SECONDS": "0"})
    # A customer and a product without orders, and non-ASCII names to fold.
    s.execute("INSERT INTO dim_customer (customer_id, name, email, city, country) VALUES "
              "('ZZ-none', 'Ölaf NoOrders', 'OLAF@Example.COM', 'Bergen', 'Norway'), "
              "('AA-none', 'Émile Zola', 'emile@example.com', 'Paris', 'France')")
    s.execute("INSERT INTO dim_product (product_id, name, category) VALUES "
              "('ZZ-unsold', 'Ünsold Thing', 'Misc')")
    s.bump_data_version()
    return s


@pytest.fixture(scope="module")
def auth(stack):
    now = int(time.time())
    token = jwt.encode({"sub": "tester", "iat": now, "exp": now + 3600, "jti": "b",
                        "token_type": "access"}, stack.jwt_secret, algorithm="HS256")
    return {"Authorization": "Bearer " + token}


def get(stack, auth, path, params=None, expect=200):
    r = requests.get(stack.url(path), params=params, headers=auth, timeout=30)
    assert r.status_code == expect, (path, params, r.status_code, r.text)
    assert r.headers["Content-Type"] == "application/json"
    return r.json()


def money(value):
    return float(value)


# -- the truth -------------------------------------------------------------------------------


def customers_truth(stack, search=None, country=None):
    """Every customer with its figures, by SQL over the star schema, in customer_id order."""
    rows = stack.execute("""
        SELECT c.customer_id, c.name, c.email, c.city, c.country,
               to_char(min(f.order_date), 'YYYY-MM-DD'), to_char(max(f.order_date), 'YYYY-MM-DD'),
               count(f.order_id), coalesce(sum(f.total_amount), 0)
          FROM dim_customer c LEFT JOIN fact_order f ON f.customer_key = c.customer_key
         WHERE (%(s)s::text IS NULL OR strpos(lower(c.customer_id), lower(%(s)s)) > 0
                OR strpos(lower(c.name), lower(%(s)s)) > 0
                OR strpos(lower(c.email), lower(%(s)s)) > 0)
           AND (%(c)s::text IS NULL OR c.country = %(c)s)
         GROUP BY c.customer_key""", {"s": search, "c": country})
    keys = ("customer_id", "name", "email", "city", "country", "first_order_date",
            "last_order_date", "orders", "revenue")
    out = [dict(zip(keys, row)) for row in rows]
    for c in out:
        c["revenue"] = money(c["revenue"])
    out.sort(key=lambda c: c["customer_id"].encode())
    return out


def products_truth(stack, search=None, category=None):
    rows = stack.execute("""
        SELECT p.product_id, p.name, p.category,
               to_char(min(f.order_date), 'YYYY-MM-DD'), to_char(max(f.order_date), 'YYYY-MM-DD'),
               count(f.order_id), coalesce(sum(f.quantity), 0), coalesce(sum(f.total_amount), 0)
          FROM dim_product p LEFT JOIN fact_order f ON f.product_key = p.product_key
         WHERE (%(s)s::text IS NULL OR strpos(lower(p.product_id), lower(%(s)s)) > 0
                OR strpos(lower(p.name), lower(%(s)s)) > 0)
           AND (%(c)s::text IS NULL OR p.category = %(c)s)
         GROUP BY p.product_key""", {"s": search, "c": category})
    keys = ("product_id", "name", "category", "first_order_date", "last_order_date", "orders",
            "units_sold", "revenue")
    out = [dict(zip(keys, row)) for row in rows]
    for p in out:
        p["revenue"] = money(p["revenue"])
    out.sort(key=lambda p: p["product_id"].encode())
    return out


def ordered(rows, ordering, id_key):
    """rows (in id order) in an ordering: a stable sort keeps ties by id."""
    if ordering in (None, id_key):
        return list(rows)
    field = ordering.lstrip("-")
    if field == "last_order_date":  # customers without orders last
        dated = [r for r in rows if r[field] is not None]
        return sorted(dated, key=lambda r: r[field], reverse=True) + \
            [r for r in rows if r[field] is None]
    return sorted(rows, key=lambda r: -r[field])


def walk(stack, auth, path, params, size):
    """Every row of the list, page by page along next; checks count, links and previous."""
    got, page, url = [], 1, None
    while True:
        if url is None:
            body = get(stack, auth, path, {**params, "page_size": size})
        else:
            r = requests.get(url, headers=auth, timeout=30)
            assert r.status_code == 200, r.text
            body = r.json()
        assert list(body) == ["count", "next", "previous", "results"]
        if page == 1:
            assert body["previous"] is None
        else:
            assert link_params(body["previous"], path) == {**params, "page_size": str(size),
                                                           "page": str(page - 1)}
        got += body["results"]
        if not body["next"]:
            return body["count"], got
        assert link_params(body["next"], path) == {**params, "page_size": str(size),
                                                   "page": str(page + 1)}
        url = body["next"]
        assert url.startswith(f"http://127.0.0.1:{stack.api_port}{path}?")
        page += 1


def link_params(url, path):
    parts = urlsplit(url)
    assert parts.path == path
    return {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}


# -- customers -------------------------------------------------------------------------------


CUSTOMER_FIELDS = ["customer_id", "name", "email", "city", "country", "first_order_date",
                   "last_order_date", "orders", "revenue"]


@pytest.mark.parametrize("ordering", [None, "customer_id", "-revenue", "-orders",
                                      "-last_order_date"])
def test_customers_in_each_ordering(stack, auth, ordering):
    truth = ordered(customers_truth(stack), ordering, "customer_id")
    params = {"ordering": ordering} if ordering else {}
    count, rows = walk(stack, auth, "/api/v1/customers/", params, 37)
    assert count == len(truth) == SEED["customers"] + 2
    assert rows == truth
    assert all(list(r) == CUSTOMER_FIELDS for r in rows)
    assert any(r["orders"] == 0 and r["first_order_date"] is None for r in rows)


@pytest.mark.parametrize("search,country", [
    ("son", None), ("SON", None), ("@EXAMPLE", None), ("c000", None), ("-none", None),
    ("ölaf", None), ("ÖLAF", None), ("olaf@example.com", None), ("émile", None),
    ("nothing-matches-this", None), (None, "Norway"), ("a", "Norway"), (None, "Atlantis"),
    ("e", "France")])
def test_customer_search_and_country(stack, auth, search, country):
    params = {k: v for k, v in (("search", search), ("country", country)) if v}
    for ordering in ("customer_id", "-revenue"):
        truth = ordered(customers_truth(stack, search, country), ordering, "customer_id")
        count, rows = walk(stack, auth, "/api/v1/customers/", {**params, "ordering": ordering},
                           100)
        assert count == len(truth), (params, ordering)
        assert rows == truth, (params, ordering)


# -- products --------------------------------------------------------------------------------


@pytest.mark.parametrize("ordering", [None, "product_id", "-revenue", "-units_sold"])
def test_products_in_each_ordering(stack, auth, ordering):
    truth = ordered(products_truth(stack), ordering, "product_id")
    params = {"ordering": ordering} if ordering else {}
    count, rows = walk(stack, auth, "/api/v1/products/", params, 6)
    assert count == len(truth) == SEED["products"] + 1
    assert rows == truth
    assert all(list(r) == ["product_id", "name", "category", "first_order_date",
                           "last_order_date", "orders", "units_sold", "revenue"] for r in rows)
    assert any(r["orders"] == 0 and r["last_order_date"] is None for r in rows)


def test_product_search_and_category(stack, auth):
    categories = sorted({p["category"] for p in products_truth(stack)})
    cases = [("ün", None), ("ÜN", None), ("p00", None), ("nothing", None),
             (None, categories[0]), ("a", categories[1]), (None, "No Such Category")]
    for search, category in cases:
        params = {k: v for k, v in (("search", search), ("category", category)) if v}
        for ordering in ("product_id", "-units_sold"):
            truth = ordered(products_truth(stack, search, category), ordering, "product_id")
            count, rows = walk(stack, auth, "/api/v1/products/",
                               {**params, "ordering": ordering}, 5)
            assert (count, rows) == (len(truth), truth), (params, ordering)


# -- pagination and errors -------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/v1/customers/", "/api/v1/products/"])
def test_pages(stack, auth, path):
    first = get(stack, auth, path)
    assert len(first["results"]) == 20
    assert first["next"] == f"http://127.0.0.1:{stack.api_port}{path}?page=2"
    last = (first["count"] + 6) // 7
    body = get(stack, auth, path, {"page": last, "page_size": 7})
    assert body["next"] is None and len(body["results"]) == first["count"] - (last - 1) * 7
    # previous walked back from the last page gives the same rows as next from the first
    back, url = [], stack.url(f"{path}?page_size=7&page={last}")
    while url:
        b = requests.get(url, headers=auth, timeout=30).json()
        back = b["results"] + back
        url = b["previous"]
    assert back == walk(stack, auth, path, {}, 7)[1]
    body = get(stack, auth, path, {"page": last + 1, "page_size": 7}, expect=404)
    assert body["error"] == "not_found" and str(last) in body["detail"]
    get(stack, auth, path, {"page": "99999999999999999999999"}, expect=404)
    assert len(get(stack, auth, path, {"page_size": 500})["results"]) == min(100, first["count"])
    assert len(get(stack, auth, path, {"page_size": 0})["results"]) == 1
    empty = get(stack, auth, path, {"search": "no such thing at all"})
    assert empty == {"count": 0, "next": None, "previous": None, "results": []}
    get(stack, auth, path, {"search": "no such thing at all", "page": 2}, expect=404)


@pytest.mark.parametrize("path,query", [
    ("/api/v1/customers/", "ordering=revenue"), ("/api/v1/customers/", "ordering=-units_sold"),
    ("/api/v1/customers/", "ordering=Customer_id"), ("/api/v1/products/", "ordering=-orders"),
    ("/api/v1/products/", "ordering=-last_order_date"), ("/api/v1/customers/", "page=0"),
    ("/api/v1/customers/", "page=x"), ("/api/v1/products/", "page=-2"),
    ("/api/v1/products/", "page_size=1.5"), ("/api/v1/customers/", "search=" + "a" * 101),
    ("/api/v1/products/", "search=" + "é" * 51), ("/api/v1/customers/", "search=%FF"),
    ("/api/v1/products/", "search=%C3%28"), ("/api/v1/customers/", "country=" + "x" * 101),
    ("/api/v1/products/", "category=" + "x" * 101),
    ("/api/v1/etl/runs/00000000-0000-4000-8000-000000000000/rejects/", "page=0"),
    ("/api/v1/etl/runs/00000000-0000-4000-8000-000000000000/rejects/", "page_size=x"),
])
def test_bad_parameters_are_400(stack, auth, path, query):
    r = requests.get(stack.url(path + "?" + query), headers=auth, timeout=30)
    assert r.status_code == 400, (path, query, r.text)
    body = r.json()
    assert list(body) == ["error", "detail"] and body["error"] == "bad_request"


def test_a_search_of_100_bytes_is_fine(stack, auth):
    get(stack, auth, "/api/v1/customers/", {"search": "é" * 50})
    get(stack, auth, "/api/v1/products/", {"search": "x" * 100})


@pytest.mark.parametrize("path", ["/api/v1/customers/", "/api/v1/products/",
                                  "/api/v1/etl/runs/00000000-0000-4000-8000-000000000000/rejects/"])
def test_401_without_a_valid_access_token(stack, path):
    assert requests.get(stack.url(path), timeout=10).status_code == 401
    now = int(time.time())
    refresh = jwt.encode({"sub": "tester", "iat": now, "exp": now + 60, "jti": "r",
                          "token_type": "refresh"}, stack.jwt_secret, algorithm="HS256")
    r = requests.get(stack.url(path), headers={"Authorization": "Bearer " + refresh}, timeout=10)
    assert r.status_code == 401 and r.json()["error"] == "unauthorized"
    assert r.headers["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize("service,op", [("customer", "list"), ("product", "list"),
                                        ("etl", "rejects")])
def test_services_refuse_a_request_without_sub(stack, service, op):
    reply = mdp_call(stack.broker_endpoint, service, {"op": op, "params": {}}, timeout=30)
    assert reply["status"] == 401 and reply["body"]["error"] == "unauthorized"


def test_an_internal_caller_gets_links_to_api_host(stack):
    reply = mdp_call(stack.broker_endpoint, "customer",
                     {"op": "list", "params": {"page_size": "3", "ordering": "-orders"},
                      "sub": "x"}, timeout=30)
    assert reply["status"] == 200
    assert reply["body"]["next"] == (f"http://127.0.0.1:{stack.api_port}/api/v1/customers/"
                                     "?page_size=3&ordering=-orders&page=2")
    assert reply["body"]["results"] == ordered(customers_truth(stack), "-orders",
                                               "customer_id")[:3]


# -- the rejected rows of a load ---------------------------------------------------------------


def eventually(stack, auth, path, params):
    """The results of a list once they are not empty: after a load, an instance answers
    from the new data once it has seen the data version rise (it checks once a second)."""
    deadline = time.time() + 10
    while not (results := get(stack, auth, path, params)["results"]):
        assert time.time() < deadline, f"the load never showed in {path}"
        time.sleep(0.2)
    return results


def test_rejected_rows_of_a_load(stack, auth):
    r = requests.post(stack.url("/api/v1/etl/trigger/"), headers=auth, timeout=10)
    assert r.status_code == 202, r.text
    task = r.json()["task_id"]
    deadline = time.time() + 60
    while True:
        runs = {x["task_id"]: x for x in get(stack, auth, "/api/v1/etl/status/")["runs"]}
        if runs.get(task, {}).get("status") in ("success", "failed"):
            break
        assert time.time() < deadline, runs
        time.sleep(0.2)
    assert runs[task]["status"] == "success" and runs[task]["rows_rejected"] == len(BAD_LINES)
    path = f"/api/v1/etl/runs/{task}/rejects/"
    count, rows = walk(stack, auth, path, {}, 2)
    assert count == len(BAD_LINES)
    assert [x["line"] for x in rows] == sorted(BAD_LINES)
    lines = [HEADER] + CSV_ROWS
    assert [x["raw"] for x in rows] == [lines[n - 1] for n in sorted(BAD_LINES)]
    assert all(list(x) == ["line", "reason", "raw"] and x["reason"] for x in rows)
    stored = stack.execute("""SELECT line_number, reason, raw FROM etl_rejects
                               WHERE run_id = (SELECT run_id FROM etl_runs WHERE task_id = %s)
                               ORDER BY line_number""", (task,))
    assert [(x["line"], x["reason"], x["raw"]) for x in rows] == [tuple(s) for s in stored]
    assert "order_date" in rows[0]["reason"] and "quantity" in rows[1]["reason"]
    get(stack, auth, path, {"page": 4, "page_size": 2}, expect=404)
    # the load's rows show up in the lists: the store and the search index follow it
    zoe = eventually(stack, auth, "/api/v1/customers/", {"search": "ZOË"})
    assert [c["customer_id"] for c in zoe] == ["BX-1"]
    assert zoe == customers_truth(stack, "zoë")
    cay = eventually(stack, auth, "/api/v1/products/", {"search": "çay b", "category": "Küche"})
    assert cay == products_truth(stack, "çay b", "Küche")
    assert cay[0]["units_sold"] == 3
    # every figure after the store's refresh (the load's orders merged into the old ones)
    for path, truth in (("/api/v1/customers/", customers_truth), ("/api/v1/products/",
                                                                   products_truth)):
        for ordering in ("-revenue", "-last_order_date" if "customers" in path else "-units_sold"):
            rows = walk(stack, auth, path, {"ordering": ordering}, 100)[1]
            assert rows == ordered(truth(stack), ordering, rows and list(rows[0])[0])
    # a run without rejects lists none; unknown and malformed task ids are 404
    clean = stack.execute("SELECT task_id::text FROM etl_runs WHERE rows_rejected = 0")
    for bad in ["00000000-0000-4000-8000-000000000000", "not-a-uuid", "x" * 500,
                task.upper().replace("-", "")]:
        body = get(stack, auth, f"/api/v1/etl/runs/{bad}/rejects/", expect=404)
        assert body["error"] == "not_found"
    assert get(stack, auth, f"/api/v1/etl/runs/{task.upper()}/rejects/")["count"] == count
    for (other,) in clean:
        assert get(stack, auth, f"/api/v1/etl/runs/{other}/rejects/")["count"] == 0
    r = requests.get(stack.url(f"/api/v1/etl/runs/{task}/rejects/?task_id={task}"),
                     headers=auth, timeout=10)
    assert r.status_code == 400
    assert requests.get(stack.url("/api/v1/etl/runs//rejects/"), headers=auth,
                        timeout=10).status_code == 404
