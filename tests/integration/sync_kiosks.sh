#!/usr/bin/env bash
# Several kiosks, one borne-server, one PostgreSQL: enrolment, seats never oversold online and
# offline, the waiting list (its signed mark sends a visitor to the desk at a door that has not
# synced the ticket), a ticket from kiosk A checked in at kiosk B (after B's sync, and while B is
# offline), the same ticket at two offline doors (both kept, the second flagged), revocation
# (tickets the server received before it still check in, later ones do not).
#
#   sync_kiosks.sh BORNE TOOLS_DIR BORNE_SERVER
set -euo pipefail
BORNE=$1 TOOLS=$2 SERVER=$3
HERE=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=../server_env.sh
source "$HERE/server_env.sh"
# shellcheck source=../checks.sh
source "$HERE/checks.sh"

DIR=$(mktemp -d /tmp/borne-sync.XXXXXX)
chmod 755 "$DIR"
trap env_cleanup EXIT
pg_start "$DIR"
server_start "$DIR" "$SERVER" --allotment 1
URL=$BORNE_SERVER_URL
SIM="$TOOLS/kiosk_sim"

sql() { psql "$BORNE_PG" -At -v ON_ERROR_STOP=1 -c "$1"; }
local_sql() { sqlite3 "$DIR/$1.db" "$2"; }

"$SERVER" site-add rennes "Atelier Numérique Rennes" --db "$BORNE_PG"
"$SERVER" site-add nancy "Atelier Numérique Nancy" --db "$BORNE_PG"
soon=$(date -d '+20 min' '+%Y-%m-%d %H:%M')
soon_end=$(date -d '+140 min' '+%Y-%m-%d %H:%M')
tomorrow=$(date -d '+1 day' '+%Y-%m-%d 10:00')
tomorrow_end=$(date -d '+1 day' '+%Y-%m-%d 12:00')
cat >"$DIR/rennes.csv" <<EOF
id,title,starts_at,ends_at,capacity,room,room_name,kind
s-soon,Rédiger son CV,$soon,$soon_end,3,salle-1,Salle Ada Lovelace,atelier
s-tomorrow,Premiers pas sur la tablette,$tomorrow,$tomorrow_end,4,salle-2,Salle Grace Hopper,atelier
EOF
cat >"$DIR/nancy.csv" <<EOF
id,title,starts_at,ends_at,capacity,room,room_name,kind
n-soon,Sécuriser ses mots de passe,$soon,$soon_end,10,n-salle,Salle Nancy,atelier
EOF
"$SERVER" import-csv rennes "$DIR/rennes.csv" --db "$BORNE_PG"
"$SERVER" import-csv nancy "$DIR/nancy.csv" --db "$BORNE_PG"

# --- enrolment ------------------------------------------------------------------------------
for k in A B C; do
  code=$("$SERVER" enrol-code rennes --db "$BORNE_PG" | tail -n 1)
  "$BORNE" enrol "$URL" "$code" --label "Kiosk $k" --db "$DIR/$k.db"
  out=$("$BORNE" sync --db "$DIR/$k.db")
  echo "$k: $out"
done
check "a used enrolment code is refused" 1 \
  "$("$BORNE" enrol "$URL" "$code" --db "$DIR/D.db" >/dev/null 2>&1; echo $?)"
check "kiosk A sees the site's sessions, not Nancy's" "s-soon s-tomorrow" \
  "$(local_sql A "SELECT group_concat(id, ' ') FROM (SELECT id FROM sessions ORDER BY id)")"
check "three kiosks enrolled" 3 "$(sql "SELECT count(*) FROM devices WHERE site_id = 'rennes'")"

# --- online: the server decides every seat ----------------------------------------------------
r1=$("$SIM" register "$DIR/A.db" s-soon Zoé Martin)
r2=$("$SIM" register "$DIR/B.db" s-soon Léon Dupont)
r3=$("$SIM" register "$DIR/C.db" s-soon Inès Bernard)
r4=$("$SIM" register "$DIR/A.db" s-soon Hugo Petit || true)
check "first three online registrations confirmed" "confirmed confirmed confirmed" \
  "${r1%% *} ${r2%% *} ${r3%% *}"
