"""ecom-orders behind the gateway: GET /api/v1/orders/ (SPEC §6, issue 6) on a seeded
database, every answer checked against an independent computation: the whole fact_order
table read with psycopg2, joined and sorted in Python (order_date, then order_id as bytes,
both descending).

Covered: count, page contents and order, next/previous absolute URLs (built from Host,
keeping the other parameters, changing only page), page_size default/clamping, the 400s
(non-integer page or page_size, page < 1, bad dates, start after end), page past the end
404, the empty list's page 1, the filters customer_id / start_date / end_date alone and
together, the 401s (gateway and, over raw MDP without a sub, the service itself)."""
import datetime
from urllib.parse import parse_qs, unquote, urlsplit

import jwt
import pytest
import requests

from mdp_peer import mdp_call

SEED = {"orders": 3000, "customers": 40, "products": 25, "days": 90, "random_seed": 11}


@pytest.fixture(scope="module")
def stack(make_stack):
    return make_stack(seed=SEED, services={"orders": 1})


@pytest.fixture(scope="module")
def truth(stack):
    """Every order as the API should show it, newest first."""
    with stack.db() as conn, conn.cursor() as cur:
        cur.execute("""
            SELECT f.order_id, f.order_date, c.customer_id, c.name, p.product_id, p.name,
                   p.category, f.quantity, f.unit_price, f.total_amount
              FROM fact_order f
              JOIN dim_customer c USING (customer_key)
              JOIN dim_product p USING (product_key)""")
        rows = cur.fetchall()
    keys = ("order_id", "order_date", "customer_id", "customer_name", "product_id",
            "product_name", "product_category", "quantity", "unit_price", "total_amount")
    orders = []
    for row in rows:
        o = dict(zip(keys, row))
        o["order_date"] = o["order_date"].isoformat()
        o["unit_price"] = float(o["unit_price"])
        o["total_amount"] = float(o["total_amount"])
        orders.append(o)
    orders.sort(key=lambda o: (o["order_date"], o["order_id"].encode()), reverse=True)
    assert len(orders) == SEED["orders"]
    return orders


@pytest.fixture(scope="module")
def auth(stack):
    now = int(datetime.datetime.now().timestamp())
    token = jwt.encode({"sub": "tester", "iat": now, "exp": now + 3600, "jti": "t",
                        "token_type": "access"}, stack.jwt_secret, algorithm="HS256")
    return {"Authorization": "Bearer " + token}


def get(stack, auth, query="", headers=None, expect=200):
    h = dict(auth)
    h.update(headers or {})
    r = requests.get(stack.url("/api/v1/orders/" + query), headers=h, timeout=10)
    assert r.status_code == expect, (query, r.status_code, r.text)
    assert r.headers["Content-Type"] == "application/json"
    assert "X-Cache" not in r.headers
    return r.json()


def base(stack):
    return f"http://127.0.0.1:{stack.api_port}"


def link_params(url):
    parts = urlsplit(url)
    assert parts.path == "/api/v1/orders/"
    return {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}


def select(truth, customer_id=None, start=None, end=None):
    return [o for o in truth
            if (customer_id is None or o["customer_id"] == customer_id)
            and (start is None or o["order_date"] >= start)
            and (end is None or o["order_date"] <= end)]


# -- pages -------------------------------------------------------------------------------------


def test_first_page(stack, auth, truth):
    body = get(stack, auth)
    assert list(body) == ["count", "next", "previous", "results"]
    assert body["count"] == len(truth)
    assert body["previous"] is None
    assert body["next"] == base(stack) + "/api/v1/orders/?page=2"
    assert body["results"] == truth[:20]
    for o in body["results"]:
        assert list(o) == ["order_id", "order_date", "customer_id", "customer_name",
                           "product_id", "product_name", "product_category", "quantity",
                           "unit_price", "total_amount"]
        assert isinstance(o["quantity"], int)
        assert isinstance(o["unit_price"], (int, float))
        assert round(o["quantity"] * o["unit_price"], 2) == o["total_amount"]


def test_walking_next_links_gives_every_order_once(stack, auth, truth):
    url = stack.url("/api/v1/orders/?page_size=100")
    seen, pages = [], 0
    while url:
        assert url.startswith(base(stack))
        r = requests.get(url, headers=auth, timeout=10)
        assert r.status_code == 200, r.text
        body = r.json()
        pages += 1
        assert body["count"] == len(truth)
        if pages == 1:
            assert body["previous"] is None
        else:
            assert link_params(body["previous"]) == {"page_size": "100", "page": str(pages - 1)}
        seen += body["results"]
        url = body["next"]
        if url:
            assert link_params(url) == {"page_size": "100", "page": str(pages + 1)}
    assert pages == 30
    assert seen == truth


def test_every_page_of_a_page_size(stack, auth, truth):
    size = 7
    last = (len(truth) + size - 1) // size
    for page in (1, 2, 3, 50, 100, 250, last - 1, last):
        body = get(stack, auth, f"?page={page}&page_size={size}")
        assert body["results"] == truth[(page - 1) * size:page * size], page
        assert (body["next"] is None) == (page == last)
        assert (body["previous"] is None) == (page == 1)
        if page > 1:
            assert link_params(body["previous"]) == {"page": str(page - 1),
                                                     "page_size": str(size)}
    body = get(stack, auth, f"?page={last + 1}&page_size={size}", expect=404)
    assert body["error"] == "not_found" and str(last) in body["detail"]
    get(stack, auth, "?page=99999999999999999999999", expect=404)


@pytest.mark.parametrize("size,effective", [("1", 1), ("100", 100), ("101", 100), ("5000", 100),
                                            ("0", 1), ("-3", 1), ("%2B5", 5), ("", 20),
                                            ("99999999999999999999", 100)])
