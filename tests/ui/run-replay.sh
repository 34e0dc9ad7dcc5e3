#!/usr/bin/env bash
# Run one replay script against the real kiosk on SDL's offscreen driver, with a fresh
# database in a temporary folder.
#   run-replay.sh BORNE SCRIPT [SCREENSHOT_DIR]
# Lines "# args: ..." in the script add command-line options (after the defaults, so they win):
# the defaults are the demo catalogue, a 1280x800 screen, the clock at Monday 23 November
# 2026, 09:30 (Europe/Paris) and a printer writing to @TMP@/printer.bin.
# Lines "# setup: ..." run first (bash). In both, @TMP@ is the run's temporary folder and
# @TOOLS@ the folder of the test tools (tests/tools, built); in args, @FILE:NAME@ is replaced
# by the first line of @TMP@/NAME, written by a setup line (a fake printer's port, say).
# Background processes a setup line starts are stopped at the end.
set -euo pipefail
borne=$1 script=$2 shots=${3:-}
tools=${BORNE_TOOLS:-$(dirname "$borne")/../tests}
tmp=$(mktemp -d /tmp/borne-replay-XXXXXX)
cleanup() {
  local pids
  pids=$(jobs -p)
  [ -z "$pids" ] || kill $pids 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
[ -n "$shots" ] || shots=$tmp/shots
mkdir -p "$shots"
# Lines "# setup: ..." run first (bash), e.g. to leave a damaged database in @TMP@.
while IFS= read -r line; do
  line=${line//@TMP@/$tmp}
  eval "${line//@TOOLS@/$tools}"
done < <(sed -n "s/^# setup://p" "$script")
read -r -a extra <<<"$(sed -n 's/^# args://p' "$script" | tr '\n' ' ')"
export SDL_VIDEODRIVER=offscreen SDL_AUDIODRIVER=dummy TZ=${TZ:-Europe/Paris}
export BORNE_ASSETS=${BORNE_ASSETS:-$(cd "$(dirname "$0")/../../assets" && pwd)}
# Substitute @TMP@ and @FILE:NAME@ in arguments, for scripts that need a path of their own.
for i in "${!extra[@]}"; do
  a=${extra[$i]//@TMP@/$tmp}
  while [[ $a =~ @FILE:([A-Za-z0-9_.-]+)@ ]]; do
    name=${BASH_REMATCH[1]}
    for _ in $(seq 100); do [ -s "$tmp/$name" ] && break; sleep 0.05; done
    a=${a//@FILE:$name@/$(head -n1 "$tmp/$name")}
  done
  extra[$i]=$a
done
rc=0
"$borne" --replay "$script" --screenshots "$shots" --db "$tmp/borne.db" --demo \
  --windowed 1280x800 --now 2026-11-23T09:30 --printer "file:$tmp/printer.bin" "${extra[@]}" || rc=$?
exit $rc
