#!/usr/bin/env bash
# The fault-injecting proxy (tests/tools/fault_proxy) in front of a small Python upstream that
# echoes POST bodies and counts the requests it served: each mode seen through curl, lists of
# modes consumed in order (also on a kept-alive connection), chunked and close-delimited
# responses, a body over the 16 MiB bound, many clients at once, SIGTERM while a connection is
# held. "The upstream counted it" is what tells `lost` from `refuse`: the server committed.
#
#   fault_proxy_selftest.sh BORNE TOOLS_DIR BORNE_SERVER    (BORNE and BORNE_SERVER not used)
set -euo pipefail
TOOLS=${2:?usage: fault_proxy_selftest.sh BORNE TOOLS_DIR BORNE_SERVER}
PROXY=$TOOLS/fault_proxy
[ -x "$PROXY" ] || { echo "fault_proxy_selftest: $PROXY is not built" >&2; exit 1; }
command -v python3 >/dev/null || { echo "fault_proxy_selftest: python3 is missing" >&2; exit 1; }

DIR=$(mktemp -d /tmp/borne-proxy.XXXXXX)
UP_PID='' PROXY_PID='' HELD_PID=''
cleanup() {
  local pid
  for pid in $HELD_PID $PROXY_PID $UP_PID; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [ "${KEEP_TMP:-0}" == 1 ]; then
    echo "kept $DIR" >&2
  else
    rm -rf "$DIR"
  fi
}
trap cleanup EXIT
# shellcheck source=../checks.sh
source "$(cd "$(dirname "$0")/.." && pwd)/checks.sh"

check_in() { # check_in WHAT ACTUAL ALLOWED...
  local what=$1 actual=$2 a
  shift 2
  for a in "$@"; do
    if [ "$actual" == "$a" ]; then
      echo "ok   $what: $actual"
      return 0
    fi
  done
  echo "FAIL $what: expected one of '$*', got '$actual'"
  fails=$((fails + 1))
}
wait_port() { # wait_port FILE PID: the port once FILE is written, or fail
  local i
  for i in $(seq 200); do
    if [ -s "$1" ]; then
      tr -d '\n' <"$1"
      return 0
    fi
    kill -0 "$2" 2>/dev/null || break
    sleep 0.05
  done
  echo "fault_proxy_selftest: nothing wrote $1" >&2
  return 1
}

# --- the upstream ---------------------------------------------------------------------------
# POST: echoes the body, appends a line to DIR/count. GET /chunked, /close: the two other ways
# a response can end. Anything else: a small JSON body.
cat >"$DIR/upstream.py" <<'PY'
import http.server, os, sys, threading
count_file, port_file = sys.argv[1], sys.argv[2]
lock = threading.Lock()

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with lock, open(count_file, "a") as f:
            f.write("POST %s %d %s\n" % (self.path, len(body), self.headers.get("Expect", "-")))
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for part in (b"chunk", b"ed-", b"body"):
                self.wfile.write(b"%x;ext=1\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\nX-Trailer: 1\r\n\r\n")
        elif self.path == "/close":
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(b"close-delimited body")
            self.close_connection = True
        else:
            self.small(True)

    def do_HEAD(self):
        self.small(False)

    def small(self, with_body):
        body = b'{"status":"ok"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if with_body:
            self.wfile.write(body)

server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
with open(port_file + ".part", "w") as f:
    f.write("%d\n" % server.server_address[1])
os.rename(port_file + ".part", port_file)
server.serve_forever()
PY
python3 "$DIR/upstream.py" "$DIR/count" "$DIR/up.port" 2>"$DIR/upstream.err" &
UP_PID=$!
UP_PORT=$(wait_port "$DIR/up.port" "$UP_PID")
touch "$DIR/count"

"$PROXY" --listen 127.0.0.1:0 --port-file "$DIR/proxy.port" --upstream "127.0.0.1:$UP_PORT" \
  --control "$DIR/mode" --log "$DIR/proxy.log" 2>"$DIR/proxy.err" &
PROXY_PID=$!
URL="http://127.0.0.1:$(wait_port "$DIR/proxy.port" "$PROXY_PID")"