def test_page_size_is_clamped(stack, auth, truth, size, effective):
    body = get(stack, auth, f"?page_size={size}")
    assert body["results"] == truth[:effective]
    if size:
        # as given, only page changes
        assert link_params(body["next"])["page_size"] == unquote(size)


@pytest.mark.parametrize("query", ["page=0", "page=-1", "page=x", "page=1.5", "page=1e3",
                                   "page=%202", "page=2%20", "page=+", "page_size=abc",
                                   "page_size=2.0", "page_size=-", "start_date=2024-2-01",
                                   "end_date=2024-02-30", "start_date=yesterday",
                                   "start_date=2024-03-02&end_date=2024-03-01"])
def test_bad_parameters_are_400(stack, auth, query):
    body = get(stack, auth, "?" + query, expect=400)
    assert body["error"] == "bad_request" and body["detail"]


# -- filters -------------------------------------------------------------------------------------


def test_filters(stack, auth, truth):
    dates = sorted({o["order_date"] for o in truth})
    busiest = max({o["customer_id"] for o in truth},
                  key=lambda c: sum(o["customer_id"] == c for o in truth))
    mid, late = dates[len(dates) // 3], dates[2 * len(dates) // 3]
    cases = [
        {"customer_id": busiest},
        {"start_date": mid},
        {"end_date": mid},
        {"start_date": mid, "end_date": late},
        {"start_date": mid, "end_date": mid},
        {"customer_id": busiest, "start_date": mid, "end_date": late},
        {"customer_id": busiest, "end_date": mid},
        {"start_date": "2000-01-01", "end_date": "2999-12-31"},
    ]
    for params in cases:
        expected = select(truth, params.get("customer_id"), params.get("start_date"),
                          params.get("end_date"))
        assert expected, params
        got, page = [], 1
        while True:
            r = requests.get(stack.url("/api/v1/orders/"), headers=auth, timeout=10,
                             params={**params, "page_size": 9, "page": page})
            assert r.status_code == 200, (params, r.text)
            body = r.json()
            assert body["count"] == len(expected), params
            got += body["results"]
            if not body["next"]:
                break
            assert link_params(body["next"]) == {**params, "page_size": "9",
                                                 "page": str(page + 1)}
            page += 1
        assert got == expected, params
        assert page == (len(expected) + 8) // 9


def test_empty_lists(stack, auth):
    for query in ("?customer_id=no-such-customer", "?start_date=2999-01-01",
                  "?end_date=1999-01-01", "?customer_id=%27%3B%20DROP%20TABLE%20x"):
        body = get(stack, auth, query)
        assert body == {"count": 0, "next": None, "previous": None, "results": []}, query
        get(stack, auth, query + "&page=2", expect=404)


def test_values_in_links_are_escaped(stack, auth, truth):
    customer = truth[0]["customer_id"]
    body = get(stack, auth, f"?customer_id={customer}&page_size=1&unknown=x%20y")
    nxt = body["next"]
    assert " " not in nxt
    # only the list's own parameters are kept
    assert link_params(nxt) == {"customer_id": customer, "page_size": "1", "page": "2"}
    r = requests.get(stack.url("/api/v1/orders/"), headers=auth, timeout=10,
                     params={"customer_id": "a b&c=d/é", "page": 1})
    assert r.json()["count"] == 0


# -- links follow the Host the client used -------------------------------------------------------


def test_links_use_the_host_header(stack, auth):
    body = get(stack, auth, "?page=2", headers={"Host": "api.example.com:8443"})
    assert body["next"] == "http://api.example.com:8443/api/v1/orders/?page=3"
    assert body["previous"] == "http://api.example.com:8443/api/v1/orders/?page=1"
    body = get(stack, auth, headers={"Host": "[::1]:9000"})
    assert body["next"] == "http://[::1]:9000/api/v1/orders/?page=2"
    # a Host that is not host[:port] is replaced by API_HOST:API_PORT
    for host in ("evil.com/x?y=", "a@b", "x" * 300, "évil"):
        body = get(stack, auth, headers={"Host": host.encode("utf-8")})
        assert body["next"] == base(stack) + "/api/v1/orders/?page=2", host


# -- auth ----------------------------------------------------------------------------------------


def test_needs_an_access_token(stack):
    r = requests.get(stack.url("/api/v1/orders/"), timeout=10)
    assert r.status_code == 401 and r.json()["error"] == "unauthorized"
    now = int(datetime.datetime.now().timestamp())
    refresh = jwt.encode({"sub": "tester", "iat": now, "exp": now + 60, "jti": "r",
                          "token_type": "refresh"}, stack.jwt_secret, algorithm="HS256")
    r = requests.get(stack.url("/api/v1/orders/"), timeout=10,
                     headers={"Authorization": "Bearer " + refresh})
    assert r.status_code == 401 and r.json()["error"] == "unauthorized"


def test_service_refuses_a_request_without_sub(stack, truth):
    reply = mdp_call(stack.broker_endpoint, "orders", {"op": "list", "params": {}})
    assert reply["status"] == 401 and reply["body"]["error"] == "unauthorized"
    # with a sub and no base_url (an internal caller) the links use API_HOST:API_PORT
    reply = mdp_call(stack.broker_endpoint, "orders",
                     {"op": "list", "params": {"page_size": "2"}, "sub": "x"})
    assert reply["status"] == 200
    assert reply["body"]["next"] == base(stack) + "/api/v1/orders/?page_size=2&page=2"
    assert reply["body"]["results"] == truth[:2]
    # a malformed base_url is a malformed request
    reply = mdp_call(stack.broker_endpoint, "orders",
                     {"op": "list", "params": {}, "sub": "x", "base_url": "http://a b"})
    assert reply["status"] == 400
