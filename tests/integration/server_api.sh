#!/usr/bin/env bash
# borne-server's HTTP API end to end: a throwaway PostgreSQL cluster, two server instances on
# the same database (one with --allotment 0, one with --allotment 2), curl as the kiosks.
#   server_api.sh BORNE_SERVER                 (by hand)
#   server_api.sh BORNE TOOLS_DIR BORNE_SERVER (as ctest runs tests/integration/*.sh)
# Covers: migrations (twice at once, serve refusing an unmigrated database), enrolment (ok,
# replay, bad code, expired code, wrong types, device_exists), tokens (none, garbage, unknown,
# revoked), push (applied, duplicate, every refusal reason, waitlist beyond capacity, flagged
# second check-in, cancellation promoting the waiting list, parallel pushes on one session),
# seat (20 at once for 5 seats across both instances, idempotent request ids, every reason),
# pull (site isolation, paging, cursors, allotment top-up and take-back), 413, 400 with nothing
# stored, 503 while the database is down and recovery, SIGTERM.
# Needs: PostgreSQL server binaries, psql, curl, python3, libsodium (for signing tickets).
set -euo pipefail
if [ $# -ge 3 ]; then server=$3; else server=${1:?usage: server_api.sh BORNE_SERVER}; fi
[ -x "$server" ] || { echo "server_api: no borne-server at $server" >&2; exit 1; }
server=$(cd "$(dirname "$server")" && pwd)/$(basename "$server")

pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
[ -n "$pgbin" ] || pgbin=$(dirname "$(command -v initdb)")
tmp=$(mktemp -d /tmp/borne-server-api-XXXXXX)
chmod 755 "$tmp"
pids=()
as_pg() { # run a PostgreSQL server binary as the cluster's owner
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
cleanup() {
  local rc=$?
  if [ $rc != 0 ]; then
    for f in "$tmp"/a.log "$tmp"/b.log; do
      [ -f "$f" ] && { echo "--- end of $(basename "$f")" >&2; tail -n 40 "$f" >&2; }
    done
  fi
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  # SERVER_API_LOGS=DIR keeps the servers' logs for a look afterwards.
  [ -n "${SERVER_API_LOGS:-}" ] && cp "$tmp"/a.log "$tmp"/b.log "$SERVER_API_LOGS"/ 2>/dev/null
  as_pg "$pgbin/pg_ctl" -D "$tmp/pg/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT

mkdir -p "$tmp/pg"
[ "$(id -u)" = 0 ] && chown postgres "$tmp/pg"
as_pg "$pgbin/initdb" -D "$tmp/pg/data" -A trust -U borne >"$tmp/initdb.log" 2>&1 ||
  { cat "$tmp/initdb.log" >&2; exit 1; }
pg_start() {
  as_pg "$pgbin/pg_ctl" -D "$tmp/pg/data" -w -o "-k $tmp/pg -c listen_addresses=''" \
    -l "$tmp/pg/log" start >/dev/null
}
pg_start
admin="host=$tmp/pg user=borne dbname=postgres"
db="host=$tmp/pg user=borne dbname=borne"
psql "$admin" -qc "CREATE DATABASE borne" -c "CREATE DATABASE fresh"
fail() { echo "server_api: $*" >&2; exit 1; }

# ---- migrations and commands --------------------------------------------------------------
set +e
"$server" serve --db "$db" --listen 127.0.0.1:0 2>"$tmp/unmigrated.log"
rc=$?
set -e
[ $rc = 1 ] && grep -q "migrate" "$tmp/unmigrated.log" || fail "serve started on an unmigrated database"
"$server" migrate --db "host=$tmp/pg user=borne dbname=fresh" >"$tmp/m1.log" 2>&1 &
m1=$!
"$server" migrate --db "host=$tmp/pg user=borne dbname=fresh" >"$tmp/m2.log" 2>&1 &
m2=$!
wait $m1 || fail "a concurrent migrate failed: $(cat "$tmp/m1.log")"
wait $m2 || fail "a concurrent migrate failed: $(cat "$tmp/m2.log")"
[ "$(psql "host=$tmp/pg user=borne dbname=fresh" -tAc "SELECT count(*) FROM schema_migrations")" = \
  "$(psql "host=$tmp/pg user=borne dbname=fresh" -tAc "SELECT max(version) FROM schema_migrations")" ] ||
  fail "concurrent migrations recorded a version twice"
"$server" migrate --db "$db" >/dev/null
"$server" migrate --db "$db" | grep -q "nothing to do" || fail "a second migrate did something"
BORNE_SERVER_DB=$db "$server" site-add rennes "Atelier Numérique Rennes" >/dev/null
"$server" site-add nancy "Atelier Numérique Nancy" --db "$db" --timezone Europe/Paris >/dev/null
set +e
"$server" site-add nancy "Again" --db "$db" 2>/dev/null; [ $? = 1 ] || fail "a duplicate site was accepted"
"$server" frobnicate 2>/dev/null; [ $? = 2 ] || fail "an unknown command did not exit 2"
"$server" devices --bogus 2>/dev/null; [ $? = 2 ] || fail "an unknown option did not exit 2"
"$server" enrol-code nowhere --db "$db" 2>/dev/null; [ $? = 1 ] || fail "a code for no site"
set -e

# The catalogue, straight in SQL (the import commands have their own tests). Times relative to
# now: open sessions in the coming hours, one ended an hour ago, one ended days ago.
psql "$db" -q -v ON_ERROR_STOP=1 <<'SQL'
INSERT INTO rooms (site_id, id, name) VALUES ('rennes', 'salle-1', 'Salle Ada Lovelace'),
    ('nancy', 'salle-n', 'Salle Grace Hopper');
INSERT INTO sessions (id, site_id, title, room_id, starts_at, ends_at, capacity, cancelled)
SELECT id, site, title, room, now_s + s, now_s + e, cap, cancelled FROM (VALUES
    ('s-open',   'rennes', 'Rédiger son CV',        'salle-1',   3600,   7200, 50, false),
    ('s-small',  'rennes', 'Atelier à deux places', 'salle-1',   3600,   7200,  2, false),
    ('s-seat',   'rennes', 'Cinq places',           'salle-1',   3600,   7200,  5, false),
    ('s-race',   'rennes', 'Trois places',          'salle-1',   3600,   7200,  3, false),
    ('s-allot',  'rennes', 'Escrow',                'salle-1',   3600,   7200, 10, false),
    ('s-over',   'rennes', 'Découvert',             'salle-1',   3600,   7200,  2, false),
    ('s-cancel', 'rennes', 'Annulée',               'salle-1',   3600,   7200, 10, true),
    ('s-past',   'rennes', 'Finie',                 'salle-1',  -7200,  -3600, 10, false),
    ('s-old',    'rennes', 'Vieille',               'salle-1', -300000, -290000, 10, false),
    ('n-1',      'nancy',  'Nancy',                 'salle-n',   3600,   7200, 10, false)
) AS v(id, site, title, room, s, e, cap, cancelled),
LATERAL (SELECT extract(epoch FROM now())::bigint AS now_s) t;
SQL

# ---- two instances on one database ----------------------------------------------------------
start_server() { # NAME ALLOTMENT
  rm -f "$tmp/$1.port"
  "$server" serve --db "$db" --listen 127.0.0.1:0 --threads 4 --allotment "$2" \
    --port-file "$tmp/$1.port" 2>"$tmp/$1.log" &
  pids+=($!)
  eval "pid_$1=$!"
  for _ in $(seq 1 100); do [ -s "$tmp/$1.port" ] && break; sleep 0.1; done
  [ -s "$tmp/$1.port" ] || { cat "$tmp/$1.log" >&2; fail "server $1 did not start"; }
}
start_server a 0
start_server b 2

export SERVER="$server" DB="$db" TMPDIR_API="$tmp" PGBIN="$pgbin"
export URL_A="http://127.0.0.1:$(cat "$tmp/a.port")" URL_B="http://127.0.0.1:$(cat "$tmp/b.port")"
export AS_ROOT=$([ "$(id -u)" = 0 ] && echo 1 || echo 0)
python3 - <<'PY'
import base64, ctypes, ctypes.util, json, os, random, subprocess, sys, uuid

SERVER, DB, TMP = os.environ["SERVER"], os.environ["DB"], os.environ["TMPDIR_API"]
A, B = os.environ["URL_A"], os.environ["URL_B"]
checks = 0

def fail(msg):
    print("server_api: FAIL: " + msg, file=sys.stderr)
    sys.exit(1)

def check(cond, msg):
    global checks
    checks += 1
    if not cond:
        fail(msg)

def sql(q):
    r = subprocess.run(["psql", DB, "-tAq", "-v", "ON_ERROR_STOP=1", "-c", q],
                       capture_output=True, text=True)
    if r.returncode:
        fail("psql: " + r.stderr)
    return r.stdout.strip()

def cli(*args):
    return subprocess.run([SERVER, *args, "--db", DB], capture_output=True, text=True)

def curl_args(method, url, token, auth):
    a = ["curl", "-sS", "--max-time", "60", "-X", method, "-w", "\n%{http_code}", url]
    if auth is not None:
        a += ["-H", "Authorization: " + auth]
    elif token is not None:
        a += ["-H", "Authorization: Bearer " + token]
    return a

def parse(out):
    text, _, code = out.rpartition("\n")
    try:
        body = json.loads(text) if text else None
    except ValueError:
        body = text
    return int(code), body

def call(method, url, body=None, token=None, auth=None, raw=None, expect=""):
    """expect: the Expect header; "100-continue" for a large body, as a careful client sends
    one, so that a refusal arrives before the body is sent (without it, a server that refuses
    early may close while the client is still sending: a broken pipe, not an answer)."""
    a = curl_args(method, url, token, auth)
    data = None
    if raw is not None or body is not None:
        data = raw if raw is not None else json.dumps(body).encode()
        a += ["-H", "Content-Type: application/json", "-H", "Expect:" + (" " + expect if expect else ""),
              "--data-binary", "@-"]
    r = subprocess.run(a, input=data, capture_output=True)
    if r.returncode:
        fail("curl failed: " + r.stderr.decode())
    return parse(r.stdout.decode())

def parallel(requests):
    """requests: list of (url, body, token); all started before any is waited for."""
    procs = []
    for url, body, token in requests:
        a = curl_args("POST", url, token, None) + ["-H", "Content-Type: application/json",
                                                   "-H", "Expect:", "--data-binary",
                                                   json.dumps(body)]
        procs.append(subprocess.Popen(a, stdout=subprocess.PIPE))
    out = []
    for p in procs:
        o, _ = p.communicate(timeout=120)
        out.append(parse(o.decode()))
    return out

# ---- kiosks: Ed25519 keys and signed ticket payloads via libsodium ----------------------------
so = ctypes.CDLL(ctypes.util.find_library("sodium") or "libsodium.so.23")
if so.sodium_init() < 0:
    fail("libsodium")

class Kiosk:
    def __init__(self, name):
        self.name = name
        self.device_id = str(uuid.uuid4())
        self.pk = ctypes.create_string_buffer(32)
        self.sk = ctypes.create_string_buffer(64)
        so.crypto_sign_keypair(self.pk, self.sk)
        self.public_key = base64.b64encode(self.pk.raw).decode()
        self.token = None
        self.seq = 0
        self.cursor = ""

    def payload(self, ticket_id, session_id, sk=None):
        body = (b"\0" + uuid.UUID(ticket_id).bytes + uuid.UUID(self.device_id).bytes +
                bytes([len(session_id)]) + session_id.encode())
        msg = b"borne-ticket-v1" + body
        sig = ctypes.create_string_buffer(64)
        so.crypto_sign_detached(sig, None, msg, ctypes.c_ulonglong(len(msg)), sk or self.sk)
        return "B1" + base64.b32encode(body + sig.raw).decode().rstrip("=")

    def reg(self, session_id, status="confirmed", seat="local", **over):
        self.seq += 1
        tid = str(uuid.uuid4())
        data = {"registration_id": str(uuid.uuid4()), "session_id": session_id,
                "first_name": "Zoé", "last_name": "Martin", "email": None, "phone": None,
                "short_code": "".join(random.choice("ACDEFHJKMNPQRTUVWXY3479") for _ in range(9)),
                "status": status, "seat": seat, "created_at": 1795000100 + self.seq,
                "device_seq": self.seq, "device_id": self.device_id, "ticket_id": tid,
                "ticket_payload": self.payload(tid, session_id)}
        data.update(over)
        return {"id": str(uuid.uuid4()), "kind": "registration.created", "seq": self.seq,
                "created_at": 1795000100 + self.seq, "data": data}

    def checkin(self, ticket_id, session_id):
        self.seq += 1
        return {"id": str(uuid.uuid4()), "kind": "checkin.created", "seq": self.seq,
                "created_at": 1795003600, "data": {
                    "checkin_id": str(uuid.uuid4()), "ticket_id": ticket_id,
                    "session_id": session_id, "device_id": self.device_id,
                    "checked_at": 1795003600, "device_seq": self.seq}}

    def cancel(self, ticket_id):
        self.seq += 1
        return {"id": str(uuid.uuid4()), "kind": "ticket.cancelled", "seq": self.seq,
                "created_at": 1795004000, "data": {
                    "ticket_id": ticket_id, "device_id": self.device_id,
                    "cancelled_at": 1795004000, "device_seq": self.seq}}

    def push(self, events, url=A, device_id=None):
        return call("POST", url + "/v1/push", {"device_id": device_id or self.device_id,
                                                "events": events}, token=self.token)

    def pull(self, url=A, cursor=None, limit=1000, used=()):
        body = {"cursor": self.cursor if cursor is None else cursor, "limit": limit,
                "used": [{"session_id": s, "used": n} for s, n in used]}
        return call("POST", url + "/v1/pull", body, token=self.token)

    def pull_all(self, url=A, limit=1000, used=()):
        """Pulls pages until more is false; returns (pages, tickets in order)."""
        pages, tickets = [], []
        for _ in range(1000):
            st, r = self.pull(url, limit=limit, used=used)
            check(st == 200, "pull: %s %s" % (st, r))
            pages.append(r)
            tickets += r["tickets"]
            self.cursor = r["cursor"]
            if not r["more"]:
                return pages, tickets
        fail("pull never ended")

def counts():
    return sql("SELECT (SELECT count(*) FROM devices), (SELECT count(*) FROM events),"
               " (SELECT count(*) FROM registrations), (SELECT count(*) FROM tickets),"
               " (SELECT count(*) FROM checkins), (SELECT count(*) FROM seat_requests),"
               " (SELECT coalesce(sum(granted), 0) FROM allotments),"
               " (SELECT count(*) FROM enrol_codes WHERE used_at IS NOT NULL)")

def new_code(site):
    r = cli("enrol-code", site)
    check(r.returncode == 0 and len(r.stdout.strip()) == 12, "enrol-code: " + r.stderr)
    return r.stdout.strip()

def enrol(k, site, url=A):
    code = new_code(site)
    # Codes are compared without case, spaces or dashes.
    typed = code.lower().replace("-", " ")
    st, r = call("POST", url + "/v1/enrol", {"code": typed, "device_id": k.device_id,
                                            "public_key": k.public_key, "label": k.name})
    check(st == 200, "enrol %s: %s %s" % (k.name, st, r))
    check(r["device_id"] == k.device_id and r["site_id"] == site, "enrol reply: %s" % r)
    check(len(r["token"]) == 64 and all(c in "0123456789abcdef" for c in r["token"]),
          "token is not 64 hex digits")
    k.token = r["token"]
    return code

# ---- health --------------------------------------------------------------------------------
st, r = call("GET", A + "/v1/health")
check(st == 200 and r["status"] == "ok" and r["server_time"] > 0, "health: %s %s" % (st, r))
st, r = call("POST", A + "/v1/health", {})
check(st == 405 and r["error"] == "method_not_allowed", "POST health: %s" % st)
st, r = call("GET", A + "/v1/push")
check(st == 405 and r["error"] == "method_not_allowed", "GET push: %s" % st)
st, r = call("POST", A + "/v2/push", {})
check(st == 404 and r["error"] == "not_found", "unknown path: %s" % st)

# ---- enrolment -----------------------------------------------------------------------------
k1, k2, k3 = Kiosk("Rennes, entrée"), Kiosk("Rennes, étage"), Kiosk("Nancy")
code1 = enrol(k1, "rennes")
enrol(k2, "rennes", url=B)
enrol(k3, "nancy")
check(sql("SELECT label FROM devices WHERE id = '%s'" % k1.device_id) == "Rennes, entrée",
      "label stored")
check(sql("SELECT used_by FROM enrol_codes WHERE code = '%s'" % code1.replace("-", ""))
      == k1.device_id, "the code names its device")
before = counts()
other = Kiosk("replay")
for code in (code1, code1.replace("-", "")):
    st, r = call("POST", A + "/v1/enrol", {"code": code, "device_id": other.device_id,
                                           "public_key": other.public_key, "label": ""})
    check(st == 409 and r["error"] == "code_used", "replayed code: %s %s" % (st, r))
st, r = call("POST", A + "/v1/enrol", {"code": code1, "device_id": k1.device_id,
                                       "public_key": k1.public_key, "label": ""})
check(st == 409 and r["error"] == "code_used", "replay by the same kiosk: %s" % st)
st, r = call("POST", A + "/v1/enrol", {"code": "AAAA-AAAA-AA", "device_id": other.device_id,
                                       "public_key": other.public_key, "label": ""})
check(st == 409 and r["error"] == "code_used", "a code that never existed: %s" % st)
code = new_code("rennes")
bad_bodies = [
    {"code": 12, "device_id": other.device_id, "public_key": other.public_key, "label": ""},
    {"code": code, "device_id": other.device_id, "label": ""},
    {"code": code, "device_id": other.device_id, "public_key": "abc", "label": ""},
    {"code": code, "device_id": other.device_id, "public_key": other.public_key, "label": 5},
    {"code": code, "device_id": "x" * 60, "public_key": other.public_key, "label": ""},
    [1, 2, 3],
]
for b in bad_bodies:
    st, r = call("POST", A + "/v1/enrol", b)
    check(st == 400 and r["error"] == "bad_request", "bad enrolment %s: %s %s" % (b, st, r))
for raw in (b"{", b"", b"\xff\xfe", b"null", b'{"code": "' + b"A" * 10000 + b'"}'):
    st, r = call("POST", A + "/v1/enrol", raw=raw)
    check(st == 400 and r["error"] in ("bad_json", "bad_request"),
          "garbage enrolment %r: %s" % (raw[:20], st))
# An enrolment is a few hundred bytes: 100 kB of it is refused before it is read.
st, r = call("POST", A + "/v1/enrol", raw=b'{"code": "' + b"A" * 100000 + b'"}')
check(st == 413 and r["error"] == "too_large", "100 kB enrolment: %s %s" % (st, r))
st, r = call("POST", A + "/v1/enrol", raw=b"{not json")
check(st == 400 and r["error"] == "bad_json", "malformed JSON: %s" % r)
st, r = call("POST", A + "/v1/enrol", {"code": code, "device_id": k1.device_id,
                                       "public_key": other.public_key, "label": ""})
check(st == 409 and r["error"] == "device_exists", "device_exists: %s %s" % (st, r))
st, r = call("POST", A + "/v1/enrol", {"code": code, "device_id": k1.device_id,
                                       "public_key": k1.public_key, "label": ""})
check(st == 409 and r["error"] == "device_exists", "same device, same key: %s" % st)
check(counts() == before, "a refused enrolment stored something")
sql("UPDATE enrol_codes SET expires_at = now() - interval '1 minute' WHERE code = '%s'"
    % code.replace("-", ""))
st, r = call("POST", A + "/v1/enrol", {"code": code, "device_id": other.device_id,
                                       "public_key": other.public_key, "label": ""})
check(st == 409 and r["error"] == "code_used", "expired code: %s" % st)
check(counts() == before, "an expired code stored something")

# ---- tokens --------------------------------------------------------------------------------
for auth in (None, "Bearer", "Bearer xyz", "Bearer " + "0" * 64, "Basic " + k1.token,
             "Bearer " + k1.token + "0", "Bearer " + k1.token[:-1]):
    st, r = call("POST", A + "/v1/pull", {"cursor": "", "limit": 10, "used": []}, auth=auth)
    check(st == 401 and r["error"] == "bad_token", "token %r: %s %s" % (auth, st, r))
st, r = call("POST", A + "/v1/pull", {"cursor": "", "limit": 10, "used": []},
             auth="bearer  " + k1.token.upper() + " ")
check(st == 200, "the scheme's case and the hex digits' case do not matter: %s" % st)

# ---- push ----------------------------------------------------------------------------------
e1 = k1.reg("s-open")
st, r = k1.push([e1])
check(st == 200 and r["results"] == [{"id": e1["id"], "status": "applied",
                                      "registration_status": "confirmed"}] or
      (st == 200 and r["results"][0]["status"] == "applied" and
       r["results"][0]["registration_status"] == "confirmed"), "push applied: %s %s" % (st, r))
check(r["server_time"] > 0, "server_time")
st, r = k1.push([e1], url=B)
check(st == 200 and r["results"][0]["status"] == "duplicate", "resend: %s" % r)
check(sql("SELECT count(*) FROM registrations WHERE id = '%s'" % e1["data"]["registration_id"])
      == "1", "a resend stored twice")
check(sql("SELECT status, site_id, device_id FROM tickets WHERE id = '%s'" % e1["data"]["ticket_id"])
      == "0|rennes|" + k1.device_id, "the ticket row")

sk_other = ctypes.create_string_buffer(64)
so.crypto_sign_keypair(ctypes.create_string_buffer(32), sk_other)
t_forged = str(uuid.uuid4())
refusals = [
    (k1.reg("s-open", device_id=k2.device_id), "wrong_device"),
    (k1.reg("nope"), "unknown_session"),
    (k1.reg("n-1"), "unknown_session"),
    (k1.reg("s-open", short_code=e1["data"]["short_code"]), "invalid"),
    (k1.reg("s-open", registration_id=e1["data"]["registration_id"]), "invalid"),
    (k1.reg("s-open", ticket_id=e1["data"]["ticket_id"],
            ticket_payload=k1.payload(e1["data"]["ticket_id"], "s-open")), "invalid"),
    (k1.reg("s-open", ticket_id=t_forged,
            ticket_payload=k1.payload(t_forged, "s-open", sk=sk_other)), "invalid"),
    (k1.reg("s-open", ticket_payload=k1.payload(str(uuid.uuid4()), "s-open")), "invalid"),
    (k1.reg("s-open", ticket_payload=k1.payload(str(uuid.uuid4()), "s-small")), "invalid"),
    (k1.reg("s-open", ticket_payload="B1AAAA"), "invalid"),
    (k1.reg("s-open", short_code=""), "invalid"),
    ({"id": str(uuid.uuid4()), "kind": "visitor.teleported", "seq": 99, "created_at": 1,
      "data": {"x": 1}}, "unknown_kind"),
    (k1.cancel(str(uuid.uuid4())), "invalid"),
    (dict(k1.checkin(e1["data"]["ticket_id"], "s-open"),
          data=dict(k1.checkin(e1["data"]["ticket_id"], "s-open")["data"],
                    device_id=k2.device_id)), "wrong_device"),
]
before = counts()
st, r = k1.push([e for e, _ in refusals])
check(st == 200 and len(r["results"]) == len(refusals), "refusals: %s %s" % (st, r))
for (e, reason), res in zip(refusals, r["results"]):
    check(res["id"] == e["id"] and res["status"] == "refused" and res["reason"] == reason,
          "expected refused/%s, got %s" % (reason, res))
after = counts().split("|")
check(after[2:5] == before.split("|")[2:5], "a refused event stored effects")
check(int(after[1]) == int(before.split("|")[1]) + len(refusals), "refusals are recorded")
st, r = k1.push([refusals[11][0]], url=B)
check(r["results"][0]["status"] == "duplicate", "a refused unknown kind resent: %s" % r)

# Waiting list beyond capacity (s-small has 2 seats), in one batch and then alone.
regs = [k1.reg("s-small") for _ in range(3)]
st, r = k1.push(regs[:2] + [k1.reg("s-small", status="waitlist", seat="none")])
check([x.get("registration_status") for x in r["results"]] ==
      ["confirmed", "confirmed", "waitlist"], "small session: %s" % r)
wl1 = k1.reg("s-small", seat="allotment")
st, r = k1.push([wl1], url=B)
check(r["results"][0]["registration_status"] == "waitlist",
      "no seat left: a confirmed registration becomes waitlist: %s" % r)
check(sql("SELECT confirmed, held, capacity FROM sessions WHERE id = 's-small'") == "2|0|2",
      "s-small counters")
check(sql("SELECT status FROM tickets WHERE id = '%s'" % wl1["data"]["ticket_id"]) == "1",
      "a waitlist ticket has status 1")

# Check-ins: the second of the same ticket is flagged, both kept.
t0 = regs[0]["data"]["ticket_id"]
c1 = k1.checkin(t0, "s-small")
st, r = k1.push([c1])
# (The codec leaves out "flagged" when false; its decoders read it so.)
check(r["results"][0]["status"] == "applied" and r["results"][0].get("flagged", False) is False,
      "first check-in: %s" % r)
c2 = k2.checkin(t0, "s-small")
st, r = k2.push([c2], url=B)
check(r["results"][0]["status"] == "applied" and r["results"][0].get("flagged") is True,
      "second check-in flagged: %s" % r)
check(sql("SELECT count(*), count(*) FILTER (WHERE flagged) FROM checkins WHERE ticket_id = '%s'"
          % t0) == "2|1", "both check-ins kept")
unknown_ticket = str(uuid.uuid4())
st, r = k2.push([k2.checkin(unknown_ticket, "s-open")])
check(r["results"][0]["status"] == "applied", "a check-in of a ticket unknown here is kept")

# Cancellation frees the seat and promotes the oldest waiting registration.
st, r = k2.push([k2.cancel(t0)], url=B)
check(r["results"][0]["status"] == "applied", "cancel: %s" % r)
check(sql("SELECT status FROM tickets WHERE id = '%s'" % t0) == "2", "ticket cancelled")
check(sql("SELECT status FROM registrations WHERE id = '%s'" % regs[0]["data"]["registration_id"])
      == "2", "registration cancelled")
waitlisted = sql("SELECT string_agg(id || ':' || status, ',' ORDER BY received_seq)"
                 " FROM registrations WHERE session_id = 's-small'").split(",")
check([w.split(":")[1] for w in waitlisted] == ["2", "0", "0", "1"],
      "the oldest waiting registration is promoted: %s" % waitlisted)
promoted_reg = waitlisted[2].split(":")[0]
check(sql("SELECT status FROM tickets WHERE registration_id = '%s'" % promoted_reg) == "0",
      "the promoted ticket is confirmed")
check(sql("SELECT confirmed, held FROM sessions WHERE id = 's-small'") == "2|0",
      "s-small counters after promotion")
st, r = k1.push([k1.cancel(t0)])
check(r["results"][0]["status"] == "applied", "cancelling twice is harmless")
check(sql("SELECT confirmed FROM sessions WHERE id = 's-small'") == "2", "no seat freed twice")

# A push naming another device, bad bodies: 403/400 and nothing stored.
before = counts()
st, r = k1.push([k1.reg("s-open")], device_id=k2.device_id)
check(st == 403 and r["error"] == "wrong_site", "push for another device: %s %s" % (st, r))
good = k1.reg("s-open")
bad_event = k1.reg("s-open")
bad_event["data"]["first_name"] = 42
for body in ({"device_id": k1.device_id, "events": [good, bad_event]},
             {"device_id": k1.device_id, "events": "x"},
             {"device_id": k1.device_id, "events": []},
             {"device_id": k1.device_id},
             {"device_id": k1.device_id, "events": [dict(good, seq=1.5)]},
             {"device_id": k1.device_id, "events": [good] * 501},
             {"device_id": k1.device_id,
              "events": [dict(good, data=dict(good["data"], first_name="x" * 300))]}):
    st, r = call("POST", A + "/v1/push", body, token=k1.token)
    check(st == 400 and r["error"] == "bad_request", "bad push: %s %s" % (st, r))
st, r = call("POST", A + "/v1/push", raw=b'{"device_id": "x", "events": [', token=k1.token)
check(st == 400 and r["error"] == "bad_json", "truncated push: %s %s" % (st, r))
big = b'{"device_id": "' + b"a" * (9 * 1024 * 1024) + b'"}'
st, r = call("POST", A + "/v1/push", raw=big, token=k1.token, expect="100-continue")
check(st == 413 and r["error"] == "too_large", "9 MiB push: %s %s" % (st, r))
check(counts() == before, "an error stored something")

# Parallel pushes of one registration each for three seats: exactly three confirmed.
race = [((A if i % 2 else B) + "/v1/push", {"device_id": k.device_id, "events": [k.reg("s-race")]}, k.token)
        for i, k in enumerate([k1, k2] * 5)]
results = parallel(race)
check(all(st == 200 for st, _ in results), "parallel pushes: %s" % results)
statuses = sorted(r["results"][0]["registration_status"] for _, r in results)
check(statuses == ["confirmed"] * 3 + ["waitlist"] * 7, "s-race: %s" % statuses)
check(sql("SELECT confirmed, capacity FROM sessions WHERE id = 's-race'") == "3|3",
      "s-race counters")

# One short code pushed at the same moment by two kiosks for two sessions: no session lock
# orders them, the unique key does; the loser is retried and refused, never a 500.
for attempt in range(5):
    code = "".join(random.choice("ACDEFHJKMNPQRTUVWXY3479") for _ in range(9))
    pair = [(A + "/v1/push", {"device_id": k1.device_id,
                              "events": [k1.reg("s-open", short_code=code)]}, k1.token),
            (B + "/v1/push", {"device_id": k2.device_id,
                              "events": [k2.reg("s-allot", short_code=code)]}, k2.token)]
    results = parallel(pair)
    check(all(st == 200 for st, _ in results), "same short code at once: %s" % results)
    got = sorted((r["results"][0]["status"], r["results"][0].get("reason", ""))
                 for _, r in results)
    check(got == [("applied", ""), ("refused", "invalid")], "one short code, one winner: %s" % got)

# ---- seat ----------------------------------------------------------------------------------
reqs = []
for i in range(20):
    k = (k1, k2)[i % 2]
    reqs.append(((A, B)[(i // 2) % 2] + "/v1/seat", {"request_id": str(uuid.uuid4()), "session_id": "s-seat"},
                 k.token))
results = parallel(reqs)
check(all(st == 200 for st, _ in results), "parallel seats: %s" % results)
granted = [r for _, r in results if r["granted"]]
check(len(granted) == 5, "20 requests for 5 seats: %d granted" % len(granted))
check(all(r["reason"] == "full" for _, r in results if not r["granted"]), "the others: full")
check(sql("SELECT sum(granted) FROM allotments WHERE session_id = 's-seat'") == "5",
      "5 seats granted in SQL")
check(sql("SELECT confirmed + held, capacity FROM sessions WHERE id = 's-seat'") == "5|5",
      "s-seat counters")
check(all(r["seats_taken"] <= r["capacity"] == 5 for _, r in results), "seats_taken")
g = [(req, r) for req, (_, r) in zip(reqs, results) if r["granted"]][0]
st, r = call("POST", B + "/v1/seat", g[0][1], token=g[0][2])
check(st == 200 and r["granted"] is True, "the same request id answers granted again: %s" % r)
f = [(req, r) for req, (_, r) in zip(reqs, results) if not r["granted"]][0]
st, r = call("POST", A + "/v1/seat", f[0][1], token=f[0][2])
check(st == 200 and r["granted"] is False and r["reason"] == "full", "same full answer")
check(sql("SELECT sum(granted) FROM allotments WHERE session_id = 's-seat'") == "5",
      "a repeated request id never takes a second seat")
same = {"request_id": str(uuid.uuid4()), "session_id": "s-open"}
before = sql("SELECT coalesce(sum(granted), 0) FROM allotments WHERE session_id = 's-open'")
results = parallel([((A, B)[i % 2] + "/v1/seat", same, k1.token) for i in range(6)])
check(all(st == 200 and r["granted"] is True for st, r in results),
      "one request id sent six times at once: %s" % results)
check(int(sql("SELECT sum(granted) FROM allotments WHERE session_id = 's-open'")) ==
      int(before) + 1, "one request id, one seat")
st, r = call("POST", A + "/v1/seat", g[0][1], token=(k2 if g[0][2] == k1.token else k1).token)
check(st == 400, "a request id of another device: %s" % st)
for session, reason in (("n-1", "wrong_site"), ("nope", "unknown_session"),
                        ("s-cancel", "cancelled"), ("s-past", "closed")):
    st, r = call("POST", A + "/v1/seat", {"request_id": str(uuid.uuid4()),
                                          "session_id": session}, token=k1.token)
    check(st == 200 and r["granted"] is False and r["reason"] == reason,
          "seat %s: %s %s" % (session, st, r))
    if reason in ("wrong_site", "unknown_session"):
        check(r["capacity"] == 0 and r["seats_taken"] == 0, "no data of another site")
st, r = call("POST", A + "/v1/seat", {"request_id": str(uuid.uuid4()), "session_id": "s-open"},
             token=k1.token)
check(r["granted"] is True and r["session_id"] == "s-open" and
      r["allotment"]["granted"] - r["allotment"]["returned"] >= 1, "seat granted: %s" % r)
for body in ({"request_id": 5, "session_id": "s-open"}, {"session_id": "s-open"},
             {"request_id": "", "session_id": "s-open"}):
    st, r = call("POST", A + "/v1/seat", body, token=k1.token)
    check(st == 400, "bad seat request %s: %s" % (body, st))

# ---- pull ----------------------------------------------------------------------------------
# A Nancy ticket, which no Rennes kiosk may see.
nancy = k3.reg("n-1")
st, r = k3.push([nancy])
check(r["results"][0]["registration_status"] == "confirmed", "nancy push: %s" % r)

pages, tickets = k1.pull_all(A)
first = pages[0]
check(first["site"] == {"id": "rennes", "name": "Atelier Numérique Rennes"}, "site: %s" % first["site"])
sessions = {s["id"]: s for s in first["sessions"]}
check(set(sessions) == {"s-open", "s-small", "s-seat", "s-race", "s-allot", "s-over", "s-cancel",
                     "s-past"},
      "sessions of the site, ended more than a day ago excluded: %s" % sorted(sessions))
check(sessions["s-cancel"]["cancelled"] is True, "a cancelled session says so")
check(sessions["s-small"]["seats_taken"] == 2 and sessions["s-small"]["capacity"] == 2,
      "seats_taken: %s" % sessions["s-small"])
check([rm["id"] for rm in first["rooms"]] == ["salle-1"], "rooms of the site only")
keys = {k["device_id"]: k for k in first["device_keys"]}
check({k1.device_id, k2.device_id, k3.device_id} <= set(keys), "every device's key")
check(keys[k1.device_id]["public_key"] == k1.public_key and keys[k1.device_id]["revoked_at"] == 0,
      "k1's key")
ids = [t["id"] for t in tickets]
check(nancy["data"]["ticket_id"] not in ids, "a ticket of another site was pulled")
check(all(t["session_id"] != "n-1" for t in tickets), "no data of another site")
expected = sql("SELECT string_agg(t.id, ',' ORDER BY t.id) FROM tickets t JOIN sessions s"
               " ON s.id = t.session_id WHERE t.site_id = 'rennes'"
               " AND s.ends_at > extract(epoch FROM now())").split(",")
check(sorted(ids) == expected, "every ticket of the site, once: %d vs %d" % (len(ids), len(expected)))
bystatus = {t["id"]: t["status"] for t in tickets}
check(bystatus[t0] == "cancelled" and bystatus[wl1["data"]["ticket_id"]] == "waitlist",
      "statuses: cancelled and waitlist")
check(bystatus[sql("SELECT id FROM tickets WHERE registration_id = '%s'" % promoted_reg)]
      == "confirmed", "a promoted ticket comes back confirmed")
tk = [t for t in tickets if t["id"] == e1["data"]["ticket_id"]][0]
check(tk["payload"] == e1["data"]["ticket_payload"] and tk["short_code"] == e1["data"]["short_code"]
      and tk["first_name"] == "Zoé" and tk["device_id"] == k1.device_id, "ticket fields: %s" % tk)
check(first["cursor"].startswith("v1:"), "cursor: %s" % first["cursor"])

# Paging: k2 with 3 tickets a page; every ticket exactly once; sessions on the first page only.
pages, tickets2 = k2.pull_all(B, limit=3)
check(len(pages) >= 3 and all(p["more"] for p in pages[:-1]) and not pages[-1]["more"],
      "paging: %d pages" % len(pages))
check(all(len(p["tickets"]) == 3 for p in pages[:-1]), "full pages")
check(all(p["sessions"] == [] for p in pages[1:]) and pages[0]["sessions"], "sessions once")
ids2 = [t["id"] for t in tickets2]
check(len(ids2) == len(set(ids2)) and sorted(ids2) == expected, "paged tickets: each once")

# Incremental: a new ticket, and only it, comes with the cursor.
cursor_before = k1.cursor
new = k2.reg("s-open")
k2.push([new], url=B)
st, r = k1.pull(A)
check(st == 200 and [t["id"] for t in r["tickets"]] == [new["data"]["ticket_id"]],
      "the next pull sends what changed: %s" % [t["id"] for t in r["tickets"]])
k1.cursor = r["cursor"]
st, r2 = k1.pull(A, cursor=cursor_before)
check(st == 200 and [t["id"] for t in r2["tickets"]] == [new["data"]["ticket_id"]],
      "an old cursor again gives the same answer")
# A transaction in flight during a pull: begun (with its xid) before the first page, committed
# between two pages, so its change has an xid below the page position. The next pull must send
# it all the same (the cursor's next start is the first page's snapshot xmin).
slow = subprocess.Popen(["psql", DB, "-qtA", "-v", "ON_ERROR_STOP=1"], stdin=subprocess.PIPE,
                        stdout=subprocess.PIPE, text=True)
def slow_sql(q):
    slow.stdin.write(q + "\n")
    slow.stdin.flush()
    return slow.stdout.readline().strip()
check(slow_sql("BEGIN; SELECT pg_current_xact_id();").isdigit(), "slow transaction")
k1.push([k1.reg("s-open"), k1.reg("s-open")])
st, r = k1.pull(A, limit=1)
check(st == 200 and r["more"] and len(r["tickets"]) == 1, "first page of one: %s" % r)
cur = r["cursor"]
late = e1["data"]["ticket_id"]
check(slow_sql("UPDATE tickets SET first_name = 'Tardif' WHERE id = '%s'; COMMIT;"
               " SELECT 'done';" % late) == "done", "slow commit")
slow.stdin.close()
slow.wait(timeout=60)
seen = set(t["id"] for t in r["tickets"])
while r["more"]:
    st, r = k1.pull(A, cursor=cur, limit=1)
    check(st == 200, "paging: %s" % st)
    seen |= set(t["id"] for t in r["tickets"])
    cur = r["cursor"]
check(late not in seen, "the late change is behind the page position (test set-up)")
st, r = k1.pull(A, cursor=cur)
late_rows = [t for t in r["tickets"] if t["id"] == late]
check(len(late_rows) == 1 and late_rows[0]["first_name"] == "Tardif",
      "a change committed late by a slow transaction is not skipped")
k1.cursor = r["cursor"]

for bad in ("garbage", "v1:", "v1:x", "v1:1:2", "v1:1:2:3:", "v2:1", "v1:-1",
            "v1:99999999999999999999999", "v1:1:2:3:a b"):
    st, r = k1.pull(A, cursor=bad)
    check(st == 400 and r["error"] == "bad_request", "cursor %r: %s %s" % (bad, st, r))
for limit in (0, -1, 2001):
    st, r = k1.pull(A, limit=limit)
    check(st == 400, "limit %d: %s" % (limit, st))
st, r = call("POST", A + "/v1/pull", {"cursor": "", "limit": "10", "used": []}, token=k1.token)
check(st == 400, "limit as a string: %s" % st)

# ---- allotments: top-up on B (2 seats), take-back on A (0), never a seat the kiosk spent ----
k1.cursor = ""
st, r = k1.pull(B)
al = {a["session_id"]: a for a in r["allotments"]}
check(al["s-allot"]["granted"] - al["s-allot"]["returned"] == 2, "top-up to 2: %s" % al.get("s-allot"))
check("s-cancel" not in al and "s-past" not in al, "no allotment of a closed session")
escrow = ("SELECT used, granted - returned - used FROM allotments"
          " WHERE device_id = '%s' AND session_id = 's-allot'" % k1.device_id)
check(sql(escrow) == "0|2", "the server holds the escrow: %s" % sql(escrow))
check(al["s-seat"]["granted"] - al["s-seat"]["returned"] >= 0, "s-seat allotment listed")
# The kiosk spends one seat offline and pushes it; then reports it.
spent = k1.reg("s-allot", seat="allotment")
st, r = k1.push([spent])
check(r["results"][0]["registration_status"] == "confirmed", "an escrow seat spent: %s" % r)
check(sql(escrow) == "1|1", "used counted, held down by one: %s" % sql(escrow))
# A second seat spent offline, not pushed yet, reported by the kiosk: A (target 0) takes back
# nothing the kiosk spent.
st, r = k1.pull(A, cursor="", used=[("s-allot", 2)])
al = {a["session_id"]: a for a in r["allotments"]}
check(al["s-allot"]["granted"] - al["s-allot"]["returned"] == 2,
      "take-back respects the reported use: %s" % al["s-allot"])
check(sql(escrow) == "1|1", "the unpushed spent seat stays held: %s" % sql(escrow))
st, r = k1.pull(A, cursor="", used=[("s-allot", 1)])
al = {a["session_id"]: a for a in r["allotments"]}
check(al["s-allot"]["granted"] - al["s-allot"]["returned"] == 1, "surplus taken back: %s" % al)
check(sql(escrow) == "1|0", "escrow emptied: %s" % sql(escrow))

# ---- an overdrawn allotment is made whole from free seats only, never the waiting list's ------
# k2 holds both seats of s-over (capacity 2, from B's top-ups) and spends them offline; a pull
# sent before it spent them takes them back (it reported 0 used). k1 then fills the session, so
# k2's two pushed visitors wait. k2 reports its 2 used: it is overdrawn by 2, no seat is free.
over = "SELECT confirmed, held, capacity FROM sessions WHERE id = 's-over'"
over_escrow = ("SELECT granted - returned - used FROM allotments"
               " WHERE device_id = '%s' AND session_id = 's-over'" % k2.device_id)
st, r = k2.pull(B, cursor="", used=[("s-over", 0)])
check(st == 200 and sql(over_escrow) == "2", "s-over: 2 in k2's escrow: %s" % sql(over_escrow))
st, r = k2.pull(A, cursor="", used=[("s-over", 0)])  # the stale take-back
check(st == 200 and sql(over_escrow) == "0", "s-over taken back: %s" % sql(over_escrow))
st, r = k1.push([k1.reg("s-over"), k1.reg("s-over")])
check([x["registration_status"] for x in r["results"]] == ["confirmed"] * 2,
      "k1 fills s-over: %s" % r)
st, r = k2.push([k2.reg("s-over", seat="allotment"), k2.reg("s-over", seat="allotment")])
check([x["registration_status"] for x in r["results"]] == ["waitlist"] * 2,
      "k2's overdrawn seats wait: %s" % r)
st, r = k2.pull(B, cursor="", used=[("s-over", 2)])
check(st == 200 and sql(over) == "2|0|2", "no top-up beyond the free seats: %s" % sql(over))
k1_ticket = sql("SELECT id FROM tickets WHERE session_id = 's-over' AND device_id = '%s'"
                " ORDER BY id LIMIT 1" % k1.device_id)
st, r = k1.push([k1.cancel(k1_ticket)])
check(st == 200 and sql(over) == "2|0|2", "the freed seat went to the waiting list: %s" % sql(over))
check(sql("SELECT count(*) FROM registrations WHERE session_id = 's-over' AND status = 1") == "1",
      "one still waits")

# ---- revocation ----------------------------------------------------------------------------
r = cli("revoke", k2.device_id)
check(r.returncode == 0 and "revoked" in r.stdout, "revoke: %s" % r.stderr)
r = cli("revoke", k2.device_id)
check(r.returncode == 0 and "already" in r.stdout, "revoke twice: %s %s" % (r.stdout, r.stderr))
check(cli("revoke", "no-such-device").returncode == 1, "revoke of nothing")
st, r = k2.push([k2.reg("s-open")], url=B)
check(st == 403 and r["error"] == "revoked", "revoked push: %s %s" % (st, r))
st, r = k2.pull(A, cursor="")
check(st == 403 and r["error"] == "revoked", "revoked pull: %s" % st)
st, r = call("POST", A + "/v1/seat", {"request_id": str(uuid.uuid4()), "session_id": "s-open"},
             token=k2.token)
check(st == 403 and r["error"] == "revoked", "revoked seat: %s" % st)
st, r = k1.pull(A)
keys = {k["device_id"]: k for k in r["device_keys"]}
check(k2.device_id in keys and keys[k2.device_id]["revoked_at"] > 0,
      "the revoked key comes with revoked_at: %s" % keys.get(k2.device_id))
listing = cli("devices", "rennes").stdout
check(k1.device_id in listing and k2.device_id in listing and k3.device_id not in listing,
      "devices SITE lists that site's devices")

# ---- the invariant, everywhere --------------------------------------------------------------
check(sql("SELECT count(*) FROM sessions WHERE confirmed + held > capacity") == "0",
      "confirmed + held <= capacity")
check(sql("SELECT count(*) FROM sessions s WHERE confirmed <> (SELECT count(*) FROM registrations r"
          " WHERE r.session_id = s.id AND r.status = 0) OR held <> (SELECT coalesce(sum(greatest(0,"
          " granted - returned - used)), 0) FROM allotments a WHERE a.session_id = s.id)") == "0",
      "confirmed and held are exact")
check(sql("SELECT count(*) FROM allotments WHERE returned > granted") == "0", "returned <= granted")
print("server_api: %d checks passed (API)" % checks)
PY

# ---- the database goes away and comes back; SIGTERM -----------------------------------------
url_a="http://127.0.0.1:$(cat "$tmp/a.port")"
as_pg "$pgbin/pg_ctl" -D "$tmp/pg/data" -m fast -w stop >/dev/null
code=$(curl -s -o "$tmp/down.json" -w '%{http_code}' --max-time 30 "$url_a/v1/health")
[ "$code" = 503 ] && grep -q '"unavailable"' "$tmp/down.json" || fail "health with the database down: $code"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 -X POST "$url_a/v1/pull" \
  -H "Authorization: Bearer $(printf '%064d' 0)" -H "Content-Type: application/json" \
  -d '{"cursor":"","limit":1,"used":[]}')
[ "$code" = 503 ] || fail "pull with the database down: $code"
pg_start
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 "$url_a/v1/health")
[ "$code" = 200 ] || fail "health after the database came back: $code"
grep -q "^POST /v1/push 200 [0-9]*ms " "$tmp/a.log" || fail "no request log line"
if grep -qiE "bearer|[0-9a-f]{64}" "$tmp/a.log" "$tmp/b.log"; then fail "a token reached the log"; fi
kill -TERM "$pid_a"
for _ in $(seq 1 100); do kill -0 "$pid_a" 2>/dev/null || break; sleep 0.1; done
kill -0 "$pid_a" 2>/dev/null && fail "SIGTERM did not stop the server"
wait "$pid_a" || fail "the server did not exit 0 after SIGTERM"
grep -q "stopped" "$tmp/a.log" || fail "no clean stop in the log"
echo "server_api: ok"
