#!/usr/bin/env bash
# kill -9 of PostgreSQL itself, over and over, while two kiosks register visitors, check them in
# and push: whatever the server acknowledged is kept, nothing is doubled, no seat is oversold.
#
#   kill_postgres.sh BORNE TOOLS_DIR BORNE_SERVER
#
# A durable cluster (fsync, synchronous_commit and full_page_writes on: PG_FAST is ignored),
# made cheap to kill and restart (small shared_buffers, wal_level minimal, no autovacuum, and
# the data directory made durable by one syncfs(2) before crash recovery instead of an fsync(2)
# per file: as safe, and much faster), one borne-server in front of it. Two kiosks each run two
# loops, as a kiosk's screen and its sync worker do: `kiosk_sim churn` (registrations with the
# seat asked of the server, which falls back on the allotment or the waiting list when the
# server cannot answer; check-ins; staff cancellations) and `borne sync`. Meanwhile the
# postmaster and all its processes get SIGKILL at random instants (pg_kill9), and the cluster
# is started again through crash recovery: the kills land in pushes, pulls, seat requests,
# commits. At the end, after a last successful sync of each kiosk, for each kiosk:
#   - every registration, check-in and cancellation it acknowledged is on the kiosk, once;
#   - the server holds exactly the kiosk's registrations, check-ins, cancellations and events
#     (both ways: nothing lost, nothing extra), each applied once, with the same statuses;
#   - nothing waits in its outbox; nobody was turned away from a session with seats left;
# and no session has more confirmed registrations than seats (nor confirmed + held).
#
# Knobs: SEED=N replays a run's delays and choices (printed first); KILLS=N (default 200);
# BREAK=lose|dup|async breaks the server's side on purpose, to show that the comparison fails:
# a registration and a check-in deleted before it, the same visitor and check-in recorded
# twice, or PostgreSQL run with synchronous_commit off (its kills then lose acknowledged pushes).
set -euo pipefail
BORNE=$1 TOOLS=$2 SERVER=$3
HERE=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=../server_env.sh
source "$HERE/server_env.sh"
# shellcheck source=../checks.sh
source "$HERE/checks.sh"

SEED=${SEED:-$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}
KILLS=${KILLS:-200}
BREAK=${BREAK:-}
echo "kill_postgres: seed $SEED (SEED=$SEED $0 ... replays it), $KILLS kills${BREAK:+, BREAK=$BREAK}"
RANDOM=$SEED
export TZ=Europe/Paris # the catalogue's times are the site's
export LC_ALL=C        # comm(1) and sort(1) agree with the databases' byte order
# Durability is the point: a kill -9 of a cluster with fsync or synchronous_commit off loses
# commits it acknowledged.
unset PG_FAST
PG_EXTRA_CONF="${PG_EXTRA_CONF:-}
shared_buffers = 2MB
max_connections = 40
wal_level = minimal
max_wal_senders = 0
autovacuum = off
recovery_init_sync_method = syncfs"
# BREAK=async: commits acknowledged before their WAL is written, which a kill -9 then loses.
[ "$BREAK" == async ] && PG_EXTRA_CONF+=$'\nsynchronous_commit = off'
export PG_EXTRA_CONF

DIR=$(mktemp -d /tmp/borne-killpg.XXXXXX)
chmod 755 "$DIR"
LOOPS=() # the kiosks' background loops; each ends at its next turn once $DIR/stop exists
cleanup() {
  local rc=$? pid
  set +e
  touch "$DIR/stop" 2>/dev/null
  for pid in ${LOOPS[@]+"${LOOPS[@]}"}; do
    wait "$pid" 2>/dev/null
  done
  LOOPS=()
  # Stopped on the way out in the middle of pg_kill9 (between its SIGSTOP and its SIGKILL), the
  # postmaster would sleep through env_cleanup's shutdown: wake it first.
  pid=$(head -n 1 "$DIR/pg/postmaster.pid" 2>/dev/null)
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -CONT "$pid" 2>/dev/null
  (exit "$rc")
  env_cleanup
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
pg_start "$DIR"
server_start "$DIR" "$SERVER"
SIM="$TOOLS/kiosk_sim"

sql() { psql "$BORNE_PG" -At -v ON_ERROR_STOP=1 -c "$1"; }
ms() { printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)); } # milliseconds as sleep(1) wants them

