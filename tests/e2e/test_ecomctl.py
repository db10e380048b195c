"""ecomctl as a user runs it: arguments, exit statuses, messages, and what lands in the database.

Each test gets its own database on the test run's PostgreSQL (DATABASE_URL), created here."""
import os
import subprocess
import uuid

import nacl.exceptions
import nacl.pwhash
import psycopg2
import pytest

BIN = os.path.join(os.environ["ECOM_BIN_DIR"], "ecomctl")
ADMIN_URL = os.environ["DATABASE_URL"]


def run(args, env=None, stdin=None):
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run([BIN] + args, env=full_env, input=stdin, capture_output=True,
                          text=True, timeout=300)


@pytest.fixture
def db():
    """A fresh, empty database; yields its URL."""
    name = "ctl_" + uuid.uuid4().hex[:12]
    admin = psycopg2.connect(ADMIN_URL)
    admin.autocommit = True
    admin.cursor().execute(f"CREATE DATABASE {name}")
    url = ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    yield url
    admin.cursor().execute(f"DROP DATABASE {name} WITH (FORCE)")
    admin.close()


def query(url, sql, *params):
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def test_help_on_every_command():
    for args in (["--help"], ["migrate", "--help"], ["seed", "--help"], ["createuser", "--help"]):
        result = run(args)
        assert result.returncode == 0
        assert "usage: ecomctl" in result.stdout


@pytest.mark.parametrize("args, named", [
    ([], "COMMAND"),
    (["frobnicate"], "frobnicate"),
    (["--verbose"], "--verbose"),
    (["migrate", "--force"], "--force"),
    (["migrate", "extra"], "extra"),
    (["seed", "--orders"], "--orders"),
    (["seed", "--orders", "ten"], "ten"),
    (["seed", "--orders", "-5"], "-5"),
    (["seed", "--customers", "0"], "--customers"),
    (["seed", "--days", "99999999"], "--days"),
    (["seed", "--random-seed", "1e3"], "1e3"),
    (["seed", "--end-date", "2025-02-30"], "2025-02-30"),
    (["seed", "--bogus"], "--bogus"),
    (["createuser"], "USERNAME"),
    (["createuser", "bad name!", "--password-stdin"], "bad name!"),
    (["createuser", "alice", "bob"], "bob"),
])
def test_bad_arguments_exit_2_with_one_line(args, named):
    result = run(args)
    assert result.returncode == 2, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert named in lines[0]


def test_unreachable_database_names_host_and_port_not_password():
    result = run(["migrate"], env={"DATABASE_URL": "postgresql://ecom:hunter2@127.0.0.1:1/ecom"})
    assert result.returncode == 1
    assert "127.0.0.1:1" in result.stderr
    assert "hunter2" not in result.stderr + result.stdout
    assert len(result.stderr.strip().splitlines()) == 1


def test_invalid_environment_is_reported():
    result = run(["migrate"], env={"CACHE_TTL_SECONDS": "soon"})
    assert result.returncode == 1
    assert "CACHE_TTL_SECONDS" in result.stderr


def test_migrate_twice_then_seed_counts(db):
    env = {"DATABASE_URL": db}
    first = run(["migrate"], env)
    assert first.returncode == 0, first.stderr
    assert "applied 0001_star_schema.sql" in first.stdout
    second = run(["migrate"], env)
    assert second.returncode == 0
    assert second.stdout.strip() == "database is up to date"

    seeded = run(["seed", "--customers", "50", "--products", "12", "--orders", "700",
                  "--days", "40", "--random-seed", "3"], env)
    assert seeded.returncode == 0, seeded.stderr
    printed = dict(line.split() for line in seeded.stdout.strip().splitlines())
    counts = query(db, "SELECT (SELECT count(*) FROM dim_customer), (SELECT count(*) FROM dim_product),"
                       " (SELECT count(*) FROM dim_time), (SELECT count(*) FROM fact_order)")[0]
    assert counts == (50, 12, 40, 700)
    assert printed == {"dim_customer": "50", "dim_product": "12", "dim_time": "40",
                       "fact_order": "700"}
    # no orphan keys in the fact table (it has no FOREIGN KEY constraints: see sql/0001)
    orphans = query(db, "SELECT count(*) FROM fact_order f"
                        " WHERE NOT EXISTS (SELECT 1 FROM dim_customer c WHERE c.customer_key = f.customer_key)"
                        " OR NOT EXISTS (SELECT 1 FROM dim_product p WHERE p.product_key = f.product_key)"
                        " OR NOT EXISTS (SELECT 1 FROM dim_time t WHERE t.date = f.order_date)")[0][0]
    assert orphans == 0
    # plain progress lines when not on a terminal
    assert "100% of orders" in seeded.stderr

    again = run(["seed"], env)
    assert again.returncode == 1
    assert "--reset" in again.stderr
    skipped = run(["seed", "--if-empty"], env)
    assert skipped.returncode == 0
    assert "not seeding" in skipped.stdout
    assert query(db, "SELECT count(*) FROM fact_order")[0][0] == 700
    reset = run(["seed", "--reset", "--orders", "100", "--days", "10"], env)
    assert reset.returncode == 0, reset.stderr
    assert query(db, "SELECT count(*) FROM fact_order")[0][0] == 100


def test_seed_on_unmigrated_database_fails_cleanly(db):
    result = run(["seed"], {"DATABASE_URL": db})
    assert result.returncode == 1
    assert "fact_order" in result.stderr


def test_createuser_hashes_with_argon2id(db):
    env = {"DATABASE_URL": db}
    assert run(["migrate"], env).returncode == 0
    password = "tr0ub4dor&3-correct-horse"
    created = run(["createuser", "analyst", "--password-stdin"], env, stdin=password + "\n")
    assert created.returncode == 0, created.stderr
    assert password not in created.stdout + created.stderr
    (stored,) = query(db, "SELECT password_hash FROM users WHERE username = 'analyst'")[0]
    assert stored.startswith("$argon2id$")
    assert password not in stored
    # verified independently, with PyNaCl's libsodium binding
    assert nacl.pwhash.verify(stored.encode(), password.encode())
    with pytest.raises(nacl.exceptions.InvalidkeyError):
        nacl.pwhash.verify(stored.encode(), b"wrong password")

    duplicate = run(["createuser", "analyst", "--password-stdin"], env, stdin="another-pass\n")
    assert duplicate.returncode == 1
    assert "already exists" in duplicate.stderr
    short = run(["createuser", "bob", "--password-stdin"], env, stdin="short\n")
    assert short.returncode == 2
    empty = run(["createuser", "carol", "--password-stdin"], env, stdin="")
    assert empty.returncode == 2
    no_tty = subprocess.run(["setsid", BIN, "createuser", "dave"], env={**os.environ, **env},
                            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    assert no_tty.returncode == 2
    assert "--password-stdin" in no_tty.stderr
