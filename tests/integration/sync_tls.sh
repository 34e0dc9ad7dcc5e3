#!/usr/bin/env bash
# TLS as a centre deploys it (docs/server.md, "TLS"): borne-server speaking https with a
# certificate from the centre's own authority, kiosks that trust that authority ([sync]
# ca_file) and may pin the server's key ([sync] pinned_key), enrolled and syncing with the real
# `borne enrol` and `borne sync`. Then what a kiosk must refuse, each time with `borne sync`
# exiting 1 on a line that says why, and nothing reaching the server (no request in its log, no
# row in PostgreSQL): a key other than the pinned one, an expired certificate, a certificate
# for another host name, an authority the kiosk does not know (the system's CA store), and
# plain http to another machine than this one unless [sync] allow_insecure_http says so.
#
#   sync_tls.sh BORNE TOOLS_DIR BORNE_SERVER
#
# The certificates are made here with the openssl command (board/deps.sh test): no crypto of
# our own, curl (OpenSSL) checks them on the kiosk's side, libmicrohttpd (GnuTLS) serves them.
set -euo pipefail
BORNE=$1 TOOLS=$2 SERVER=$3
HERE=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=../server_env.sh
source "$HERE/server_env.sh"
# shellcheck source=../checks.sh
source "$HERE/checks.sh"
command -v openssl >/dev/null || { echo "FAIL the openssl command is missing (board/deps.sh test)"; exit 1; }

DIR=$(mktemp -d /tmp/borne-tls.XXXXXX)
chmod 755 "$DIR"
trap env_cleanup EXIT
SIM="$TOOLS/kiosk_sim"
PKI=$DIR/pki
mkdir -p "$PKI/issued"

says() { # says WHAT EXTENDED_REGEX TEXT
  if grep -qE -- "$2" <<<"$3"; then
    echo "ok   $1"
  else
    echo "FAIL $1: /$2/ not in: $3"
    fails=$((fails + 1))
  fi
}
sql() { psql "$BORNE_PG" -At -v ON_ERROR_STOP=1 -c "$1"; }
code() { "$SERVER" enrol-code rennes --db "$BORNE_PG" | tail -n 1; }
# What the server holds, and how many requests it answered: a refused kiosk changes neither.
stored() {
  local rows
  rows=$(sql "SELECT 'devices ' || (SELECT count(*) FROM devices)
           || ', codes used ' || (SELECT count(*) FROM enrol_codes WHERE used_at IS NOT NULL)
           || ', events ' || (SELECT count(*) FROM events)
           || ', registrations ' || (SELECT count(*) FROM registrations)")
  echo "$rows, requests $(grep -c '^[A-Z]* /v1/' "$DIR/server.log" || true)"
}
# refused WHAT REGEX COMMAND...: the command exits 1, its standard output (`borne sync`'s one
# line, `borne enrol`'s message) matches REGEX, and the server got nothing.
last_line=""
refused() {
  local what=$1 regex=$2 before rc
  shift 2
  before=$(stored)
  set +e
  last_line=$("$@" 2>>"$DIR/borne.err")
  rc=$?
  set -e
  echo "     > $last_line"
  check "$what: exit status" 1 "$rc"
  says "$what: says why" "$regex" "$last_line"
  check "$what: nothing reached the server" "$before" "$(stored)"
}
# A copy of kiosk A whose server is now at URL (the same token, another certificate).
kiosk_at() { # kiosk_at NAME URL
  sqlite3 "$DIR/A.db" ".backup '$DIR/$1.db'"
  sqlite3 "$DIR/$1.db" "UPDATE meta SET value = '$2' WHERE key = 'sync_url'"
}
pending() { sqlite3 "$DIR/$1.db" "SELECT count(*) FROM outbox WHERE acked_at IS NULL"; }

# --- the centre's certificate authority, and four server certificates --------------------------
# openssl ca, not openssl x509: only it sets a validity in the past (the expired certificate).
export SAN=IP:127.0.0.1
cat >"$PKI/openssl.cnf" <<EOF
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[ca_ext]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server_ext]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = \$ENV::SAN
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ca]
default_ca = centre
[centre]
dir = $PKI
database = $PKI/index.txt
new_certs_dir = $PKI/issued
serial = $PKI/serial
certificate = $PKI/ca.pem
private_key = $PKI/ca.key
default_md = sha256
policy = any
unique_subject = no
[any]
commonName = supplied
EOF
: >"$PKI/index.txt"
echo 1000 >"$PKI/serial"
ossl() { openssl "$@" >>"$PKI/openssl.log" 2>&1 || { cat "$PKI/openssl.log"; exit 1; }; }
ossl req -x509 -config "$PKI/openssl.cnf" -extensions ca_ext -newkey ec \
  -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$PKI/ca.key" -out "$PKI/ca.pem" -days 3650 \
  -subj "/CN=Atelier Numerique test CA"
