#!/usr/bin/env bash
# borne-server against hostile clients: a throwaway PostgreSQL cluster (tests/server_env.sh),
# one server, and raw sockets from python3 (standard library only) instead of a polite client.
#   server_hostile.sh BORNE_SERVER                 (by hand)
#   server_hostile.sh BORNE TOOLS_DIR BORNE_SERVER (as ctest runs tests/integration/*.sh)
#
# 1. Slowloris: 200 connections held open at once (150 sending their headers a byte a second and
#    never finishing them, 50 with complete headers announcing a large body that drips a byte a
#    second) while a normal client asks GET /v1/health and makes a pull. Asserted logically, not
#    against a clock (the machines are shared): both are answered while every slow connection
#    is still open, as checked after the answers. The health latency is printed as a figure.
# 2. Bad bodies on every POST route (/v1/enrol, /v1/push, /v1/seat, /v1/pull, with a valid
#    token where one is needed so that the body is what is judged), each a mutation of a valid
#    body with fresh ids: JSON nested 100 000 deep; invalid UTF-8 (overlong forms, surrogates
#    raw and as lone \ud800 escapes, 0xFF...) in a member read, in a member ignored and in a key;
#    NUL bytes raw and as \u0000; numbers out of range (1e400, -1, 2^63, 2^64, 1.5, NaN,
#    Infinity...); members given twice at every level the decoder reads; empty bodies, null,
#    [], strings, trailing garbage; huge strings and bodies; a Content-Type that is not JSON;
#    chunked bodies (and broken chunked framing). Each one: a 4xx with the protocol's error
#    body ({"error", "message"}, application/json), never a 500, the server alive. At the end:
#    the row count of every table is unchanged (psql), the server's log has no 500 and no
#    sanitizer report, and the valid bodies the mutations came from are accepted (so the
#    counts could move, and the refusals were about the mutation).
# Figures, printed and not asserted: the health latency under the slow connections, the
# server's memory then, and what a 1 MiB body of tiny values costs it before it is refused.
# HOSTILE_KEEP_GOING=1 reports every failed check instead of stopping at the first.
# Needs: PostgreSQL server binaries, psql, python3.
set -euo pipefail
if [ $# -ge 3 ]; then server=$3; else server=${1:?usage: server_hostile.sh BORNE_SERVER}; fi
[ -x "$server" ] || { echo "server_hostile: no borne-server at $server" >&2; exit 1; }
server=$(cd "$(dirname "$server")" && pwd)/$(basename "$server")
here=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=../server_env.sh
source "$here/server_env.sh"

DIR=$(mktemp -d /tmp/borne-hostile.XXXXXX)
chmod 755 "$DIR"
trap env_cleanup EXIT
PG_FAST=1 pg_start "$DIR"
server_start "$DIR" "$server" --threads 4 --allotment 2
"$server" site-add rennes "Atelier Numérique Rennes" --db "$BORNE_PG" >/dev/null
psql "$BORNE_PG" -q -v ON_ERROR_STOP=1 <<'SQL'
INSERT INTO rooms (site_id, id, name) VALUES ('rennes', 'salle-1', 'Salle Ada Lovelace');
INSERT INTO sessions (id, site_id, title, room_id, starts_at, ends_at, capacity, cancelled)
SELECT id, 'rennes', title, 'salle-1', now_s + 3600, now_s + 7200, 50, false
FROM (VALUES ('s-open', 'Rédiger son CV'), ('s-two', 'Tableur')) AS v(id, title),
LATERAL (SELECT extract(epoch FROM now())::bigint AS now_s) t;
SQL

export SERVER=$server SERVER_LOG=$DIR/server.log
python3 - <<'PY'
import json, os, re, select, socket, statistics, subprocess, sys, threading, time, uuid

SERVER, DB, LOG = os.environ["SERVER"], os.environ["BORNE_PG"], os.environ["SERVER_LOG"]
PID = int(os.environ["BORNE_SERVER_PID"])
HOST, PORT = "127.0.0.1", int(os.environ["BORNE_SERVER_URL"].rsplit(":", 1)[1])
MIB = 1024 * 1024
checks = 0
tally = {}  # case family -> checks, for the summary line
KEEP_GOING = os.environ.get("HOSTILE_KEEP_GOING") == "1"  # list every failure, then fail
failures = []


def fail(msg):
    print("server_hostile: FAIL: " + msg, file=sys.stderr)
    if not KEEP_GOING:
        sys.exit(1)
    failures.append(msg)


def check(cond, msg, family="other"):
    global checks
    checks += 1
    tally[family] = tally.get(family, 0) + 1
    if not cond:
        fail(msg)
    return bool(cond)


def sql(q):
    r = subprocess.run(["psql", DB, "-tAq", "-v", "ON_ERROR_STOP=1", "-c", q],
                       capture_output=True, text=True)
    if r.returncode:
        fail("psql: " + r.stderr)
    return r.stdout.strip()


def alive():
    try:
        os.kill(PID, 0)
        with open("/proc/%d/stat" % PID) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def rss_kib(field="VmRSS"):
    with open("/proc/%d/status" % PID) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def server_sockets():
    n = 0
    for fd in os.listdir("/proc/%d/fd" % PID):
        try:
            n += os.readlink("/proc/%d/fd/%s" % (PID, fd)).startswith("socket:")
        except OSError:
            pass
    return n


# ---- a raw HTTP/1.1 client: exactly the bytes asked for, nothing repaired -------------------

def request(method, path, body=None, token=None, ctype="application/json", chunks=None,
            extra=(), raw_chunks=None, te="chunked", timeout=60):
    """One request on a new connection (Connection: close). body: bytes sent with a
    Content-Length; chunks: a list of bytes sent chunked; raw_chunks: bytes sent as they are
    after a Transfer-Encoding: te header (broken framing). Returns (status, headers, body
    bytes); status 0 when the server closed, or did not answer within timeout seconds."""
    head = ["%s %s HTTP/1.1" % (method, path), "Host: %s:%d" % (HOST, PORT), "Connection: close"]
    if ctype is not None:
        head.append("Content-Type: " + ctype)
    if token:
        head.append("Authorization: Bearer " + token)
    if chunks is not None or raw_chunks is not None:
        head.append("Transfer-Encoding: " + te)
    elif body is not None:
        head.append("Content-Length: %d" % len(body))
    head += list(extra)
    payload = b""
    if chunks is not None:
        payload = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks) + b"0\r\n\r\n"
    elif raw_chunks is not None:
        payload = raw_chunks
    elif body is not None:
        payload = body
    try:
        s = socket.create_connection((HOST, PORT), timeout=timeout)
    except OSError:  # refused, or not accepted in time
        return 0, {}, b""
    data = b""
    try:
        s.sendall(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))

        def send():  # in its own thread: the server may answer before it read everything
            try:
                s.sendall(payload)
            except OSError:
                pass
        sender = threading.Thread(target=send, daemon=True)
        sender.start()
        while True:
            got = s.recv(65536)
            if not got:
                break
            data += got
        sender.join(timeout)
    except OSError:  # reset, or no answer in time: what came so far is the answer
        pass
    finally:
        s.close()
    if not data:
        return 0, {}, b""
    head_text, _, rest = data.partition(b"\r\n\r\n")
    lines = head_text.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    if "content-length" in headers:
        rest = rest[:int(headers["content-length"])]
    return status, headers, rest


