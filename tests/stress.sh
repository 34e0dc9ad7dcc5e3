#!/usr/bin/env bash
# Stress mode: the tests most exposed to timing (ui, e2e, faults) run again and again while two
# CPU hogs keep both cores busy. A test whose result depends on how fast the machine is fails
# here sooner or later; the suite is trusted when this ends with 0 failures.
#
#   tests/stress.sh [BUILD_DIR] [REPEAT]      (defaults: build, 20; or STRESS_LABELS, STRESS_JOBS)
#
# Each test runs REPEAT times in a row (ctest --repeat until-fail:REPEAT: it stops at its first
# failure, which then shows with its output). The hogs are busy loops started here and stopped
# by their PIDs on exit, also on Ctrl-C or failure.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
repeat=${2:-20}
labels=${STRESS_LABELS:-ui|e2e|faults}
jobs=${STRESS_JOBS:-2}
[ -f "$build/CTestTestfile.cmake" ] || { echo "stress: no build in $build (run ./board/dev.sh test first)" >&2; exit 2; }

hogs=()
stop_hogs() {
  local p
  for p in "${hogs[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${hogs[@]}"; do wait "$p" 2>/dev/null || true; done
  hogs=()
}
trap stop_hogs EXIT INT TERM
for _ in 1 2; do
  bash -c 'while :; do :; done' &
  hogs+=($!)
done
echo "stress: CPU hogs ${hogs[*]}; labels '$labels', each test $repeat times, $jobs at a time"
start=$(date +%s)
rc=0
(cd "$build" && ctest -L "$labels" --repeat "until-fail:$repeat" -j "$jobs" --output-on-failure) || rc=$?
stop_hogs
echo "stress: $(( $(date +%s) - start )) s, ctest exit $rc"
exit $rc
