#!/usr/bin/env bash
# kill -9 of the kiosk, over and over, while visitors register and check in: nothing the kiosk
# acknowledged is lost, nothing is doubled, on the kiosk and then on the server.
#
#   kill_kiosk.sh BORNE TOOLS_DIR BORNE_SERVER
#
# Each round starts `kiosk_sim churn` (registrations, with the seat asked of the server as an
# online kiosk does; check-ins in the registration's transaction and at the door; staff
# cancellations: the library calls of `borne`), and every other round a `borne sync` beside it,
# as the kiosk's sync worker runs beside its screen, started at a random instant of the round.
# After a random delay (0 to 0.5 s: from before the database is open to some 30 actions in)
# both get SIGKILL, wherever they are: opening the database, in a transaction, between COMMIT
# and telling the visitor, in a push or a pull. churn prints each action only after its COMMIT
# returned, so its output is what the kiosk acknowledged. After every kill the database must
# pass integrity_check. At the end:
#   - the kiosk holds every acknowledged registration, check-in and cancellation, once, each
#     with its one outbox event;
#   - one `borne sync` brings everything to the server, which then holds exactly the kiosk's
#     registrations, check-ins, cancellations and events (compared both ways: nothing lost,
#     nothing extra), each applied once, with the same statuses; nothing waits; no session is
#     over capacity, and nobody was turned away from a session with seats left.
#
# Knobs: SEED=N replays a run's delays and choices (printed first); KILLS=N rounds (default
# 220); BREAK=lose|dup|ack-early breaks something on purpose, to show that the comparison fails:
# a registration and a check-in deleted on the server, the same visitor and check-in recorded
# twice on the server, or churn acknowledging registrations before store_register() (those a
# kill then lands on, between the line and the COMMIT, are lost).
set -euo pipefail
BORNE=$1 TOOLS=$2 SERVER=$3
HERE=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=../server_env.sh
source "$HERE/server_env.sh"
# shellcheck source=../checks.sh
source "$HERE/checks.sh"

SEED=${SEED:-$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}
KILLS=${KILLS:-220}
BREAK=${BREAK:-}
echo "kill_kiosk: seed $SEED (SEED=$SEED $0 ... replays it), $KILLS kills${BREAK:+, BREAK=$BREAK}"
RANDOM=$SEED
# The catalogue's times are the site's (Europe/Paris), and so must be the dates made below.
export TZ=Europe/Paris
export LC_ALL=C # comm(1) and sort(1) agree with the databases' byte order
# Only the kiosk is killed here: PostgreSQL's durability is kill_postgres.sh's business.
export PG_FAST=1

DIR=$(mktemp -d /tmp/borne-killk.XXXXXX)
chmod 755 "$DIR"
VICTIMS=() # processes of the current round, killed on the way out too
cleanup() {
  local rc=$? pid
  set +e
  for pid in ${VICTIMS[@]+"${VICTIMS[@]}"}; do
    kill -KILL "$pid" 2>/dev/null
    { wait "$pid"; } 2>/dev/null
  done
  VICTIMS=()
  [ "$rc" -ne 0 ] && [ -d "$DIR" ] && tail -n 5 "$DIR"/churn.err 2>/dev/null
  (exit "$rc")
  env_cleanup
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
pg_start "$DIR"
# A large allotment: registrations stay confirmed while the server is reachable.
server_start "$DIR" "$SERVER" --allotment 20
SIM="$TOOLS/kiosk_sim"
DB="$DIR/kiosk.db"

sql() { psql "$BORNE_PG" -At -v ON_ERROR_STOP=1 -c "$1"; }
lite() { sqlite3 -batch "$DB" "$1"; }
ms() { printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)); } # milliseconds as sleep(1) wants them

# compare WHAT A_NAME A_FILE B_NAME B_FILE: the sets of ids in two sorted files, both ways.
# A holds what must be in B (e.g. the kiosk, the server). Prints the counts; records a failure
# for anything only in A (lost) and, unless the 6th argument is "subset", only in B (extra).
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
# dups WHAT FILE: every line of FILE appears once.
dups() {
  check "$1: each once" 0 "$(sort "$2" | uniq -d | wc -l)"
}

