#!/usr/bin/env bash
# Project-local PostgreSQL 15 and Redis, for `make run` and for the test runs.
#
#   stack.sh start DIR [PG_PORT] [REDIS_PORT]   start both (creating DIR/pg on first use)
#   stack.sh stop DIR                           stop what start started
#
# Both listen on 127.0.0.1 only. A port of 0 or none means: the first free port from the
# default (5432 / 6379) upwards. start writes DIR/env, a shell file that exports
# DATABASE_URL and REDIS_URL for the running servers. PostgreSQL refuses to run as root, so
# under root the server runs as the 'postgres' system user (created by Debian's package).
set -euo pipefail

cmd=${1:-}; dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop DIR [PG_PORT] [REDIS_PORT]" >&2; exit 2; }
mkdir -p "$dir"; dir=$(cd "$dir" && pwd)
pgbin=$(ls -d /usr/lib/postgresql/15/bin 2>/dev/null || true)
[ -n "$pgbin" ] || { echo "stack.sh: PostgreSQL 15 is not installed (apt-get install postgresql-15)" >&2; exit 1; }

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

port_free() {
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

free_port() {
  local p=$1
  while ! port_free "$p"; do p=$((p + 1)); done
  echo "$p"
}

start() {
  local pg_port=${3:-0} redis_port=${4:-0}
  [ "$pg_port" != 0 ] || pg_port=$(free_port 5432)
  [ "$redis_port" != 0 ] || redis_port=$(free_port 6379)
  mkdir -p "$dir/pg" "$dir/redis"
  if [ "$(id -u)" = 0 ]; then chown postgres "$dir/pg"; chmod 700 "$dir/pg"; fi
  if [ ! -f "$dir/pg/data/PG_VERSION" ]; then
    as_pg mkdir -p "$dir/pg/data"
    local pw; pw=$(mktemp); echo ecom > "$pw"; chmod 644 "$pw"
    as_pg "$pgbin/initdb" -D "$dir/pg/data" -U ecom --pwfile="$pw" -E UTF8 --locale=C.UTF-8 \
      -A scram-sha-256 > "$dir/pg/initdb.log" 2>&1 || { rm -f "$pw"; cat "$dir/pg/initdb.log" >&2; exit 1; }
    rm -f "$pw"
    created=1
  fi
  as_pg "$pgbin/pg_ctl" -D "$dir/pg/data" -l "$dir/pg/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $dir/pg -c fsync=${PG_FSYNC:-on}" start > /dev/null
  if [ "${created:-0}" = 1 ]; then
    PGPASSWORD=ecom "$pgbin/psql" -q -h 127.0.0.1 -p "$pg_port" -U ecom -d postgres \
      -c "CREATE DATABASE ecom" > /dev/null
  fi
  redis-server --bind 127.0.0.1 --port "$redis_port" --dir "$dir/redis" --daemonize yes \
    --pidfile "$dir/redis/redis.pid" --logfile "$dir/redis/redis.log" --save "" --appendonly no
  for _ in $(seq 50); do redis-cli -p "$redis_port" ping > /dev/null 2>&1 && break; sleep 0.1; done
  cat > "$dir/env" <<ENV
export DATABASE_URL=postgresql://ecom:ecom@127.0.0.1:$pg_port/ecom
export REDIS_URL=redis://127.0.0.1:$redis_port/0
ENV
}

stop() {
  if [ -f "$dir/pg/data/postmaster.pid" ]; then
    as_pg "$pgbin/pg_ctl" -D "$dir/pg/data" -m fast -w stop > /dev/null 2>&1 || true
  fi
  if [ -f "$dir/redis/redis.pid" ]; then
    kill "$(cat "$dir/redis/redis.pid")" 2>/dev/null || true
    for _ in $(seq 50); do [ -f "$dir/redis/redis.pid" ] || break; sleep 0.1; done
  fi
}

case "$cmd" in
  start) start "$@" ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop DIR [PG_PORT] [REDIS_PORT]" >&2; exit 2 ;;
esac
