#!/usr/bin/env bash
# Sync through a fault-injecting proxy (tests/tools/fault_proxy): connection refused, timeouts,
# 5xx, reset mid-response, the reply lost after the server committed, slow drip, a garbage
# reply; and kill -9 of the kiosk and of the server at random points of a sync. Whatever
# happens, every registration and check-in the kiosk recorded reaches the server exactly once.
#
#   sync_faults.sh BORNE TOOLS_DIR BORNE_SERVER
set -euo pipefail
BORNE=$1 TOOLS=$2 SERVER=$3
HERE=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=../server_env.sh
source "$HERE/server_env.sh"
# shellcheck source=../checks.sh
source "$HERE/checks.sh"

DIR=$(mktemp -d /tmp/borne-faults.XXXXXX)
chmod 755 "$DIR"
PROXY_PID=
stop_proxy() {
  if [ -n "$PROXY_PID" ]; then
    kill "$PROXY_PID" 2>/dev/null || true
    wait "$PROXY_PID" 2>/dev/null || true
    PROXY_PID=
  fi
}
trap 'stop_proxy; env_cleanup' EXIT
pg_start "$DIR"
server_start "$DIR" "$SERVER"
SIM="$TOOLS/kiosk_sim"
DB="$DIR/kiosk.db"
CONF="$DIR/borne.ini"

sql() { psql "$BORNE_PG" -At -v ON_ERROR_STOP=1 -c "$1"; }