# compare WHAT A_NAME A_FILE B_NAME B_FILE [subset]: the sets of ids of two sorted files. A
# holds what must be in B; a failure for anything only in A (lost) and, unless "subset", for
# anything only in B (extra).
compare() {
  local what=$1 an=$2 a=$3 bn=$4 b=$5 mode=${6:-same} lost extra both
  lost=$(comm -23 "$a" "$b" | wc -l)
  extra=$(comm -13 "$a" "$b" | wc -l)
  both=$(comm -12 "$a" "$b" | wc -l)
  if [ "$lost" -ne 0 ] || { [ "$mode" != subset ] && [ "$extra" -ne 0 ]; }; then
    echo "FAIL $what: $an $(wc -l <"$a"), $bn $(wc -l <"$b"): $lost missing from $bn, $extra only in $bn"
    comm -3 "$a" "$b" | sed -n '1,5s/^/       /p' # sed reads it all: no SIGPIPE under pipefail
    fails=$((fails + 1))
  elif [ "$mode" == subset ]; then
    echo "ok   $what: $an $(wc -l <"$a"), $bn $(wc -l <"$b"), 0 missing ($extra more in $bn)"
  else
    echo "ok   $what: $an $(wc -l <"$a"), $bn $(wc -l <"$b"), $both in both, 0 missing, 0 extra"
  fi
}

check "PostgreSQL is durable (fsync, synchronous_commit, full_page_writes)" "on on on" \
  "$(sql "SELECT current_setting('fsync') || ' ' || current_setting('synchronous_commit') || ' ' || current_setting('full_page_writes')")"

"$SERVER" site-add rennes "Atelier Numérique Rennes" --db "$BORNE_PG" >/dev/null
tomorrow=$(date -d '+1 day' '+%Y-%m-%d 14:00')
tomorrow_end=$(date -d '+1 day' '+%Y-%m-%d 16:00')
soon=$(date -d '+10 min' '+%Y-%m-%d %H:%M')
soon_end=$(date -d '+130 min' '+%Y-%m-%d %H:%M')
# s-now: the door is open; s-small is fought over by both kiosks, online and offline.
printf 'id,title,starts_at,ends_at,capacity,room,room_name\n%s\n%s\n%s\n' \
  "s-now,Le courriel pas à pas,$soon,$soon_end,10000,salle-2,Salle Grace Hopper" \
  "s-big,Découvrir internet,$tomorrow,$tomorrow_end,10000,salle-1,Salle Ada Lovelace" \
  "s-small,Rédiger son CV,$tomorrow,$tomorrow_end,60,salle-1,Salle Ada Lovelace" \
  >"$DIR/catalogue.csv"
"$SERVER" import-csv rennes "$DIR/catalogue.csv" --db "$BORNE_PG" >/dev/null
printf '[sync]\ntimeout_s = 10\nseat_timeout_ms = 2000\n' >"$DIR/borne.ini"
KIOSKS=(a b)
declare -A DEVICE
for k in "${KIOSKS[@]}"; do
  code=$("$SERVER" enrol-code rennes --db "$BORNE_PG" | tail -n 1)
  "$BORNE" enrol "$BORNE_SERVER_URL" "$code" --db "$DIR/$k.db" --config "$DIR/borne.ini" >/dev/null
  "$BORNE" sync --db "$DIR/$k.db" --config "$DIR/borne.ini" >/dev/null
  DEVICE[$k]=$(sqlite3 "$DIR/$k.db" "SELECT value FROM meta WHERE key = 'device_id'")
done

