#!/usr/bin/env bash
# The sync benchmarks (figures go to docs/performance.md with this command):
#   tests/bench/sync_bench.sh [BUILD_DIR]      (default: build)
# A throwaway PostgreSQL and a real borne-server on loopback (tests/server_env.sh), real
# `borne sync` runs:
#   - push 10 000 queued events (one kiosk's outbox after a long offline period);
#   - pull 10 000 tickets (a newly enrolled kiosk of the same site);
#   - 1 000 simulated kiosks syncing at once (push 1 event + pull), latency percentiles.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$top/build}
BORNE=$build/firmware/borne
SERVER=$build/sync/borne-server
BENCH=$build/tests/bench_sync
EVENTS=${EVENTS:-10000}
KIOSKS=${KIOSKS:-1000}
# shellcheck source=../server_env.sh
source "$top/tests/server_env.sh"
DIR=$(mktemp -d /tmp/borne-syncbench.XXXXXX)
chmod 755 "$DIR"
trap env_cleanup EXIT
export TZ=Europe/Paris
ms() { date +%s%3N; }

echo "== machine: $(nproc) cores, $(uname -m), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
pg_start "$DIR"
server_start "$DIR" "$SERVER" --threads 16
"$SERVER" site-add rennes "Atelier Numérique Rennes" --db "$BORNE_PG" >/dev/null
"$SERVER" site-add charge "Charge" --db "$BORNE_PG" >/dev/null
day=$(date -d '+2 day' '+%Y-%m-%d')
printf 'id,title,starts_at,ends_at,capacity,room,room_name\n%s\n' \
  "s-grand,Grand forum numérique,$day 09:00,$day 18:00,10000,hall,Hall" >"$DIR/rennes.csv"
printf 'id,title,starts_at,ends_at,capacity,room,room_name\n%s\n' \
  "s-charge,Charge,$day 09:00,$day 18:00,10000,hall,Hall" >"$DIR/charge.csv"
"$SERVER" import-csv rennes "$DIR/rennes.csv" --db "$BORNE_PG" >/dev/null
"$SERVER" import-csv charge "$DIR/charge.csv" --db "$BORNE_PG" >/dev/null

enrol() { # enrol DB
  local code
  code=$("$SERVER" enrol-code rennes --db "$BORNE_PG" | tail -n 1)
  "$BORNE" enrol "$BORNE_SERVER_URL" "$code" --db "$1" >/dev/null 2>&1
  "$BORNE" sync --db "$1" >/dev/null
}

# Push.
enrol "$DIR/a.db"
"$BENCH" fill "$DIR/a.db" s-grand "$EVENTS"
t0=$(ms)
line=$("$BORNE" sync --db "$DIR/a.db" 2>/dev/null)
t1=$(ms)
echo "push $EVENTS queued events over loopback: $((t1 - t0)) ms ($line)"

# Pull.
enrol "$DIR/b.db" # its first sync already pulled everything: measure a fresh one
rm -f "$DIR/c.db"
code=$("$SERVER" enrol-code rennes --db "$BORNE_PG" | tail -n 1)
"$BORNE" enrol "$BORNE_SERVER_URL" "$code" --db "$DIR/c.db" >/dev/null 2>&1
t0=$(ms)
line=$("$BORNE" sync --db "$DIR/c.db" 2>/dev/null)
t1=$(ms)
echo "pull $EVENTS tickets over loopback (first sync of a new kiosk): $((t1 - t0)) ms ($line)"

# 1 000 kiosks at once: four to a site (a centre's entrance, its desk, its rooms), each site
# with its session of the day after tomorrow.
psql "$BORNE_PG" -q -v ON_ERROR_STOP=1 <<SQL
INSERT INTO sites (id, name) SELECT 'load-' || i, 'Centre ' || i
  FROM generate_series(0, ($KIOSKS - 1) / 4) i;
INSERT INTO rooms (site_id, id, name) SELECT 'load-' || i, 'salle', 'Salle'
  FROM generate_series(0, ($KIOSKS - 1) / 4) i;
INSERT INTO sessions (id, site_id, title, room_id, starts_at, ends_at, capacity)
  SELECT 'load-' || i, 'load-' || i, 'Atelier', 'salle',
         extract(epoch FROM now() + interval '2 days')::bigint,
         extract(epoch FROM now() + interval '2 days 2 hours')::bigint, 100
  FROM generate_series(0, ($KIOSKS - 1) / 4) i;
INSERT INTO enrol_codes (code, site_id, expires_at)
  SELECT p || lpad(i::text, 4, '0'), 'load-' || ((i - 1) / 4), now() + interval '1 day'
  FROM generate_series(1, $KIOSKS) i, (VALUES ('LOAD'), ('SPRD')) AS prefixes (p);
SQL
ulimit -n 65536 2>/dev/null || ulimit -n 4096 2>/dev/null || true
# All at the same instant (the worst case), then as kiosks really come back after an outage:
# their first retry is 5 s +- 20 % after the failure, so they spread over 2 s.
"$BENCH" load "$BORNE_SERVER_URL" LOAD "$KIOSKS" 'load-%d' 0
"$BENCH" load "$BORNE_SERVER_URL" SPRD "$KIOSKS" 'load-%d' 2000
