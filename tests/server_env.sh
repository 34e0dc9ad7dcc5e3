# shellcheck shell=bash
# A throwaway PostgreSQL cluster and borne-server for the integration and fault scripts.
# Sourced, not run:
#
#   source "$HERE/server_env.sh"
#   DIR=$(mktemp -d /tmp/borne-xyz.XXXXXX); chmod 755 "$DIR"
#   trap env_cleanup EXIT
#   pg_start "$DIR"                         # exports BORNE_PG
#   server_start "$DIR" "$SERVER" [args]    # exports BORNE_SERVER_URL, BORNE_SERVER_PID
#   proxy_start "$DIR" "$TOOLS/fault_proxy" "${BORNE_SERVER_URL#http://}"   # BORNE_PROXY_URL
#
# Everything lives in DIR: the cluster in DIR/pg (its log in DIR/pg.log), its unix socket in
# DIR itself, the server's log in DIR/server.log. Nothing listens on TCP unless asked: tests
# run in parallel on a shared machine and a private socket directory cannot collide.
#
# Knobs, from the environment:
#   PG_FAST=1       fsync, synchronous_commit and full_page_writes off. Only for tests that do
#                   not test durability: a kill -9 of PostgreSQL itself then loses commits.
#   PG_EXTRA_CONF   lines appended to postgresql.conf (e.g. "log_statement = 'all'").
#   KEEP_TMP=1      env_cleanup leaves DIR in place (and says where) to read the logs.
#
# As root (CI containers), initdb refuses to run: the cluster belongs to the `postgres` system
# user and pg_ctl/initdb run through runuser. The clients (psql, borne-server) stay root and
# connect over the socket with trust authentication as the database superuser `borne`.
#
# Every function prints what went wrong on stderr and returns 1, so a caller under `set -e`
# stops at the first failure with a reason instead of a bare exit status.

# What env_cleanup must undo; arrays because a script may start several of each.
ENV_PG_DATAS=()
ENV_DIRS=()
ENV_SERVER_PIDS=()
ENV_PROXY_PIDS=()
ENV_EXPLAINED=0 # a failure already showed its logs: env_cleanup need not repeat them

env_fail() {
  ENV_EXPLAINED=1
  echo "server_env: $*" >&2
  return 1
}

# The PostgreSQL programs: pg_config's bindir when it holds the server programs (Debian's
# pg_config only knows the client side), else the highest /usr/lib/postgresql/N/bin.
env_pg_bindir() {
  local dir
  dir=$(pg_config --bindir 2>/dev/null || true)
  if [ -n "$dir" ] && [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
    echo "$dir"
    return 0
  fi
  dir=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin 2>/dev/null | sort -V | tail -n 1)
  if [ -n "$dir" ] && [ -x "$dir/initdb" ]; then
    echo "$dir"
    return 0
  fi
  env_fail "no initdb found (pg_config --bindir, /usr/lib/postgresql/*/bin): install postgresql"
}

# Run a PostgreSQL server program as the cluster's owner: postgres when we are root.
env_pg_run() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# Whether PID is a live process (a zombie, killed but not yet reaped, is not).
env_alive() {
  local state
  kill -0 "$1" 2>/dev/null || return 1
  state=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
  [ "$state" != Z ]
}

