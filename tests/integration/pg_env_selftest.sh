#!/usr/bin/env bash
# The test environment itself (tests/server_env.sh): a throwaway cluster starts, answers as the
# superuser borne in UTF-8 over its private socket, keeps a commit across an immediate stop,
# can be fast (PG_FAST=1) and on TCP; env_cleanup stops everything, keeps the script's exit
# status, removes the folder (unless KEEP_TMP=1) and can run twice. When borne-server is
# built, server_start brings it up and server_stop/server_kill9 take it down.
#
#   pg_env_selftest.sh BORNE TOOLS_DIR BORNE_SERVER    (BORNE and TOOLS_DIR are not used)
set -euo pipefail
SERVER=${3:-}
HERE=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=../server_env.sh
source "$HERE/server_env.sh"
# shellcheck source=../checks.sh
source "$HERE/checks.sh"

DIR=$(mktemp -d /tmp/borne-pgenv.XXXXXX)
chmod 755 "$DIR"
trap env_cleanup EXIT

sql() { psql "$BORNE_PG" -At -v ON_ERROR_STOP=1 -c "$1"; }

# --- the default cluster: durable, socket only ------------------------------------------------
pg_start "$DIR"
check "BORNE_PG names the socket folder" "host=$DIR user=borne dbname=postgres" "$BORNE_PG"
check "connected as borne" borne "$(sql 'SELECT current_user')"
check "borne is a superuser" on "$(sql 'SHOW is_superuser')"
check "UTF-8 database" UTF8 "$(sql 'SHOW server_encoding')"
check "max_connections" 300 "$(sql 'SHOW max_connections')"
check "fsync on by default" on "$(sql 'SHOW fsync')"
check "full_page_writes on by default" on "$(sql 'SHOW full_page_writes')"
check "no TCP by default" "" "$(sql 'SHOW listen_addresses')"
sql "CREATE TABLE t (name text); INSERT INTO t VALUES ('Zoé Lefèvre-Noël')" >/dev/null
check "accented text round-trips" "Zoé Lefèvre-Noël" "$(sql 'SELECT name FROM t')"
pg_stop "$DIR"
check "pg_stop stops it" down "$(sql 'SELECT 1' >/dev/null 2>&1 && echo up || echo down)"
pg_restart "$DIR"
check "a commit survives an immediate stop" 1 "$(sql 'SELECT count(*) FROM t')"
PG_A=$BORNE_PG

# --- a fast cluster on TCP ---------------------------------------------------------------------
PG_FAST=1 pg_start "$DIR/b" --tcp
check "fast: fsync off" off "$(sql 'SHOW fsync')"
check "fast: synchronous_commit off" off "$(sql 'SHOW synchronous_commit')"
check "TCP on loopback only" 127.0.0.1 "$(sql 'SHOW listen_addresses')"
check "BORNE_PG_TCP answers" 42 "$(psql "$BORNE_PG_TCP" -Atc 'SELECT 42')"
check "the first cluster still answers" 1 "$(psql "$PG_A" -Atc 'SELECT count(*) FROM t')"

# --- refused inputs ----------------------------------------------------------------------------
check "a second cluster in the same folder is refused" 1 \
  "$( (pg_start "$DIR" >/dev/null 2>&1) && echo 0 || echo 1)"
long=$DIR/$(printf 'x%.0s' $(seq 100))
check "a socket folder too long is refused" 1 \
  "$( (pg_start "$long" >/dev/null 2>&1) && echo 0 || echo 1)"
check "server_start without a server binary fails" 1 \
  "$( (server_start "$DIR" "$DIR/no-such-server" >/dev/null 2>&1) && echo 0 || echo 1)"

# --- env_cleanup in a child script: exit status kept, cluster stopped, folder removed ---------
child() { # child KEEP_TMP: starts a cluster in a fresh folder, prints it, exits 3
  KEEP_TMP=$1 bash -c '
    set -euo pipefail
    source "$1/server_env.sh"
    d=$(mktemp -d /tmp/borne-pgenv-child.XXXXXX)
    chmod 755 "$d"
    trap "env_cleanup; env_cleanup" EXIT
    pg_start "$d"
    echo "$d"
    head -n 1 "$d/pg/postmaster.pid"
    exit 3' _ "$HERE" 2>/dev/null
}
set +e
out=$(child 0)
rc=$?
set -e
cdir=$(echo "$out" | sed -n 1p)
cpid=$(echo "$out" | sed -n 2p)
check "the child's exit status is kept" 3 "$rc"
check "the child started a cluster" yes "$([ -n "$cpid" ] && echo yes || echo no)"
check "its postgres is stopped" yes "$(env_alive "$cpid" && echo no || echo yes)"
check "its folder is removed" yes "$([ -n "$cdir" ] && [ ! -e "$cdir" ] && echo yes || echo no)"
set +e
out=$(child 1)
set -e
cdir=$(echo "$out" | sed -n 1p)
check "KEEP_TMP=1 keeps the folder" yes "$([ -n "$cdir" ] && [ -d "$cdir/pg" ] && echo yes || echo no)"
[ -n "$cdir" ] && rm -rf "$cdir"

# --- borne-server, when it is built -------------------------------------------------------------
if [ -x "$SERVER" ]; then
  server_start "$DIR" "$SERVER"
  check "server health" 200 \
    "$(curl -s -o /dev/null -w '%{http_code}' "$BORNE_SERVER_URL/v1/health")"
  pid=$BORNE_SERVER_PID
  server_stop
  check "server_stop stops it" yes "$(env_alive "$pid" && echo no || echo yes)"
  server_start "$DIR" "$SERVER"
  check "a second start on the same database" 200 \
    "$(curl -s -o /dev/null -w '%{http_code}' "$BORNE_SERVER_URL/v1/health")"
  pid=$BORNE_SERVER_PID
  server_kill9
  check "server_kill9 kills it" yes "$(env_alive "$pid" && echo no || echo yes)"
else
  echo "skip borne-server checks: '$SERVER' is not built"
fi

checks_done