# The fourth: the session is full everywhere; A holds no escrow seat for it any more.
check "the fourth is not confirmed" "no" "$([ "${r4%% *}" == confirmed ] && echo yes || echo no)"
for k in A B C; do "$BORNE" sync --db "$DIR/$k.db" >/dev/null; done
check "server: confirmed never beyond capacity (s-soon, 3)" 3 \
  "$(sql "SELECT count(*) FROM registrations WHERE session_id = 's-soon' AND status = 0")"
check "server: confirmed + held <= capacity" t \
  "$(sql "SELECT bool_and(confirmed + held <= capacity) FROM sessions")"

# --- a ticket from A checks in at B after B's sync, and at C while C is offline ---------------
payload=$(echo "$r1" | cut -d' ' -f4)
"$BORNE" sync --db "$DIR/B.db" >/dev/null
"$BORNE" sync --db "$DIR/C.db" >/dev/null
check "A's ticket at B's door" welcome "$("$SIM" checkin "$DIR/B.db" "$payload")"
check "again at B: already" "already checked in" "$("$SIM" checkin "$DIR/B.db" "$payload")"
# C is offline (it does not sync): it does not know B's check-in, and lets the visitor in.
check "A's ticket at C's door, C offline" welcome "$("$SIM" checkin "$DIR/C.db" "$payload")"
"$BORNE" sync --db "$DIR/B.db" >/dev/null
"$BORNE" sync --db "$DIR/C.db" >/dev/null
ticket=$(echo "$r1" | cut -d' ' -f3)
check "both check-ins kept on the server" 2 \
  "$(sql "SELECT count(*) FROM checkins WHERE ticket_id = '$ticket'")"
check "the second one flagged" 1 \
  "$(sql "SELECT count(*) FROM checkins WHERE ticket_id = '$ticket' AND flagged")"

# --- a waiting-list ticket is never welcome at a door that has not synced it -----------------
# s-soon is full: A, offline, can only put Jade on the waiting list. The mark is in the signed
# payload, so B, which has not synced since, sends her to the desk instead of letting her in.
w=$("$SIM" register "$DIR/A.db" s-soon Jade Moreau --offline)
check "offline at A, s-soon full: the waiting list" waitlist "${w%% *}"
w_payload=$(echo "$w" | cut -d' ' -f4)
check "the ticket says so under its signature (B2)" B2 "${w_payload:0:2}"
check "A's waiting-list ticket at B's door, B not synced since" "waiting list" \
  "$("$SIM" checkin "$DIR/B.db" "$w_payload")"
check "and nothing recorded at B" 0 \
  "$(local_sql B "SELECT count(*) FROM checkins WHERE ticket_id = '$(echo "$w" | cut -d' ' -f3)'")"
c3_payload=$(echo "$r3" | cut -d' ' -f4) # C's confirmed s-soon ticket, pushed and pulled by now

# --- offline: each kiosk spends its allotment, then the waiting list ---------------------------
# s-tomorrow: capacity 4, allotment 1 per kiosk: A, B and C each hold one seat in escrow.
for k in A B C; do "$BORNE" sync --db "$DIR/$k.db" >/dev/null; done
check "A holds one seat for tomorrow" 1 \
  "$(local_sql A "SELECT seats_granted - seats_returned - seats_used FROM allotments WHERE session_id = 's-tomorrow'")"
declare -A got
i=0
for k in A B C A B C; do
  i=$((i + 1))
  got[$i]=$("$SIM" register "$DIR/$k.db" s-tomorrow "Visiteur$i" "Hors-ligne" --offline | cut -d' ' -f1)
done
check "offline: first round confirmed from the allotments" "confirmed confirmed confirmed" \
  "${got[1]} ${got[2]} ${got[3]}"
check "offline: second round on the waiting list" "waitlist waitlist waitlist" \
  "${got[4]} ${got[5]} ${got[6]}"
# Back online: a fourth seat was free at the server, so one waiting ticket is confirmed.
for k in A B C A B C; do "$BORNE" sync --db "$DIR/$k.db" >/dev/null; done
check "server: tomorrow confirmed <= 4" t \
  "$(sql "SELECT count(*) <= 4 FROM registrations WHERE session_id = 's-tomorrow' AND status = 0")"
