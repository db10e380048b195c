"""format=csv on the analytics routes (SPEC §10, issue 19): each answer's CSV against the
JSON answer of the same request (whose numbers the other e2e tests check against SQL), read
back with Python's csv module: the header is the rows' scalar fields in JSON order, one line
per row (kpis: one; cohorts: one per period, the cohort's fields first), every value equal
(numbers as JSON writes them, null empty), a name with a comma, quotes and a line break
round-trips (RFC 4180), Content-Type text/csv; charset=utf-8, Content-Disposition attachment
with the route's file name, CRLF line ends. format=json is the JSON answer, format=xml 400.
The three lists stream every matching row (EXPORT_MAX_ROWS, lowered to 1,500 here, then
X-Export-Truncated), equal to walking their JSON pages; a client that leaves stops the
export (no page asked for after it)."""
import csv
import io

import pytest
import requests

SEED = {"orders": 4000, "customers": 500, "products": 40, "days": 200, "random_seed": 3}
SERVICES = {"kpi": 1, "customer": 1, "product": 1, "orders": 1}
EXPORT_MAX_ROWS = 1500
TRICKY = 'Mug, "large"\nblue'

CASES = [
    ("/api/v1/kpis/", {}, "kpis", None, None),
    ("/api/v1/kpis/", {"start_date": "2025-09-01", "end_date": "2025-10-15",
                       "compare": "previous_period"}, "kpis", None, None),
    ("/api/v1/revenue/trends/", {"granularity": "weekly"}, "revenue-trends", "points", None),
    ("/api/v1/customers/segments/", {}, "customer-segments", "segments", None),
    ("/api/v1/products/top-sellers/", {"limit": "50"}, "top-sellers", "items", None),
    ("/api/v1/revenue/breakdown/", {"by": "city"}, "revenue-breakdown", "items", None),
    ("/api/v1/customers/cohorts/", {}, "customer-cohorts", "cohorts", "periods"),
    ("/api/v1/revenue/trends/", {"start_date": "2030-01-01", "end_date": "2030-01-02",
                                 "category": "nothing"}, "revenue-trends", "points", None),
]


@pytest.fixture(scope="module")
def stack(make_stack):
    s = make_stack(seed=SEED, env={"EXPORT_MAX_ROWS": str(EXPORT_MAX_ROWS)}, start=False)
    s.create_database()
    s.execute("UPDATE dim_product SET name = %s WHERE product_key = "
              "(SELECT product_key FROM fact_order GROUP BY 1 ORDER BY sum(total_amount) DESC "
              "LIMIT 1)", (TRICKY,))
    return s.start(services=SERVICES)


def scalar_fields(row):
    return [(k, v) for k, v in row.items() if not isinstance(v, (dict, list))]


