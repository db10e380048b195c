#!/usr/bin/env bash
# `make lint`: clang-tidy (.clang-tidy) and cppcheck (cppcheck-suppressions.txt) over C sources.
#
#   deploy/ci/lint.sh BUILD_DIR [FILE.c...]
#
# BUILD_DIR is a configured CMake build (its compile_commands.json gives each file's flags).
# Without files: every .c file tracked by git. Files the build does not compile are skipped
# with a note. Exit status 1 when either tool reports anything, 2 on bad usage.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
[ $# -ge 1 ] || { echo "usage: $0 BUILD_DIR [FILE.c...]" >&2; exit 2; }
build=$(cd "$1" && pwd); shift
[ -f "$build/compile_commands.json" ] \
  || { echo "lint: no $build/compile_commands.json (configure the build first)" >&2; exit 2; }
cd "$root"
if [ $# -gt 0 ]; then
  files=("$@")
else
  mapfile -t files < <(git ls-files '*.c')
fi

# A compile database holding only the files to check (both tools read it).
tmp=$(mktemp -d /tmp/ecom-lint.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 - "$build/compile_commands.json" "$tmp/compile_commands.json" "${files[@]}" <<'PY'
import json, os, sys
src, dst, files = sys.argv[1], sys.argv[2], sys.argv[3:]
entries = {os.path.realpath(e["file"]): e for e in json.load(open(src))}
keep = []
for f in files:
    e = entries.get(os.path.realpath(f))
    if e:
        keep.append(e)
    else:
        print(f"lint: {f}: not compiled by this build, skipped", file=sys.stderr)
json.dump(keep, open(dst, "w"), indent=1)
print(len(keep), file=open(os.path.join(os.path.dirname(dst), "count"), "w"))
PY
echo "lint: $(cat "$tmp/count") files"

status=0
# clang-tidy: asserts stay visible to the analyzer (-UNDEBUG); one process per file, in
# parallel; the "N warnings generated" chatter (suppressed checks) is dropped.
/usr/bin/python3 -c 'import json,sys; [print(e["file"]) for e in json.load(open(sys.argv[1]))]' \
    "$tmp/compile_commands.json" > "$tmp/files"
if ! xargs -a "$tmp/files" -r -P "$(nproc)" -n 1 \
       clang-tidy -p "$tmp" --quiet --extra-arg=-UNDEBUG > "$tmp/tidy.out" 2> "$tmp/tidy.err"; then
  status=1
fi
grep -v -E '^[0-9]+ warnings? (and [0-9]+ errors? )?generated\.$|^Suppressed [0-9]+ warnings|^Use -header-filter' \
  "$tmp/tidy.err" >&2 || true
cat "$tmp/tidy.out"
[ "$status" = 0 ] && echo "lint: clang-tidy clean" || echo "lint: clang-tidy found problems" >&2

# cppcheck: the same files, their defines and include paths.
if ! cppcheck --project="$tmp/compile_commands.json" --enable=warning,style,performance,portability \
       --std=c11 --library=posix --inline-suppr --suppressions-list=deploy/ci/cppcheck-suppressions.txt \
       --error-exitcode=1 -q -j "$(nproc)"; then
  echo "lint: cppcheck found problems" >&2
  status=1
else
  echo "lint: cppcheck clean"
fi
exit "$status"