def as_json(body):
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None


# ---- a kiosk and the valid bodies every mutation starts from ----------------------------------

def cli(*args):
    r = subprocess.run([SERVER, *args, "--db", DB], capture_output=True, text=True)
    if r.returncode:
        fail("borne-server %s: %s" % (" ".join(args), r.stderr))
    return r.stdout.strip()


KEY = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="  # RFC 8032 test 1: a valid Ed25519 key
device = str(uuid.uuid4())
st, _, b = request("POST", "/v1/enrol", json.dumps(
    {"code": cli("enrol-code", "rennes"), "device_id": device, "public_key": KEY,
     "label": "hostile"}).encode())
token = (as_json(b) or {}).get("token") or ""
check(st == 200 and token, "enrolment of the test kiosk: %s %s" % (st, b[:200]), "setup")
spare_code = cli("enrol-code", "rennes")  # for the bad enrolments: valid all along
spare_code2 = cli("enrol-code", "rennes")  # "another valid value" for a code given twice
seq = [0]


def valid(route):
    """A fresh valid body for route (new ids), as a Python object."""
    if route == "enrol":
        return {"code": spare_code, "device_id": str(uuid.uuid4()), "public_key": KEY,
                "label": "Rennes, entrée"}
    if route == "push":
        seq[0] += 1
        return {"device_id": device, "events": [{
            "id": str(uuid.uuid4()), "kind": "checkin.created", "seq": seq[0],
            "created_at": 1795003600, "data": {
                "checkin_id": str(uuid.uuid4()), "ticket_id": str(uuid.uuid4()),
                "session_id": "s-open", "device_id": device, "checked_at": 1795003600,
                "device_seq": seq[0]}}]}
    if route == "seat":
        return {"request_id": str(uuid.uuid4()), "session_id": "s-open"}
    if route == "pull":
        return {"cursor": "", "limit": 100, "used": [{"session_id": "s-two", "used": 0}]}
    raise ValueError(route)