"$SERVER" site-add rennes "Atelier Numérique Rennes" --db "$BORNE_PG" >/dev/null
tomorrow=$(date -d '+1 day' '+%Y-%m-%d 14:00')
tomorrow_end=$(date -d '+1 day' '+%Y-%m-%d 16:00')
soon=$(date -d '+10 min' '+%Y-%m-%d %H:%M')
soon_end=$(date -d '+130 min' '+%Y-%m-%d %H:%M')
# s-now: the door is open (check-in opens 30 min before); s-small fills up a third of the way.
printf 'id,title,starts_at,ends_at,capacity,room,room_name\n%s\n%s\n%s\n' \
  "s-now,Le courriel pas à pas,$soon,$soon_end,10000,salle-2,Salle Grace Hopper" \
  "s-big,Découvrir internet,$tomorrow,$tomorrow_end,10000,salle-1,Salle Ada Lovelace" \
  "s-small,Rédiger son CV,$tomorrow,$tomorrow_end,250,salle-1,Salle Ada Lovelace" \
  >"$DIR/catalogue.csv"
"$SERVER" import-csv rennes "$DIR/catalogue.csv" --db "$BORNE_PG" >/dev/null
printf '[sync]\ntimeout_s = 10\nseat_timeout_ms = 2000\n' >"$DIR/borne.ini"
code=$("$SERVER" enrol-code rennes --db "$BORNE_PG" | tail -n 1)
"$BORNE" enrol "$BORNE_SERVER_URL" "$code" --db "$DB" --config "$DIR/borne.ini" >/dev/null
"$BORNE" sync --db "$DB" --config "$DIR/borne.ini" >/dev/null
DEVICE=$(lite "SELECT value FROM meta WHERE key = 'device_id'")

churn_args=()
[ "$BREAK" == ack-early ] && churn_args+=(--ack-early)
mkdir "$DIR/ack"
killed_at_start=0 killed_mid=0 syncs_killed=0 syncs_done=0 bad_db=0
for round in $(seq "$KILLS"); do
  delay=$((RANDOM % 500))
  # s-small gets one visitor in five: it fills up, the others never do.
  "$SIM" churn "$DB" "r$round" 100000 s-now s-big s-now s-big s-small --seed "$RANDOM" \
    --pace 20 ${churn_args[@]+"${churn_args[@]}"} >"$DIR/ack/$round" 2>>"$DIR/churn.err" &
  VICTIMS=("$!")
  with_sync=$((RANDOM % 2))
  if [ "$with_sync" == 1 ]; then
    # Started at a random instant of the round's first half, so that the kill lands anywhere
    # in the cycle.
    lead=$((RANDOM % (delay / 2 + 1)))
    sleep "$(ms "$lead")"
    "$BORNE" sync --db "$DB" --config "$DIR/borne.ini" >>"$DIR/syncs.log" 2>&1 &
    VICTIMS+=("$!")
    delay=$((delay - lead))
  fi
  sleep "$(ms "$delay")"
  kill -KILL "${VICTIMS[@]}" 2>/dev/null || true
  rc=0
  { wait "${VICTIMS[0]}"; } 2>/dev/null || rc=$? # (bash's "Killed" notice: expected)
  if [ "$rc" != 137 ]; then
    # churn never ends by itself within the delay: it failed.
    echo "FAIL round $round: kiosk_sim churn exited $rc before the kill:"
    tail -n 3 "$DIR/ack/$round"
    exit 1
  fi
  if [ "$with_sync" == 1 ]; then
    rc=0
    { wait "${VICTIMS[1]}"; } 2>/dev/null || rc=$?
    if [ "$rc" == 137 ]; then syncs_killed=$((syncs_killed + 1)); else syncs_done=$((syncs_done + 1)); fi
  fi
  VICTIMS=()
  if [ -s "$DIR/ack/$round" ]; then killed_mid=$((killed_mid + 1)); else killed_at_start=$((killed_at_start + 1)); fi
  verdict=$(lite 'PRAGMA integrity_check' 2>&1 | sed -n 1p || true)
  if [ "$verdict" != ok ]; then
    echo "FAIL round $round: integrity_check says: $verdict"
    bad_db=$((bad_db + 1))
  fi
done
check "integrity_check after each of $KILLS kills" 0 "$bad_db"
check "foreign_key_check" "" "$(lite 'PRAGMA foreign_key_check' | sed -n 1,3p)"
echo "kill_kiosk: $KILLS kills: $killed_at_start before the first acknowledgement, $killed_mid after some; borne sync beside: $syncs_killed killed, $syncs_done finished first"

