#!/usr/bin/env bash
# A ticket's whole life, through the real program, its printer bytes and a real QR decoder:
#  1. a visitor registers through the UI at 09:30 for the 14:30 session; the printer is file:
#  2. the printed bytes are read back as a printer would (tests/tools/escpos_read, a decoder of
#     the commands Borne emits, written apart from the encoder): the text lines must hold the
#     accented names, the raster image is rebuilt as a PNG and zbarimg decodes its QR
#  3. at 14:10 the kiosk is started again on the same database and the decoded payload is
#     scanned: "welcome"; a second scan, from a scanner seen as a keyboard (key positions):
#     "already checked in"; the payload with one character changed: "not valid" (forged)
#   ticket_roundtrip.sh BORNE TOOLS_DIR
set -euo pipefail
borne=$1 tools=$2
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d /tmp/borne-e2e-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export SDL_VIDEODRIVER=offscreen SDL_AUDIODRIVER=dummy TZ=Europe/Paris
export BORNE_ASSETS=${BORNE_ASSETS:-$here/../../assets}
command -v zbarimg >/dev/null || { echo "e2e: zbarimg is missing (zbar-tools): board/deps.sh test" >&2; exit 1; }

cat >"$tmp/register.replay" <<'REPLAY'
seek tile:demo-0-cv-1
press tile:demo-0-cv-1
press register
keys Zoé
press field:1
keys Lefèvre-Noël
press continue
press confirm
expect screen done

wait-print
expect ticket printed
expect print-jobs done 1
expect text Prenez votre billet
REPLAY
"$borne" --replay "$tmp/register.replay" --db "$tmp/borne.db" --demo --windowed 1280x800 \
  --now 2026-11-23T09:30 --printer "file:$tmp/printer.bin" --screenshots "$tmp"
[ -s "$tmp/printer.bin" ] || { echo "e2e: nothing was printed" >&2; exit 1; }

"$tools/escpos_read" "$tmp/printer.bin" --text "$tmp/ticket.txt" --qr "$tmp/qr.png"
echo "e2e: the ticket reads:"; sed 's/^/  | /' "$tmp/ticket.txt"
for want in "Atelier Numérique" "Rédiger son CV" "Lundi 23 novembre, 14:30 à 16:30" "Espace atelier" "Pour : Zoé" "Code du billet" "À votre arrivée"; do
  grep -qF "$want" "$tmp/ticket.txt" || { echo "e2e: '$want' is not on the ticket" >&2; exit 1; }
done
zbarimg --raw -q "$tmp/qr.png" >"$tmp/payload.txt" 2>"$tmp/zbar.log"
payload=$(head -n1 "$tmp/payload.txt")
echo "e2e: zbarimg read a payload of ${#payload} characters: ${payload:0:12}..."
[[ $payload =~ ^B2[A-Z2-7]+$ ]] || { echo "e2e: not a ticket payload: $payload" >&2; exit 1; }
# The code printed under the QR is the one of the registration.
code=$(sqlite3 "$tmp/borne.db" "SELECT short_code FROM tickets")
grep -qF "${code:0:4}-${code:4}" "$tmp/ticket.txt" || { echo "e2e: code $code not printed" >&2; exit 1; }

# Staff reprint it (a jam, a lost ticket): the same QR, logged as a reprint; a mistyped code is
# refused by its check character.
"$borne" reprint "${code,,}" --db "$tmp/borne.db" --printer "file:$tmp/reprint.bin"
"$tools/escpos_read" "$tmp/reprint.bin" --qr "$tmp/qr2.png"
[ "$(zbarimg --raw -q "$tmp/qr2.png" 2>>"$tmp/zbar.log" | head -n1)" = "$payload" ] || { echo "e2e: the reprint differs" >&2; exit 1; }
[ "$(sqlite3 "$tmp/borne.db" "SELECT count(*) FROM print_jobs WHERE reprint = 1 AND state = 2")" = 1 ]
bad=${code:0:8}$([ "${code:8:1}" = A ] && echo C || echo A)
if "$borne" reprint "$bad" --db "$tmp/borne.db" --printer "file:$tmp/reprint.bin"; then
  echo "e2e: a wrong code was reprinted" >&2; exit 1
fi

cat >"$tmp/door.replay" <<REPLAY
scan-file $tmp/payload.txt
expect verdict welcome
expect text Bienvenue, Zoé
expect sound welcome
expect checkins demo-0-cv-1 1
screenshot welcome
wait 7000
expect screen home
scan $payload
expect verdict already
expect sound already
expect checkins demo-0-cv-1 1
press verdict:ok
scan-file $tmp/payload.txt alter 150
expect verdict invalid
expect reason forged
expect sound invalid
expect checkins demo-0-cv-1 1
REPLAY
"$borne" --replay "$tmp/door.replay" --db "$tmp/borne.db" --windowed 1280x800 \
  --now 2026-11-23T14:10 --printer none --screenshots "$tmp"

# The same ticket from real scanner channels: a keyboard-mode scanner's evdev events (US key
# positions, as the kernel writes them; the kiosk's own key map must get every digit right
# whatever the system layout) through a FIFO, and a serial scanner through a pty. Both read
# the ticket exactly: "already checked in", not "damaged".
# One channel per run: two scans arriving together would race for the same verdict screen.
mkfifo "$tmp/kbd"
"$tools/scanner_feed" evdev "$tmp/kbd" "$payload" &
feeder=$!
devices() { # devices NAME SOURCE ARGS...: one run that waits for a scan from SOURCE
  local name=$1 source=$2
  shift 2
  printf 'wait-scan %s\nexpect verdict already\nexpect checkins demo-0-cv-1 1\n' "$source" \
    >"$tmp/$name.replay"
  "$borne" --replay "$tmp/$name.replay" --db "$tmp/borne.db" --windowed 1280x800 \
    --now 2026-11-23T14:20 --printer none "$@" 2>&1 | tee "$tmp/$name.log" |
    grep -E '^(replay|borne: scan)|\.replay:[0-9]+:' || true
  grep -q "all expectations met" "$tmp/$name.log" ||
    { tail -20 "$tmp/$name.log" >&2; echo "e2e: the $source scanner failed" >&2; exit 1; }
}
devices evdev evdev --scanner-evdev "$tmp/kbd"
wait "$feeder"
"$tools/scanner_feed" serial "$tmp/tty.link" "$payload" &
feeder=$!
for _ in $(seq 100); do [ -s "$tmp/tty.link" ] && break; sleep 0.1; done
devices serial serial --scanner-serial "$(head -n1 "$tmp/tty.link")"
wait
echo "e2e: register, print, read back, scan (window keys, evdev, serial): all as expected"