mode() { echo "$*" >"$DIR/mode"; }
served() { wc -l <"$DIR/count" | tr -d ' '; }
post() { # post PATH [curl args]: the body, or nothing on failure
  local path=$1
  shift
  curl -sS --max-time 20 --data-binary "hello $path" "$@" "$URL$path" 2>/dev/null || true
}
rc() { # rc CURL_ARGS...: curl's exit status
  curl -sS -o /dev/null "$@" 2>/dev/null && echo 0 || echo $?
}

# --- pass ---------------------------------------------------------------------------------------
check "no control file: pass" "hello /a" "$(post /a)"
mode pass
check "pass: the body comes back" "hello /b" "$(post /b)"
check "pass: upstream served both" 2 "$(served)"
check "pass: chunked response" "chunked-body" "$(curl -sS --max-time 20 "$URL/chunked")"
check "pass: close-delimited response" "close-delimited body" \
  "$(curl -sS --max-time 20 "$URL/close")"
check "pass: HEAD, then GET on the same connection" "200 1|200 0" \
  "$(curl -sS -I --max-time 20 -o /dev/null -w '%{http_code} %{num_connects}|' "$URL/json" \
    --next -sS --max-time 20 -o /dev/null -w '%{http_code} %{num_connects}' "$URL/json")"
head -c 3000000 /dev/urandom >"$DIR/big"
curl -sS --max-time 60 --data-binary "@$DIR/big" -H 'Expect: 100-continue' -o "$DIR/big.back" \
  "$URL/big" || true
check "pass: a 3 MB body with Expect: 100-continue, byte for byte" same \
  "$(cmp -s "$DIR/big" "$DIR/big.back" && echo same || echo different)"
check "the proxy answered the Expect itself" "POST /big 3000000 -" "$(tail -n 1 "$DIR/count")"
head -c $((17 * 1024 * 1024)) /dev/zero >"$DIR/huge"
check "a body over 16 MiB: 413" 413 \
  "$(curl -s --max-time 60 --data-binary "@$DIR/huge" -o /dev/null -w '%{http_code}' "$URL/huge")"
check "the same without Expect (the body is on its way): 413" 413 \
  "$(curl -s --max-time 60 --data-binary "@$DIR/huge" -H 'Expect:' -o /dev/null -w '%{http_code}' \
    "$URL/huge")"
check "garbage in the request line: 400" 400 \
  "$(printf 'NOT HTTP AT ALL\r\n\r\n' | timeout 10 python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(sys.stdin.buffer.read())
print(s.recv(100).split(b" ")[1].decode())' "${URL##*:}")"
rm -f "$DIR/big" "$DIR/big.back" "$DIR/huge"

# --- each fault ---------------------------------------------------------------------------------
n=$(served)
mode refuse
check_in "refuse: curl cannot talk" "$(rc --max-time 20 -d x "$URL/r")" 7 55 56
check "refuse: upstream never asked" "$n" "$(served)"

mode timeout
check "timeout: curl --max-time 2 gives up" 28 "$(rc --max-time 2 -d x "$URL/t")"
check "timeout: upstream never asked" "$n" "$(served)"

mode 5xx
check "5xx: 503" 503 "$(curl -s --max-time 20 -d x -o "$DIR/out" -w '%{http_code}' "$URL/5")"
check "5xx: the JSON error" '{"error":"unavailable","message":"injected"}' "$(cat "$DIR/out")"
check "5xx: upstream never asked" "$n" "$(served)"
mode 5xx:500
check "5xx:500" 500 "$(curl -s --max-time 20 -d x -o /dev/null -w '%{http_code}' "$URL/5")"

mode reset
check_in "reset: curl fails mid-response" "$(rc --max-time 20 -d x "$URL/reset")" 56 18
check "reset: upstream served it" $((n + 1)) "$(served)"

mode lost
check_in "lost: curl gets nothing" "$(rc --max-time 20 -d x "$URL/lost")" 56 52
check "lost: but upstream served it" $((n + 2)) "$(served)"