ROUTES = ("enrol", "push", "seat", "pull")
# Where each route's body has objects the decoder reads, a string member it reads (printable
# ASCII, and UTF-8 text where there is one) and an integer member (a string where none).
OBJECTS = {"enrol": [[]], "push": [[], ["events", 0], ["events", 0, "data"]],
           "seat": [[]], "pull": [[], ["used", 0]]}
STRINGS = {"enrol": [["device_id"], ["label"]], "push": [["events", 0, "data", "ticket_id"]],
           "seat": [["session_id"]], "pull": [["used", 0, "session_id"]]}
INTEGERS = {"enrol": [["device_id"]], "push": [["events", 0, "seq"],
                                                ["events", 0, "data", "device_seq"]],
            "seat": [["request_id"]], "pull": [["limit"], ["used", 0, "used"]]}
SLOT = "@@slot@@"


def at(obj, path):
    for p in path:
        obj = obj[p]
    return obj


def put(route, path, raw):
    """A valid body of route whose member at path is the raw bytes raw."""
    b = valid(route)
    at(b, path[:-1])[path[-1]] = SLOT
    return json.dumps(b, ensure_ascii=False).encode().replace(b'"' + SLOT.encode() + b'"', raw)


def add_member(route, obj_path, key_raw, value_raw, first=False):
    """A valid body of route with one more member (raw key text, raw value) in the object at
    obj_path, before or after the others."""
    b = valid(route)
    o = at(b, obj_path)
    items = list(o.items())
    items.insert(0 if first else len(items), (SLOT, SLOT))
    o.clear()
    o.update(items)
    text = json.dumps(b, ensure_ascii=False).encode()
    return text.replace(b'"%s": "%s"' % (SLOT.encode(), SLOT.encode()),
                        key_raw + b": " + value_raw)


def counts():
    tables = sql("SELECT string_agg(tablename, ' ' ORDER BY tablename) FROM pg_tables"
                 " WHERE schemaname = 'public'").split()
    q = ", ".join("(SELECT count(*) FROM %s)" % t for t in tables)
    q += (", (SELECT coalesce(sum(granted), 0) || '/' || coalesce(sum(returned), 0) || '/' ||"
          " coalesce(sum(used), 0) FROM allotments),"
          " (SELECT count(*) FROM enrol_codes WHERE used_at IS NOT NULL)")
    return dict(zip(tables + ["allotment sums", "codes used"], sql("SELECT " + q).split("|")))


# ---- 1. slowloris ---------------------------------------------------------------------------

N_HEAD, N_BODY = 150, 50
slow, drip_errors = [], []
sockets_before = server_sockets()
for i in range(N_HEAD):
    s = socket.create_connection((HOST, PORT), timeout=10)
    path = ("/v1/push", "/v1/health", "/v1/enrol")[i % 3]
    s.sendall(b"POST %s HTTP/1.1\r\nHost: %s\r\nX-Slow: " % (path.encode(), HOST.encode()))
    slow.append(s)
for i in range(N_BODY):
    s = socket.create_connection((HOST, PORT), timeout=10)
    # A body announced just under the limit, so that a server that reserved what is announced
    # at once would show it in its memory.
    s.sendall(b"POST /v1/push HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
              b"Authorization: Bearer %s\r\nContent-Length: %d\r\n\r\n{\"device_id\": \""
              % (HOST.encode(), token.encode(), 8 * MIB - 100))
    slow.append(s)
rss_before = rss_kib()
stop = threading.Event()
rounds = [0]


def drip():
    while not stop.is_set():
        for i, s in enumerate(slow):
            try:
                s.send(b"a")
            except OSError as e:
                drip_errors.append((i, e))
        rounds[0] += 1
        stop.wait(1.0)


dripper = threading.Thread(target=drip, daemon=True)
dripper.start()
while rounds[0] < 3:  # every slow connection has been slow for a few seconds
    time.sleep(0.1)
