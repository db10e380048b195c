# shellcheck shell=bash
# Shared by the bench/ scripts: a throwaway PostgreSQL + Redis for one benchmark run, and the
# servers a benchmark starts on it.
#   bench_stack_start        sets DATABASE_URL / REDIS_URL and bench_tmp (the run's folder);
#                            at exit everything started here is stopped and removed
#   bench_api_env            free ports: exports API_HOST, API_PORT, BROKER_ENDPOINT (and
#                            JWT_SECRET, LOG_LEVEL unless set); sets bench_api (the base URL)
#   bench_require TOOL...    exits with a clear message when a tool is missing
#   bench_spawn CMD [ARG...] starts a server in the background, its stderr appended to
#                            $bench_tmp/<name>.log; sets bench_last_pid
bench_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bench_pids=()

bench_require() {
  local tool
  for tool in "$@"; do
    command -v "$tool" > /dev/null || { echo "$0: $tool is not installed (make bench installs bench/packages.txt)" >&2; exit 1; }
  done
}

bench_free_port() {
  /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

bench_stack_start() {
  bench_tmp=$(mktemp -d /tmp/ecom-bench.XXXXXX)
  chmod 755 "$bench_tmp"
  trap bench_stop_all EXIT
  trap 'exit 130' INT TERM
  "$bench_root/deploy/local/stack.sh" start "$bench_tmp/stack" "$(bench_free_port)" "$(bench_free_port)"
  # shellcheck disable=SC1091
  . "$bench_tmp/stack/env"
}

bench_api_env() {
  API_PORT=$(bench_free_port)
  BROKER_ENDPOINT="tcp://127.0.0.1:$(bench_free_port)"
  export API_HOST=127.0.0.1 API_PORT BROKER_ENDPOINT
  export JWT_SECRET=${JWT_SECRET:-bench-secret-0123456789} LOG_LEVEL=${LOG_LEVEL:-warn}
  # shellcheck disable=SC2034  # read by the scripts that source this file
  bench_api="http://127.0.0.1:$API_PORT"
}

bench_spawn() {
  "$@" 2>> "$bench_tmp/$(basename "$1").log" &
  bench_last_pid=$!
  bench_pids+=("$bench_last_pid")
}

# SIGTERM to every server, SIGKILL to whatever is still there 5 s later (a benchmark never
# hangs at its end), then the stack.
bench_stop_all() {
  local pid alive
  for pid in "${bench_pids[@]}"; do kill "$pid" 2> /dev/null || true; done
  for _ in $(seq 50); do
    alive=0
    for pid in "${bench_pids[@]}"; do kill -0 "$pid" 2> /dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.1
  done
  for pid in "${bench_pids[@]}"; do kill -9 "$pid" 2> /dev/null || true; done
  "$bench_root/deploy/local/stack.sh" stop "$bench_tmp/stack" || true
  rm -rf "$bench_tmp"
}