# The counter: one churn for the whole run, a visitor every 150 ms or so, its exit status noted
# (it must be 0: the kiosk copes with a server that cannot answer). Started again if it fails.
counter_loop() { # counter_loop KIOSK SEED
  local k=$1 n=0 rc
  RANDOM=$2
  while [ ! -e "$DIR/stop" ]; do
    n=$((n + 1))
    rc=0
    "$SIM" churn "$DIR/$k.db" "$k$n" 1000000 s-now s-big s-small --seed "$RANDOM" --pace 300 \
      --until "$DIR/stop" >>"$DIR/$k.acks" 2>>"$DIR/$k.churn.err" || rc=$?
    echo "$rc" >>"$DIR/$k.churn.rc"
  done
}
# The sync worker: a cycle, a pause, again.
sync_loop() { # sync_loop KIOSK SEED
  local k=$1
  RANDOM=$2
  while [ ! -e "$DIR/stop" ]; do
    "$BORNE" sync --db "$DIR/$k.db" --config "$DIR/borne.ini" >>"$DIR/$k.syncs" 2>&1 || true
    sleep "$(ms $((200 + RANDOM % 300)))"
  done
}
for k in "${KIOSKS[@]}"; do
  counter_loop "$k" "$RANDOM" &
  LOOPS+=("$!")
  sync_loop "$k" "$RANDOM" &
  LOOPS+=("$!")
done

# Up for 10 to 260 ms, then killed: in a push, a pull, a seat request, a commit, or between.
# Started again with `pg_ctl -w` alone: it returns once the postmaster accepts connections,
# which is all pg_restart's extra psql round would check, at a tenth of a second per kill.
t0=$SECONDS
for kill in $(seq "$KILLS"); do
  printf -v up '%d.%03d' 0 $((10 + RANDOM % 250))
  sleep "$up"
  pg_kill9 "$DIR"
  if ! env_pg_run "$BORNE_PG_BIN/pg_ctl" -D "$DIR/pg" -l "$DIR/pg.log" -w -t 60 start >/dev/null 2>&1; then
    env_tail "$DIR/pg.log"
    echo "FAIL PostgreSQL did not start again after kill $kill"
    exit 1
  fi
  [ $((kill % 50)) -eq 0 ] && echo "kill_postgres: $kill kills ($((SECONDS - t0)) s)"
done
touch "$DIR/stop"
for pid in "${LOOPS[@]}"; do wait "$pid"; done
LOOPS=()
echo "kill_postgres: $KILLS kills of the postmaster and its processes in $((SECONDS - t0)) s"

# A last sync of each kiosk, then one more of each so that each has pulled what the other's
# last push changed (waiting lists confirmed by a cancellation elsewhere).
for round in 1 2; do
  for k in "${KIOSKS[@]}"; do
    synced=no
    for _ in 1 2 3 4 5; do
      if "$BORNE" sync --db "$DIR/$k.db" --config "$DIR/borne.ini" >>"$DIR/$k.syncs" 2>&1; then
        synced=yes
        break
      fi
      sleep 1
    done
    check "kiosk $k: final sync $round succeeds" yes "$synced"
  done
done

case "$BREAK" in
lose)
  reg=$(awk '$1 == "reg" {print $2; exit}' "$DIR/a.acks")
  sql "DELETE FROM tickets WHERE registration_id = '$reg'; DELETE FROM registrations WHERE id = '$reg';
       DELETE FROM checkins WHERE id = '$(awk '$1 == "checkin" {print $2; exit}' "$DIR/b.acks")'" >/dev/null
  echo "BREAK: registration $reg and a check-in deleted on the server" ;;
dup)
  reg=$(awk '$1 == "reg" {print $2; exit}' "$DIR/b.acks")
  sql "INSERT INTO registrations (id, session_id, device_id, first_name, last_name, email, phone,
         short_code, status, seat, created_at, device_seq)
       SELECT id || '-2', session_id, device_id, first_name, last_name, email, phone,
         short_code || '2', status, seat, created_at, device_seq FROM registrations WHERE id = '$reg';
       INSERT INTO checkins (id, ticket_id, session_id, device_id, checked_at, device_seq, flagged)
       SELECT id || '-2', ticket_id, session_id, device_id, checked_at, device_seq, true
       FROM checkins WHERE id = '$(awk '$1 == "checkin" {print $2; exit}' "$DIR/a.acks")'" >/dev/null
  echo "BREAK: registration $reg and a check-in recorded twice on the server" ;;
esac