server_cert() { # server_cert NAME SUBJECT_ALT_NAMES openssl-ca-validity-options...
  local name=$1
  SAN=$2
  shift 2
  ossl req -new -config "$PKI/openssl.cnf" -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$PKI/$name.key" -out "$PKI/$name.csr" -subj "/CN=$name"
  ossl ca -batch -config "$PKI/openssl.cnf" -extensions server_ext -notext \
    -in "$PKI/$name.csr" -out "$PKI/$name.pem" "$@"
}
server_cert good "IP:127.0.0.1,DNS:localhost" -days 30
server_cert expired "IP:127.0.0.1,DNS:localhost" -startdate 20200101000000Z -enddate 20200201000000Z
server_cert other "DNS:sync.other-centre.example" -days 30
check "the good certificate verifies against the CA" "$PKI/good.pem: OK" \
  "$(openssl verify -CAfile "$PKI/ca.pem" "$PKI/good.pem" 2>&1)"
check "the expired one is expired" "expired" \
  "$(openssl verify -CAfile "$PKI/ca.pem" "$PKI/expired.pem" 2>&1 | grep -o 'expired' | head -n 1)"
# The pin, exactly as docs/server.md tells an administrator to compute it.
pin_of() {
  openssl x509 -in "$1" -pubkey -noout | openssl pkey -pubin -outform der |
    openssl dgst -sha256 -binary | base64
}
cat >"$DIR/trust.ini" <<EOF
[sync]
ca_file = $PKI/ca.pem
EOF
cat >"$DIR/pin.ini" <<EOF
[sync]
ca_file = $PKI/ca.pem
pinned_key = sha256//$(pin_of "$PKI/good.pem")
EOF
# Another real key of the same authority: everything checks out but the pin.
cat >"$DIR/wrong-pin.ini" <<EOF
[sync]
ca_file = $PKI/ca.pem
pinned_key = sha256//$(pin_of "$PKI/other.pem")
EOF
cat >"$DIR/insecure.ini" <<EOF
[sync]
allow_insecure_http = true
EOF