# The proxy listens on a fixed port of its own choosing, kept across restarts of the server.
PROXY_PORT=
start_proxy() { # start_proxy UPSTREAM_URL
  local upstream=${1#http://}
  rm -f "$DIR/proxy.port"
  "$TOOLS/fault_proxy" --listen "127.0.0.1:${PROXY_PORT:-0}" --port-file "$DIR/proxy.port" \
    --upstream "$upstream" --control "$DIR/mode" --log "$DIR/proxy.log" &
  PROXY_PID=$!
  for _ in $(seq 100); do [ -s "$DIR/proxy.port" ] && break; sleep 0.05; done
  PROXY_PORT=$(cat "$DIR/proxy.port")
}
mode() { echo "$1" >"$DIR/mode"; }

"$SERVER" site-add rennes "Atelier Numérique Rennes" --db "$BORNE_PG"
tomorrow=$(date -d '+1 day' '+%Y-%m-%d 14:00')
tomorrow_end=$(date -d '+1 day' '+%Y-%m-%d 16:00')
soon=$(date -d '+10 min' '+%Y-%m-%d %H:%M')
soon_end=$(date -d '+130 min' '+%Y-%m-%d %H:%M')
printf 'id,title,starts_at,ends_at,capacity,room,room_name\n%s\n%s\n' \
  "s-big,Découvrir internet,$tomorrow,$tomorrow_end,500,salle-1,Salle Ada Lovelace" \
  "s-now,Le courriel pas à pas,$soon,$soon_end,500,salle-2,Salle Grace Hopper" \
  >"$DIR/catalogue.csv"
"$SERVER" import-csv rennes "$DIR/catalogue.csv" --db "$BORNE_PG"

mode pass
start_proxy "$BORNE_SERVER_URL"
URL="http://127.0.0.1:$PROXY_PORT"
printf '[sync]\ntimeout_s = 3\nseat_timeout_ms = 1000\n' >"$CONF"
code=$("$SERVER" enrol-code rennes --db "$BORNE_PG" | tail -n 1)
"$BORNE" enrol "$URL" "$code" --db "$DB" --config "$CONF"
"$BORNE" sync --db "$DB" --config "$CONF"

n=0
register_some() { # register_some COUNT: offline registrations (no seat request), and a
  # visitor of the session about to start who registers and walks in (a check-in).
  for _ in $(seq "$1"); do
    n=$((n + 1))
    "$SIM" register "$DB" s-big "Visiteur" "Numéro $n" --offline >/dev/null
  done
  n=$((n + 1))
  payload=$("$SIM" register "$DB" s-now "Visiteuse" "Numéro $n" --offline | cut -d' ' -f4)
  [ "$("$SIM" checkin "$DB" "$payload")" == welcome ] || echo "FAIL check-in of visitor $n"
}

# Each fault: the sync fails (exit 1) and says so; the next sync, with the fault gone,
# succeeds; nothing is lost or doubled.
for m in refuse timeout 5xx reset lost garbage; do
  register_some 7
  mode "$m"
  set +e
  out=$("$BORNE" sync --db "$DB" --config "$CONF" 2>/dev/null)
  rc=$?
  set -e
  check "$m: borne sync exits 1" 1 "$rc"
  check "$m: one line saying it failed" yes "$(echo "$out" | grep -q '^sync: failed: ' && echo yes || echo no)"
  mode pass
  check "$m: the next sync succeeds" 0 "$("$BORNE" sync --db "$DB" --config "$CONF" >/dev/null 2>&1; echo $?)"
done
# A slow drip still gets there.
register_some 1
mode "drip:2"
printf '[sync]\ntimeout_s = 120\n' >"$DIR/patient.ini"
check "drip: slow but complete" 0 "$("$BORNE" sync --db "$DB" --config "$DIR/patient.ini" >/dev/null 2>&1; echo $?)"
mode pass

exactly_once() { # exactly_once WHAT
  local local_n server_n dup
  local_n=$(sqlite3 "$DB" "SELECT count(*) FROM registrations")
  server_n=$(sql "SELECT count(*) FROM registrations WHERE device_id = '$DEVICE'")
  check "$1: the server holds every registration" "$local_n" "$server_n"
  # Same ids on both sides: the kiosk's list, sorted, against the server's.
  sqlite3 "$DB" "SELECT id FROM registrations ORDER BY id" >"$DIR/local.ids"
  sql "SELECT id FROM registrations WHERE device_id = '$DEVICE' ORDER BY id" >"$DIR/server.ids"
  check "$1: the same ids" same "$(cmp -s "$DIR/local.ids" "$DIR/server.ids" && echo same || echo different)"
  local_n=$(sqlite3 "$DB" "SELECT count(*) FROM checkins")
  server_n=$(sql "SELECT count(*) FROM checkins WHERE device_id = '$DEVICE'")
  check "$1: the server holds every check-in" "$local_n" "$server_n"
  sqlite3 "$DB" "SELECT id FROM checkins ORDER BY id" >"$DIR/local.ids"
  sql "SELECT id FROM checkins WHERE device_id = '$DEVICE' ORDER BY id" >"$DIR/server.ids"
  check "$1: the same check-in ids" same "$(cmp -s "$DIR/local.ids" "$DIR/server.ids" && echo same || echo different)"
  dup=$(sql "SELECT count(*) FROM (SELECT short_code FROM registrations GROUP BY short_code HAVING count(*) > 1) d")
  check "$1: no duplicate" 0 "$dup"
  check "$1: nothing waits" 0 "$(sqlite3 "$DB" "SELECT count(*) FROM outbox WHERE acked_at IS NULL")"
}
DEVICE=$(sqlite3 "$DB" "SELECT value FROM meta WHERE key = 'device_id'")
exactly_once "after the proxy's faults"

# kill -9 of the kiosk's sync at random points: the outbox and cursor are never half written.
for round in 1 2 3 4 5; do
  register_some 40
  mode "drip:1"
  "$BORNE" sync --db "$DB" --config "$CONF" >/dev/null 2>&1 &
  pid=$!
  sleep "0.$((RANDOM % 9 + 1))"
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  mode pass
  "$BORNE" sync --db "$DB" --config "$CONF" >/dev/null
  echo "kiosk killed, round $round"
done
check "the kiosk's database survived" ok "$(sqlite3 "$DB" 'PRAGMA integrity_check')"
exactly_once "after kill -9 of the kiosk"

# kill -9 of the server at random points of a sync; a new server on the same database.
for round in 1 2 3; do
  register_some 40
  mode "drip:1"
  "$BORNE" sync --db "$DB" --config "$CONF" >/dev/null 2>&1 &
  pid=$!
  sleep "0.$((RANDOM % 9 + 1))"
  server_kill9
  wait "$pid" 2>/dev/null || true
  server_start "$DIR" "$SERVER"
  stop_proxy
  start_proxy "$BORNE_SERVER_URL"
  mode pass
  "$BORNE" sync --db "$DB" --config "$CONF" >/dev/null
  echo "server killed, round $round"
done
exactly_once "after kill -9 of the server"
check "events applied once each" 0 \
  "$(sql "SELECT count(*) FROM (SELECT id FROM events GROUP BY id HAVING count(*) > 1) d")"

checks_done