total_regs=0 total_checkins=0 total_cancels=0 total_events=0
for k in "${KIOSKS[@]}"; do
  db=$DIR/$k.db dev=${DEVICE[$k]}
  lite() { sqlite3 -batch "$db" "$1"; }
  check "kiosk $k: every churn ended well" "" "$(grep -v '^0$' "$DIR/$k.churn.rc" | sort | uniq -c)"
  check "kiosk $k: integrity_check" ok "$(lite 'PRAGMA integrity_check' 2>&1 | sed -n 1p)"
  malformed=$(grep -Evc '^(reg [0-9a-f-]{36} [0-9a-f-]{36} (confirmed|waitlist)|checkin [0-9a-f-]{36} [0-9a-f-]{36}|cancel [0-9a-f-]{36}|refused (full|closed) [a-z0-9-]+)$' "$DIR/$k.acks" || true)
  check "kiosk $k: acknowledgement lines well formed" 0 "$malformed"
  awk '$1 == "reg" {print $2}' "$DIR/$k.acks" | sort >"$DIR/$k.ack.regs"
  awk '$1 == "checkin" {print $2}' "$DIR/$k.acks" | sort >"$DIR/$k.ack.checkins"
  awk '$1 == "cancel" {print $2}' "$DIR/$k.acks" | sort >"$DIR/$k.ack.cancels"
  check "kiosk $k: nobody turned away from a session with seats left" "" \
    "$(grep '^refused' "$DIR/$k.acks" | grep -v ' s-small$' | sort | uniq -c)"
  check "kiosk $k: acknowledged registrations each once" 0 "$(uniq -d "$DIR/$k.ack.regs" | wc -l)"
  check "kiosk $k: acknowledged check-ins each once" 0 "$(uniq -d "$DIR/$k.ack.checkins" | wc -l)"
  lite "SELECT id FROM registrations ORDER BY id" >"$DIR/$k.regs"
  lite "SELECT id FROM checkins WHERE device_id = '$dev' ORDER BY id" >"$DIR/$k.checkins"
  lite "SELECT id FROM tickets WHERE status = 1 AND device_id = '$dev' ORDER BY id" >"$DIR/$k.cancels"
  lite "SELECT id FROM outbox ORDER BY id" >"$DIR/$k.events"
  lite "SELECT id || ' ' || status FROM registrations ORDER BY id" >"$DIR/$k.status"
  compare "kiosk $k: acknowledged registrations" acknowledged "$DIR/$k.ack.regs" kiosk "$DIR/$k.regs"
  compare "kiosk $k: acknowledged check-ins" acknowledged "$DIR/$k.ack.checkins" kiosk "$DIR/$k.checkins"
  compare "kiosk $k: acknowledged cancellations" acknowledged "$DIR/$k.ack.cancels" kiosk "$DIR/$k.cancels"
  check "kiosk $k: nothing waits in the outbox" 0 "$(lite "SELECT count(*) FROM outbox WHERE acked_at IS NULL")"
  check "kiosk $k: nothing refused" 0 "$(lite "SELECT count(*) FROM outbox WHERE refused_reason IS NOT NULL")"
  sql "SELECT id FROM registrations WHERE device_id = '$dev' ORDER BY id" >"$DIR/$k.server.regs"
  sql "SELECT id FROM checkins WHERE device_id = '$dev' ORDER BY id" >"$DIR/$k.server.checkins"
  sql "SELECT id FROM tickets WHERE device_id = '$dev' AND status = 2 ORDER BY id" >"$DIR/$k.server.cancels"
  sql "SELECT id FROM events WHERE device_id = '$dev' AND status = 0 ORDER BY id" >"$DIR/$k.server.events"
  sql "SELECT id || ' ' || status FROM registrations WHERE device_id = '$dev' ORDER BY id" >"$DIR/$k.server.status"
  compare "kiosk $k: server's registrations" kiosk "$DIR/$k.regs" server "$DIR/$k.server.regs"
  compare "kiosk $k: server's check-ins" kiosk "$DIR/$k.checkins" server "$DIR/$k.server.checkins"
  compare "kiosk $k: server's cancellations" kiosk "$DIR/$k.cancels" server "$DIR/$k.server.cancels"
  compare "kiosk $k: server's events applied" kiosk-outbox "$DIR/$k.events" server "$DIR/$k.server.events"
  compare "kiosk $k: registration statuses" kiosk "$DIR/$k.status" server "$DIR/$k.server.status"
  check "kiosk $k: no event refused" 0 "$(sql "SELECT count(*) FROM events WHERE device_id = '$dev' AND status != 0")"
  total_regs=$((total_regs + $(wc -l <"$DIR/$k.regs")))
  total_checkins=$((total_checkins + $(wc -l <"$DIR/$k.checkins")))
  total_cancels=$((total_cancels + $(wc -l <"$DIR/$k.cancels")))
  total_events=$((total_events + $(wc -l <"$DIR/$k.events")))
  echo "kill_postgres: kiosk $k: acknowledged $(wc -l <"$DIR/$k.ack.regs") registrations ($(grep -c ' waitlist$' "$DIR/$k.acks" || true) on the waiting list), $(wc -l <"$DIR/$k.ack.checkins") check-ins, $(wc -l <"$DIR/$k.ack.cancels") cancellations, $(grep -c '^refused' "$DIR/$k.acks" || true) turned down (s-small full); syncs: $(grep -c '^sync: ok' "$DIR/$k.syncs" || true) ok, $(grep -c '^sync: failed' "$DIR/$k.syncs" || true) failed"