# What was acknowledged: the lines of every round (each written by one write(2), whole).
cat "$DIR"/ack/* >"$DIR/acks"
malformed=$(grep -Evc '^(reg [0-9a-f-]{36} [0-9a-f-]{36} (confirmed|waitlist)|checkin [0-9a-f-]{36} [0-9a-f-]{36}|cancel [0-9a-f-]{36}|refused (full|closed) [a-z0-9-]+)$' "$DIR/acks" || true)
check "acknowledgement lines well formed" 0 "$malformed"
awk '$1 == "reg" {print $2}' "$DIR/acks" | sort >"$DIR/ack.regs"
awk '$1 == "checkin" {print $2}' "$DIR/acks" | sort >"$DIR/ack.checkins"
awk '$1 == "cancel" {print $2}' "$DIR/acks" | sort >"$DIR/ack.cancels"
check "nobody turned away from a session with seats left" "" \
  "$(grep '^refused' "$DIR/acks" | grep -v ' s-small$' | sort | uniq -c)"
dups "acknowledged registrations" "$DIR/ack.regs"
dups "acknowledged check-ins" "$DIR/ack.checkins"

# ---- the kiosk -------------------------------------------------------------------------------
lite "SELECT id FROM registrations ORDER BY id" >"$DIR/kiosk.regs"
lite "SELECT id FROM checkins ORDER BY id" >"$DIR/kiosk.checkins"
lite "SELECT id FROM tickets WHERE status = 1 AND device_id = '$DEVICE' ORDER BY id" >"$DIR/kiosk.cancels"
compare "kiosk: acknowledged registrations" acknowledged "$DIR/ack.regs" kiosk "$DIR/kiosk.regs" subset
compare "kiosk: acknowledged check-ins" acknowledged "$DIR/ack.checkins" kiosk "$DIR/kiosk.checkins" subset
compare "kiosk: acknowledged cancellations" acknowledged "$DIR/ack.cancels" kiosk "$DIR/kiosk.cancels" subset
check "kiosk: one outbox event per registration" 0 \
  "$(lite "SELECT count(*) FROM registrations r WHERE (SELECT count(*) FROM outbox o WHERE o.kind = 'registration.created' AND o.entity_id = r.id) != 1")"
check "kiosk: one outbox event per check-in" 0 \
  "$(lite "SELECT count(*) FROM checkins c WHERE (SELECT count(*) FROM outbox o WHERE o.kind = 'checkin.created' AND o.entity_id = c.id) != 1")"
check "kiosk: one outbox event per cancellation" 0 \
  "$(lite "SELECT count(*) FROM tickets t WHERE t.status = 1 AND t.device_id = '$DEVICE' AND (SELECT count(*) FROM outbox o WHERE o.kind = 'ticket.cancelled' AND o.entity_id = t.id) != 1")"
check "kiosk: no event without its record" 0 \
  "$(lite "SELECT count(*) FROM outbox o WHERE NOT EXISTS (SELECT 1 FROM registrations WHERE id = o.entity_id) AND NOT EXISTS (SELECT 1 FROM checkins WHERE id = o.entity_id) AND NOT EXISTS (SELECT 1 FROM tickets WHERE id = o.entity_id)")"
check "kiosk: no ticket checked in twice" 0 \
  "$(lite "SELECT count(*) FROM (SELECT ticket_id FROM checkins GROUP BY ticket_id HAVING count(*) > 1)")"
check "kiosk: device_seq is the number of records made" \
  "$(lite "SELECT count(*) FROM outbox")" "$(lite "SELECT value FROM meta WHERE key = 'device_seq'")"

# ---- the server ------------------------------------------------------------------------------
synced=no
for _ in 1 2 3 4 5; do
  if "$BORNE" sync --db "$DB" --config "$DIR/borne.ini" >>"$DIR/syncs.log" 2>&1; then
    synced=yes
    break
  fi
  sleep 1
done
check "the final borne sync succeeds" yes "$synced"
check "kiosk: nothing waits in the outbox" 0 "$(lite "SELECT count(*) FROM outbox WHERE acked_at IS NULL")"
check "kiosk: nothing refused" 0 "$(lite "SELECT count(*) FROM outbox WHERE refused_reason IS NOT NULL")"

case "$BREAK" in
lose) # a registration and a check-in the server lost
  reg=$(shuf -n 1 --random-source=<(yes "$SEED") "$DIR/ack.regs")
  sql "DELETE FROM tickets WHERE registration_id = '$reg'; DELETE FROM registrations WHERE id = '$reg';
       DELETE FROM checkins WHERE id = '$(head -n 1 "$DIR/ack.checkins")'" >/dev/null
  echo "BREAK: registration $reg and a check-in deleted on the server" ;;
dup) # the same visitor and the same check-in twice, under new ids
  reg=$(head -n 1 "$DIR/ack.regs")
  sql "INSERT INTO registrations (id, session_id, device_id, first_name, last_name, email, phone,
         short_code, status, seat, created_at, device_seq)
       SELECT id || '-2', session_id, device_id, first_name, last_name, email, phone,
         short_code || '2', status, seat, created_at, device_seq FROM registrations WHERE id = '$reg';
       INSERT INTO checkins (id, ticket_id, session_id, device_id, checked_at, device_seq, flagged)
       SELECT id || '-2', ticket_id, session_id, device_id, checked_at, device_seq, true
       FROM checkins WHERE id = '$(head -n 1 "$DIR/ack.checkins")'" >/dev/null
  echo "BREAK: registration $reg and a check-in recorded twice on the server" ;;
esac

sql "SELECT id FROM registrations WHERE device_id = '$DEVICE' ORDER BY id" >"$DIR/server.regs"
sql "SELECT id FROM checkins WHERE device_id = '$DEVICE' ORDER BY id" >"$DIR/server.checkins"
sql "SELECT id FROM tickets WHERE device_id = '$DEVICE' AND status = 2 ORDER BY id" >"$DIR/server.cancels"
sql "SELECT id FROM events WHERE device_id = '$DEVICE' AND status = 0 ORDER BY id" >"$DIR/server.events"
lite "SELECT id FROM outbox ORDER BY id" >"$DIR/kiosk.events"
compare "server: registrations" kiosk "$DIR/kiosk.regs" server "$DIR/server.regs"
compare "server: acknowledged registrations" acknowledged "$DIR/ack.regs" server "$DIR/server.regs" subset
compare "server: check-ins" kiosk "$DIR/kiosk.checkins" server "$DIR/server.checkins"
compare "server: acknowledged check-ins" acknowledged "$DIR/ack.checkins" server "$DIR/server.checkins" subset
compare "server: cancellations" kiosk "$DIR/kiosk.cancels" server "$DIR/server.cancels"
compare "server: events applied" kiosk-outbox "$DIR/kiosk.events" server "$DIR/server.events"
check "server: no event refused" 0 "$(sql "SELECT count(*) FROM events WHERE device_id = '$DEVICE' AND status != 0")"
check "server: no visitor registered twice for a session" 0 \
  "$(sql "SELECT count(*) FROM (SELECT 1 FROM registrations WHERE status != 2 GROUP BY session_id, first_name, last_name HAVING count(*) > 1) d")"
check "server: no ticket checked in twice" 0 \
  "$(sql "SELECT count(*) FROM (SELECT 1 FROM checkins GROUP BY ticket_id HAVING count(*) > 1) d")"
lite "SELECT id || ' ' || status FROM registrations ORDER BY id" >"$DIR/kiosk.status"
sql "SELECT id || ' ' || status FROM registrations WHERE device_id = '$DEVICE' ORDER BY id" >"$DIR/server.status"
compare "server: registration statuses (confirmed, waitlist, cancelled)" kiosk "$DIR/kiosk.status" server "$DIR/server.status"
check "server: confirmed <= capacity, counters exact, for every session" "" \
  "$(sql "SELECT s.id || ': ' || c.n || ' confirmed (counter ' || s.confirmed || '), ' || s.held || ' held, capacity ' || s.capacity
          FROM sessions s, LATERAL (SELECT count(*) AS n FROM registrations r WHERE r.session_id = s.id AND r.status = 0) c
          WHERE c.n > s.capacity OR c.n != s.confirmed OR s.confirmed + s.held > s.capacity")"

n_ack_regs=$(wc -l <"$DIR/ack.regs")
n_ack_checkins=$(wc -l <"$DIR/ack.checkins")
echo "kill_kiosk: $KILLS kills; acknowledged $n_ack_regs registrations, $n_ack_checkins check-ins, $(wc -l <"$DIR/ack.cancels") cancellations; $(grep -c '^refused' "$DIR/acks" || true) turned down (s-small full)"
echo "kill_kiosk: committed but killed before telling: $(($(wc -l <"$DIR/kiosk.regs") - n_ack_regs)) registrations, $(($(wc -l <"$DIR/kiosk.checkins") - n_ack_checkins)) check-ins (kept and synced all the same)"
echo "kill_kiosk: server: $(wc -l <"$DIR/server.regs") registrations, $(wc -l <"$DIR/server.checkins") check-ins, $(wc -l <"$DIR/server.cancels") cancellations, $(wc -l <"$DIR/server.events") events, each applied once: 0 lost, 0 extra"
echo "kill_kiosk: borne sync: $((syncs_killed + syncs_done)) beside the churn ($syncs_killed killed), $(grep -c '^sync: ok' "$DIR/syncs.log" || true) completed with the final one, pushing $(grep -o 'pushed [0-9]*' "$DIR/syncs.log" | awk '{n += $2} END {print n + 0}') events (a resent one counts again)"
echo "kill_kiosk: $fails failure(s) in ${SECONDS} s"
[ "$fails" -eq 0 ]
