#!/usr/bin/env bash
# Keys and upgrades, through the real program and its database:
#  - a registration made before tickets existed (its ticket row removed, as a v1 kiosk left
#    it) gets its ticket signed at the next start: its code checks in;
#  - [keys] trusted: a line naming the kiosk itself is refused (its own key stays, its tickets
#    still verify); another device's key is recorded, and forgotten when its line is deleted;
#  - a typed code reaches the same verdict as the QR: with the issuing device revoked, both
#    say "not valid".
#   upgrade_and_keys.sh BORNE TOOLS_DIR
set -euo pipefail
borne=$1
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d /tmp/borne-e2e-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export SDL_VIDEODRIVER=offscreen SDL_AUDIODRIVER=dummy TZ=Europe/Paris
export BORNE_ASSETS=${BORNE_ASSETS:-$here/../../assets}
db=$tmp/borne.db
run() { # run REPLAY_TEXT NOW [options...]
  local now=$1 text=$2
  shift 2
  printf '%s\n' "$text" >"$tmp/run.replay"
  "$borne" --replay "$tmp/run.replay" --db "$db" --windowed 1280x800 --now "$now" "$@" \
    2>"$tmp/run.log" || { cat "$tmp/run.log" >&2; echo "e2e: replay failed" >&2; exit 1; }
}
fail() { echo "e2e: $*" >&2; exit 1; }

run 2026-11-23T09:30 'seek tile:demo-0-cv-1
press tile:demo-0-cv-1
press register
keys Zoé
press field:1
keys Martin
press continue
press confirm
expect ticket on-screen' --demo --printer none
code=$(sqlite3 "$db" "SELECT short_code FROM registrations")
own=$(sqlite3 "$db" "SELECT device_id FROM device_keys WHERE origin = 'self'")
sqlite3 "$db" "DELETE FROM tickets"

# Restart: the ticket is signed again; the code checks in at 14:10.
other="0b6c4e1a-5d2f-4c3b-9a8e-7f1d2c3b4a5e"
otherkey="11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="
printf '[keys]\ntrusted = %s %s\ntrusted = %s %s\n' "$own" "$otherkey" "$other" "$otherkey" >"$tmp/keys.ini"
run 2026-11-23T14:10 "scan-device ${code:0:4}-${code:4}
expect verdict welcome
expect text Bienvenue, Zoé" --config "$tmp/keys.ini" --printer none
grep -q "tickets signed for 1 registrations" "$tmp/run.log" || fail "no ticket was signed at start"
grep -q "names this kiosk itself" "$tmp/run.log" || fail "the kiosk's own id was not refused"
[ "$(sqlite3 "$db" "SELECT origin FROM device_keys WHERE device_id = '$other'")" = config ] ||
  fail "the configured key is not recorded"
[ "$(sqlite3 "$db" "SELECT count(*) FROM device_keys WHERE device_id = '$own' AND origin = 'self'")" = 1 ] ||
  fail "the kiosk's own key was replaced"

# The line deleted: that device is no longer trusted. The kiosk's own device revoked: its
# ticket is refused, scanned or typed alike.
printf '[keys]\n' >"$tmp/nokeys.ini"
sqlite3 "$db" "UPDATE device_keys SET revoked_at = 1 WHERE device_id = '$own'"
payload=$(sqlite3 "$db" "SELECT payload FROM tickets")
run 2026-11-23T14:12 "scan-device $payload
expect verdict invalid
expect reason revoked-key
press verdict:ok
press code
keys-code $code
press submit-code
expect verdict invalid
expect reason revoked-key" --config "$tmp/nokeys.ini" --printer none
[ "$(sqlite3 "$db" "SELECT count(*) FROM device_keys WHERE device_id = '$other'")" = 0 ] ||
  fail "a key deleted from the configuration is still trusted"
echo "e2e: upgrade, trusted keys, revoked device: all as expected"
