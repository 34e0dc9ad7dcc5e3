#!/usr/bin/env bash
# The administrator's catalogue commands of borne-server (sync/server/admin_io.c) over a
# throwaway PostgreSQL cluster: CSV import and re-import, refused CSV files (every bad line
# named, nothing imported), both iCalendar samples of tests/integration/data (Meetup's export
# and a centre's own calendar), recurring events, the waiting list moving up when an import
# raises a capacity, and both CSV exports read back with Python's csv module.
#
#   server_admin.sh BORNE_SERVER                     by hand
#   server_admin.sh BORNE TOOLS_DIR BORNE_SERVER     as ctest runs the integration scripts
set -euo pipefail
if [ $# -ge 3 ]; then SERVER=$3; else SERVER=${1:?usage: server_admin.sh BORNE_SERVER}; fi
if [ ! -x "$SERVER" ]; then
  echo "FAIL borne-server not built: $SERVER"
  exit 1
fi
DATA=$(cd "$(dirname "$0")" && pwd)/data
export TZ=Europe/Paris

# --- a throwaway PostgreSQL cluster -----------------------------------------------------------
PGBIN=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
[ -x "$PGBIN/initdb" ] || PGBIN=$(dirname "$(command -v initdb)")
DIR=$(mktemp -d /tmp/borne-admin.XXXXXX)
chmod 755 "$DIR"
as_pg() { # initdb refuses to run as root: run the cluster as postgres then
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
cleanup() {
  as_pg "$PGBIN/pg_ctl" -D "$DIR/pg/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$DIR"
}
trap cleanup EXIT
mkdir "$DIR/pg" "$DIR/work"
[ "$(id -u)" = 0 ] && chown postgres "$DIR/pg"
as_pg "$PGBIN/initdb" -D "$DIR/pg/data" -A trust -U borne >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$DIR/pg/data" -l "$DIR/pg/log" -w \
  -o "-k $DIR/pg -c listen_addresses=''" start >/dev/null
DB="host=$DIR/pg user=borne dbname=postgres"
W=$DIR/work

fails=0
check() { # check WHAT EXPECTED ACTUAL
  if [ "$2" == "$3" ]; then
    echo "ok   $1"
  else
    echo "FAIL $1: expected '$2', got '$3'"
    fails=$((fails + 1))
  fi
}
contains() { # contains WHAT NEEDLE TEXT
  if grep -qF -- "$2" <<<"$3"; then
    echo "ok   $1"
  else
    echo "FAIL $1: no '$2' in:"
    sed 's/^/       /' <<<"$3"
    fails=$((fails + 1))
  fi
}
lacks() { # lacks WHAT NEEDLE TEXT
  if grep -qF -- "$2" <<<"$3"; then
    echo "FAIL $1: '$2' should not be in:"
    sed 's/^/       /' <<<"$3"
    fails=$((fails + 1))
  else
    echo "ok   $1"
  fi
}
sql() { psql "$DB" -At -v ON_ERROR_STOP=1 -c "$1"; }
out="" rc=0
run() { # run ARGS...: borne-server's output (stdout and stderr) in $out, its status in $rc
  rc=0
  out=$("$SERVER" "$@" --db "$DB" 2>&1) || rc=$?
}
epoch() { date -d "$1" +%s; } # a local (Europe/Paris) or offset time -> Unix seconds

"$SERVER" migrate --db "$DB" >/dev/null
"$SERVER" site-add rennes "Atelier Numérique Rennes" --db "$DB" >/dev/null
"$SERVER" site-add nancy "Atelier Numérique Nancy" --db "$DB" >/dev/null

# --- CSV import -------------------------------------------------------------------------------
run import-csv rennes "$DATA/catalogue.csv"
check "CSV import succeeds" 0 "$rc"
contains "CSV summary" "import: 12 sessions (12 new, 0 updated), 4 rooms, site rennes" "$out"
check "12 sessions imported" 12 "$(sql "SELECT count(*) FROM sessions WHERE site_id = 'rennes'")"
check "4 rooms" "accueil atelier conference etage" \
  "$(sql "SELECT string_agg(id, ' ' ORDER BY id) FROM rooms WHERE site_id = 'rennes'")"
check "a room named on another line keeps its name" "Espace atelier" \
  "$(sql "SELECT name FROM rooms WHERE id = 'atelier'")"
check "quoted title with a comma and accents, exact" \
  "Arnaques en ligne : les repérer, s’en protéger" \
  "$(sql "SELECT title FROM sessions WHERE id = 'rn-2701-arnaques'")"
check "doubled quotes in a quoted field" 1 \
  "$(sql "SELECT count(*) FROM sessions WHERE id = 'rn-2701-emploi'
          AND description LIKE '%questions \"classiques\" et%'")"
check "a line break inside quotes is kept" 2 \
  "$(sql "SELECT array_length(string_to_array(description, E'\n'), 1) FROM sessions
          WHERE id = 'rn-2701-demarches'")"
check "local time in the site's time zone" "$(epoch '2027-01-11 14:30')" \
  "$(sql "SELECT starts_at FROM sessions WHERE id = 'rn-2701-cv'")"
check "ISO 8601 time with an offset" "$(epoch '2027-01-14T18:00:00+01:00')" \
  "$(sql "SELECT starts_at FROM sessions WHERE id = 'rn-2701-seo'")"
check "kinds by name, number, accents and case" "0 1 1 2 2 3" \
  "$(sql "SELECT string_agg(kind::text, ' ' ORDER BY kind) FROM sessions WHERE id IN
          ('rn-2701-cv', 'rn-2701-arnaques', 'rn-2701-ia', 'rn-2701-cyber-1', 'rn-2701-cyber-2',
           'rn-2701-coaching-a')")"
check "cancelled oui" "t" "$(sql "SELECT cancelled FROM sessions WHERE id = 'rn-2701-visio'")"
check "reserved_for kept" "Classe de 4e du collège Échange" \
  "$(sql "SELECT reserved_for FROM sessions WHERE id = 'rn-2701-classe'")"
xid_before=$(sql "SELECT max(changed_xid::text::bigint) FROM sessions")

run import-csv rennes "$DATA/catalogue.csv"
check "the same file again succeeds" 0 "$rc"
contains "re-import: all updated" "import: 12 sessions (0 new, 12 updated)" "$out"
contains "re-import: nothing changed" "12 of the updated sessions had no change" "$out"
check "an unchanged session is not touched (kiosks do not pull it again)" "$xid_before" \
  "$(sql "SELECT max(changed_xid::text::bigint) FROM sessions")"

# The spreadsheet saved again by Excel: a byte order mark, CRLF, one title changed, one row added.
python3 - "$DATA/catalogue.csv" "$W/v2.csv" <<'EOF'
import sys
text = open(sys.argv[1], encoding="utf-8", newline="").read()
text = text.replace("Rédiger son CV,", "Rédiger son CV pas à pas,")
text += "rn-2701-tablette,Premiers pas sur la tablette,2027-01-15 10:00,2027-01-15 12:00,10," \
        "atelier,,atelier,,,0,\n"
open(sys.argv[2], "w", encoding="utf-8-sig", newline="").write(text.replace("\n", "\r\n"))
EOF
run import-csv rennes "$W/v2.csv"
check "BOM + CRLF file imports" 0 "$rc"
contains "v2 summary" "import: 13 sessions (1 new, 12 updated), 4 rooms, site rennes" "$out"
contains "v2: 11 unchanged" "11 of the updated sessions had no change" "$out"
check "updated title" "Rédiger son CV pas à pas" \
  "$(sql "SELECT title FROM sessions WHERE id = 'rn-2701-cv'")"
check "the BOM is not part of the first column's name" 1 \
  "$(sql "SELECT count(*) FROM sessions WHERE id = 'rn-2701-tablette'")"

# A French spreadsheet's CSV: semicolons.
printf 'id;title;starts_at;ends_at;capacity;room;room_name\r\nrn-2702-excel;"Tableur : les bases; et plus";2027-02-01 10:00;2027-02-01 12:00;8;atelier;\r\n' \
  >"$W/semicolons.csv"
run import-csv rennes "$W/semicolons.csv"
check "semicolon-separated file imports" 0 "$rc"
check "semicolon inside quotes kept" "Tableur : les bases; et plus" \
  "$(sql "SELECT title FROM sessions WHERE id = 'rn-2702-excel'")"
contains "sessions absent from the file are kept, and the summary says so" \
  "13 other sessions of site rennes are not in this file: kept as they are" "$out"
check "absent sessions not deleted" 14 "$(sql "SELECT count(*) FROM sessions WHERE site_id = 'rennes'")"

# --- refused CSV files: every bad line named, nothing imported --------------------------------
count_before=$(sql "SELECT count(*) FROM sessions")
xid_before=$(sql "SELECT max(changed_xid::text::bigint) FROM sessions")
nothing_imported() { # nothing_imported WHAT
  check "$1: nothing imported" "$count_before $xid_before" \
    "$(sql "SELECT count(*) FROM sessions") $(sql "SELECT max(changed_xid::text::bigint) FROM sessions")"
}

cat >"$W/bad_values.csv" <<'EOF'
id,title,starts_at,ends_at,capacity,room,kind
rn-ok-1,Une session correcte,2027-03-01 10:00,2027-03-01 11:00,12,atelier,atelier
rn-bad-3,Capacité en lettres,2027-03-01 10:00,2027-03-01 11:00,douze,atelier,atelier
rn-bad-4,Date à la française,01/03/2027 10:00,2027-03-01 11:00,12,atelier,atelier
rn-bad-5,Finit avant de commencer,2027-03-01 10:00,2027-03-01 09:00,12,atelier,atelier
rn-bad-6,Jour inexistant,2027-02-30 10:00,2027-02-30 11:00,12,atelier,atelier
rn-bad-7,Genre inconnu,2027-03-01 10:00,2027-03-01 11:00,12,atelier,cours
rn-ok-1,Même id,2027-03-01 10:00,2027-03-01 11:00,12,atelier,atelier
rn-bad-9,Trop de places,2027-03-01 10:00,2027-03-01 11:00,20000,atelier,atelier
rn-bad-10,Champs manquants
,,,,,,
EOF
python3 -c 'print("rn-bad-12," + "T" * 200 + ",2027-03-01 10:00,2027-03-01 11:00,3,atelier,0")' \
  >>"$W/bad_values.csv"
run import-csv rennes "$W/bad_values.csv"
check "bad values: exit 1" 1 "$rc"
contains "line 3: capacity" 'line 3: capacity: expected a whole number, got "douze"' "$out"
contains "line 4: date format" 'line 4: starts_at: expected a date and time as YYYY-MM-DD HH:MM' "$out"
contains "line 5: ends before it starts" "line 5: ends_at: the session ends before it starts" "$out"
contains "line 6: no such date" 'line 6: starts_at: no such date or time: "2027-02-30 10:00"' "$out"
contains "line 7: kind" 'line 7: kind: expected atelier, conference, thematique or coaching' "$out"
contains "line 8: duplicate id" 'line 8: id: "rn-ok-1" is already the id of line 2' "$out"
contains "line 9: capacity range" "line 9: capacity: expected 0 to 10000 seats" "$out"
contains "line 10: field count" "line 10: expected 7 fields as in the header, got 2" "$out"
lacks "a row of empty cells is skipped" "line 11" "$out"
contains "line 12: title too long" "line 12: title: too long, 200 bytes where at most 159 fit" "$out"
lacks "a good line is not reported" "line 2:" "$out"
nothing_imported "bad values"
check "the good line of a refused file is not imported" 0 \
  "$(sql "SELECT count(*) FROM sessions WHERE id = 'rn-ok-1'")"

printf 'id,title,starts_at,ends_at,room\nrn-x,Sans capacité,2027-03-01 10:00,2027-03-01 11:00,atelier\n' \
  >"$W/missing_column.csv"
run import-csv rennes "$W/missing_column.csv"
check "missing column: exit 1" 1 "$rc"
contains "missing column named" 'line 1: header: missing column "capacity"' "$out"
nothing_imported "missing column"

printf 'id,title,starts_at,ends_at,capacity,room,organisateur\nrn-x,X,2027-03-01 10:00,2027-03-01 11:00,3,atelier,\n' \
  >"$W/unknown_column.csv"
run import-csv rennes "$W/unknown_column.csv"
check "unknown column: exit 1" 1 "$rc"
contains "unknown column named" 'line 1: header: unknown column "organisateur"' "$out"

printf 'id,title,starts_at,ends_at,capacity,room\nrn-q1,Bien,2027-03-01 10:00,2027-03-01 11:00,3,atelier\nrn-q2,"Guillemet jamais fermé,2027-03-01 10:00,2027-03-01 11:00,3,atelier\nrn-q3,Après,2027-03-01 10:00,2027-03-01 11:00,3,atelier\n' \
  >"$W/unterminated.csv"
run import-csv rennes "$W/unterminated.csv"
check "unterminated quote: exit 1" 1 "$rc"
contains "unterminated quote: its line" "line 3: a quoted field opened here is never closed" "$out"
nothing_imported "unterminated quote"

printf 'id,title,starts_at,ends_at,capacity,room\nrn-l1,Caf\xe9 num\xe9rique,2027-03-01 10:00,2027-03-01 11:00,3,atelier\nrn-l2,Bien,2027-03-01 10:00,2027-03-01 11:00,3,atelier\nrn-l3,Salle,2027-03-01 10:00,2027-03-01 11:00,3,atelier\n\xef\xbb\xbfrn-l4,Fin,2027-03-01 10:00,2027-03-01 11:00,3,\x01\n' \
  >"$W/latin1.csv"
run import-csv rennes "$W/latin1.csv"
check "invalid UTF-8: exit 1" 1 "$rc"
contains "invalid UTF-8: its line" "line 2: title: not valid UTF-8" "$out"
contains "a BOM in the middle is an id problem" 'line 5: id: expected 1 to 39 letters' "$out"
nothing_imported "invalid UTF-8"

printf 'id,title,starts_at,ends_at,capacity,room\nrn-s1,Stray "quote,2027-03-01 10:00,2027-03-01 11:00,3,atelier\nrn-s2,"Closed" then text,2027-03-01 10:00,2027-03-01 11:00,3,atelier\n' \
  >"$W/stray.csv"
run import-csv rennes "$W/stray.csv"
check "stray quotes: exit 1" 1 "$rc"
contains "stray quote, line 2" "line 2: a quote inside a field that does not start with one" "$out"
contains "text after a closing quote, line 3" "line 3: after a closing quote, expected a comma" "$out"

: >"$W/empty.csv"
run import-csv rennes "$W/empty.csv"
check "empty file: exit 1" 1 "$rc"
contains "empty file said" "the file is empty" "$out"
printf 'id,title,starts_at,ends_at,capacity,room\n' >"$W/header_only.csv"
run import-csv rennes "$W/header_only.csv"
check "header only: exit 1" 1 "$rc"
contains "header only said" "nothing to import" "$out"
printf '\xff\xfei\x00d\x00\n\x00' >"$W/utf16.csv"
run import-csv rennes "$W/utf16.csv"
check "UTF-16 file: exit 1" 1 "$rc"
contains "UTF-16 said" "UTF-16" "$out"
python3 -c '
import sys
sys.stdout.write("id,title,starts_at,ends_at,capacity,room,description\nrn-long,Long,2027-03-01 10:00,2027-03-01 11:00,3,atelier,\"" + "x" * 70000 + "\"\n")' \
  >"$W/long_line.csv"
run import-csv rennes "$W/long_line.csv"
check "a 70 KB line: exit 1" 1 "$rc"
contains "a 70 KB line said" "line 2: a record longer than 64 KiB" "$out"
run import-csv rennes "$W/does-not-exist.csv"
check "missing file: exit 1" 1 "$rc"
run import-csv lyon "$DATA/catalogue.csv"
check "unknown site: exit 1" 1 "$rc"
contains "unknown site said" 'site "lyon" does not exist' "$out"
nothing_imported "refused files"

# A session id is global: one of Nancy's sessions cannot be taken over by Rennes.
printf 'id,title,starts_at,ends_at,capacity,room\nn-2701-cv,CV à Nancy,2027-01-11 14:00,2027-01-11 16:00,10,n-salle\n' \
  >"$W/nancy.csv"
run import-csv nancy "$W/nancy.csv"
check "Nancy's import" 0 "$rc"
count_before=$(sql "SELECT count(*) FROM sessions")
xid_before=$(sql "SELECT max(changed_xid::text::bigint) FROM sessions")
printf 'id,title,starts_at,ends_at,capacity,room\nrn-2703-new,Nouvelle,2027-03-01 10:00,2027-03-01 11:00,3,atelier\nn-2701-cv,Volée,2027-01-11 14:00,2027-01-11 16:00,10,atelier\n' \
  >"$W/steal.csv"
run import-csv rennes "$W/steal.csv"
check "another site's session id: exit 1" 1 "$rc"
contains "another site's session id: its line" \
  "line 3: id: session n-2701-cv belongs to site nancy" "$out"
nothing_imported "another site's session id"
check "Nancy's session untouched" "nancy CV à Nancy" \
  "$(sql "SELECT site_id || ' ' || title FROM sessions WHERE id = 'n-2701-cv'")"

# --- iCalendar: Meetup's export ----------------------------------------------------------------
run import-ics rennes "$DATA/meetup.ics"
check "Meetup import succeeds" 0 "$rc"
contains "Meetup summary" "import: 3 sessions (3 new, 0 updated), 2 rooms, site rennes" "$out"
contains "Meetup: default capacity said" \
  "2 sessions without a capacity got the default of 12 seats" "$out"
contains "Meetup: shortened description said" "1 description shortened to 1199 bytes" "$out"
check "Meetup: UID as id, accents exact" "Python Rennes - Débuter avec pandas" \
  "$(sql "SELECT title FROM sessions WHERE id = 'event_305112233@meetup.com'")"
check "Meetup: DTSTART;TZID=Europe/Paris" "$(epoch '2027-01-14 18:30')" \
  "$(sql "SELECT starts_at FROM sessions WHERE id = 'event_305112233@meetup.com'")"
check "Meetup: room from LOCATION \"Name (address)\"" "atelier-numerique Atelier Numérique" \
  "$(sql "SELECT s.room_id || ' ' || r.name FROM sessions s JOIN rooms r
          ON r.site_id = s.site_id AND r.id = s.room_id WHERE s.id = 'event_305112233@meetup.com'")"
check "Meetup: \"Places : 25\" found past the cut of a long description" 25 \
  "$(sql "SELECT capacity FROM sessions WHERE id = 'event_305112233@meetup.com'")"
check "Meetup: long description cut at a word, with an ellipsis" "true true" \
  "$(sql "SELECT (octet_length(description) <= 1199)::text || ' ' || (description LIKE '%…')::text
          FROM sessions WHERE id = 'event_305112233@meetup.com'")"
check "Meetup: default capacity" 12 \
  "$(sql "SELECT capacity FROM sessions WHERE id = 'event_305198877@meetup.com'")"
check "Meetup: source" "ics:event_305200001@meetup.com" \
  "$(sql "SELECT source FROM sessions WHERE id = 'event_305200001@meetup.com'")"

# --- iCalendar: the centre's own calendar ------------------------------------------------------
expected_tuesdays() { # the weekly Tuesday slot of centre.ics within [now, now + 180 days]
  python3 - <<'EOF'
import datetime, time, zoneinfo
tz, now = zoneinfo.ZoneInfo("Europe/Paris"), time.time()
d, n = datetime.datetime(2026, 1, 6, 14, 0), 0
while datetime.datetime(d.year, d.month, d.day, 14, 0, tzinfo=tz).timestamp() < now + 180 * 86400:
    start = d.replace(tzinfo=tz).timestamp()
    if start + 1800 >= now and d.date() != datetime.date(2026, 12, 29):
        n += 1
    d += datetime.timedelta(days=7)
print(n)
EOF
}
tuesdays_before=$(expected_tuesdays)
run import-ics rennes "$DATA/centre.ics"
tuesdays_after=$(expected_tuesdays)
check "centre calendar import succeeds" 0 "$rc"
contains "all-day event refused, with its line" \
  'line 74: event "an-rennes-2027-jpo": all-day event "Journée portes ouvertes" refused' "$out"
contains "all-day event counted in the summary" "1 all-day event refused" "$out"
check "all-day event not imported" 0 "$(sql "SELECT count(*) FROM sessions WHERE id LIKE 'an-rennes-2027-jpo%'")"
check "SUMMARY with accents and a typographic apostrophe, exact" \
  "Arnaques en ligne : les repérer, s’en protéger" \
  "$(sql "SELECT title FROM sessions WHERE id = 'an-rennes-2027-arnaques-0119'")"
check "ORGANIZER's CN" "Association Défis numériques" \
  "$(sql "SELECT organiser FROM sessions WHERE id = 'an-rennes-2027-arnaques-0119'")"
check "STATUS:CANCELLED" "t" "$(sql "SELECT cancelled FROM sessions WHERE id = 'an-rennes-2027-mdp-0120'")"
check "kinds from CATEGORIES" "0 1 2 3" \
  "$(sql "SELECT string_agg(DISTINCT kind::text, ' ') FROM sessions WHERE source LIKE 'ics:an-rennes-%'")"
check "capacity: X-BORNE-CAPACITY, \"Places : 60\", \"Capacity: 8\"" "12 60 8" \
  "$(sql "SELECT string_agg(capacity::text, ' ' ORDER BY starts_at) FROM sessions WHERE id IN
          ('an-rennes-2027-cv-0118', 'an-rennes-2027-arnaques-0119')
          OR source LIKE 'ics:040000008200E%'")"
check "LOCATION naming a room the CSV made finds its id" "atelier" \
  "$(sql "SELECT room_id FROM sessions WHERE id = 'an-rennes-2027-cv-0118'")"
check "a long UID gets a stable hashed id" 1 \
  "$(sql "SELECT count(*) FROM sessions WHERE id ~ '^ics-[0-9a-f]{16}$'
          AND source LIKE 'ics:040000008200E%'")"
check "DURATION instead of DTEND; no LOCATION -> accueil" "5400 accueil" \
  "$(sql "SELECT (ends_at - starts_at) || ' ' || room_id FROM sessions WHERE source LIKE 'ics:040000008200E%'")"
check "a UTC time" "$(epoch '2027-01-22T17:00:00Z')" \
  "$(sql "SELECT starts_at FROM sessions WHERE id = 'an-rennes-2027-ia-0122'")"
occurrences=$(sql "SELECT count(*) FROM sessions WHERE source = 'ics:an-rennes-coaching-mardi'")
if [ "$occurrences" == "$tuesdays_before" ] || [ "$occurrences" == "$tuesdays_after" ]; then
  check "weekly RRULE expanded over the next 180 days" "$occurrences" "$occurrences"
else
  check "weekly RRULE expanded over the next 180 days" "$tuesdays_before" "$occurrences"
fi
contains "recurrence in the summary" "1 recurring, expanded into $occurrences occurrences" "$out"
check "EXDATE removes its occurrence" 0 \
  "$(sql "SELECT count(*) FROM sessions WHERE id = 'an-rennes-coaching-mardi-20261229'")"
check "occurrences are Tuesdays at 14:00 for 30 minutes" "$occurrences" \
  "$(sql "SELECT count(*) FROM sessions WHERE source = 'ics:an-rennes-coaching-mardi'
          AND to_char(to_timestamp(starts_at) AT TIME ZONE 'Europe/Paris', 'ID HH24:MI') = '2 14:00'
          AND ends_at - starts_at = 1800
          AND id = 'an-rennes-coaching-mardi-' ||
                   to_char(to_timestamp(starts_at) AT TIME ZONE 'Europe/Paris', 'YYYYMMDD')")"
run import-ics rennes "$DATA/centre.ics"
check "the calendar again: nothing new" "0" \
  "$(sed -n 's/.*sessions (\([0-9]*\) new.*/\1/p' <<<"$out")"

# A recurring event relative to today: COUNT, EXDATE, a moved occurrence, a cancelled one.
monday=$(date -d 'next monday + 7 days' +%Y%m%d)
day() { date -d "$monday + $1 weeks" +%Y%m%d; }
cat >"$W/recurring.ics" <<EOF
BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Borne tests//EN
BEGIN:VEVENT
UID:weekly-tablette
DTSTAMP:20261101T080000Z
SUMMARY:Tablette : premiers pas
DTSTART;TZID=Europe/Paris:${monday}T100000
DTEND;TZID=Europe/Paris:${monday}T113000
RRULE:FREQ=WEEKLY;COUNT=6
EXDATE;TZID=Europe/Paris:$(day 2)T100000
LOCATION:Espace atelier
X-BORNE-CAPACITY:6
END:VEVENT
BEGIN:VEVENT
UID:weekly-tablette
DTSTAMP:20261101T080000Z
RECURRENCE-ID;TZID=Europe/Paris:$(day 3)T100000
SUMMARY:Tablette : premiers pas (l'après-midi)
DTSTART;TZID=Europe/Paris:$(day 3)T160000
DTEND;TZID=Europe/Paris:$(day 3)T173000
LOCATION:Espace atelier
X-BORNE-CAPACITY:6
END:VEVENT
BEGIN:VEVENT
UID:weekly-tablette
DTSTAMP:20261101T080000Z
RECURRENCE-ID;TZID=Europe/Paris:$(day 4)T100000
STATUS:CANCELLED
SUMMARY:Tablette : premiers pas
DTSTART;TZID=Europe/Paris:$(day 4)T100000
DTEND;TZID=Europe/Paris:$(day 4)T113000
LOCATION:Espace atelier
X-BORNE-CAPACITY:6
END:VEVENT
END:VCALENDAR
EOF
run import-ics rennes "$W/recurring.ics"
check "recurring event with overrides imports" 0 "$rc"
check "COUNT=6 minus one EXDATE" 5 "$(sql "SELECT count(*) FROM sessions WHERE source = 'ics:weekly-tablette'")"
check "occurrence ids are UID-YYYYMMDD" "weekly-tablette-$(day 0) weekly-tablette-$(day 1) weekly-tablette-$(day 3) weekly-tablette-$(day 4) weekly-tablette-$(day 5)" \
  "$(sql "SELECT string_agg(id, ' ' ORDER BY id) FROM sessions WHERE source = 'ics:weekly-tablette'")"
check "RECURRENCE-ID moves its occurrence" "16:00 Tablette : premiers pas (l'après-midi)" \
  "$(sql "SELECT to_char(to_timestamp(starts_at) AT TIME ZONE 'Europe/Paris', 'HH24:MI') || ' ' || title
          FROM sessions WHERE id = 'weekly-tablette-$(day 3)'")"
check "a cancelled occurrence" "true false" \
  "$(sql "SELECT string_agg(cancelled::text, ' ' ORDER BY id) FROM sessions
          WHERE id IN ('weekly-tablette-$(day 4)', 'weekly-tablette-$(day 5)')")"

# Refused calendars: nothing imported, the event's line named.
count_before=$(sql "SELECT count(*) FROM sessions")
xid_before=$(sql "SELECT max(changed_xid::text::bigint) FROM sessions")
cat >"$W/bad.ics" <<'EOF'
BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Borne tests//EN
BEGIN:VEVENT
UID:ok-event
SUMMARY:Correct
DTSTART;TZID=Europe/Paris:20270301T100000
DTEND;TZID=Europe/Paris:20270301T110000
END:VEVENT
BEGIN:VEVENT
UID:ends-before
SUMMARY:Finit avant de commencer
DTSTART;TZID=Europe/Paris:20270301T100000
DTEND;TZID=Europe/Paris:20270301T090000
END:VEVENT
BEGIN:VEVENT
SUMMARY:Sans UID
DTSTART;TZID=Europe/Paris:20270301T100000
DTEND;TZID=Europe/Paris:20270301T110000
END:VEVENT
BEGIN:VEVENT
UID:unknown-zone
SUMMARY:Fuseau inconnu
DTSTART;TZID=Mars/Olympus_Mons:20270301T100000
DTEND;TZID=Mars/Olympus_Mons:20270301T110000
END:VEVENT
BEGIN:VEVENT
UID:bad-capacity
SUMMARY:Capacité illisible
DTSTART:20270301T100000
DTEND:20270301T110000
X-BORNE-CAPACITY:beaucoup
END:VEVENT
BEGIN:VEVENT
UID:no-end
SUMMARY:Sans fin
DTSTART:20270301T100000
END:VEVENT
END:VCALENDAR
EOF
run import-ics rennes "$W/bad.ics"
check "bad calendar: exit 1" 1 "$rc"
contains "DTEND before DTSTART, its line" 'line 10: event "ends-before": it ends (DTEND) before it starts' "$out"
contains "no UID, its line" "line 16: event 3: no UID" "$out"
contains "unknown time zone, its line" 'line 21: event "unknown-zone": DTSTART: unknown time zone "Mars/Olympus_Mons"' "$out"
contains "bad X-BORNE-CAPACITY, its line" 'line 27: event "bad-capacity": X-BORNE-CAPACITY: expected a whole number' "$out"
contains "no DTEND, its line" 'line 34: event "no-end": no DTEND or DURATION' "$out"
nothing_imported "bad calendar"
printf 'hello, this is not a calendar\n' >"$W/not.ics"
run import-ics rennes "$W/not.ics"
check "not a calendar: exit 1" 1 "$rc"
printf 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x\r\nSUMMARY:Caf\xe9\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n' >"$W/latin1.ics"
run import-ics rennes "$W/latin1.ics"
check "Latin-1 calendar: exit 1" 1 "$rc"
contains "Latin-1 calendar: its line" "line 5: not valid UTF-8" "$out"
nothing_imported "refused calendars"

# --- a raised capacity moves the waiting list up -----------------------------------------------
sql "INSERT INTO devices (id, site_id, label, public_key, token_hash) VALUES
     ('11111111-1111-4111-8111-111111111111', 'rennes', 'Kiosk A',
      decode(repeat('00', 32), 'hex'), decode(repeat('01', 32), 'hex'))" >/dev/null
DEV=11111111-1111-4111-8111-111111111111
reg() { # reg ID FIRST LAST EMAIL PHONE STATUS SEAT SESSION
  sql "INSERT INTO registrations (id, session_id, device_id, first_name, last_name, email, phone,
         short_code, status, seat, created_at, device_seq)
       VALUES ('$1', '$8', '$DEV', \$\$$2\$\$, \$\$$3\$\$, NULLIF('$4', ''), NULLIF('$5', ''),
               'SC' || '$1', $6, $7, $(epoch '2026-11-20 10:00'), 1);
       INSERT INTO tickets (id, registration_id, session_id, site_id, device_id, payload,
         short_code, first_name, status, issued_at)
       VALUES ('t-$1', '$1', '$8', 'rennes', '$DEV', 'payload', 'SC' || '$1', \$\$$2\$\$, $6,
               $(epoch '2026-11-20 10:00'))" >/dev/null
}
S=rn-2701-coaching-a
reg r1 Zoé Martin zoe@example.org "" 0 1 $S
reg r2 'Jean, "Jo"' Dupont "" "+33 6 12 34 56 78" 1 0 $S
reg r3 Léa '=HYPERLINK("http://evil.example","clic")' "" "" 1 0 $S
reg r4 Hugo Petit "" "" 1 0 $S
sql "UPDATE sessions SET confirmed = 1 WHERE id = '$S'" >/dev/null
sed 's/^rn-2701-coaching-a,\(.*\),1,etage,/rn-2701-coaching-a,\1,3,etage,/' "$DATA/catalogue.csv" >"$W/bigger.csv"
check "test file raises the capacity" 1 "$(grep -c '^rn-2701-coaching-a,.*,3,etage,' "$W/bigger.csv")"
run import-csv rennes "$W/bigger.csv"
check "capacity raised: import succeeds" 0 "$rc"
contains "promotion in the summary" "waiting list: 2 registrations confirmed in 1 session with new seats" "$out"
check "the two oldest waiting registrations confirmed, not the third" "r1:0 r2:0 r3:0 r4:1" \
  "$(sql "SELECT string_agg(id || ':' || status, ' ' ORDER BY id) FROM registrations WHERE session_id = '$S'")"
check "their tickets too" "t-r1:0 t-r2:0 t-r3:0 t-r4:1" \
  "$(sql "SELECT string_agg(id || ':' || status, ' ' ORDER BY id) FROM tickets WHERE session_id = '$S'")"
check "confirmed = capacity" "3 3" "$(sql "SELECT confirmed || ' ' || capacity FROM sessions WHERE id = '$S'")"
run import-csv rennes "$DATA/catalogue.csv"
check "capacity lowered below the seats given: imported" 0 "$rc"
contains "capacity lowered: a warning" "warning: more seats given than the new capacity: $S (3 seats given, capacity 1)" "$out"
check "lowering never cancels anyone" "3" "$(sql "SELECT count(*) FROM registrations WHERE session_id = '$S' AND status = 0")"

# --- exports ----------------------------------------------------------------------------------
sql "INSERT INTO checkins (id, ticket_id, session_id, device_id, checked_at, device_seq, flagged) VALUES
     ('c1', 't-r1', '$S', '$DEV', $(epoch '2027-01-12 13:25'), 2, false),
     ('c2', 't-r1', '$S', '$DEV', $(epoch '2027-01-12 13:27'), 3, true)" >/dev/null
"$SERVER" export registrations --site rennes --from 2027-01-12 --to 2027-01-12 --db "$DB" \
  >"$W/registrations.csv"
python3 - "$W/registrations.csv" <<'EOF' >"$W/registrations.txt"
import csv, sys
raw = open(sys.argv[1], "rb").read()
assert raw.startswith(b"\xef\xbb\xbf"), "no BOM"
assert b"\r\n" in raw, "no CRLF"
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8-sig", newline="")))
print("header", ",".join(rows[0]))
print("rows", len(rows) - 1)
for r in rows[1:]:
    d = dict(zip(rows[0], r))
    print(d["registration_id"], d["first_name"], d["last_name"], d["phone"], d["status"],
          d["seat"], d["checked_in"], d["first_checkin_at"], d["session_start"], d["created_at"],
          sep="|")
EOF
reg_out=$(cat "$W/registrations.txt")
contains "registrations: header" \
  "header session_id,session_title,session_start,registration_id,first_name,last_name,email,phone,short_code,status,seat,device_id,created_at,received_at,checked_in,first_checkin_at" \
  "$reg_out"
contains "registrations: 4 rows" "rows 4" "$reg_out"
contains "registrations: checked in, first check-in, times in the site's zone" \
  "r1|Zoé|Martin||confirmed|server|oui|2027-01-12 13:25:00|2027-01-12 13:30|2026-11-20 10:00:00" "$reg_out"
contains "registrations: comma and quotes survive; phone defused" \
  "r2|Jean, \"Jo\"|Dupont|'+33 6 12 34 56 78|confirmed|none|non||" "$reg_out"
contains "registrations: a formula is defused" \
  "r3|Léa|'=HYPERLINK(\"http://evil.example\",\"clic\")|" "$reg_out"
contains "registrations: waitlist" "r4|Hugo|Petit||waitlist|none|non|" "$reg_out"
rows=$("$SERVER" export registrations --site rennes --from 2027-01-13 --to 2027-02-28 --db "$DB" | wc -l)
check "registrations: range by session date (header only)" 1 "$rows"

# A past session, to count who did not come.
printf 'id,title,starts_at,ends_at,capacity,room\nrn-past,Session passée,2026-11-02 10:00,2026-11-02 12:00,5,atelier\n' >"$W/past.csv"
run import-csv rennes "$W/past.csv"
reg p1 Anne Durand "" "" 0 1 rn-past
reg p2 Paul Roux "" "" 0 1 rn-past
reg p3 Inès Bernard "" "" 2 1 rn-past
sql "INSERT INTO checkins (id, ticket_id, session_id, device_id, checked_at, device_seq) VALUES
     ('c3', 't-p1', 'rn-past', '$DEV', $(epoch '2026-11-02 09:55'), 4)" >/dev/null
"$SERVER" export attendance --site rennes --from 2026-11-02 --to 2027-01-12 --db "$DB" \
  >"$W/attendance.csv"
att_out=$(python3 - "$W/attendance.csv" <<'EOF'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], encoding="utf-8-sig", newline="")))
print("header", ",".join(rows[0]))
for r in rows[1:]:
    print("|".join(r))
