#!/usr/bin/env bash
# The kiosk reads the time in one place (firmware/clock/): every timing rule takes its time from
# an event or from its loop's clock, so that a replay gives the same result on a busy machine as
# on an idle one (DESIGN.md: time enters as an action). This fails if a clock read appears
# anywhere else in the kiosk's code: the firmware, the sync client and the protocol codec.
#
#   lint_clock.sh SOURCE_DIR
set -euo pipefail
top=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$top"
# Reads of a clock: libc's, POSIX's and SDL's. localtime_r/mktime convert a time, they read none.
pattern='\b(clock_gettime|gettimeofday|time|SDL_GetTicks|SDL_GetTicks64|SDL_GetPerformanceCounter|timespec_get|clock)\('
allowed=(firmware/clock/clock.c  # the clocks themselves
         firmware/platform/platform.c)  # SDL's event stamps turned into the monotonic clock
found=$(grep -rnE "$pattern" firmware sync/client sync/protocol --include='*.c' --include='*.h' |
        grep -vE '^[^:]+:[0-9]+:[[:space:]]*(\*|/\*|\*\*|//)' || true)
for a in "${allowed[@]}"; do
  found=$(grep -v "^$a:" <<<"$found" || true)
done
if [ -n "$found" ]; then
  echo "lint_clock: the time is read outside firmware/clock/ (use an event's time or the loop's clock):"
  echo "$found"
  exit 1
fi
# The rule must have something to find: the allowed files do read the clock.
grep -qE "$pattern" firmware/clock/clock.c || { echo "lint_clock: the pattern finds nothing"; exit 1; }
echo "lint_clock: no clock read outside firmware/clock/ and the SDL event stamps"