# Make DIR (and any missing parents) with mode 755, so the postgres user can reach it.
env_mkdir() {
  local d=$1 missing=()
  while [ ! -e "$d" ]; do
    missing+=("$d")
    d=$(dirname "$d")
  done
  mkdir -p "$1" || return 1
  if [ ${#missing[@]} -gt 0 ]; then
    chmod 755 "${missing[@]}" || return 1
  fi
}

# Print the end of a log file on stderr, to explain a failure.
env_tail() {
  if [ -s "$1" ]; then
    echo "--- last lines of $1:" >&2
    tail -n "${2:-20}" "$1" >&2
    echo "---" >&2
  fi
}

# pg_start DIR [--tcp]
# Create a cluster in DIR/pg, start it and wait until it accepts connections. Exports BORNE_PG
# (a libpq conninfo over the unix socket in DIR) and BORNE_PG_BIN (the server programs).
# --tcp (or PG_TCP=1) also listens on 127.0.0.1 on a free port, exported as BORNE_PG_PORT with
# BORNE_PG_TCP="host=127.0.0.1 port=P user=borne dbname=postgres"; BORNE_PG then names the port
# too, since the socket's name carries it.
pg_start() {
  local dir=${1:?pg_start DIR [--tcp]} tcp=${PG_TCP:-0} bin port tries=1 conf
  [ "${2:-}" == "--tcp" ] && tcp=1
  env_mkdir "$dir" || env_fail "cannot create $dir" || return 1
  dir=$(cd "$dir" && pwd) || return 1
  # A unix socket path is at most 107 bytes: DIR/.s.PGSQL.NNNNN must fit.
  if [ $((${#dir} + 17)) -gt 107 ]; then
    env_fail "$dir is too long for a unix socket directory (at most 90 characters)"
    return 1
  fi
  if [ -e "$dir/pg" ]; then
    env_fail "$dir/pg already exists: one cluster per directory"
    return 1
  fi
  bin=$(env_pg_bindir) || return 1
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || env_fail "running as root needs the postgres user" || return 1
    chown postgres "$dir" && chmod 755 "$dir" || env_fail "cannot give $dir to postgres" || return 1
    if ! runuser -u postgres -- test -w "$dir"; then
      env_fail "the postgres user cannot reach $dir: make its parent folders traversable (755)"
      return 1
    fi
  fi
  ENV_DIRS+=("$dir")
  if ! env_pg_run "$bin/initdb" -D "$dir/pg" -U borne -A trust -E UTF8 --no-locale --no-sync \
    >"$dir/initdb.log" 2>&1; then
    env_tail "$dir/initdb.log"
    env_fail "initdb failed in $dir/pg"
    return 1
  fi
  ENV_PG_DATAS+=("$dir/pg:$bin")
  conf=$dir/pg/postgresql.conf
  {
    echo "# server_env.sh"
    echo "unix_socket_directories = '$dir'"
    echo "max_connections = 300"
    echo "shared_buffers = 32MB"
    echo "logging_collector = off"
    if [ "${PG_FAST:-0}" == 1 ]; then
      echo "fsync = off"
      echo "synchronous_commit = off"
      echo "full_page_writes = off"
    fi
    if [ -n "${PG_EXTRA_CONF:-}" ]; then
      echo "$PG_EXTRA_CONF"
    fi
  } >>"$conf" || env_fail "cannot write $conf" || return 1
  # The TCP port is a guess that may be taken by then: try a few.
  [ "$tcp" == 1 ] && tries=8
  while :; do
    if [ "$tcp" == 1 ]; then
      port=$((20000 + RANDOM % 40000))
      printf "listen_addresses = '127.0.0.1'\nport = %d\n" "$port" >>"$conf"
    else
      port=5432
      echo "listen_addresses = ''" >>"$conf"
    fi
    rm -f "$dir/pg.log" # pg_ctl creates it as the cluster's owner
    if env_pg_run "$bin/pg_ctl" -D "$dir/pg" -l "$dir/pg.log" -w -t 60 start >/dev/null 2>&1; then
      break
    fi
    tries=$((tries - 1))
    if [ "$tries" -le 0 ] || ! grep -q 'could not bind\|could not create any TCP' "$dir/pg.log"; then
      env_tail "$dir/pg.log"
      env_fail "PostgreSQL did not start in $dir/pg"
      return 1
    fi
  done
  local i
  for i in $(seq 300); do
    "$bin/pg_isready" -q -h "$dir" -p "$port" -U borne -d postgres && break
    if [ "$i" -eq 300 ]; then
      env_tail "$dir/pg.log"
      env_fail "PostgreSQL in $dir/pg is not ready after 30 s"
      return 1
    fi
    sleep 0.1
  done
  export BORNE_PG_BIN=$bin
  if [ "$tcp" == 1 ]; then
    export BORNE_PG="host=$dir port=$port user=borne dbname=postgres"
    export BORNE_PG_PORT=$port
    export BORNE_PG_TCP="host=127.0.0.1 port=$port user=borne dbname=postgres"
  else
    export BORNE_PG="host=$dir user=borne dbname=postgres"
  fi
}

# pg_stop DIR: stop the cluster of DIR at once (no checkpoint; as a power cut would), e.g. to
# restart it with pg_restart.
pg_stop() {
  local dir bin entry
  dir=$(cd "${1:?pg_stop DIR}" && pwd) || return 1
  for entry in ${ENV_PG_DATAS[@]+"${ENV_PG_DATAS[@]}"}; do
    if [ "${entry%%:*}" == "$dir/pg" ]; then
      bin=${entry#*:}
      env_pg_run "$bin/pg_ctl" -D "$dir/pg" -m immediate -w stop >/dev/null 2>&1 || true
      return 0
    fi
  done
  env_fail "no cluster was started in $dir"
}

# pg_restart DIR: start again the cluster of DIR (after pg_stop), same settings, same BORNE_PG.
pg_restart() {
  local dir bin entry i
  dir=$(cd "${1:?pg_restart DIR}" && pwd) || return 1
  for entry in ${ENV_PG_DATAS[@]+"${ENV_PG_DATAS[@]}"}; do
    [ "${entry%%:*}" == "$dir/pg" ] || continue
    bin=${entry#*:}
    if ! env_pg_run "$bin/pg_ctl" -D "$dir/pg" -l "$dir/pg.log" -w -t 60 start >/dev/null 2>&1; then
      env_tail "$dir/pg.log"
      env_fail "PostgreSQL did not restart in $dir/pg"
      return 1
    fi
    for i in $(seq 300); do
      psql "$BORNE_PG" -Atqc 'SELECT 1' >/dev/null 2>&1 && return 0
      sleep 0.1
    done
    env_fail "PostgreSQL in $dir/pg is not ready after 30 s"
    return 1
  done
  env_fail "no cluster was started in $dir"
}

# pg_kill9 DIR: kill -9 every process of the cluster of DIR (the postmaster and all its
# children at once, as a power cut would; no shutdown, no checkpoint) and return once they are
# all dead. pg_restart DIR then starts it again, through crash recovery. The postmaster is
# stopped (SIGSTOP) for the instant it takes to list its children, so that it cannot fork one
# the kill would miss: a backend left alive keeps the shared memory attached, and the restart
# refuses to start. The lock files stay, as after a power cut, except while the dead
# postmaster is a zombie its new parent has not reaped yet (an init that reaps late, as in some
# containers and VMs): PostgreSQL would take the pid for a live postmaster and refuse to start,
# so they are removed then.
pg_kill9() {
  local dir entry pm="" pids p i
  dir=$(cd "${1:?pg_kill9 DIR}" && pwd) || return 1
  for entry in ${ENV_PG_DATAS[@]+"${ENV_PG_DATAS[@]}"}; do
    [ "${entry%%:*}" == "$dir/pg" ] || continue
    # Builtins where it loops or waits: a kill should cost the restart, not process starts.
    { read -r pm <"$dir/pg/postmaster.pid"; } 2>/dev/null || true
    env_pid_state "$pm"
    if ! [[ "$pm" =~ ^[0-9]+$ ]] || [ "$ENV_STATE" == "" ] || [ "$ENV_STATE" == Z ]; then
      env_fail "pg_kill9: the cluster in $dir/pg is not running"
      return 1
    fi
    kill -STOP "$pm"
    # A signal takes effect within microseconds: spin on /proc first, then sleep (a process).
    for ((i = 1; ; i++)); do
      env_pid_state "$pm"
      [ "$ENV_STATE" == T ] && break
      if [ "$i" -ge 3000 ]; then
        env_fail "pg_kill9: the postmaster $pm does not stop"
        return 1
      fi
      [ "$i" -gt 1000 ] && sleep 0.01
    done
    # shellcheck disable=SC2207 # one pid per word
    pids=("$pm" $(pgrep -P "$pm" || true))
    kill -KILL "${pids[@]}" 2>/dev/null || true
    for p in "${pids[@]}"; do
      for ((i = 1; ; i++)); do
        env_pid_state "$p"
        [ "$ENV_STATE" == "" ] || [ "$ENV_STATE" == Z ] && break
        if [ "$i" -ge 3000 ]; then
          env_fail "pg_kill9: process $p of $dir/pg survives kill -9"
          return 1
        fi
        [ "$i" -gt 1000 ] && sleep 0.01
      done
    done
    if [ -e "/proc/$pm" ]; then # a zombie
      rm -f "$dir/pg/postmaster.pid" "$dir"/.s.PGSQL.*.lock
    fi
    return 0
  done
  env_fail "no cluster was started in $dir"
}

# ENV_STATE=the state letter of PID (R, S, D, T, Z...) from /proc, "" if it is gone; builtins
# only (no process is started: pg_kill9 polls it).
env_pid_state() {
  local stat=""
  { read -r stat <"/proc/$1/stat"; } 2>/dev/null || true
  stat=${stat##*) }
  ENV_STATE=${stat%% *}
}

# The port number in a port file: "PORT", "HOST:PORT" or "tcp:HOST:PORT", with or without a
# newline.
env_read_port() {
  local p
  [ -s "$1" ] || return 1
  p=$(tr -d ' \r\n' <"$1") || return 1
  p=${p##*:}
  [[ "$p" =~ ^[0-9]+$ ]] && [ "$p" -gt 0 ] && [ "$p" -lt 65536 ] || return 1
  echo "$p"
}

# server_start DIR BORNE_SERVER_BIN [extra serve arguments]
# Migrate the database of BORNE_PG, then run `borne-server serve` on a free loopback port in
# the background (log appended to DIR/server.log). Returns once /v1/health answers; exports
# BORNE_SERVER_URL and BORNE_SERVER_PID. Can be called again after server_stop/server_kill9
# (same database, a new port), or while a server runs to have two on one database.
# With --tls-cert among the arguments the server speaks https only: BORNE_SERVER_URL is then
# https://127.0.0.1:PORT, and the readiness check does not verify the certificate (checking it
# is the caller's test, e.g. tests/integration/sync_tls.sh).
server_start() {
  local dir=${1:?server_start DIR BORNE_SERVER_BIN [args]} bin=${2:?server_start DIR BIN} pid port i
  shift 2
  local scheme=http insecure=() a
  for a in "$@"; do
    if [ "$a" == "--tls-cert" ]; then
      scheme=https
      insecure=(--insecure)
    fi
  done
  [ -n "${BORNE_PG:-}" ] || env_fail "server_start: call pg_start first (BORNE_PG is empty)" || return 1
  [ -x "$bin" ] || env_fail "server_start: $bin is not an executable (is borne-server built?)" || return 1
  dir=$(cd "$dir" && pwd) || return 1
  echo "=== migrate $(date '+%H:%M:%S')" >>"$dir/server.log"
  if ! "$bin" migrate --db "$BORNE_PG" >>"$dir/server.log" 2>&1; then
    env_tail "$dir/server.log"
    env_fail "borne-server migrate failed"
    return 1
  fi
  rm -f "$dir/port"
  echo "=== serve $(date '+%H:%M:%S') $*" >>"$dir/server.log"
  "$bin" serve --db "$BORNE_PG" --listen 127.0.0.1:0 --port-file "$dir/port" "$@" \
    >>"$dir/server.log" 2>&1 &
  pid=$!
  ENV_SERVER_PIDS+=("$pid")
  for i in $(seq 300); do
    port=$(env_read_port "$dir/port") && break
    if ! env_alive "$pid"; then
      env_tail "$dir/server.log"
      env_fail "borne-server exited before listening"
      return 1
    fi
    if [ "$i" -eq 300 ]; then
      env_tail "$dir/server.log"
      env_fail "borne-server wrote no port file in $dir/port after 30 s"
      return 1
    fi
    sleep 0.1
  done
  for i in $(seq 300); do
    curl -fsS -o /dev/null --max-time 2 ${insecure[@]+"${insecure[@]}"} \
      "$scheme://127.0.0.1:$port/v1/health" 2>/dev/null && break
    if ! env_alive "$pid" || [ "$i" -eq 300 ]; then
      env_tail "$dir/server.log"
      env_fail "borne-server on port $port does not answer /v1/health"
      return 1
    fi
    sleep 0.1
  done
  export BORNE_SERVER_URL="$scheme://127.0.0.1:$port"
  export BORNE_SERVER_PID=$pid
}

# Stop PID with SIGTERM, then SIGKILL after 5 s; reap it if it is our child.
env_stop_pid() {
  local pid=$1 i
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 50); do
    env_alive "$pid" || break
    sleep 0.1
  done
  if env_alive "$pid"; then
    echo "server_env: $pid ignored SIGTERM for 5 s, killing it" >&2
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

# Remove PID from the array named by $1.
env_forget() {
  local -n list=$1
  local kept=() p
  for p in ${list[@]+"${list[@]}"}; do
    [ "$p" == "$2" ] || kept+=("$p")
  done
  list=(${kept[@]+"${kept[@]}"})
}

# server_stop [PID]: stop the server (BORNE_SERVER_PID by default) as systemd would.
# shellcheck disable=SC2120 # the argument is optional
server_stop() {
  local pid=${1:-${BORNE_SERVER_PID:-}}
  [ -n "$pid" ] || return 0
  env_stop_pid "$pid"
  env_forget ENV_SERVER_PIDS "$pid"
  [ "$pid" == "${BORNE_SERVER_PID:-}" ] && unset BORNE_SERVER_PID
  return 0
}

# server_kill9 [PID]: kill the server (BORNE_SERVER_PID by default) without a chance to clean
# up, as a power cut or the OOM killer would.
# shellcheck disable=SC2120 # the argument is optional
server_kill9() {
  local pid=${1:-${BORNE_SERVER_PID:-}}
  [ -n "$pid" ] || return 0
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  env_forget ENV_SERVER_PIDS "$pid"
  [ "$pid" == "${BORNE_SERVER_PID:-}" ] && unset BORNE_SERVER_PID
  return 0
}

# proxy_start DIR FAULT_PROXY_BIN UPSTREAM [CONTROL_FILE]
# Run tests/tools/fault_proxy in front of UPSTREAM ("127.0.0.1:PORT"), its mode read from
# CONTROL_FILE (default DIR/mode, "pass" until written), its log in DIR/proxy.log. Exports
# BORNE_PROXY_URL and BORNE_PROXY_PID; env_cleanup stops it.
proxy_start() {
  local dir=${1:?proxy_start DIR BIN UPSTREAM [CONTROL]} bin=${2:?proxy_start DIR BIN UPSTREAM}
  local upstream=${3:?proxy_start DIR BIN UPSTREAM} control=${4:-} pid port i
  dir=$(cd "$dir" && pwd) || return 1
  control=${control:-$dir/mode}
  [ -x "$bin" ] || env_fail "proxy_start: $bin is not an executable" || return 1
  rm -f "$dir/proxy.port"
  "$bin" --listen 127.0.0.1:0 --port-file "$dir/proxy.port" --upstream "${upstream#http://}" \
    --control "$control" --log "$dir/proxy.log" 2>>"$dir/proxy.err" &
  pid=$!
  ENV_PROXY_PIDS+=("$pid")
  for i in $(seq 100); do
    port=$(env_read_port "$dir/proxy.port") && break
    if ! env_alive "$pid" || [ "$i" -eq 100 ]; then
      env_tail "$dir/proxy.err"
      env_fail "fault_proxy did not start"
      return 1
    fi
    sleep 0.05
  done
  export BORNE_PROXY_URL="http://127.0.0.1:$port"
  export BORNE_PROXY_PID=$pid
}

# proxy_stop [PID]: stop the proxy (BORNE_PROXY_PID by default).
# shellcheck disable=SC2120 # the argument is optional
proxy_stop() {
  local pid=${1:-${BORNE_PROXY_PID:-}}
  [ -n "$pid" ] || return 0
  env_stop_pid "$pid"
  env_forget ENV_PROXY_PIDS "$pid"
  [ "$pid" == "${BORNE_PROXY_PID:-}" ] && unset BORNE_PROXY_PID
  return 0
}

# env_cleanup: for `trap env_cleanup EXIT`. Stops the servers and proxies, stops the clusters
# at once (-m immediate: nothing to keep), removes their directories unless KEEP_TMP=1. When
# the script is failing, shows the end of the server's log first. Never fails; a second call
# finds nothing left to do.
env_cleanup() {
  local rc=$? pid entry dir
  local - # the set +e below ends with the function
  set +e
  for pid in ${ENV_PROXY_PIDS[@]+"${ENV_PROXY_PIDS[@]}"}; do
    env_stop_pid "$pid"
  done
  for pid in ${ENV_SERVER_PIDS[@]+"${ENV_SERVER_PIDS[@]}"}; do
    env_stop_pid "$pid"
  done
  for entry in ${ENV_PG_DATAS[@]+"${ENV_PG_DATAS[@]}"}; do
    if [ -f "${entry%%:*}/postmaster.pid" ]; then
      env_pg_run "${entry#*:}/pg_ctl" -D "${entry%%:*}" -m immediate -w stop >/dev/null 2>&1
    fi
  done
  for dir in ${ENV_DIRS[@]+"${ENV_DIRS[@]}"}; do
    if [ "$rc" -ne 0 ] && [ "$ENV_EXPLAINED" == 0 ]; then
      env_tail "$dir/server.log" 30
    fi
    if [ "${KEEP_TMP:-0}" == 1 ]; then
      echo "server_env: kept $dir" >&2
    else
      rm -rf "$dir"
    fi
  done
  ENV_PROXY_PIDS=()
  ENV_SERVER_PIDS=()
  ENV_PG_DATAS=()
  ENV_DIRS=()
  ENV_EXPLAINED=0
  return 0
}
