#!/usr/bin/env bash
# Run one replay script against the real kiosk on SDL's offscreen driver, with a fresh
# database in a temporary folder.
#   run-replay.sh BORNE SCRIPT [SCREENSHOT_DIR]
# Lines "# args: ..." in the script add command-line options (after the defaults, so they win):
# the defaults are the demo catalogue, a 1280x800 screen and the clock at Monday 23 November
# 2026, 09:30 (Europe/Paris).
set -euo pipefail
borne=$1 script=$2 shots=${3:-}
tmp=$(mktemp -d /tmp/borne-replay-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
[ -n "$shots" ] || shots=$tmp/shots
mkdir -p "$shots"
# Lines "# setup: ..." run first (bash), e.g. to leave a damaged database in @TMP@.
while IFS= read -r line; do eval "${line//@TMP@/$tmp}"; done < <(sed -n "s/^# setup://p" "$script")
read -r -a extra <<<"$(sed -n 's/^# args://p' "$script" | tr '\n' ' ')"
export SDL_VIDEODRIVER=offscreen SDL_AUDIODRIVER=dummy TZ=${TZ:-Europe/Paris}
export BORNE_ASSETS=${BORNE_ASSETS:-$(cd "$(dirname "$0")/../../assets" && pwd)}
# Substitute @TMP@ in arguments, for scripts that need a path of their own.
for i in "${!extra[@]}"; do extra[$i]=${extra[$i]//@TMP@/$tmp}; done
exec "$borne" --replay "$script" --screenshots "$shots" --db "$tmp/borne.db" --demo \
  --windowed 1280x800 --now 2026-11-23T09:30 "${extra[@]}"
