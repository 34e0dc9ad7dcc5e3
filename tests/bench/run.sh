#!/usr/bin/env bash
# Borne's benchmarks: figures, not pass/fail. Prints one line a figure; docs/performance.md
# keeps them with this command:
#   tests/bench/run.sh [BUILD_DIR]      (default: build)
# The kiosk runs in a real X window under Xvfb with the 200-session demo, as on a kiosk
# (SDL's software renderer, the default).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$top/build}
borne=$build/firmware/borne
tmp=$(mktemp -d /tmp/borne-bench-XXXXXX)
export BORNE_ASSETS=$top/assets TZ=Europe/Paris SDL_AUDIODRIVER=dummy
cleanup() { [ -n "${xvfb:-}" ] && kill "$xvfb" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

echo "== machine: $(nproc) cores, $(uname -m), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
"$build/tests/bench_store" 1000 /var/tmp

display=:$((90 + RANDOM % 9))
Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
export DISPLAY=$display SDL_VIDEODRIVER=x11
for _ in $(seq 50); do xdpyinfo >/dev/null 2>&1 && break; [ -e "/tmp/.X11-unix/X${display#:}" ] && break; sleep 0.1; done
sleep 0.5

db=$tmp/borne.db
args=(--db "$db" --demo-large --windowed 1280x800 --now 2026-11-23T09:30)
"$borne" "${args[@]}" --bench-first-frame >/dev/null 2>&1 # creates and fills the database

# Start-up: process start to the first frame presented, 20 runs.
for _ in $(seq 20); do
  "$borne" "${args[@]}" --bench-first-frame 2>/dev/null | sed -n 's/first frame: \([0-9.]*\) ms.*/\1/p'
done | sort -n | awk '{a[NR]=$1} END {printf "start to first frame over %d runs: median %.1f ms, p90 %.1f ms, max %.1f ms\n", NR, a[int(NR/2)+1], a[int(NR*0.9)], a[NR]}'

# Memory after start, and idle: frames and CPU during 10 s with nobody touching. The frames
# of start-up alone are counted by a first run that leaves after 2.5 s.
frames_at_start=$("$borne" "${args[@]}" --exit-after 2500 2>&1 | sed -n 's/borne: \([0-9]*\) frames.*/\1/p')
"$borne" "${args[@]}" --exit-after 13500 2>"$tmp/idle.log" &
pid=$!
sleep 2.5
pss=$(awk '/^Pss:/ {print $2}' "/proc/$pid/smaps_rollup")
rss=$(awk '/^Rss:/ {print $2}' "/proc/$pid/smaps_rollup")
ticks0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
sleep 10
ticks1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
wait "$pid" || true
frames_total=$(sed -n 's/borne: \([0-9]*\) frames.*/\1/p' "$tmp/idle.log")
hz=$(getconf CLK_TCK)
echo "memory after start: PSS $((pss / 1024)).$(((pss % 1024) * 10 / 1024)) MiB (RSS $((rss / 1024)) MiB)"
echo "idle for 10 s: $((frames_total - frames_at_start)) frames rendered, CPU $(awk -v t=$((ticks1 - ticks0)) -v hz="$hz" 'BEGIN {printf "%.2f", t / hz / 10 * 100}') %"

# Tap to frame, in a real window.
cp "$db" "$tmp/taps.db"
"$borne" --replay "$top/tests/bench/taps.replay" --db "$tmp/taps.db" --windowed 1280x800 \
  --now 2026-11-23T09:30 2>/dev/null | grep 'tap to frame'

# Tickets: a ticket signed and its print job built; a scan checked against 100 000 stored
# tickets (store level); then scan to verdict on screen in the real window, same database.
"$build/tests/bench_ticket" 100000 "$tmp" "$tmp/payloads.txt"
printf 'bench-scans %s\n' "$tmp/payloads.txt" >"$tmp/scans.replay"
"$borne" --replay "$tmp/scans.replay" --db "$tmp/bench-tickets.db" --windowed 1280x800 \
  --printer none 2>/dev/null | grep 'scan to verdict'
