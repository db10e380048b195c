"""`ecomctl load-csv`, the CSV orders load job of SPEC §5, end to end: what lands in the star
schema, what is rejected and why, and what the run records. Each test has its own database."""
import csv
import datetime
import io
import os
import random
import subprocess
import uuid
from decimal import Decimal

import psycopg2
import pytest

BIN = os.path.join(os.environ["ECOM_BIN_DIR"], "ecomctl")
ADMIN_URL = os.environ["DATABASE_URL"]
SOURCE = os.environ.get("ECOM_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
HEADER = ("order_id,order_date,customer_id,customer_name,customer_email,customer_city,"
          "customer_country,product_id,product_name,product_category,quantity,unit_price")


@pytest.fixture
def db():
    name = "load_" + uuid.uuid4().hex[:12]
    admin = psycopg2.connect(ADMIN_URL)
    admin.autocommit = True
    admin.cursor().execute(f"CREATE DATABASE {name}")
    url = ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    assert ctl(url, "migrate").returncode == 0
    yield url
    admin.cursor().execute(f"DROP DATABASE {name} WITH (FORCE)")
    admin.close()


def ctl(url, *args):
    env = dict(os.environ, DATABASE_URL=url)
    return subprocess.run([BIN, *args], env=env, capture_output=True, text=True, timeout=120)


def load(url, path):
    result = ctl(url, "load-csv", str(path))
    printed = dict(line.split(" ", 1) for line in result.stdout.strip().splitlines())
    return result, printed


def query(url, sql, *params):
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


def row(order_id, date="2025-03-01", customer="C1", name="Ann", product="P1",
        pname="Pen", category="Office", quantity="1", price="2.50", email="ann@example.com",
        city="Oslo", country="Norway"):
    return ",".join([order_id, date, customer, name, email, city, country, product, pname,
                     category, quantity, price])


def test_sample_loads_10_then_0(db):
    sample = os.path.join(SOURCE, "data", "raw", "orders.csv")
    first, printed = load(db, sample)
    assert first.returncode == 0, first.stderr
    assert printed["status"] == "success"
    assert (printed["rows_read"], printed["rows_loaded"], printed["rows_skipped"],
            printed["rows_rejected"]) == ("10", "10", "0", "0")
    # the numbers, independently from the file
    with open(sample, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    expected_revenue = sum(int(r["quantity"]) * float(r["unit_price"]) for r in rows)
    (count, revenue), = query(db, "SELECT count(*), sum(total_amount)::float FROM fact_order")
    assert count == 10
    assert revenue == pytest.approx(expected_revenue, abs=0.005)
    # quoting survived: a comma and doubled quotes inside fields
    assert query(db, "SELECT name FROM dim_product WHERE product_id = 'SKU-310'") == [("Thriller, Signed Edition",)]
    assert query(db, "SELECT name FROM dim_customer WHERE customer_id = 'CUST-005'") == [('Linus "Penguin" Torvalds',)]
    # the daily rollup agrees with the facts
    assert query(db, "SELECT sum(orders), sum(revenue)::float FROM agg_daily_sales") == [(10, pytest.approx(expected_revenue))]

    second, printed = load(db, sample)
    assert second.returncode == 0
    assert (printed["rows_loaded"], printed["rows_skipped"]) == ("0", "10")
    assert query(db, "SELECT count(*) FROM fact_order")[0][0] == 10
    runs = query(db, "SELECT task_id::text, trigger, status, rows_read, rows_loaded, rows_skipped,"
                     " rows_rejected, started_at IS NOT NULL, finished_at IS NOT NULL"
                     " FROM etl_runs ORDER BY run_id")
    assert [r[1:] for r in runs] == [("cli", "success", 10, 10, 0, 0, True, True),
                                     ("cli", "success", 10, 0, 10, 0, True, True)]
    assert runs[0][0] in first.stdout


def test_the_data_version_moves_only_when_a_load_changes_data(db, tmp_path):
    """The version is bumped by a load that loads an order, inserts a customer or product,
    or changes one of their attributes; a load that does none of these (every order
    skipped, attributes written again as they are, rejects) keeps it, and still succeeds
    and is recorded."""
    def version():
        return query(db, "SELECT version FROM data_version WHERE id = 1")[0][0]

    def run(name, *lines):
        result, printed = load(db, write(tmp_path, name, "\n".join([HEADER, *lines]) + "\n"))
        assert result.returncode == 0, result.stderr
        return int(printed["rows_loaded"])

    v = version()
    assert run("a.csv", row("V1"), row("V2", customer="C2", product="P2")) == 2
    assert version() == v + 1
    # the same rows again, plus a reject: nothing changes
    assert run("b.csv", row("V1"), row("V2", customer="C2", product="P2"), row("V9", quantity="0")) == 0
    assert version() == v + 1
    assert query(db, "SELECT status, rows_skipped, rows_rejected FROM etl_runs ORDER BY run_id DESC"
                     " LIMIT 1") == [("success", 2, 1)]
    # an attribute changes back and forth inside the file but ends as it was: no change
    assert run("c.csv", row("V1", city="Paris"), row("V1", city="Oslo")) == 0
    assert version() == v + 1
    # only a product's category changes
    assert run("d.csv", row("V1", category="Stationery")) == 0
    assert version() == v + 2
    # only a new customer, named by an order already loaded
    assert run("e.csv", row("V2", customer="C3", product="P2")) == 0
    assert version() == v + 3
    assert query(db, "SELECT count(*) FROM dim_customer")[0][0] == 3
    # a new order
    assert run("f.csv", row("V3")) == 1
    assert version() == v + 4


def test_each_kind_of_malformed_row_is_rejected_with_its_reason(db, tmp_path):
    lines = [
        HEADER,
        row("A1"),                                       # line 2: good
        row("A2", date="2025-02-30"),                    # 3: bad date
        row("A3", quantity="0"),                         # 4: quantity 0
        row("A4", price="-1.00"),                        # 5: negative price
        row("A5", price="1.005"),                        # 6: three decimals
        row("", customer="C2"),                          # 7: empty order id
        row("A7") + ",extra",                            # 8: 13 fields
        "A8,2025-03-01,C1",                              # 9: 3 fields
        row("A9", name='"Unterminated'),                 # 10: unterminated quote
        row("A10", product="P2", pname="Mug"),           # 11: good (after the stray quote)
        row("A11", date="2025-3-01"),                    # 12: not zero-padded
        row("A12", quantity="2.5"),                      # 13: quantity not whole
        row("A13", customer="  "),                       # 14: blank customer id
        row("A14", name='An"n'),                         # 15: quote inside unquoted field
    ]
    text = "\n".join(lines) + "\n"
    # line 16: invalid UTF-8 in the name
    data = text.encode() + row("A15", name="X").encode().replace(b"X", b"\xff\xfe") + b"\n"
    data += (row("A16", quantity="3", price="10") + "\n").encode()  # 17: good
    path = write(tmp_path, "bad.csv", data)
    result, printed = load(db, path)
    assert result.returncode == 0, result.stderr
    assert printed["rows_read"] == "16"
    assert printed["rows_loaded"] == "3"
    assert printed["rows_rejected"] == "13"
    assert sorted(r[0] for r in query(db, "SELECT order_id FROM fact_order")) == ["A1", "A10", "A16"]
    rejects = dict((line, (raw, reason)) for line, raw, reason in
                   query(db, "SELECT line_number, raw, reason FROM etl_rejects"))
    expected = {3: "order_date", 4: "quantity", 5: "unit_price", 6: "unit_price",
                7: "order_id is empty", 8: "expected 12 fields, got 13",
                9: "expected 12 fields, got 3", 10: "unterminated", 12: "order_date",
                13: "quantity", 14: "customer_id is empty", 15: "malformed quoting",
                16: "UTF-8"}
    assert sorted(rejects) == sorted(expected)
    for line, fragment in expected.items():
        assert fragment in rejects[line][1], (line, rejects[line])
    # raw text kept as it was (line numbers are the file's physical lines)
    assert rejects[3][0] == lines[2]
    assert rejects[8][0] == lines[7]
    assert rejects[10][0] == lines[9]
    assert "\\xff\\xfe" in rejects[16][0]


def test_header_mismatch_and_empty_file_fail_and_load_nothing(db, tmp_path):
    wrong = write(tmp_path, "wrong.csv", HEADER.replace("unit_price", "price") + "\n" + row("B1") + "\n")
    result, printed = load(db, wrong)
    assert result.returncode == 1
    assert printed["status"] == "failed"
    assert "header" in result.stderr
    empty = write(tmp_path, "empty.csv", "")
    result, _ = load(db, empty)
    assert result.returncode == 1
    assert "empty" in result.stderr
    missing, _ = load(db, tmp_path / "nope.csv")
    assert missing.returncode == 1
    assert query(db, "SELECT count(*) FROM fact_order")[0][0] == 0
    runs = query(db, "SELECT status, error FROM etl_runs ORDER BY run_id")
    assert [r[0] for r in runs] == ["failed", "failed", "failed"]
    assert "header" in runs[0][1] and "empty" in runs[1][1] and "nope.csv" in runs[2][1]


def test_duplicates_skipped_and_latest_row_wins_for_attributes(db, tmp_path):
    first = write(tmp_path, "a.csv", "\n".join([
        HEADER,
        row("D1", customer="C1", name="Ann Old", city="Oslo", quantity="1", price="5.00"),
        row("D2", customer="C1", name="Ann New", city="Bergen"),
        row("D1", customer="C1", name="Ann Dup", quantity="9", price="9.00"),   # duplicate id
        row("D3", customer="C9", name="Bob", product="P1", pname="Pen v2", category="Office"),
    ]) + "\r\n")   # CRLF line endings work too
    result, printed = load(db, first)
    assert result.returncode == 0, result.stderr
    assert (printed["rows_loaded"], printed["rows_skipped"]) == ("3", "1")
    # the first occurrence of D1 is the one loaded
    assert query(db, "SELECT quantity, unit_price::text FROM fact_order WHERE order_id = 'D1'") == [(1, "5.00")]
    # the last valid row wins for the customer, the duplicate row's attributes included
    assert query(db, "SELECT name, city FROM dim_customer WHERE customer_id = 'C1'") == [("Ann Dup", "Oslo")]
    second = write(tmp_path, "b.csv", "\n".join([
        HEADER, row("D2", customer="C1", name="Ann Final", city="Tromso"), row("D4", customer="C9", name="Bob")]) + "\n")
    result, printed = load(db, second)
    assert (printed["rows_loaded"], printed["rows_skipped"]) == ("1", "1")
    assert query(db, "SELECT name, city FROM dim_customer WHERE customer_id = 'C1'") == [("Ann Final", "Tromso")]
    assert query(db, "SELECT count(*) FROM dim_customer")[0][0] == 2
    # every fact row points at existing dimension rows
    orphans = query(db, "SELECT count(*) FROM fact_order f"
                        " WHERE NOT EXISTS (SELECT 1 FROM dim_customer c WHERE c.customer_key = f.customer_key)"
                        " OR NOT EXISTS (SELECT 1 FROM dim_product p WHERE p.product_key = f.product_key)"
                        " OR NOT EXISTS (SELECT 1 FROM dim_time t WHERE t.date = f.order_date)")[0][0]
    assert orphans == 0


def test_bad_arguments(db):
    result = ctl(db, "load-csv", "--fast")
    assert result.returncode == 2
    assert "--fast" in result.stderr
    result = ctl(db, "load-csv", "a.csv", "b.csv")
    assert result.returncode == 2


def _model_file(rng, ids, customers=400, products=60):
    """Rows of an order file (order ids from `ids`, in that order, some repeated), customers
    whose names and cities change now and then (and change back), and a few malformed rows.
    Returns the CSV text and the rows as lists of fields (None for a malformed one)."""
    lines, rows = [HEADER], []
    for order_id in ids:
        c, p = rng.randrange(customers), rng.randrange(products)
        variant = 1 if rng.random() < 0.1 else 0
        day = datetime.date(2024, 1, 1) + datetime.timedelta(days=rng.randrange(700))
        fields = [order_id, day.isoformat(), f"C{c:04d}", f"Name {c} v{variant}",
                  f"c{c}@example.com", "Oslo" if variant == 0 else "Bergen, Norway", "Norway",
                  f"P{p:03d}", f"Product {p}" + (' "new"' if rng.random() < 0.05 else ""),
                  "Office", str(rng.randrange(1, 6)), f"{rng.randrange(1, 100000) / 100:.2f}"]
        if rng.random() < 0.01:
            lines.append(",".join(fields[:5]))  # too few fields
            rows.append(None)
            continue
        out = io.StringIO()
        csv.writer(out, lineterminator="").writerow(fields)
        lines.append(out.getvalue())
        rows.append(fields)
    return "\n".join(lines) + "\n", rows


def _apply(model, rows):
    """What a load of rows must do to model (orders, customers, products); returns the
    (loaded, skipped, rejected) counts."""
    loaded = skipped = rejected = 0
    for r in rows:
        if r is None:
            rejected += 1
            continue
        model["dates"].add(r[1])  # dim_time gets the dates of every valid row
        model["customers"][r[2]] = tuple(r[3:7])
        model["products"][r[7]] = tuple(r[8:10])
        if r[0] in model["orders"]:
            skipped += 1
        else:
            model["orders"][r[0]] = (r[1], r[2], r[7], int(r[10]), Decimal(r[11]))
            loaded += 1
    return loaded, skipped, rejected


def _check_against_model(db, model):
    facts = query(db, "SELECT f.order_id, f.order_date::text, c.customer_id, p.product_id,"
                      " f.quantity, f.unit_price, f.total_amount FROM fact_order f"
                      " JOIN dim_customer c USING (customer_key) JOIN dim_product p USING (product_key)")
    assert {f[0]: f[1:6] for f in facts} == model["orders"]
    assert all(f[6] == f[4] * f[5] for f in facts)
    assert dict((r[0], r[1:]) for r in query(db, "SELECT customer_id, name, email, city, country FROM dim_customer")) == model["customers"]
    assert dict((r[0], r[1:]) for r in query(db, "SELECT product_id, name, category FROM dim_product")) == model["products"]
    assert {r[0] for r in query(db, "SELECT date::text FROM dim_time")} == model["dates"]
    daily = {}
    for date, customer, product, quantity, price in model["orders"].values():
        d = daily.setdefault(date, [0, 0, Decimal(0)])
        d[0] += 1; d[1] += quantity; d[2] += quantity * price
    assert {r[0]: list(r[1:]) for r in query(db, "SELECT date::text, orders, units, revenue FROM agg_daily_sales")} == daily


FACT_INDEXES = ("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'fact_order'"
                " ORDER BY indexname")
# every index a load may drop and build again: fact_order's, the dimensions' and the rollup's
LOADED_INDEXES = ("SELECT tablename, indexname, indexdef FROM pg_indexes WHERE tablename IN"
                  " ('fact_order', 'dim_customer', 'dim_product', 'agg_daily_sales')"
                  " ORDER BY 1, 2")


@pytest.mark.parametrize("first_sorted", [False, True], ids=["shuffled-then-sorted", "sorted-then-shuffled"])
def test_loads_big_and_small_match_an_independent_model(db, tmp_path, first_sorted):
    """A first load bigger than the table (the loader rebuilds fact_order's indexes after the
    insert) and a second, smaller one (index entries added row by row), each with ids in file
    order either increasing or shuffled with repeats: facts, dimensions (last valid row wins),
    dates and the three rollups equal a model computed here from the files, and fact_order
    keeps exactly the indexes it had."""
    rng = random.Random(7 if first_sorted else 8)
    indexes = query(db, FACT_INDEXES)
    assert len(indexes) >= 3  # the primary key and the order list's two, at least
    all_indexes = query(db, LOADED_INDEXES)
    model = {"orders": {}, "customers": {}, "products": {}, "dates": set()}

    ids = [f"O{n:06d}" for n in range(3000)]
    if not first_sorted:
        ids += rng.sample(ids, 200)  # repeats inside the file
        rng.shuffle(ids)
    text, rows = _model_file(rng, ids)
    expected = _apply(model, rows)
    result, printed = load(db, write(tmp_path, "first.csv", text))
    assert result.returncode == 0, result.stderr
    assert (int(printed["rows_loaded"]), int(printed["rows_skipped"]), int(printed["rows_rejected"])) == expected
    _check_against_model(db, model)
    assert query(db, FACT_INDEXES) == indexes
    assert query(db, LOADED_INDEXES) == all_indexes  # a first load builds them all again

    # 1,000 rows: half already loaded, half new
    ids = [f"O{n:06d}" for n in range(2500, 3500)]
    if first_sorted:
        ids += rng.sample(ids, 50)
        rng.shuffle(ids)
    text, rows = _model_file(rng, ids)
    expected = _apply(model, rows)
    assert expected[0] > 0 and expected[1] > 0
    result, printed = load(db, write(tmp_path, "second.csv", text))
    assert result.returncode == 0, result.stderr
    assert (int(printed["rows_loaded"]), int(printed["rows_skipped"]), int(printed["rows_rejected"])) == expected
    _check_against_model(db, model)
    assert query(db, FACT_INDEXES) == indexes


def test_orders_straight_into_fact_order_then_staged_from_the_first_row_that_cannot(db, tmp_path):
    """Orders whose ids keep increasing above the table's go straight into fact_order with
    the keys the reader gives new customers and products; the first row that breaks this
    (an id repeated or below the table's largest) and every row after it go through the
    staging table. Three loads: sorted into the empty table, sorted newer ones with new
    customers into the loaded table, then newer ones followed by repeats and older ids.
    Each is checked against the model; afterwards the identity sequences are past every
    key the reader gave, so a plain insert gets a fresh key."""
    rng = random.Random(11)
    indexes = query(db, FACT_INDEXES)
    model = {"orders": {}, "customers": {}, "products": {}, "dates": set()}
    batches = [
        [f"O{n:06d}" for n in range(2000)],
        [f"O{n:06d}" for n in range(2000, 3000)],
        [f"O{n:06d}" for n in range(3000, 3400)]
        + [f"O{n:06d}" for n in rng.sample(range(3400), 100)]         # repeats, older ids
        + [f"O{n:06d}" for n in range(3400, 3600)] + ["O003450", "N1"],
    ]
    for i, (ids, customers, products) in enumerate(zip(batches, (300, 500, 700), (40, 60, 80))):
        text, rows = _model_file(rng, ids, customers, products)
        expected = _apply(model, rows)
        result, printed = load(db, write(tmp_path, f"load{i}.csv", text))
        assert result.returncode == 0, result.stderr
        assert (int(printed["rows_loaded"]), int(printed["rows_skipped"]),
                int(printed["rows_rejected"])) == expected
        _check_against_model(db, model)
        assert query(db, FACT_INDEXES) == indexes
    for table, key, ident, cols in (("dim_customer", "customer_key", "customer_id", "name, email, city, country"),
                                    ("dim_product", "product_key", "product_id", "name, category")):
        top = query(db, f"SELECT max({key}) FROM {table}")[0][0]
        values = ", ".join(["'x'"] * (len(cols.split(",")) + 1))
        fresh = query(db, f"INSERT INTO {table} ({ident}, {cols}) VALUES ({values}) RETURNING {key}")[0][0]
        assert fresh > top