def as_text(value):
    """A JSON value as the CSV writes it: null empty, numbers as JSON prints them."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value) if isinstance(value, float) else str(value)


def expected_lines(answer, rows, nested):
    if rows is None:
        return [scalar_fields(answer)]
    lines = []
    for row in answer[rows]:
        if nested:
            lines += [scalar_fields(row) + scalar_fields(sub) for sub in row[nested]]
        else:
            lines.append(scalar_fields(row))
    return lines


@pytest.mark.parametrize("path,params,name,rows,nested", CASES)
def test_csv_is_the_json_answer(stack, path, params, name, rows, nested):
    answer = requests.get(stack.url(path), params=params, timeout=10)
    assert answer.status_code == 200, answer.text
    answer = answer.json()
    r = requests.get(stack.url(path), params={**params, "format": "csv"}, timeout=10)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert r.headers["Content-Disposition"] == f'attachment; filename="{name}.csv"'
    text = r.content.decode("utf-8")
    assert text.endswith("\r\n")
    table = list(csv.reader(io.StringIO(text, newline="")))
    lines = expected_lines(answer, rows, nested)
    if lines:
        assert table[0] == [k for k, _ in lines[0]]
    else:
        assert len(table) == 1 and table[0]  # the header alone
    assert table[1:] == [[as_text(v) for _, v in line] for line in lines]
    # floats read back equal to the JSON numbers (no rounding on the way)
    for got, line in zip(table[1:], lines):
        for cell, (_, v) in zip(got, line):
            if isinstance(v, float):
                assert float(cell) == v


def test_a_name_with_comma_quotes_and_newline_round_trips(stack):
    r = requests.get(stack.url("/api/v1/products/top-sellers/"), params={"format": "csv"},
                     timeout=10)
    table = list(csv.reader(io.StringIO(r.content.decode("utf-8"), newline="")))
    names = [row[table[0].index("name")] for row in table[1:]]
    assert names[0] == TRICKY
    assert '"Mug, ""large""\nblue"' in r.content.decode("utf-8")


def test_format_values(stack):
    plain = requests.get(stack.url("/api/v1/kpis/"), timeout=10).json()
    as_json = requests.get(stack.url("/api/v1/kpis/"), params={"format": "json"}, timeout=10)
    assert as_json.status_code == 200
    assert as_json.headers["Content-Type"] == "application/json"
    assert {k: v for k, v in as_json.json().items() if k != "cache"} == \
        {k: v for k, v in plain.items() if k != "cache"}
    for bad in ("xml", "CSV", "csv "):
        r = requests.get(stack.url("/api/v1/kpis/"), params={"format": bad}, timeout=10)
        assert r.status_code == 400, (bad, r.text)
        assert r.json()["error"] == "bad_request"


def token(stack):
    import datetime
    import jwt
    now = int(datetime.datetime.now().timestamp())
    return jwt.encode({"sub": "tester", "iat": now, "exp": now + 3600, "jti": "x",
                       "token_type": "access"}, stack.jwt_secret, algorithm="HS256")


def json_pages(stack, path, params):
    """Every row of a list, walking its JSON pages (next links) as a client would."""
    auth = {"Authorization": "Bearer " + token(stack)}
    r = requests.get(stack.url(path), params={**params, "page_size": "100"}, headers=auth,
                     timeout=10)
    assert r.status_code == 200, r.text
    rows, count = [], r.json()["count"]
    while True:
        body = r.json()
        rows += body["results"]
        if not body["next"]:
            return rows, count
        r = requests.get(body["next"], headers=auth, timeout=10)
        assert r.status_code == 200, r.text


LISTS = [
    ("/api/v1/orders/", {}, "orders"),
    ("/api/v1/orders/", {"start_date": "2025-09-01", "end_date": "2025-10-31"}, "orders"),
    ("/api/v1/customers/", {"search": "a", "ordering": "-revenue"}, "customers"),
    ("/api/v1/products/", {"ordering": "-units_sold"}, "products"),
    ("/api/v1/customers/", {"search": "no such customer at all"}, "customers"),
]


@pytest.mark.parametrize("path,params,name", LISTS)
def test_a_list_streams_every_row(stack, path, params, name):
    """Every matching row (up to EXPORT_MAX_ROWS, set to 1,500 here), in the list's order,
    equal to the rows of its JSON pages; page and page_size ignored."""
    rows, count = json_pages(stack, path, params)
    r = requests.get(stack.url(path), params={**params, "format": "csv", "page": "3",
                                                "page_size": "7"},
                     headers={"Authorization": "Bearer " + token(stack)}, timeout=30)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert r.headers["Content-Disposition"] == f'attachment; filename="{name}.csv"'
    table = list(csv.reader(io.StringIO(r.content.decode("utf-8"), newline="")))
    assert table[0], "a header row, also without rows"
    want = rows[:EXPORT_MAX_ROWS]
    if want:
        assert table[0] == [k for k, _ in scalar_fields(want[0])]
    assert table[1:] == [[as_text(v) for _, v in scalar_fields(row)] for row in want]
    truncated = count > EXPORT_MAX_ROWS
    assert r.headers.get("X-Export-Truncated") == ("true" if truncated else None)


def test_list_export_needs_a_token_and_a_csv_route(stack):
    r = requests.get(stack.url("/api/v1/orders/"), params={"format": "csv"}, timeout=10)
    assert r.status_code == 401
    r = requests.get(stack.url("/api/v1/etl/status/"), params={"format": "csv"},
                     headers={"Authorization": "Bearer " + token(stack)}, timeout=10)
    assert r.status_code == 400
    r = requests.get(stack.url("/api/v1/orders/"), params={"format": "csv", "ordering": "x",
                                                           "start_date": "bad"},
                     headers={"Authorization": "Bearer " + token(stack)}, timeout=10)
    assert r.status_code == 400 and r.headers["Content-Type"] == "application/json"


def test_a_client_that_leaves_stops_the_export(stack):
    """The export asks for the next page only once the last one is sent: a client that reads
    a little and closes stops it; the service sees no more pages after a moment."""
    import socket
    import time

    def list_calls():
        return stack.log("orders-0").count("op=list")

    before = list_calls()
    sock = socket.create_connection(("127.0.0.1", stack.api_port), timeout=10)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.sendall((f"GET /api/v1/orders/?format=csv HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                  f"Authorization: Bearer {token(stack)}\r\n\r\n").encode())
    assert sock.recv(1024).startswith(b"HTTP/1.1 200")
    sock.close()
    time.sleep(1.5)
    after_close = list_calls()
    time.sleep(1.5)
    assert list_calls() == after_close, "pages asked for after the client left"
    assert after_close - before < SEED["orders"] // 100, "the whole list was read anyway"
