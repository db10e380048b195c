"""`ecomctl load-csv`, the CSV orders load job of SPEC §5, end to end: what lands in the star
schema, what is rejected and why, and what the run records. Each test has its own database."""
import csv
import os
import subprocess
import uuid

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