mode drip:10
check "drip: the whole body, slowly" "hello /drip" "$(post /drip)"
mode drip
check "drip (50 ms): the whole body" "hello /d" "$(post /d)"

mode garbage
code=$(curl -s --max-time 20 -d x -o "$DIR/out" -w '%{http_code}' "$URL/g" || true)
check "garbage: 200" 200 "$code"
check "garbage: upstream served it" $((n + 5)) "$(served)"
check "garbage: the body is not JSON" yes \
  "$(python3 -c 'import json, sys; json.loads(open(sys.argv[1], "rb").read())' "$DIR/out" \
    2>/dev/null && echo no || echo yes)"
check "garbage: not empty either" yes "$([ -s "$DIR/out" ] && echo yes || echo no)"

# --- lists of modes -------------------------------------------------------------------------------
mode 5xx lost pass
check "list: first 5xx" 503 "$(curl -s --max-time 20 -d x -o /dev/null -w '%{http_code}' "$URL/l")"
check "list: the file keeps the rest" "lost pass" "$(cat "$DIR/mode")"
check_in "list: then lost" "$(rc --max-time 20 -d x "$URL/l")" 56 52
check "list: then pass" "hello /l" "$(post /l)"
check "list: the last one stays" "hello /l" "$(post /l)"
check "list: the file holds the last one" pass "$(cat "$DIR/mode")"
# On one kept-alive connection: each request takes the next mode.
mode 5xx 5xx pass
check "list on a kept-alive connection" "503 1|503 0|200 0" \
  "$(curl -s --max-time 20 -o /dev/null -o /dev/null -o /dev/null \
    -w '%{http_code} %{num_connects}|' "$URL/k1" "$URL/k2" "$URL/k3" | sed 's/|$//')"
mode bogus
check "an unknown mode passes" "hello /u" "$(post /u)"
check "and is reported" yes "$(grep -q "unknown mode 'bogus'" "$DIR/proxy.err" && echo yes || echo no)"
printf '\n \n' >"$DIR/mode"
check "an empty control file passes" "hello /e" "$(post /e)"

# --- many at once -------------------------------------------------------------------------------
mode pass
for i in $(seq 40); do
  post "/many$i" >"$DIR/many.$i" &
done
wait_ok=0
for i in $(seq 40); do
  wait -n 2>/dev/null || true
done
for i in $(seq 40); do
  [ "$(cat "$DIR/many.$i")" == "hello /many$i" ] && wait_ok=$((wait_ok + 1))
done
check "40 clients at once" 40 "$wait_ok"

# --- the log ------------------------------------------------------------------------------------
check "log: a lost request" yes "$(grep -qx 'lost POST /lost 200' "$DIR/proxy.log" && echo yes || echo no)"
check "log: a refused connection" yes "$(grep -qx 'refuse - - -' "$DIR/proxy.log" && echo yes || echo no)"
check "log: an injected 503" yes "$(grep -qx '5xx POST /5 -' "$DIR/proxy.log" && echo yes || echo no)"
check "log: the oversized body" yes "$(grep -qx 'pass POST /huge proxy-413' "$DIR/proxy.log" && echo yes || echo no)"

# --- upstream gone, then SIGTERM with a connection held ---------------------------------------
kill "$UP_PID"
wait "$UP_PID" 2>/dev/null || true
UP_PID=
check_in "upstream down: the client gets a reset" "$(rc --max-time 20 -d x "$URL/down")" 56 52
mode timeout
curl -sS --max-time 60 -d x "$URL/held" >/dev/null 2>&1 &
HELD_PID=$!
for _ in $(seq 100); do
  grep -q 'timeout POST /held' "$DIR/proxy.log" && break
  sleep 0.05
done
kill -TERM "$PROXY_PID"
set +e
wait "$PROXY_PID"
prc=$?
set -e
PROXY_PID=
check "SIGTERM: exits 0 while a connection is held" 0 "$prc"
set +e
wait "$HELD_PID"
hrc=$?
set -e
HELD_PID=
check_in "the held client sees the connection end" "$hrc" 52 56

checks_done