# --- the servers: one database, one server per certificate, one in plain http -----------------
pg_start "$DIR"
server_start "$DIR" "$SERVER" --tls-cert "$PKI/good.pem" --tls-key "$PKI/good.key"
GOOD=$BORNE_SERVER_URL
"$SERVER" site-add rennes "Atelier Numérique Rennes" --db "$BORNE_PG"
tomorrow=$(date -d '+1 day' '+%Y-%m-%d 10:00')
tomorrow_end=$(date -d '+1 day' '+%Y-%m-%d 12:00')
cat >"$DIR/rennes.csv" <<EOF
id,title,starts_at,ends_at,capacity,room,room_name,kind
s-tomorrow,Premiers pas sur la tablette,$tomorrow,$tomorrow_end,10,salle-2,Salle Grace Hopper,atelier
EOF
"$SERVER" import-csv rennes "$DIR/rennes.csv" --db "$BORNE_PG"
server_start "$DIR" "$SERVER" --tls-cert "$PKI/expired.pem" --tls-key "$PKI/expired.key"
EXPIRED=$BORNE_SERVER_URL
server_start "$DIR" "$SERVER" --tls-cert "$PKI/other.pem" --tls-key "$PKI/other.key"
OTHER=$BORNE_SERVER_URL
# Plain http on every address of this machine, for the allow_insecure_http case.
server_start "$DIR" "$SERVER" --listen 0.0.0.0:0
PLAIN_PORT=${BORNE_SERVER_URL##*:}
echo "servers: good $GOOD, expired $EXPIRED, other name $OTHER, plain http port $PLAIN_PORT"

# --- trusted through [sync] ca_file: enrolment, sync, a registration reaches the server -------
out=$("$BORNE" enrol "$GOOD" "$(code)" --label "Rennes, entrée" --db "$DIR/A.db" \
  --config "$DIR/trust.ini")
echo "     > $out"
says "enrolment over https with ca_file" "^borne: enrolled: device .*, site rennes" "$out"
out=$("$BORNE" sync --db "$DIR/A.db" --config "$DIR/trust.ini")
echo "     > $out"
says "the first sync over https" "^sync: ok, pushed 0 .* pulled .*, 1 sessions" "$out"
# A visitor registers at kiosk A (from the seats the server holds for it), and the next sync
# takes the registration to the server.
reg=$("$SIM" register "$DIR/A.db" s-tomorrow Zoé Martin --offline)
check "a registration at kiosk A" confirmed "${reg%% *}"
out=$("$BORNE" sync --db "$DIR/A.db" --config "$DIR/trust.ini")
echo "     > $out"
says "the sync that pushes it" "^sync: ok, pushed 1 \(refused 0\)" "$out"
check "the registration is on the server, from kiosk A" "Zoé Martin 0" \
  "$(sql "SELECT r.first_name || ' ' || r.last_name || ' ' || r.status FROM registrations r
          JOIN devices d ON d.id = r.device_id WHERE d.label = 'Rennes, entrée'")"
# The certificate names localhost too: the same server by that name.
kiosk_at A-localhost "https://localhost:${GOOD##*:}"
out=$("$BORNE" sync --db "$DIR/A-localhost.db" --config "$DIR/trust.ini")
says "the same server as https://localhost" "^sync: ok" "$out"

# --- the right pin ------------------------------------------------------------------------------
"$SIM" register "$DIR/A.db" s-tomorrow Léon Dupont --offline >/dev/null
out=$("$BORNE" sync --db "$DIR/A.db" --config "$DIR/pin.ini")
echo "     > $out"
says "sync with the right pinned_key" "^sync: ok, pushed 1 \(refused 0\)" "$out"
out=$("$BORNE" enrol "$GOOD" "$(code)" --label "Rennes, sortie" --db "$DIR/B.db" \
  --config "$DIR/pin.ini")
says "enrolment with the right pinned_key" "^borne: enrolled: device" "$out"
check "two kiosks and two registrations on the server" "2 2" \
  "$(sql "SELECT (SELECT count(*) FROM devices) || ' ' || (SELECT count(*) FROM registrations)")"

# --- refused: another key than the pinned one -----------------------------------------------
"$SIM" register "$DIR/A.db" s-tomorrow Inès Bernard --offline >/dev/null
refused "wrong pin, sync" "^sync: failed: the server's key is not the one of \[sync\] pinned_key.*, 1 event waiting$" \
  "$BORNE" sync --db "$DIR/A.db" --config "$DIR/wrong-pin.ini"
line_pin=$last_line
check "wrong pin: the registration still waits at the kiosk" 1 "$(pending A)"
refused "wrong pin, enrolment" "^borne: the server's key is not the one of \[sync\] pinned_key" \
  "$BORNE" enrol "$GOOD" "$(code)" --db "$DIR/C.db" --config "$DIR/wrong-pin.ini"

# --- refused: an expired certificate -------------------------------------------------------------
kiosk_at A-expired "$EXPIRED"
refused "expired certificate, sync" "^sync: failed: the server's certificate has expired \(.*expired\), 1 event waiting$" \
  "$BORNE" sync --db "$DIR/A-expired.db" --config "$DIR/trust.ini"
line_expired=$last_line
refused "expired certificate, enrolment" "^borne: the server's certificate has expired" \
  "$BORNE" enrol "$EXPIRED" "$(code)" --db "$DIR/C.db" --config "$DIR/trust.ini"

# --- refused: a certificate for another host name ---------------------------------------------
kiosk_at A-other "$OTHER"
refused "certificate for another name, sync" "^sync: failed: the server's certificate is for another name than 127\.0\.0\.1 .*, 1 event waiting$" \
  "$BORNE" sync --db "$DIR/A-other.db" --config "$DIR/trust.ini"
line_other=$last_line
refused "certificate for another name, enrolment" "^borne: the server's certificate is for another name than 127\.0\.0\.1" \
  "$BORNE" enrol "$OTHER" "$(code)" --db "$DIR/C.db" --config "$DIR/trust.ini"

# --- refused: no ca_file, the system's CA store does not know the centre's authority ------------
refused "system CA store, sync" "^sync: failed: the server's certificate is not signed by a known authority \(set \[sync\] ca_file\?\) .*, 1 event waiting$" \
  "$BORNE" sync --db "$DIR/A.db"
line_untrusted=$last_line
refused "system CA store, enrolment" "^borne: the server's certificate is not signed by a known authority" \
  "$BORNE" enrol "$GOOD" "$(code)" --db "$DIR/C.db"

# A ca_file the kiosk cannot read is said as such (a configuration to fix, not a server's fault).
printf '[sync]\nca_file = %s\n' "$PKI/no-such-ca.pem" >"$DIR/missing-ca.ini"
refused "ca_file missing, sync" "^sync: failed: \[sync\] ca_file .*/no-such-ca\.pem cannot be read as certificates .*, 1 event waiting$" \
  "$BORNE" sync --db "$DIR/A.db" --config "$DIR/missing-ca.ini"

# --- plain http: this machine only, unless the configuration says so --------------------------
# A non-loopback address of this machine, if it has one; else one of TEST-NET-1 (RFC 5737),
# which no one answers: the refusal comes before any connection, so it does not matter there.
LAN=$(hostname -I 2>/dev/null | tr ' ' '\n' | grep -E '^[0-9]+(\.[0-9]+){3}$' | grep -v '^127\.' | head -n 1 || true)
LAN_UP=no
if [ -n "$LAN" ] && curl -fsS -o /dev/null --max-time 5 "http://$LAN:$PLAIN_PORT/v1/health" 2>/dev/null; then
  LAN_UP=yes
fi
[ -n "$LAN" ] || LAN=192.0.2.1
PLAIN="http://$LAN:$PLAIN_PORT"
echo "plain http to another machine: $PLAIN (answers: $LAN_UP)"
kiosk_at A-plain "$PLAIN"
refused "plain http to $LAN, sync" "^sync: failed: plain http is only allowed to this machine: use https, or set \[sync\] allow_insecure_http = true .*, 1 event waiting$" \
  "$BORNE" sync --db "$DIR/A-plain.db"
line_http=$last_line
refused "plain http to $LAN, enrolment" "^borne: plain http is only allowed to this machine" \
  "$BORNE" enrol "$PLAIN" "$(code)" --db "$DIR/C.db"
# Before any connection: to a port where nothing listens, the same refusal, not "cannot reach".
refused "plain http to $LAN, a closed port" "^borne: plain http is only allowed to this machine" \
  "$BORNE" enrol "http://$LAN:1" "$(code)" --db "$DIR/C.db"
check "no kiosk C was enrolled by any refused attempt" 0 \
  "$(sqlite3 "$DIR/C.db" "SELECT length(value) FROM meta WHERE key = 'sync_token'")"
# Said so in the configuration: the refusal is lifted.
if [ "$LAN_UP" == yes ]; then
  out=$("$BORNE" enrol "$PLAIN" "$(code)" --label "Réseau interne" --db "$DIR/C.db" \
    --config "$DIR/insecure.ini")
  says "plain http to $LAN with allow_insecure_http: enrolled" "^borne: enrolled: device" "$out"
  "$BORNE" sync --db "$DIR/C.db" --config "$DIR/insecure.ini" >/dev/null
  "$SIM" register "$DIR/C.db" s-tomorrow Hugo Petit --offline >/dev/null
  out=$("$BORNE" sync --db "$DIR/C.db" --config "$DIR/insecure.ini")
  echo "     > $out"
  says "plain http to $LAN with allow_insecure_http: sync" "^sync: ok, pushed 1 " "$out"
  check "  its registration is on the server" "Hugo Petit" \
    "$(sql "SELECT r.first_name || ' ' || r.last_name FROM registrations r
            JOIN devices d ON d.id = r.device_id WHERE d.label = 'Réseau interne'")"
  out=$("$BORNE" sync --db "$DIR/A-plain.db" --config "$DIR/insecure.ini")
  says "kiosk A over plain http, allowed: its waiting registration arrives" "^sync: ok, pushed 1 " "$out"
else
  set +e
  out=$("$BORNE" sync --db "$DIR/A-plain.db" --config "$DIR/insecure.ini" 2>>"$DIR/borne.err")
  set -e
  echo "     > $out"
  says "plain http to $LAN with allow_insecure_http: tried (a network failure)" \
    "^sync: failed: (cannot reach|the server did not answer|the connection)" "$out"
  check "  and not refused any more" no \
    "$(grep -q 'plain http is only allowed' <<<"$out" && echo yes || echo no)"
fi
# http:// to this machine needs no setting (a reverse proxy on the kiosk, the other tests).
out=$("$BORNE" enrol "http://127.0.0.1:$PLAIN_PORT" "$(code)" --db "$DIR/D.db")
says "plain http to 127.0.0.1, no setting: enrolled" "^borne: enrolled: device" "$out"
out=$("$BORNE" sync --db "$DIR/D.db")
says "plain http to 127.0.0.1: sync" "^sync: ok" "$out"

# What the refusals said, for docs/server.md.
printf '%s\n' "lines:" "  $line_pin" "  $line_expired" "  $line_other" "  $line_untrusted" \
  "  $line_http"
checks_done
