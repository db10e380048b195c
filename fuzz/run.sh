#!/usr/bin/env bash
# libFuzzer targets (issue 20) built with Debian's clang under ASan and UBSan:
#   fuzz/run.sh [SECONDS] [TARGET...]      each target for SECONDS (default 60) from its seeds
#   fuzz/run.sh --runs N [TARGET...]       each target for a fixed N inputs from its seeds,
#                                          random seed 1 (the smoke test of `make test`)
# Targets (fuzz/<target>_fuzz.c; all when none is named):
#   query     gateway/query.c    the HTTP query string
#   body      gateway/query.c    JSON request bodies (query_add_json)
#   envelope  proto/envelope_*.c the msgpack request and reply envelopes
#   mdp       proto/mdp_*.c      MDP frames, as the broker and a worker read them
#   csv       services/etl/etl_csv.c + etl_row.c   a CSV file, every record checked
#   row       services/etl/etl_row.c               the row checker on unquoted records
#   jwt       common/ecom_jwt.c  access-token verification
#   url       common/ecom_url.c  DATABASE_URL / REDIS_URL
# Seeds: fuzz/corpus/<target>/ (in the repo). Binaries, logs, new inputs (corpus/<target>/)
# and crashes (<target>-crash-*) go to FUZZ_OUT (default build/fuzz); a target is rebuilt
# only when a file it is built from changed. Exit status 1 when a target crashed or failed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${FUZZ_OUT:-$root/build/fuzz}
all=(query body envelope mdp csv row jwt url)
mode="time"; amount=60
if [ "${1:-}" = "--runs" ]; then mode=runs; amount=${2:?--runs needs a count}; shift 2
elif [[ "${1:-}" =~ ^[0-9]+$ ]]; then amount=$1; shift; fi
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")
CC=${FUZZ_CC:-clang}
command -v "$CC" > /dev/null || { echo "fuzz/run.sh: $CC not found (make deps installs clang)"; exit 1; }
flags=(-g -O1 -D_GNU_SOURCE "-fsanitize=fuzzer,address,undefined" -fno-sanitize-recover=undefined -std=gnu11
       -Wall -Wextra -Wshadow -Wformat=2 -Wno-unused-parameter)
pc() { pkg-config "$@"; }
msgpack=$(pc --exists msgpack-c && echo msgpack-c || echo msgpack)

# Sources (after the target's own file) and compiler/linker arguments of each target.
sources() {
  case $1 in
    query|body) echo gateway/query.c common/ecom_utf8.c ;;
    envelope) echo proto/envelope_request.c proto/envelope_reply.c proto/envelope_writer.c proto/msgpack_check.c common/ecom_utf8.c ;;
    mdp) echo proto/mdp_router.c proto/mdp_worker.c proto/mdp_frames.c proto/mdp_curve.c common/ecom_log.c ;;
    csv) echo services/etl/etl_csv.c services/etl/etl_row.c common/ecom_date.c common/ecom_utf8.c ;;
    row) echo services/etl/etl_row.c common/ecom_date.c common/ecom_utf8.c ;;
    jwt) echo common/ecom_jwt.c ;;
    url) echo common/ecom_url.c ;;
    *) echo "fuzz/run.sh: unknown target $1 (targets: ${all[*]})" >&2; return 1 ;;
  esac
}
args() {
  case $1 in
    query|body) echo "-Igateway -Icommon $(pc --cflags --libs jansson)" ;;
    envelope) echo "-Iproto -Icommon $(pc --cflags --libs "$msgpack")" ;;
    mdp) echo "-Iproto -Icommon $(pc --cflags --libs libczmq libzmq libsodium)" ;;
    csv|row) echo "-Iservices/etl -Icommon -lcsv" ;;
    jwt) echo "-Icommon $(pc --cflags --libs libjwt libsodium jansson)" ;;
    url) echo "-Icommon" ;;
  esac
}

build() {
  local target=$1 bin=$out/$1_fuzz src
  src="fuzz/${target}_fuzz.c $(sources "$target")"
  local newer=""
  if [ -x "$bin" ]; then
    # shellcheck disable=SC2046,SC2086
    newer=$(cd "$root" && find fuzz/run.sh $src $(for f in $src; do dirname "$f"; done | sort -u | sed 's|$|/*.h|') \
              -newer "$bin" 2>/dev/null | head -1)
    [ -n "$newer" ] || return 0
  fi
  # shellcheck disable=SC2046,SC2086
  (cd "$root" && $CC "${flags[@]}" -o "$bin" $src $(args "$target"))
}

mkdir -p "$out"
status=0
for target in "${targets[@]}"; do
  sources "$target" > /dev/null
  echo "== $target"
  if ! build "$target"; then echo "$target: the build failed"; status=1; continue; fi
  if [ "$mode" = runs ]; then
    # A fresh corpus each time: the same inputs every run.
    rm -rf "$out/smoke/$target"; mkdir -p "$out/smoke/$target"
    corpus=$out/smoke/$target; limit=(-runs="$amount" -seed=1)
  else
    corpus=$out/corpus/$target; mkdir -p "$corpus"; limit=(-max_total_time="$amount")
  fi
  rc=0
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} "$out/${target}_fuzz" "${limit[@]}" -max_len=8192 \
    -print_final_stats=1 -artifact_prefix="$out/$target-" "$corpus" "$root/fuzz/corpus/$target" \
    > "$out/$target.log" 2>&1 || rc=$?
  grep -E "^(stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb|Done [0-9]+ runs)" \
    "$out/$target.log" || true
  if [ "$rc" -ne 0 ]; then
    echo "$target: the fuzzer failed (exit $rc):"; tail -40 "$out/$target.log"; status=1
  fi
done
exit $status
