#!/usr/bin/env bash
# Runs the benchmarks of two builds side by side: REV (a git
# revision you name) and the work tree, alternately, section
# by section, so that both see the same machine. The bench code of the work
# tree is used for both (it drives the binaries through their command line
# only), so the rows are the same.
#
#   scripts/bench-compare.sh REV                      # startup, agents, commands
#   scripts/bench-compare.sh REV startup,agents,ingest,queries
#   ROUNDS=3 scripts/bench-compare.sh REV startup    # more alternations
#   SMOKE=1 scripts/bench-compare.sh REV             # a quick check that it runs
#   BASE_DIR=../old scripts/bench-compare.sh REV     # reuse a work tree (and its build)
set -euo pipefail
cd "$(dirname "$0")/.."

rev=${1:?usage: scripts/bench-compare.sh REV [SECTIONS]}
sections=${2:-startup,agents,commands}
rounds=${ROUNDS:-2}
extra=(--bench)
[ -n "${SMOKE:-}" ] && extra+=(--smoke)

base=${BASE_DIR:-target/bench-compare/base}
git rev-parse --verify --quiet "$rev^{commit}" >/dev/null || {
  echo "bench-compare: no such revision: $rev" >&2
  exit 2
}
if [ -d "$base" ]; then
  git -C "$base" checkout -q --detach "$rev"
  git -C "$base" checkout -q -- .
else
  mkdir -p "$(dirname "$base")"
  git worktree add -q --detach "$base" "$rev"
fi
# The same bench code for both builds.
cp benches/devtrace.rs "$base/benches/devtrace.rs"
cp tests/support/mod.rs "$base/tests/support/mod.rs"

bench_exe() {
  (cd "$1" && cargo bench --bench devtrace --no-run --message-format=json 2>/dev/null) |
    python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "devtrace" \
            and "bench" in m["target"]["kind"] and m.get("executable"):
        print(m["executable"])'
}
# Both builds with the release profile's settings, whatever the bench
# profile of REV said: the figures are of binaries as they are installed.
export CARGO_PROFILE_BENCH_LTO=thin CARGO_PROFILE_BENCH_CODEGEN_UNITS=4
echo "bench-compare: building $rev and the work tree" >&2
old=$(bench_exe "$base")
new=$(bench_exe .)
if [ -z "$old" ] || [ -z "$new" ]; then
  echo "bench-compare: a bench did not build" >&2
  exit 1
fi

out=target/bench-compare/results
mkdir -p "$out"
for i in $(seq 1 "$rounds"); do
  for which in old new; do
    exe=$old; dir=$base
    [ "$which" = new ] && { exe=$new; dir=.; }
    echo "bench-compare: round $i, $which" >&2
    # A bench finds its binaries through its own build (CARGO_BIN_EXE_*),
    # so each runs from its own tree.
    (cd "$dir" && "$exe" "${extra[@]}" --only "$sections") >"$out/$which-$i.txt"
  done
done
for which in old new; do
  echo
  echo "## $which ($([ "$which" = old ] && git rev-parse --short "$rev" || echo "work tree"))"
  for i in $(seq 1 "$rounds"); do
    echo "### round $i"
    grep '^|' "$out/$which-$i.txt"
  done
done