latencies = []
for _ in range(5):
    t0 = time.monotonic()
    st, _, b = request("GET", "/v1/health", ctype=None, timeout=30)
    latencies.append(time.monotonic() - t0)
    check(st == 200 and (as_json(b) or {}).get("status") == "ok",
          "health under %d slow connections: %s %s" % (len(slow), st, b[:200]), "slowloris")
st, _, b = request("POST", "/v1/pull", json.dumps(valid("pull")).encode(), token=token,
                   timeout=30)
check(st == 200 and "cursor" in (as_json(b) or {}),
      "a pull under %d slow connections: %s %s" % (len(slow), st, b[:200]), "slowloris")
rss_during = rss_kib()
answered_at_round = rounds[0]
# The server holds them (accepted, not waiting in the listen backlog).
check(server_sockets() >= sockets_before + len(slow), "the server holds %d sockets, %d before the"
      " %d slow connections" % (server_sockets(), sockets_before, len(slow)), "slowloris")
# Every slow connection is still open: nothing to read (no answer, no EOF) and no failed send.
readable, _, _ = select.select(slow, [], [], 0)
check(not readable, "%d slow connections were answered or closed while still sending"
      % len(readable), "slowloris")
check(not drip_errors, "slow connections failed: %s" % drip_errors[:3], "slowloris")
while rounds[0] < answered_at_round + 1:  # and they still take bytes after the answers
    time.sleep(0.1)
readable, _, _ = select.select(slow, [], [], 0)
check(not readable and not drip_errors, "slow connections closed after the answers", "slowloris")
stop.set()
dripper.join()
for s in slow:
    s.close()
check(alive(), "the server died under slow connections", "slowloris")
lat_ms = sorted(x * 1000 for x in latencies)
print("server_hostile: GET /v1/health with %d slow connections open (%d header, %d body): "
      "median %.1f ms, max %.1f ms over %d tries (the issue asks for < 1000 ms)"
      % (len(slow), N_HEAD, N_BODY, statistics.median(lat_ms), lat_ms[-1], len(lat_ms)))
print("server_hostile: server RSS %d KiB before the slow bodies dripped, %d KiB during"
      % (rss_before, rss_during))

# ---- 2. bad bodies --------------------------------------------------------------------------

before = counts()
DEEP = 100000
cases = []  # (family, route, name, kwargs for request(), statuses, errors, message hint)


def case(family, route, name, body=None, status=400, errors=("bad_json", "bad_request"),
         hint=None, **kw):
    if body is not None:
        kw["body"] = body
    cases.append((family, route, name, kw, status, errors, hint))