EOF
)
contains "attendance: header" \
  "header session_id,title,start,room,capacity,confirmed,waitlist,cancelled,checked_in,flagged_checkins,no_show" \
  "$att_out"
contains "attendance: a past session counts its no-shows" \
  "rn-past|Session passée|2026-11-02 10:00|Espace atelier|5|2|0|1|1|0|1" "$att_out"
contains "attendance: an upcoming session, no no-show yet" \
  "$S|Rendez-vous individuel : vos questions numériques|2027-01-12 13:30|Salle du 1er étage|1|3|1|0|1|1|" \
  "$att_out"
check "attendance: one row per session in range" \
  "$(sql "SELECT count(*) FROM sessions WHERE site_id = 'rennes' AND starts_at >= $(epoch '2026-11-02 00:00')
          AND starts_at < $(epoch '2027-01-13 00:00')")" \
  "$(($(grep -c '' <<<"$att_out") - 1))"
lacks "attendance: Nancy's sessions are not Rennes's" "CV à Nancy" "$att_out"

run export attendance --site rennes --from 2027-02-30 --to 2027-03-01
check "export: impossible date refused" 1 "$rc"
contains "export: impossible date said" 'from: expected a date as YYYY-MM-DD' "$out"
run export attendance --site rennes --from 2027-03-01 --to 2027-02-01
check "export: from after to refused" 1 "$rc"
run export registrations --site lyon --from 2027-01-01 --to 2027-01-31
check "export: unknown site refused" 1 "$rc"
contains "export: unknown site said" 'site "lyon" does not exist' "$out"

echo
if [ "$fails" -ne 0 ]; then
  echo "$fails checks failed"
  exit 1
fi
echo "all checks passed"