done
check "server: no visitor registered twice for a session" 0 \
  "$(sql "SELECT count(*) FROM (SELECT 1 FROM registrations WHERE status != 2 GROUP BY session_id, first_name, last_name HAVING count(*) > 1) d")"
check "server: no ticket checked in twice" 0 \
  "$(sql "SELECT count(*) FROM (SELECT 1 FROM checkins GROUP BY ticket_id HAVING count(*) > 1) d")"
check "server: nothing but the kiosks' records" "$total_regs $total_checkins $total_events" \
  "$(sql "SELECT (SELECT count(*) FROM registrations) || ' ' || (SELECT count(*) FROM checkins) || ' ' || (SELECT count(*) FROM events)")"
check "server: confirmed <= capacity (and confirmed + held), counters exact, for every session" "" \
  "$(sql "SELECT s.id || ': ' || c.n || ' confirmed (counter ' || s.confirmed || '), ' || s.held || ' held, capacity ' || s.capacity
          FROM sessions s, LATERAL (SELECT count(*) AS n FROM registrations r WHERE r.session_id = s.id AND r.status = 0) c
          WHERE c.n > s.capacity OR c.n != s.confirmed OR s.confirmed + s.held > s.capacity")"
echo "kill_postgres: s-small: $(sql "SELECT confirmed || ' confirmed, ' || held || ' held of ' || capacity FROM sessions WHERE id = 's-small'"), $(sql "SELECT count(*) FROM registrations WHERE session_id = 's-small' AND status = 1") on the waiting list"
pushes_ok=$(grep -c 'POST /v1/push 200' "$DIR/server.log" || true)
pushes_503=$(grep -c 'POST /v1/push 503' "$DIR/server.log" || true)
# A request whose transaction was under way when PostgreSQL died logs this, then its 503 (the
# next 503 line of the log, threads interleaving aside): that is a kill in the middle of a push.
cut=$(awk '/^borne-server: database unreachable: server closed the connection unexpectedly/ {cut++; pending++}
           pending && / 503 / {split($2, r, "/"); by[r[3]]++; pending--}
           END {printf "%d (push %d, pull %d, seat %d)", cut, by["push"], by["pull"], by["seat"]}' "$DIR/server.log")
echo "kill_postgres: $KILLS kills; server: $total_regs registrations, $total_checkins check-ins, $total_cancels cancellations, $total_events events, each applied once: 0 lost, 0 extra"
echo "kill_postgres: pushes answered $pushes_ok ok, $pushes_503 unavailable; requests cut in the middle of their transaction: $cut"
echo "kill_postgres: $fails failure(s) in ${SECONDS} s"
[ "$fails" -eq 0 ]