NOT_JSON = "not JSON"  # the message of every bad_json
# Each route's largest body (sync/server/http.c): a body parsed costs far more than its size,
# and enrolment needs no token, so no route takes more than its largest real request.
LIMIT = {"enrol": 16 * 1024, "seat": 16 * 1024, "pull": MIB, "push": 8 * MIB}
for route in ROUTES:
    ok = json.dumps(valid(route)).encode()
    # Nesting: the parser's depth limit (1000) refuses it; a recursive reader would overflow.
    # 100 000 deep where the route takes 200 KB; else as deep as its limit allows, and the
    # 100 000 are refused for their size before they are parsed.
    deep = DEEP if LIMIT[route] > 2 * DEEP + 1000 else (LIMIT[route] - 1000) // 6
    if deep != DEEP:
        case("nesting", route, "[ x100000, over the route's limit", b"[" * DEEP + b"]" * DEEP,
             status=413, errors=("too_large",))
    case("nesting", route, "[ x%d" % deep, b"[" * deep + b"]" * deep, errors=("bad_json",))
    case("nesting", route, '{"a": x%d' % deep, b'{"a":' * deep + b"1" + b"}" * deep,
         errors=("bad_json",))
    for op in OBJECTS[route]:
        case("nesting", route, "deep in ignored %s" % op,
             add_member(route, op, b'"x"', b"[" * deep + b"]" * deep), errors=("bad_json",))
    case("nesting", route, "deep as %s" % STRINGS[route][0],
         put(route, STRINGS[route][0], b"{\"a\":" * deep + b"1" + b"}" * deep),
         errors=("bad_json",))

    # Invalid UTF-8, raw: in a member read, in a member ignored, in a key.
    raw_bad = {"overlong /": b"\xc0\xaf", "overlong NUL": b"\xc0\x80",
               "overlong 3 bytes": b"\xe0\x80\xaf", "overlong 4 bytes": b"\xf0\x80\x80\xaf",
               "high surrogate": b"\xed\xa0\x80", "low surrogate": b"\xed\xbf\xbf",
               "CESU-8 pair": b"\xed\xa0\xbd\xed\xb8\x80", "0xFF": b"\xff", "0xFE 0xFF": b"\xfe\xff",
               "lone continuation": b"\x80", "truncated": b"\xe2\x82", "past U+10FFFF":
               b"\xf4\x90\x80\x80", "5 bytes": b"\xf8\x88\x80\x80\x80"}
    for name, raw in raw_bad.items():
        for sp in STRINGS[route]:
            case("utf8", route, "%s in %s" % (name, sp), put(route, sp, b'"a' + raw + b'b"'),
                 errors=("bad_json", "bad_request"), hint="UTF-8")
        case("utf8", route, "%s in an ignored member" % name,
             add_member(route, OBJECTS[route][-1], b'"x"', b'"' + raw + b'"'), hint="UTF-8")
        case("utf8", route, "%s in a key" % name,
             add_member(route, [], b'"k' + raw + b'"', b"1", first=True), hint="UTF-8")
    # Surrogates as escapes: never a character on their own.
    for name, esc in {"\\ud800": b"\\ud800", "\\udfff": b"\\udfff", "\\ud800x": b"\\ud800x",
                      "\\ud800\\u0041": b"\\ud800\\u0041", "\\udc00\\ud800": b"\\udc00\\ud800",
                      "\\ud800\\ud800": b"\\ud800\\ud800"}.items():
        for sp in STRINGS[route]:
            case("utf8", route, "escape %s in %s" % (name, sp),
                 put(route, sp, b'"a' + esc + b'"'), errors=("bad_json",))
        case("utf8", route, "escape %s in an ignored member" % name,
             add_member(route, [], b'"x"', b'"' + esc + b'"'), errors=("bad_json",))
        case("utf8", route, "escape %s in a key" % name,
             add_member(route, [], b'"' + esc + b'"', b"1"), errors=("bad_json",))

    # NUL: raw in a string, around and between the tokens; as \u0000 in a value and in a key.
    sp = STRINGS[route][0]
    case("nul", route, "raw NUL in %s" % sp, put(route, sp, b'"a\x00b"'), hint="NUL")
    case("nul", route, "raw NUL in an ignored member",
         add_member(route, [], b'"x"', b'"\x00"'), hint="NUL")
    case("nul", route, "raw NUL after the body", ok + b"\x00", hint="NUL")
    case("nul", route, "raw NUL before the body", b"\x00" + ok, hint="NUL")
    case("nul", route, "raw NUL between tokens", ok.replace(b", ", b",\x00 ", 1), hint="NUL")
    case("nul", route, "NUL alone", b"\x00", hint="NUL")
    for where, body in (("in %s" % sp, put(route, sp, b'"a\\u0000b"')),
                        ("alone in %s" % sp, put(route, sp, b'"\\u0000"')),
                        ("in an ignored member", add_member(route, [], b'"x"', b'"\\u0000"')),
                        ("in a key", add_member(route, [], b'"a\\u0000b"', b"1")),
                        ("in a key named like a member",
                         add_member(route, [], b'"' + sp[-1].encode() + b'\\u0000x"', b"1"))):
        case("nul", route, "\\u0000 " + where, body, hint="NUL")

    # Numbers out of range or not JSON, where an integer is read (a string where none is).
    # The message says which rule refused it: a number past 2^53 must not be read as some other
    # integer (a double cast to int64_t past its range is undefined) and then refused by luck.
    for ip in INTEGERS[route]:
        integer = ip in (["limit"], ["used", 0, "used"]) or ip[-1] in ("seq", "device_seq")
        big = "out of range"
        for num, hint in ((b"1e400", big), (b"-1e400", big), (b"1e999999999", big), (b"-1", None),
                          (b"-9007199254740992", big), (b"9007199254740992", big),
                          (b"9223372036854775807", big), (b"9223372036854775808", big),
                          (b"18446744073709551615", big), (b"18446744073709551616", big),
                          (b"1" + b"0" * 400, None), (b"1.5", "fraction"), (b"0.5", "fraction"),
                          (b"-0.5", "fraction"), (b"1e-7", "fraction"), (b"NaN", None),
                          (b"nan", None), (b"Infinity", None), (b"-Infinity", None), (b"inf", None),
                          (b"0x10", None), (b"+1", None), (b"-", None), (b"1e", None),
                          (b"--1", None), (b".5", None)):
            case("numbers", route, "%s = %s" % (ip, num[:24].decode()), put(route, ip, num),
                 hint=hint if integer else "expected a string")

    # Members given twice, at every level the decoder reads: the same value, another valid
    # value, the other one first; a key spelled with an escape is the same key.
    for op in OBJECTS[route]:
        obj = at(valid(route), op)
        for k, v in obj.items():
            if isinstance(v, (list, dict)):
                other = json.dumps(v).encode()
            elif isinstance(v, str):
                # Another value the server would take as well, so that a server picking one
                # of the two would answer 200 (an unknown kind is answered refused, and kept).
                other = json.dumps({"kind": "nope.unknown", "session_id": "s-two",
                                    "code": spare_code2}.get(k, v + "x")).encode()
            else:
                other = json.dumps(v + 1).encode()
            same = json.dumps(v).encode()
            where = ".".join(str(p) for p in op + [k])
            case("duplicates", route, "%s twice, same value" % where,
                 add_member(route, op, json.dumps(k).encode(), same), errors=("bad_request",),
                 hint="given twice")
            case("duplicates", route, "%s twice, another value last" % where,
                 add_member(route, op, json.dumps(k).encode(), other), errors=("bad_request",),
                 hint="given twice")
            case("duplicates", route, "%s twice, another value first" % where,
                 add_member(route, op, json.dumps(k).encode(), other, first=True),
                 errors=("bad_request",), hint="given twice")
        k0 = next(iter(obj))
        escaped = b'"\\u%04x%s"' % (ord(k0[0]), k0[1:].encode())
        case("duplicates", route, "%s twice, once escaped" % k0,
             add_member(route, op, escaped, json.dumps(obj[k0]).encode()),
             errors=("bad_request",), hint="given twice")

    # Shapes: nothing, or not an object, or more than one value.
    case("shapes", route, "empty body", b"", errors=("bad_json",))
    case("shapes", route, "no body at all", None, errors=("bad_json",))
    for name, body in (("null", b"null"), ("[]", b"[]"), ("a string", b'"push"'),
                       ("a number", b"42"), ("true", b"true"), ("[valid body]", b"[" + ok + b"]")):
        case("shapes", route, name, body, errors=("bad_request",), hint="expected an object")
    case("shapes", route, "{}", b"{}", errors=("bad_request",), hint="missing")
    for name, body in (("white space", b" \r\n\t "), ("{", b"{"), ("trailing garbage", ok + b" x"),
                       ("two objects", ok + ok), ("trailing comma", ok[:-1] + b",}"),
                       ("single quotes", ok.replace(b'"', b"'")),
                       ("a comment", b"/* hi */" + ok), ("JSON text in UTF-16",
                                                          ok.decode().encode("utf-16"))):
        case("shapes", route, name, body)

    # Huge strings: refused for their length, never cut; a body over the route's limit is not
    # read at all.
    lim = LIMIT[route]
    case("huge", route, "%d KiB in %s" % ((lim - 2000) // 1024, sp),
         put(route, sp, b'"' + b"B" * (lim - 2000) + b'"'), errors=("bad_request",),
         hint="too long")
    case("huge", route, "%d KiB of escapes in %s" % ((lim - 2000) // 1024, sp),
         put(route, sp, b'"' + b"\\u00e9" * ((lim - 2000) // 6) + b'"'), errors=("bad_request",),
         hint="too long")
    case("huge", route, "just over the route's limit", put(route, sp, b'"' + b"A" * lim + b'"'),
         status=413, errors=("too_large",))
    case("huge", route, "9 MiB body", put(route, sp, b'"' + b"C" * (9 * MIB) + b'"'),
         status=413, errors=("too_large",))
    case("huge", route, "Content-Length 2^64 - 1", None, status=413, errors=("too_large",),
         extra=["Content-Length: 18446744073709551615"])
    # libmicrohttpd refuses a length it cannot hold itself, with its own page.
    case("huge", route, "Content-Length 2^64", None, status=413, errors=None,
         extra=["Content-Length: 18446744073709551616"])

    # Content types that are not JSON, with a valid body: refused before the body is read.
    for ct in ("text/plain", "application/x-www-form-urlencoded",
               "multipart/form-data; boundary=x", "application/xml", "text/json",
               "application/jsonx", "application/json-patch+json",
               "application/json; charset=iso-8859-1", "application/json, text/plain", "",
               None):
        case("content-type", route, "Content-Type %r" % ct, json.dumps(valid(route)).encode(),
             status=415, errors=("unsupported_media_type",), ctype=ct)

    # Chunked bodies: judged like any other; over 8 MiB they are dropped as they come.
    for name, body, errs in (("nesting", b"[" * deep + b"]" * deep, ("bad_json",)),
                             ("raw NUL", ok.replace(b", ", b",\x00 ", 1), None),
                             ("0xFF", put(route, sp, b'"\xff"'), None),
                             ("duplicate", add_member(route, [], json.dumps(next(iter(
                                 valid(route)))).encode(), b'"x"'), ("bad_request",)),
                             ("empty", b"", ("bad_json",))):
        chunks = [body[i:i + 997] for i in range(0, len(body), 997)]
        case("chunked", route, "chunked " + name, None, chunks=chunks,
             errors=errs or ("bad_json", "bad_request"))
    huge = put(route, sp, b'"' + b"D" * (9 * MIB) + b'"')
    case("chunked", route, "chunked 9 MiB", None, status=413, errors=("too_large",),
         chunks=[huge[i:i + 65536] for i in range(0, len(huge), 65536)])
    # Broken framing is answered by libmicrohttpd itself, before any route sees the body: a
    # 400 without the protocol's body (no hook for it in libmicrohttpd 0.9.75).
    case("chunked", route, "chunked, bad chunk size", None, errors=None,
         raw_chunks=b"zz\r\n" + ok + b"\r\n0\r\n\r\n")
    case("chunked", route, "chunked, chunk longer than said", None, errors=None,
         raw_chunks=b"3\r\n" + ok + b"\r\n0\r\n\r\n")

    # Framing: where the body ends must be read one way only (a proxy in front could read it
    # another way and see a second request in the same bytes).
    body = json.dumps(valid(route)).encode()
    for name, kw in (
            ("Content-Length twice, same value",
             dict(body=body, extra=["Content-Length: %d" % len(body)])),
            ("Content-Length twice, two values",
             dict(body=body, extra=["Content-Length: %d" % (len(body) + 5)])),
            ("Content-Length and chunked", dict(chunks=[body], extra=["Content-Length: 3"])),
            ("Transfer-Encoding gzip, chunked", dict(chunks=[body], te="gzip, chunked")),
            ("Transfer-Encoding chunked, chunked", dict(chunks=[body], te="chunked, chunked")),
            ("Transfer-Encoding identity", dict(chunks=[body], te="identity")),
            ("Transfer-Encoding twice",
             dict(chunks=[body], extra=["Transfer-Encoding: chunked"]))):
        case("framing", route, name, errors=("bad_request",),
             hint="Content-Length" if "Content-Length" in name else "Transfer-Encoding", **kw)
    for second in ("text/plain", "application/json"):
        case("content-type", route, "Content-Type twice, then %s" % second,
             json.dumps(valid(route)).encode(), status=415, errors=("unsupported_media_type",),
             extra=["Content-Type: " + second])

t0 = time.monotonic()
n_req = 0
for family, route, name, kw, status, errors, hint in cases:
    label = "%s %s: %s" % (route, family, name)
    # No answer in 20 s is a failure (status 0), not a figure: every case is answered at once.
    st, hd, b = request("POST", "/v1/" + route, token=token if route != "enrol" else None,
                        timeout=20, **kw)
    n_req += 1
    check(st == status, "%s: status %s, expected %s: %s" % (label, st, status, b[:300]), family)
    r = as_json(b) if errors is not None else None
    if errors is not None and check(
            hd.get("content-type") == "application/json" and isinstance(r, dict),
            "%s: not the protocol's error body: %r" % (label, b[:300]), family):
        err, msg = r.get("error"), r.get("message")
        if check(err in errors and isinstance(msg, str) and msg,
                 "%s: error %r, expected one of %s" % (label, r, errors), family):
            if hint and err == "bad_request":
                check(hint in msg, "%s: message %r does not say %r" % (label, msg, hint), family)
            if err == "bad_json":
                check(NOT_JSON in msg, "%s: message %r" % (label, msg), family)
    check(alive(), "%s: the server died" % label, family)
check(alive(), "the server died during the bad bodies", "other")
after = counts()
check(after == before, "a bad body stored something: before %s, after %s" % (before, after),
      "stored")
bad_elapsed = time.monotonic() - t0

# ---- the valid bodies are accepted: the refusals above were about the mutations ---------------

st, _, b = request("POST", "/v1/enrol", json.dumps(valid("enrol")).encode())
check(st == 200, "the spare code was spent or the enrolment refused: %s %s" % (st, b[:200]),
      "controls")
for route in ("push", "seat", "pull"):
    for ct in ("application/json", "application/json; charset=utf-8", "Application/JSON ;"
               " charset=\"UTF-8\""):
        st, _, b = request("POST", "/v1/" + route, json.dumps(valid(route)).encode(),
                           token=token, ctype=ct)
        check(st == 200, "valid %s with %r: %s %s" % (route, ct, st, b[:200]), "controls")
    body = json.dumps(valid(route)).encode()
    st, _, b = request("POST", "/v1/" + route, token=token,
                       chunks=[body[i:i + 7] for i in range(0, len(body), 7)])
    check(st == 200, "valid chunked %s: %s %s" % (route, st, b[:200]), "controls")
check(counts() != before, "the valid bodies stored nothing: the counts prove nothing", "controls")
check(alive(), "the server died", "controls")

# Tiny values: cJSON builds a node of some 64 bytes per 2-byte value, so a body costs the server
# some 30 times its size before it can be refused. Without a token, a body is at most 16 KiB
# (refused 413 before it is read); the figure is what 1 MiB of them costs on a push, the one
# route that takes more, and only with a token that looks right.
values = MIB // 2 - 100
st, _, b = request("POST", "/v1/enrol", put("enrol", ["label"], b"[" + b"0," * values + b"0]"),
                   timeout=60)
check(st == 413 and (as_json(b) or {}).get("error") == "too_large",
      "1 MiB of tiny values without a token: %s %s" % (st, b[:200]), "huge")
body = put("push", STRINGS["push"][0], b"[" + b"0," * values + b"0]")
hwm_before, t0 = rss_kib("VmHWM"), time.monotonic()
st, _, b = request("POST", "/v1/push", body, token=token, timeout=60)
amp_s, hwm_after = time.monotonic() - t0, rss_kib("VmHWM")
check(st == 400 and (as_json(b) or {}).get("error") == "bad_request",
      "1 MiB of tiny values: %s %s" % (st, b[:200]), "huge")
check(alive(), "the server died on 1 MiB of tiny values", "huge")
# The same with a token that only looks right: refused before the body is parsed.
st, _, b = request("POST", "/v1/push", body, token="ab" * 32, timeout=60)
check(st == 401 and (as_json(b) or {}).get("error") == "bad_token",
      "1 MiB push with an unknown token: %s %s" % (st, b[:200]), "huge")
print("server_hostile: a %.1f MiB push of %d values: refused in %.2f s; server peak RSS %d MiB"
      " before, %d MiB after" % (len(body) / MIB, values + 1, amp_s, hwm_before // 1024,
                                 hwm_after // 1024))

with open(LOG, errors="replace") as f:
    log = f.read()
check(not re.search(r"^[A-Z]+ \S+ 500 ", log, re.M), "a 500 in the server's log", "log")
for mark in ("AddressSanitizer", "LeakSanitizer", "runtime error:", "UndefinedBehaviorSanitizer"):
    check(mark not in log, "a sanitizer report in the server's log: %s" % mark, "log")
n_cases = {}
for c in cases:
    n_cases[c[0]] = n_cases.get(c[0], 0) + 1
print("server_hostile: %d bad bodies in %.1f s; cases (checks) by family: %s" % (
    n_req, bad_elapsed, ", ".join("%s %d (%d)" % (f, n_cases.get(f, 0), n)
                                  for f, n in tally.items())))
if failures:
    print("server_hostile: %d of %d checks failed" % (len(failures), checks), file=sys.stderr)
    sys.exit(1)
print("server_hostile: ok, %d checks" % checks)
PY

# Leaks and sanitizer reports at exit come out when the server stops.
pid=$BORNE_SERVER_PID
server_stop
if grep -E -q "AddressSanitizer|LeakSanitizer|runtime error:|UndefinedBehaviorSanitizer" \
  "$DIR/server.log"; then
  env_tail "$DIR/server.log" 60
  env_fail "a sanitizer report in the server's log (pid $pid)"
  exit 1
fi
grep -q "borne-server: stopped" "$DIR/server.log" || { env_fail "the server did not stop cleanly"; exit 1; }
echo "server_hostile: ok (the server stopped cleanly, no sanitizer report)"
