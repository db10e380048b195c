# Shared by the bench/ scripts: a throwaway PostgreSQL + Redis for one benchmark run.
# bench_stack_start sets DATABASE_URL / REDIS_URL; the EXIT trap removes everything.
bench_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

bench_free_port() {
  /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

bench_stack_start() {
  bench_tmp=$(mktemp -d /tmp/ecom-bench.XXXXXX)
  chmod 755 "$bench_tmp"
  trap bench_stack_stop EXIT
  "$bench_root/deploy/local/stack.sh" start "$bench_tmp/stack" "$(bench_free_port)" "$(bench_free_port)"
  # shellcheck disable=SC1091
  . "$bench_tmp/stack/env"
}

bench_stack_stop() {
  "$bench_root/deploy/local/stack.sh" stop "$bench_tmp/stack" || true
  rm -rf "$bench_tmp"
}