check "server: every offline registration arrived once" 6 \
  "$(sql "SELECT count(*) FROM registrations WHERE session_id = 's-tomorrow'")"
check "server: the free seat went to the waiting list" 4 \
  "$(sql "SELECT count(*) FROM registrations WHERE session_id = 's-tomorrow' AND status = 0")"
confirmed_local=$(for k in A B C; do local_sql "$k" "SELECT count(*) FROM tickets t JOIN registrations r ON r.id = t.registration_id WHERE r.session_id = 's-tomorrow' AND t.waitlist = 0 AND t.status = 0"; done | awk '{s += $1} END {print s}')
check "kiosks: their tickets follow the server (4 confirmed)" 4 "$confirmed_local"
check "server: confirmed + held <= capacity everywhere" t \
  "$(sql "SELECT bool_and(confirmed + held <= capacity) FROM sessions")"
check "nothing waits in any outbox" "0 0 0" \
  "$(for k in A B C; do local_sql "$k" "SELECT count(*) FROM outbox WHERE acked_at IS NULL"; done | paste -sd' ')"

# --- a ticket cancelled at a kiosk frees its seat for the waiting list ------------------------
declare -A tick
i=0
for k in A B C A B C; do
  i=$((i + 1))
  tick[$i]=$(local_sql "$k" "SELECT t.id FROM tickets t JOIN registrations r ON r.id = t.registration_id WHERE r.last_name = 'Hors-ligne' AND r.first_name = 'Visiteur$i'")
done
# Visiteur1 (A, confirmed) cancels; one of the two still waiting takes the seat.
"$SIM" cancel "$DIR/A.db" "${tick[1]}"
"$BORNE" sync --db "$DIR/A.db" >/dev/null
check "server: the cancelled ticket is cancelled" 2 \
  "$(sql "SELECT status FROM tickets WHERE id = '${tick[1]}'")"
check "server: the freed seat went to the waiting list (still 4 confirmed)" 4 \
  "$(sql "SELECT count(*) FROM registrations WHERE session_id = 's-tomorrow' AND status = 0")"
check "server: nobody waits any more but one" 1 \
  "$(sql "SELECT count(*) FROM registrations WHERE session_id = 's-tomorrow' AND status = 1")"
"$BORNE" sync --db "$DIR/B.db" >/dev/null
check "B knows the ticket is cancelled" 1 \
  "$(local_sql B "SELECT status FROM tickets WHERE id = '${tick[1]}'")"

# --- revocation -----------------------------------------------------------------------------
# The kiosk trusts the server's receive time: a revoked kiosk's ticket that the server received
# before the revocation (A holds its record from a pull) still checks in; one issued after it
# (C, offline, does not know it is revoked) is refused, whatever its signature says.
dev_c=$(local_sql C "SELECT value FROM meta WHERE key = 'device_id'")
after=$("$SIM" register "$DIR/C.db" s-soon Malo Garnier --offline || true)
"$SERVER" revoke "$dev_c" --db "$BORNE_PG" >/dev/null
set +e
out=$("$BORNE" sync --db "$DIR/C.db" 2>&1)
rc=$?
set -e
check "a revoked kiosk's sync fails" 1 "$rc"
check "and says why" yes "$(echo "$out" | grep -q 'revoked' && echo yes || echo no)"
"$BORNE" sync --db "$DIR/A.db" >/dev/null
check "A knows C is revoked" 1 \
  "$(local_sql A "SELECT revoked_at IS NOT NULL FROM device_keys WHERE device_id = '$dev_c'")"
check "C's ticket received before the revocation checks in at A" welcome \
  "$("$SIM" checkin "$DIR/A.db" "$c3_payload")"
after_payload=$(echo "$after" | cut -d' ' -f4)
check "C's ticket the server never received is refused at A" "invalid:issuing device revoked" \
  "$("$SIM" checkin "$DIR/A.db" "$after_payload")"
check "the server never had it" 0 \
  "$(sql "SELECT count(*) FROM tickets WHERE id = '$(echo "$after" | cut -d' ' -f3)'")"

checks_done
